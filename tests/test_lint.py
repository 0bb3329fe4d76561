"""The Python code is ruff-clean (the project's conventions ask for it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_ruff_finds_nothing(root):
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run(
        [str(ruff), "check", "learner_tools", "autograder", "datasets", "tests", "scripts",
         "book/_ext"],
        cwd=root, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
