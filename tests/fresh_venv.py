"""A fresh virtual environment with only what a file names installed, as Binder or a grading
image would build it, and the environment variables to run its Python with."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def fresh_venv(venv: Path, pip_arguments: list[str], cwd: Path | None = None) -> Path:
    """Create ``venv``, ``pip install`` ``pip_arguments`` into it, and return its Python."""
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         *pip_arguments], cwd=cwd, capture_output=True, text=True, timeout=1200)
    assert install.returncode == 0, install.stderr[-3000:]
    return python


def environment_for(python: Path) -> dict[str, str]:
    """This process's environment, with nothing that would reach the project's own venv or
    files, and ``python``'s folder first on the path."""
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("VIRTUAL_ENV", "PYTHONPATH", "LEARNER_TOOLS_DATA_DIR")}
    environment["PATH"] = f"{python.parent}{os.pathsep}{environment.get('PATH', '')}"
    return environment
