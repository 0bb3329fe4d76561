"""A real PostgreSQL server for the tests, from Debian's ``postgresql`` package: started in a
temporary folder, listening only on a Unix socket there (no TCP port at all), and stopped
after. As root, it runs as Debian's ``postgres`` user (PostgreSQL refuses to run as root)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PORT = 5432  # only names the socket file (.s.PGSQL.5432) in our own folder


def postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit()
                   else 0)
    return found[-1].parent if found else None


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yield a SQLAlchemy URL of an empty database on a fresh server. Its folder is made in
    the system's temporary folder (pytest's is private to root, out of the server's reach)."""
    binaries = postgres_bin()
    if binaries is None:
        raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql "
                           "(.ci/run installs it)")
    folder = Path(tempfile.mkdtemp(prefix="gradebook-postgres-"))
    data, socket_dir = folder / "data", folder / "socket"
    socket_dir.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(socket_dir, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    run = lambda *command: subprocess.run([*as_user, *command], check=True,  # noqa: E731
                                          capture_output=True, text=True, timeout=120)
    run(str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "grader",
        "--no-sync", "-E", "UTF8")
    log = folder / "server.log"
    run(str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-o",
        f"-c listen_addresses='' -k {socket_dir} -p {PORT} -c fsync=off", "start")
    try:
        run(str(binaries / "createdb"), "-h", str(socket_dir), "-p", str(PORT), "-U",
            "grader", "gradebook")
        yield f"postgresql+psycopg://grader@/gradebook?host={socket_dir}&port={PORT}"
    finally:
        run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)
