"""Build an assignment with Otter Assign: the student notebook and the autograder zip.

Otter Assign also runs the assignment's tests against the reference solution and fails if any
test does not pass, so a successful build means the solution scores full marks on its own tests.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from autograder.assignments import Assignment


class BuildError(RuntimeError):
    """Otter Assign failed, or did not write what it should have."""


@dataclass(frozen=True)
class BuildOutput:
    """The files one build produced."""

    student_notebook: Path
    solution_notebook: Path
    autograder_zip: Path


def build_assignment(assignment: Assignment, out_dir: Path) -> BuildOutput:
    """Run ``otter assign`` on the source notebook, writing into a fresh ``out_dir``."""
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    command = [sys.executable, "-m", "otter", "assign", "--no-pdfs",
               str(assignment.source), str(out_dir)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BuildError(
            f"otter assign failed for {assignment.name} ({assignment.source}):\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    student = out_dir / "student" / assignment.source.name
    solution = out_dir / "autograder" / assignment.source.name
    zips = sorted((out_dir / "autograder").glob("*.zip"))
    if not student.is_file() or not solution.is_file() or len(zips) != 1:
        raise BuildError(f"otter assign did not write the expected files into {out_dir}")
    source_ids = _cell_ids(assignment.source)
    for notebook in (student, solution):
        stabilize_cell_ids(notebook, source_ids)
    # Give the zip a stable name, so scripts and documentation can point at it.
    stable_zip = zips[0].with_name(f"{assignment.name}-autograder.zip")
    zips[0].rename(stable_zip)
    root = assignment.source.parents[4]
    bundle_support_files(stable_zip, root)
    bundle_environment(stable_zip, root)
    return BuildOutput(student, solution, stable_zip)


def _cell_ids(path: Path) -> list[str]:
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    return [cell["id"] for cell in notebook["cells"] if "id" in cell]


def stable_cell_ids(cells: list[dict], source_ids: list[str] | set[str]) -> list[str]:
    """An id for each cell: the source's id where the cell came from the source, else a stable one.

    Otter Assign keeps the ids of the cells it takes from the source notebook, but gives the
    cells it creates (``grader.check`` cells, the first cell, answer placeholders, the check-all
    cell) random ids, so every rebuild of an unchanged source rewrote the published notebook.
    A created cell's id is instead a hash of the id of the nearest source cell before it and of
    its own type and text: the same in every build, the same in the student and solution
    notebooks, and unchanged when an unrelated part of the source changes.
    """
    source = set(source_ids)
    anchor, used, ids = "", set(), []
    for cell in cells:
        current = cell.get("id")
        if current in source and current not in used:
            anchor = current
        else:
            key = f"{anchor}\n{cell['cell_type']}\n{''.join(cell.get('source', ''))}"
            current, attempt = _short_hash(key), 0
            while current in used or current in source:
                attempt += 1
                current = _short_hash(f"{key}\n{attempt}")
        used.add(current)
        ids.append(current)
    return ids


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def stabilize_cell_ids(path: Path, source_ids: list[str] | set[str]) -> None:
    """Rewrite the notebook at ``path`` with :func:`stable_cell_ids` (nbformat 4.5+ only)."""
    import nbformat

    notebook = nbformat.read(str(path), as_version=nbformat.NO_CONVERT)
    if (notebook.nbformat, notebook.nbformat_minor) < (4, 5):
        return  # cells have no ids before nbformat 4.5
    for cell, cell_id in zip(notebook.cells, stable_cell_ids(notebook.cells, source_ids),
                             strict=True):
        cell["id"] = cell_id
    nbformat.write(notebook, str(path))


SUPPORT = {"learner_tools": "*.py", "datasets": "*"}


def bundle_support_files(autograder_zip: Path, root: Path) -> None:
    """Add the helper package and the datasets to the zip, under ``files/``.

    Otter's autograder copies everything under ``files/`` beside each submission before running
    it, so on Gradescope (or anywhere the project is not installed) a notebook's
    ``import learner_tools`` and its data loading work unchanged.
    """
    with zipfile.ZipFile(autograder_zip, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        present = set(archive.namelist())
        for folder, pattern in SUPPORT.items():
            for path in sorted((root / folder).glob(pattern)):
                name = f"files/{folder}/{path.name}"
                if path.is_file() and name not in present and path.suffix != ".pyc":
                    archive.write(path, name)


def grading_requirements(root: Path) -> list[str]:
    """The learner's pinned packages (``requirements.txt``), as a grading image installs them:
    everything but the project itself, whose ``learner_tools`` and datasets travel in
    ``files/``."""
    wanted = []
    for line in (root / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            wanted.append(line)
    return wanted


def python_version(root: Path) -> str:
    """The Python the course runs on (Binder's ``runtime.txt``: ``python-3.11``)."""
    runtime = root / "runtime.txt"
    text = runtime.read_text(encoding="utf-8").strip() if runtime.is_file() else ""
    return text.removeprefix("python-") or f"{sys.version_info.major}.{sys.version_info.minor}"


def bundle_environment(autograder_zip: Path, root: Path) -> None:
    """Give the zip the course's environment: Otter Assign writes an ``environment.yml`` with
    otter-grader alone, so on Gradescope (or under ``otter grade``) a correct notebook that
    imports matplotlib scored 0. The zip's ``environment.yml`` (what Gradescope's image is built
    from) and a ``requirements.txt`` then hold the learner's pins and Python version."""
    import yaml

    if not (root / "requirements.txt").is_file():  # not this project's layout: otter's own
        return
    with zipfile.ZipFile(autograder_zip) as archive:
        members = {info.filename: (info, archive.read(info)) for info in archive.infolist()}
    environment = yaml.safe_load(members["environment.yml"][1]) if "environment.yml" in \
        members else {"name": "otter-env", "channels": ["conda-forge"], "dependencies": []}
    wanted = grading_requirements(root)
    names = {_requirement_name(line) for line in wanted}
    dependencies = []
    for item in environment.get("dependencies", []):
        if isinstance(item, dict) and "pip" in item:
            # The course's pins replace otter's lines for the same packages, except otter's
            # own line (it carries the extras the grading image needs, at the same version).
            kept = [line for line in item["pip"] if _requirement_name(line) not in names
                    or _requirement_name(line) == "otter-grader"]
            kept_names = {_requirement_name(line) for line in kept}
            item = {"pip": kept + [line for line in wanted
                                   if _requirement_name(line) not in kept_names]}
        elif isinstance(item, str) and item.split("=")[0] == "python":
            item = f"python={python_version(root)}"
        dependencies.append(item)
    environment["dependencies"] = dependencies
    members["environment.yml"] = (members.get("environment.yml", (
        zipfile.ZipInfo("environment.yml"), b""))[0],
        yaml.safe_dump(environment, sort_keys=False).encode())
    members["requirements.txt"] = (members.get("requirements.txt", (
        zipfile.ZipInfo("requirements.txt"), b""))[0], ("\n".join(wanted) + "\n").encode())
    temporary = autograder_zip.with_suffix(".zip.part")
    with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info, data in members.values():
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    temporary.replace(autograder_zip)


def _requirement_name(line: str) -> str:
    """The distribution a requirement line names, normalized (``otter-grader[grading]==7`` is
    ``otter-grader``)."""
    name = re.split(r"[\[=<>!~; ]", line.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def normalized_notebook(path: Path) -> dict:
    """The parts of a notebook that matter to a learner: cells' type and text, and the tests.

    Cell ids and metadata are left out, so a notebook published by another version of Otter
    Assign (which may lay out metadata differently) is not reported as stale.
    """
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    return {
        "cells": [(cell["cell_type"], "".join(cell["source"])) for cell in notebook["cells"]],
        "otter": notebook.get("metadata", {}).get("otter", {}),
    }


def publish_student_notebook(assignment: Assignment, output: BuildOutput) -> Path:
    """Copy the built student notebook to where learners and Binder find it."""
    shutil.copyfile(output.student_notebook, assignment.student_notebook)
    return assignment.student_notebook


def student_notebook_is_current(assignment: Assignment, output: BuildOutput) -> bool:
    """Whether the published student notebook matches a fresh build."""
    if not assignment.student_notebook.is_file():
        return False
    return normalized_notebook(assignment.student_notebook) == normalized_notebook(
        output.student_notebook
    )
