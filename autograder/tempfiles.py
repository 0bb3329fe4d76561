"""Temporary folders that are cleaned up even after a run is killed.

Each folder's name carries the id of the process that made it. A run that ends normally
removes its own; a run killed outright (SIGKILL, a lost terminal) cannot, so every run first
removes the folders of processes that no longer exist.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import psutil

PREFIX = "autograder-"


def make_temp_dir(kind: str) -> Path:
    """A new private folder named ``autograder-<kind>-<pid>-<random>``."""
    remove_stale()
    return Path(tempfile.mkdtemp(prefix=f"{PREFIX}{kind}-{os.getpid()}-"))


def remove_stale() -> None:
    """Remove the folders of processes that have exited."""
    for folder in Path(tempfile.gettempdir()).glob(f"{PREFIX}*-*"):
        parts = folder.name[len(PREFIX):].split("-")
        pids = [int(p) for p in parts if p.isdigit()]
        if pids and not _alive(pids[0]):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
