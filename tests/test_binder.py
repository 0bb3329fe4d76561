"""What Binder builds works: requirements.txt alone, in a fresh virtual environment, runs every
learner notebook, and JupyterLab there has the widgets extension."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from fresh_venv import environment_for, fresh_venv

ROOT = Path(__file__).resolve().parent.parent
LEARNER_NOTEBOOKS = sorted(p for p in (ROOT / "modules").rglob("*.ipynb")
                           if "source" not in p.parts and ".ipynb_checkpoints" not in p.parts)

RUN = """
import sys
from pathlib import Path
import nbformat
from nbclient import NotebookClient
for name in sys.argv[1:]:
    path = Path(name)
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    print("ran", path.name)
"""


@pytest.fixture(scope="module")
def binder_env(tmp_path_factory) -> Path:
    venv = tmp_path_factory.mktemp("binder") / "venv"
    fresh_venv(venv, ["-r", "requirements.txt"], cwd=ROOT)
    return venv


def test_runtime_and_requirements_are_what_repo2docker_reads():
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists(), \
        "a binder/ folder would make repo2docker ignore the root files"
    assert (ROOT / "runtime.txt").read_text().strip() == "python-3.11"
    requirements = (ROOT / "requirements.txt").read_text()
    for package in ("jupyterlab==", "ipywidgets==", "jupyterlab_widgets==", "otter-grader==",
                    "-e ."):
        assert package in requirements


def test_every_learner_notebook_runs_in_the_binder_environment(binder_env):
    env = environment_for(binder_env / "bin" / "python")
    result = subprocess.run([str(binder_env / "bin" / "python"), "-c", RUN,
                             *map(str, LEARNER_NOTEBOOKS)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("ran ") == len(LEARNER_NOTEBOOKS)


def test_jupyterlab_there_has_the_widgets_extension(binder_env):
    result = subprocess.run([str(binder_env / "bin" / "jupyter"), "labextension", "list"],
                            capture_output=True, text=True, timeout=120)
    listing = result.stdout + result.stderr
    assert "@jupyter-widgets/jupyterlab-manager" in listing
    line = next(ln for ln in listing.splitlines() if "@jupyter-widgets/jupyterlab-manager" in ln)
    assert "enabled" in line and "OK" in line
