"""Shared fixtures: the project's paths, and each assignment built once per test session."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

# Under pytest-xdist each worker gets a temporary folder of its own, before anything makes a
# temporary file: the grading tests count what grading leaves behind there, and must not
# count another worker's grading in progress. Sticky and open to all, like /tmp, for the test
# that grades as an ordinary user.
if os.environ.get("PYTEST_XDIST_WORKER"):
    _private = Path(tempfile.gettempdir()) / f"worker-{os.environ['PYTEST_XDIST_WORKER']}"
    _private.mkdir(exist_ok=True)
    _private.chmod(0o1777)
    os.environ["TMPDIR"] = str(_private)
    tempfile.tempdir = None

from autograder.assignments import find_assignments
from autograder.build import build_assignment

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = find_assignments(ROOT)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def built_assignments(tmp_path_factory):
    """Every assignment built by Otter Assign into a temporary folder, keyed by name."""
    out = tmp_path_factory.mktemp("assignments")
    return {a.name: (a, build_assignment(a, out / a.name)) for a in ASSIGNMENTS}


BUILD = [str(Path(sys.executable).with_name("jupyter-book")), "build", "-W", "-n", "--keep-going"]


@pytest.fixture(scope="session")
def built_book(root, tmp_path_factory) -> Path:
    """The book, built once for the whole session: under pytest-xdist the first worker to
    need it builds it while the other waits on a lock, then both read the same pages."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = tmp_path_factory.getbasetemp().parent  # common to every worker
    else:
        shared = tmp_path_factory.mktemp("shared")
    out, outcome = shared / "book", shared / "book-build.json"
    with open(shared / "book.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not outcome.exists():
            # A non-interactive MPLBACKEND, as CI machines often set, must not make figures
            # vanish. BOOK_REPOSITORY_URL unset: the book as built before anyone gives it a
            # repository address.
            env = {**os.environ, "MPLBACKEND": "Agg"}
            env.pop("BOOK_REPOSITORY_URL", None)
            result = subprocess.run([*BUILD, str(root), "--path-output", str(out)],
                                    capture_output=True, text=True, env=env)
            outcome.write_text(json.dumps({"returncode": result.returncode,
                                           "log": (result.stdout + result.stderr)[-5000:]}))
    built = json.loads(outcome.read_text())
    assert built["returncode"] == 0, built["log"]
    return out / "_build" / "html"


