"""The nbgrader export works in nbgrader itself: generate, submit, autograde."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ASSIGNMENTS

from autograder.review import manual_questions
from autograder.selfcheck import load_wrong_answers


def _bare_path() -> dict[str, str]:
    """An environment where the venv is not activated, as the guide's reader may run nbgrader:
    the course's configuration must find alembic (nbgrader's migrations) by itself."""
    bin_dir = str(Path(sys.executable).parent)
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep)
                           if p and Path(p).resolve() != Path(bin_dir).resolve())
    return {**os.environ, "PATH": path or "/usr/bin:/bin"}


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), *args], cwd=course,
                            env=_bare_path(), capture_output=True, text=True, timeout=300)
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
        assert scores["solution"].needs_manual_grade  # the written answers await their rubric
        grade_cells = [g for g in gradebook.find_notebook(name, name).grade_cells
                       if g.cell_type == "markdown"]
        # one markdown grade cell per free-response question, worth its points in the source
        assert [g.max_score for g in grade_cells] == [
            q.points for q in manual_questions(assignment.source)]


def test_the_books_otter_notebooks_are_graded_by_nbgrader_from_an_lms_download(tmp_path):
    """The whole nbgrader route as the guide gives it: export, generate (the venv not on PATH),
    collect a Moodle download of the book's (Otter) notebooks, autograde, feedback."""
    from test_assignments import _source_secrets

    assignment = ASSIGNMENTS[0]
    name = assignment.name
    course = tmp_path / "course"
    export = subprocess.run([sys.executable, "-m", "autograder", "nbgrader", name, "--out",
                             str(course)], capture_output=True, text=True, env=_bare_path())
    assert export.returncode == 0, export.stderr
    # The helper package and the datasets go with the assignment, for a hub without them.
    assert (course / "source" / name / "learner_tools" / "data.py").is_file()
    assert (course / "source" / name / "datasets" / "datapackage.json").is_file()
    nbgrader(course, "generate_assignment", name, "--force")
    assert (course / "release" / name / "datasets" / "datapackage.json").is_file()

    source = json.loads((course / "source" / name / f"{name}.ipynb").read_text())
    solutions = ["".join(c["source"]) for c in source["cells"]
                 if c["metadata"].get("nbgrader", {}).get("solution")]
    otter = json.loads(assignment.student_notebook.read_text())
    answer_cells = [i for i, c in enumerate(otter["cells"])
                    if "otter_answer_cell" in c["metadata"].get("tags", [])]
    wrong = load_wrong_answers(assignment.wrong_answers)[0]

    def book_notebook(filled: bool, wrong_answer: bool = False) -> dict:
        notebook = json.loads(json.dumps(otter))
        if filled:
            for n, index in enumerate(answer_cells):
                notebook["cells"][index]["source"] = solutions[n]
        if wrong_answer:
            number = int(wrong.question.removeprefix("q"))
            notebook["cells"][answer_cells[number - 1]]["source"] += "\n" + wrong.code
        # A cell of the student's own, which must survive the conversion.
        notebook["cells"].insert(2, {"cell_type": "code", "execution_count": None, "id": "mine",
                                     "metadata": {}, "outputs": [], "source": "scratch = 2 + 2"})
        return notebook

    broken = book_notebook(True)
    broken["cells"] = [c for c in broken["cells"]
                       if "otter_answer_cell" not in c["metadata"].get("tags", [])][:40]
    download = tmp_path / "download"
    for folder, notebook in (("Zoé Tremblay_657737", book_notebook(True)),
                             ("An Nguyen_657738", book_notebook(False)),
                             ("Chidi Okafor_657739", book_notebook(True, wrong_answer=True)),
                             ("Dana Roy_657740", broken)):
        where = download / f"{folder}_assignsubmission_file_"
        where.mkdir(parents=True)
        (where / f"{name}.ipynb").write_text(json.dumps(notebook))
    collected = subprocess.run([sys.executable, "-m", "autograder", "nbgrader-collect", name,
                                str(download), "--course", str(course)],
                               capture_output=True, text=True, env=_bare_path())
    assert collected.returncode == 1  # one notebook could not be collected, and says why
    assert "collected 3 of 4" in collected.stdout
    assert "Dana Roy_657740" in collected.stderr and "0 answer cells" in collected.stderr
    converted = json.loads((course / "submitted" / "657737" / name / f"{name}.ipynb")
                           .read_text())
    assert any("".join(c["source"]) == "scratch = 2 + 2" for c in converted["cells"])
    nbgrader(course, "autograde", name, "--create", "--force")

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = {s: gradebook.find_submission(name, s) for s in ("657737", "657738", "657739")}
        full = scores["657737"].max_code_score
        assert full > 0 and scores["657737"].code_score == full
        assert scores["657738"].code_score == 0
        assert 0 < scores["657739"].code_score < full

    nbgrader(course, "generate_feedback", name, "--force")
    [page] = (course / "feedback" / "657739" / name).glob("*.html")
    html = page.read_text()
    _solutions, hidden = _source_secrets(assignment.source)
    import html as html_module

    shown = html_module.unescape(html)
    assert hidden and not [line for line in hidden if line in shown]
    assert "hidden tests" in shown
