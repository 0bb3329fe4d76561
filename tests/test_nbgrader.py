"""The nbgrader export works in nbgrader itself: generate, submit, autograde."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ASSIGNMENTS

from autograder.selfcheck import load_wrong_answers


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    bin_dir = str(Path(sys.executable).parent)  # nbgrader runs alembic from the environment
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    result = subprocess.run([str(Path(bin_dir) / "nbgrader"), *args], cwd=course, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=[a.name for a in ASSIGNMENTS])
def test_nbgrader_gives_the_solution_full_marks_and_the_blank_zero(assignment, tmp_path):
    course = tmp_path / "course"
    export = subprocess.run([sys.executable, "-m", "autograder", "nbgrader", assignment.name,
                             "--out", str(course)], capture_output=True, text=True)
    assert export.returncode == 0, export.stderr
    name = assignment.name
    nbgrader(course, "generate_assignment", name, "--force")
    release = json.loads((course / "release" / name / f"{name}.ipynb").read_text())
    source = json.loads((course / "source" / name / f"{name}.ipynb").read_text())
    released = json.dumps(release)
    assert "### BEGIN SOLUTION" not in released and "### BEGIN HIDDEN TESTS" not in released

    answers = {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"]) for c in source["cells"]
               if c["metadata"].get("nbgrader", {}).get("solution")}
    wrong = load_wrong_answers(assignment.wrong_answers)[0]

    def submission(fill: bool, extra: dict[str, str] | None = None) -> dict:
        notebook = json.loads(released)
        for cell in notebook["cells"]:
            meta = cell["metadata"].get("nbgrader", {})
            if fill and meta.get("solution"):
                cell["source"] = answers[meta["grade_id"]] + (extra or {}).get(
                    meta["grade_id"], "")
        return notebook

    students = {"solution": submission(True), "blank": submission(False),
                "wrong": submission(True, {f"{wrong.question}-answer": "\n" + wrong.code})}
    for student, notebook in students.items():
        folder = course / "submitted" / student / name
        folder.mkdir(parents=True)
        (folder / f"{name}.ipynb").write_text(json.dumps(notebook))
    nbgrader(course, "autograde", name, "--create", "--force")

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = {s: gradebook.find_submission(name, s) for s in students}
        full = scores["solution"].max_code_score
        assert full > 0
        assert scores["solution"].code_score == full
        assert scores["blank"].code_score == 0
        assert scores["wrong"].code_score < full
        assert scores["solution"].needs_manual_grade  # the briefing note awaits its rubric
        grade_cells = [g for g in gradebook.find_notebook(name, name).grade_cells
                       if g.cell_type == "markdown"]
        assert [g.max_score for g in grade_cells] == [4.0]
