"""Otter assignments written for this suite, each exercising one way otter behaves, graded by
otter itself and by ``autograder grade``: per-question scores must be equal.

The cases so far: a ``%matplotlib inline`` line in the import cell (it must not skip the rest
of the cell), a grading ``seed`` in otter's configuration (applied at the top of every cell, as
otter does), ``points_possible`` (the total otter reports is scaled to it), numpy print options
that the notebook changes (an OK-format test compares printed output, so the tests must print
as the notebook's process prints), and the assignment's name from a zip whose file name carries
otter's build timestamp. Functions, generators, classes and other libraries' objects as answers
are not carried yet (see the closing note of issue 9).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from autograder.assignments import Assignment
from autograder.batch import autograder_zip_for, grade_submissions, open_submissions
from autograder.build import build_assignment
from autograder.gradebook import Gradebook, database_url
from autograder.grading import grade_notebook
from autograder.sandbox import Limits
from autograder.scoring import AutograderTests

pytestmark = pytest.mark.slow


def _cell(kind: str, text: str, outputs: list | None = None) -> dict:
    cell = {"cell_type": kind, "metadata": {}, "source": text}
    if kind == "code":
        cell.update(execution_count=None, outputs=outputs or [])
    return cell


def _question(name: str, prompt: str, solution: str, tests: list[tuple[str, str | None]]):
    """Raw Otter Assign cells for one question; each test is (code, expected printed output)."""
    cells = [_cell("raw", f"# BEGIN QUESTION\nname: {name}\npoints: 1"), _cell("markdown", prompt),
             _cell("raw", "# BEGIN SOLUTION"), _cell("code", solution),
             _cell("raw", "# END SOLUTION"), _cell("raw", "# BEGIN TESTS")]
    for code, printed in tests:
        outputs = [] if printed is None else [{"output_type": "execute_result",
                                               "execution_count": 1, "metadata": {},
                                               "data": {"text/plain": printed}}]
        cells.append(_cell("code", code, outputs))
    return cells + [_cell("raw", "# END TESTS"), _cell("raw", "# END QUESTION")]


CONFIG = """# ASSIGNMENT CONFIG
name: compat-basics
init_cell: true
check_all_cell: false
export_cell: false
run_tests: true
generate:
  seed: 42
  points_possible: 6
  pdf: false
tests:
  files: false
  ok_format: true"""


def _source() -> dict:
    cells = [_cell("raw", CONFIG),
             _cell("code", "%matplotlib inline\nimport numpy as np\n"
                           "np.set_printoptions(legacy='1.25')  # as some libraries do on import")]
    cells += _question("q1", "Set `answer` to 2.", "answer = 2  # SOLUTION",
                       [("assert answer == 2", None)])
    cells += _question("q2", "Draw 100 standard normal values and set `sample_mean`.",
                       "sample_mean = np.random.normal(size=100).mean()  # SOLUTION",
                       [("assert isinstance(sample_mean, float)", None),
                        ('""" # BEGIN TEST CONFIG\nhidden: true\n""" # END TEST CONFIG\n'
                         "assert abs(sample_mean - np.random.RandomState(42).normal(size=100)"
                         ".mean()) < 1e-12", None)])
    cells += _question("q3", "Is 2.5 greater than 1? Set `bigger` with numpy.",
                       "bigger = np.float64(2.5) > 1  # SOLUTION",
                       [("bigger", "True")])
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                        "language": "python"},
                         "language_info": {"name": "python"}}}


@pytest.fixture(scope="module")
def compat(tmp_path_factory):
    root = tmp_path_factory.mktemp("compat")
    source = root / "modules" / "00-compat" / "assignment" / "source" / "compat-basics.ipynb"
    source.parent.mkdir(parents=True)
    source.write_text(json.dumps(_source()), encoding="utf-8")
    built = build_assignment(Assignment("compat-basics", "00-compat", source), root / "build")
    # Otter names its zips with a build timestamp; the grader must still find the assignment.
    stamped = built.autograder_zip.with_name(
        "compat-basics-autograder_2026_12_01T06_05_11_123456.zip")
    shutil.copyfile(built.autograder_zip, stamped)
    folder = root / "submissions"
    folder.mkdir()
    solution = json.loads(built.solution_notebook.read_text(encoding="utf-8"))
    (folder / "solution.ipynb").write_text(json.dumps(solution))
    (folder / "blank.ipynb").write_text(built.student_notebook.read_text(encoding="utf-8"))
    partial = json.loads(json.dumps(solution))
    partial["cells"].append(_cell("code", "answer = 3\nbigger = np.float64(0.5) > 1"))
    (folder / "partial.ipynb").write_text(json.dumps(partial))
    return {"zip": stamped, "folder": folder, "root": root}


def test_autograder_scores_what_otter_scores(compat, tmp_path):
    with autograder_zip_for(str(compat["zip"]), compat["root"]) as (name, zip_path):
        assert name == "compat-basics"
        tests = AutograderTests(zip_path)
        gradebook = Gradebook(database_url(tmp_path / "grades.db"))
        try:
            with open_submissions(compat["folder"], tests.assignment_name) as submissions:
                ours = {r.submission: r for r in grade_submissions(
                    tests, submissions, gradebook, name, workers=2,
                    limits=Limits(timeout_s=60, memory_mb=1024))}
        finally:
            tests.close()
            gradebook.close()
    theirs = {path.name: grade_notebook(path, compat["zip"])
              for path in sorted(compat["folder"].glob("*.ipynb"))}
    for submission, otter in theirs.items():
        scores = {q.question: q.score for q in ours[submission].questions}
        assert scores == {q: s.score for q, s in otter.questions.items()}, (
            submission, ours[submission].reason)
    # The cases are not vacuous: otter gives the solution every point and the others less.
    assert theirs["solution.ipynb"].score == theirs["solution.ipynb"].possible == 3
    assert theirs["blank.ipynb"].score == 0
    assert 0 < theirs["partial.ipynb"].score < 3
    assert ours["solution.ipynb"].status == "completed" and not ours["solution.ipynb"].reason
    # The totals are what otter run reports, scaled to the configuration's points_possible.
    assert (ours["solution.ipynb"].score, ours["solution.ipynb"].possible) == (6, 6)
    reported = _otter_run_total(compat["zip"], compat["folder"] / "partial.ipynb", tmp_path)
    assert ours["partial.ipynb"].score == pytest.approx(reported)


def _otter_run_total(zip_path: Path, notebook: Path, tmp_path: Path) -> float:
    import subprocess
    import sys

    out = tmp_path / "otter-run"
    out.mkdir()
    otter = Path(sys.executable).with_name("otter")
    result = subprocess.run([str(otter), "run", "-a", str(zip_path), "-o", str(out),
                             str(notebook)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return float(json.loads((out / "results.json").read_text())["score"])


def test_a_mistyped_zip_path_and_an_r_assignment_get_clear_messages(tmp_path):
    with pytest.raises(LookupError, match="No autograder zip at"):
        with autograder_zip_for(str(tmp_path / "typo-autograder.zip"), tmp_path):
            pass
    import zipfile

    r_zip = tmp_path / "lab-autograder.zip"
    with zipfile.ZipFile(r_zip, "w") as archive:
        archive.writestr("otter_config.json", json.dumps({"lang": "r"}))
        archive.writestr("tests/q1.R", "test = list()")
    with pytest.raises(ValueError, match="is an R assignment"):
        AutograderTests(r_zip)
