"""Sphinx extension: build ``offline-bundle.zip`` with the book, for learners without reliable
internet.

The bundle holds every learner notebook (lessons and student assignments, never the assignment
sources with their solutions and hidden tests), the datasets with their dictionary, the helper
package and what is needed to install it. It is written into the HTML output on every build,
so it always matches the published notebooks.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

BUNDLE = "offline-bundle.zip"
ROOT_NAME = "public-service-data-literacy"

PYPROJECT = """[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "learner-tools"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["pandas", "numpy", "matplotlib", "ipywidgets"]

[tool.setuptools]
packages = ["learner_tools"]
"""

README = """# Data literacy and digital skills for the public service: offline copy

This folder holds every lesson and assignment notebook of the book, the datasets and the small
helper package the notebooks import. To work without internet, install once while you are
online (you need Python 3.11 or later):

    python3 -m venv .venv
    .venv/bin/pip install -r requirements.txt
    .venv/bin/jupyter lab

On Windows use .venv\\Scripts\\pip and .venv\\Scripts\\jupyter. After that, no internet is
needed: open the notebooks in modules/ from JupyterLab. Lessons and data: CC BY 4.0.
"""


def learner_files(root: Path) -> list[tuple[Path, str]]:
    """(file, name in the bundle) for everything a learner needs, and nothing instructors keep."""
    files = []
    for path in sorted((root / "modules").rglob("*")):
        parts = path.relative_to(root).parts
        if (path.is_file() and path.suffix in (".ipynb", ".md") and "source" not in parts
                and ".ipynb_checkpoints" not in parts):
            files.append((path, "/".join(parts)))
    for folder, pattern in (("datasets", "*"), ("learner_tools", "*.py")):
        for path in sorted((root / folder).glob(pattern)):
            if path.is_file():
                files.append((path, f"{folder}/{path.name}"))
    for name in ("requirements.txt", "runtime.txt", "LICENSE.md"):
        if (root / name).is_file():
            files.append((root / name, name))
    return files


def write_bundle(root: Path, destination: Path) -> Path:
    with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, name in learner_files(root):
            archive.write(path, f"{ROOT_NAME}/{name}")
        archive.writestr(f"{ROOT_NAME}/pyproject.toml", PYPROJECT)
        archive.writestr(f"{ROOT_NAME}/README.md", README)
    return destination


def _on_build_finished(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        write_bundle(Path(app.srcdir), Path(app.outdir) / BUNDLE)


def setup(app):
    app.connect("build-finished", _on_build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
