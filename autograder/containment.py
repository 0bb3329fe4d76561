"""What a submission may see and use: a bubblewrap sandbox per worker, a cgroup per worker.

Each grading worker runs inside `bubblewrap <https://github.com/containers/bubblewrap>`_
(Debian's ``bubblewrap`` package), started once and kept warm. Its file system is an
allow-list, built from nothing: the system's libraries, the Python interpreter and its
installed packages, this package and ``learner_tools``, the course datasets and the
assignment's support files, all read-only, and an empty ``/tmp``. The repository around them
(instructors' sources, builds, gradebooks), the submissions and the tests are simply not
there. The worker has its own user, PID, network (no interfaces), IPC and UTS namespaces and
dies with the grader. Inside it, each submission gets a further PID and mount namespace of its
own (see :mod:`autograder.worker`), so it can neither see nor signal the worker, the grader or
another submission, and all its processes die together.

Where the grader runs as root with cgroup v1's memory and pids controllers (as on this
project's machines), every worker also gets a cgroup: the memory and process count of a
submission's processes together, its files in ``/tmp`` and ``/dev/shm`` included, are capped
for each run. Elsewhere each process is capped on its own (``setrlimit``).

:func:`diagnose` says what this machine gives; ``autograder doctor`` prints it.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from autograder.sandbox import KEPT_IN_TMP

SUPPORT_MOUNT = "/support"  # where a worker sees the assignment's support files
SYSTEM_PATHS = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc/ld.so.cache",
                "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/fonts",
                "/etc/alternatives", "/etc/mime.types", "/etc/matplotlibrc")


def bwrap_executable() -> str | None:
    return shutil.which("bwrap")


def _python_paths() -> list[Path]:
    """The interpreter, its standard library and every folder packages are imported from."""
    import autograder
    import learner_tools

    paths = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).resolve().parent,
             Path(autograder.__file__).resolve().parent,
             Path(learner_tools.__file__).resolve().parent}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        paths.add(Path(sysconfig.get_paths()[key]))
    for folder in [*site.getsitepackages(), site.getusersitepackages()]:
        paths.add(Path(folder))
    try:  # the course's tables, which the worker pre-loads and submissions read
        from learner_tools.data import data_dir

        paths.add(data_dir().resolve())
    except Exception:  # noqa: BLE001 - an assignment without the course's data is fine too
        pass
    return sorted({p.resolve() for p in paths if p.exists()}, key=lambda p: len(p.parts))


def allowed_paths() -> list[Path]:
    """Everything bound read-only into a worker at its own path: no folder inside another
    one twice."""
    wanted = [Path(p) for p in SYSTEM_PATHS if Path(p).exists()] + _python_paths()
    kept: list[Path] = []
    for path in sorted(set(wanted), key=lambda p: len(p.parts)):
        if not any(parent in kept for parent in path.parents):
            kept.append(path)
    return kept


def allowed_paths_in_tmp() -> list[str]:
    """The allow-listed paths that live under /tmp (a clone of the project there, with its
    virtual environment): a fresh /tmp must bind them in again
    (:func:`autograder.sandbox.fresh_tmp`)."""
    return [str(path) for path in allowed_paths() if Path("/tmp") in path.parents]


def worker_command(control_fd: int, support_dir: Path | None, *, contained: bool) -> list[str]:
    """The command line that starts a worker listening on ``control_fd``."""
    python = [sys.executable, "-m", "autograder.worker", str(control_fd)]
    if not contained:
        return [*python, "--unsafe"]
    # As root, no user namespace: in one, the sandbox's root would still be the machine's
    # root to the kernel (/proc/sys, owned by root, would be writable); instead each
    # submission's process becomes a user of its own, which no other process has
    # (:func:`autograder.sandbox.become_unprivileged`). As
    # an ordinary user, a user namespace maps the sandbox to that user alone.
    as_root = os.geteuid() == 0
    command = [bwrap_executable() or "bwrap", "--unshare-ipc", "--unshare-pid",
               "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
               *([] if as_root else ["--unshare-user"]),
               "--die-with-parent", "--new-session",
               # Kept only to give each submission its own namespaces (and, as root, to change
               # to the submission's own user); the submission's process gives up every
               # capability before any of
               # its code runs.
               "--cap-add", "CAP_SYS_ADMIN",
               *(["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"] if as_root else []),
               "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
               # Nothing of the grader's environment (tokens, database addresses) goes in.
               "--clearenv", "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
               "--setenv", "LANG", "C.UTF-8", "--setenv", "HOME", "/tmp",
               "--setenv", "MPLBACKEND", "Agg", "--setenv", "PYTHONDONTWRITEBYTECODE", "1",
               "--setenv", "AUTOGRADER_SUPPORT", SUPPORT_MOUNT]
    if os.environ.get("LEARNER_TOOLS_DATA_DIR"):
        command += ["--setenv", "LEARNER_TOOLS_DATA_DIR", os.environ["LEARNER_TOOLS_DATA_DIR"]]
    allowed = allowed_paths()
    # The folders that lead to them, readable by all (bubblewrap would make them 0700, which
    # an unprivileged user could not pass through).
    parents = sorted({parent for path in allowed for parent in path.parents
                      if parent != Path("/")}, key=lambda p: len(p.parts))
    for parent in parents:
        command += ["--perms", "0755", "--dir", str(parent)]
    for path in allowed:
        command += ["--ro-bind", str(path), str(path)]
    in_tmp = allowed_paths_in_tmp()
    if in_tmp:  # see sandbox._own_file_systems
        command += ["--setenv", KEPT_IN_TMP, os.pathsep.join(in_tmp)]
    if support_dir is not None:
        command += ["--ro-bind", str(Path(support_dir).resolve()), SUPPORT_MOUNT]
    # The root itself read-only too: nothing a submission writes outside its own /tmp can
    # outlive it or reach the next one.
    return [*command, "--remount-ro", "/", "--chdir", "/tmp", "--", *python]


def worker_environment(support_dir: Path | None, *, contained: bool) -> dict[str, str]:
    """The environment a worker is started with (bubblewrap then replaces it inside)."""
    environment = dict(os.environ)
    environment["AUTOGRADER_SUPPORT"] = (SUPPORT_MOUNT if contained or support_dir is None
                                         else str(Path(support_dir).resolve()))
    return environment


@dataclass
class Diagnosis:
    """What this machine gives a submission (``autograder doctor``)."""

    bwrap: str | None
    contained: bool  # bubblewrap runs with PID, network and mount namespaces
    problem: str  # why not, when it does not
    cgroup: str | None  # the cgroup v1 root used for whole-submission limits, if any
    syscall_filter: str  # "" when the seccomp filter can be built, else why not
    cpu_shared: bool = False  # each worker's cgroup has the cpu controller
    scorer: str = ""  # "" when scorers get their walls (scorer_confinement), else why not

    def lines(self) -> list[str]:
        yes = {True: "yes", False: "no"}
        return [
            f"bubblewrap: {self.bwrap or 'not installed (Debian: apt-get install bubblewrap)'}",
            f"each submission contained (allow-listed files, own PID, mount and network "
            f"namespaces, an unprivileged user, no capabilities): {yes[self.contained]}"
            + (f" ({self.problem})" if self.problem else ""),
            "memory and process count limited for all of a submission's processes together: "
            + (f"yes (cgroup {self.cgroup})" if self.cgroup else
               "no: per process only (needs root and cgroup v1 memory and pids controllers)"),
            "processors shared equally between workers, however many processes a submission "
            f"starts: {yes[self.cpu_shared]}",
            "system calls filtered (no namespaces, mounts, tracing, keyrings, BPF): "
            + ("yes" if not self.syscall_filter else f"no ({self.syscall_filter})"),
            "each scorer behind walls of its own (read-only files, no network, no signals, "
            "no capabilities): " + ("yes" if not self.scorer else f"no ({self.scorer})"),
            f"running as: {'root' if os.geteuid() == 0 else 'an ordinary user'}",
        ]


_DIAGNOSIS: Diagnosis | None = None


def diagnose() -> Diagnosis:
    """Try a tiny contained process once per grader process and report what works."""
    global _DIAGNOSIS
    if _DIAGNOSIS is not None:
        return _DIAGNOSIS
    from autograder.cgroups import cgroup_root, cpu_shared
    from autograder.syscalls import FilterUnavailable, build_filter

    try:
        build_filter()
        filter_problem = ""
    except FilterUnavailable as error:
        filter_problem = str(error)
    executable = bwrap_executable()
    problem = "" if executable else "bubblewrap is not installed"
    if executable:
        read, write = os.pipe()
        try:
            command = worker_command(write, None, contained=True)
            command = command[:command.index("--")] + [
                "--", sys.executable, "-c",
                "import ctypes, os; libc = ctypes.CDLL(None, use_errno=True); "
                "ok = libc.unshare(0x20000000 | 0x00020000) == 0; "
                f"os.write({write}, b'ok' if ok else b'no')"]
            done = subprocess.run(command, pass_fds=[write], capture_output=True, timeout=30)
            os.close(write)
            answer = os.read(read, 16)
            if answer != b"ok":
                problem = (done.stderr.decode(errors="replace").strip()[:300]
                           or "a sandbox could not make namespaces of its own")
        except (OSError, subprocess.SubprocessError) as error:
            problem = f"bubblewrap failed: {error}"[:300]
        finally:
            os.close(read)
            try:
                os.close(write)
            except OSError:
                pass
    scorer_problem = "" if filter_problem else _try_scorer_walls()
    problem = problem or filter_problem or scorer_problem
    _DIAGNOSIS = Diagnosis(executable, not problem, problem, cgroup_root(), filter_problem,
                           cpu_shared(), scorer_problem)
    return _DIAGNOSIS


def _try_scorer_walls() -> str:
    """Raise a scorer's walls in a child process: "" if they stand, else why not."""
    from autograder import scorer_confinement

    scorer_confinement.prepare()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read)
            scorer_confinement.confine(None, 8)
            os.write(write, b"ok")
        except BaseException as error:  # noqa: BLE001
            os.write(write, str(error).encode()[:300])
        os._exit(0)
    os.close(write)
    answer = b""
    while chunk := os.read(read, 512):
        answer += chunk
    os.close(read)
    os.waitpid(pid, 0)
    return "" if answer == b"ok" else (answer.decode(errors="replace") or "no answer")


class ContainmentUnavailable(RuntimeError):
    """This machine cannot contain submissions, and the instructor did not accept the risk."""
