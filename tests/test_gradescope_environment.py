"""The autograder zip alone is enough to grade as ``autograder grade`` does (issue 11).

Gradescope builds its grading image from the zip's ``environment.yml`` and runs otter's
``run_autograder`` on each submission; the project is not installed there. This test does the
same without conda: a fresh virtual environment with only the zip's pip packages, the zip
unpacked as ``source/``, and otter's own entry point, for the solution, a wrong answer and the
blank notebook.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
import yaml
from adversarial.attacks import notebook_with
from conftest import ASSIGNMENTS
from fresh_venv import environment_for, fresh_venv

from autograder.batch import grade_submissions, open_submissions
from autograder.build import python_version
from autograder.gradebook import Gradebook, database_url
from autograder.sandbox import Limits
from autograder.scoring import AutograderTests
from autograder.selfcheck import load_wrong_answers

ASSIGNMENT = ASSIGNMENTS[0]
pytestmark = pytest.mark.slow


def _gradescope_scores(python: Path, source: Path, notebook: Path, place: Path) -> dict:
    """What Gradescope would record: otter's run_autograder in /autograder-like folders."""
    shutil.copytree(source, place / "source")
    (place / "submission").mkdir()
    shutil.copy(notebook, place / "submission" / notebook.name)
    (place / "results").mkdir()
    done = subprocess.run(
        [str(python), "-c", "import sys; from otter.run.run_autograder import main; "
                            "main(sys.argv[1])", str(place)],
        cwd=place, env=environment_for(python), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((place / "results" / "results.json").read_text())
    scores: dict[str, float] = {}
    for test in results["tests"]:
        if "max_score" not in test:  # otter's "Public Tests" summary, not a question
            continue
        question = test["name"].split(" ")[0]
        scores[question] = scores.get(question, 0.0) + float(test.get("score") or 0.0)
    return scores


def test_the_zip_alone_grades_as_autograder_grade_does(built_assignments, tmp_path):
    _, output = built_assignments[ASSIGNMENT.name]
    source = tmp_path / "zip"
    with zipfile.ZipFile(output.autograder_zip) as archive:
        archive.extractall(source)
    environment = yaml.safe_load((source / "environment.yml").read_text())
    dependencies = environment["dependencies"]
    assert f"python={python_version(ASSIGNMENT.source.parents[4])}" in dependencies
    pip = next(item["pip"] for item in dependencies if isinstance(item, dict))
    for package in ("pandas", "numpy", "matplotlib", "ipywidgets", "otter-grader"):
        assert any(line.startswith(package) for line in pip), (package, pip)
    assert not any(line.startswith("-e") for line in pip)
    conda_only = [item for item in dependencies if isinstance(item, str)
                  and not item.startswith(("python", "pip"))]

    python = fresh_venv(tmp_path / "venv", [*pip, *conda_only])
    project = subprocess.run([str(python), "-c", "import learner_tools"], capture_output=True,
                             cwd=tmp_path)
    assert project.returncode != 0, "the project must come from the zip, not be installed"

    folder = tmp_path / "class"
    folder.mkdir()
    wrong = load_wrong_answers(ASSIGNMENT.wrong_answers)[0]
    notebooks = {"solution.ipynb": output.solution_notebook.read_text(encoding="utf-8"),
                 "blank.ipynb": output.student_notebook.read_text(encoding="utf-8"),
                 "wrong.ipynb": json.dumps(notebook_with(output.solution_notebook, wrong.code))}
    for name, text in notebooks.items():
        (folder / name).write_text(text, encoding="utf-8")
    tests = AutograderTests(output.autograder_zip)
    gradebook = Gradebook(database_url(tmp_path / "grades.db"))
    try:
        with open_submissions(folder, tests.assignment_name) as submissions:
            ours = {r.submission: {q.question: q.score for q in r.questions}
                    for r in grade_submissions(tests, submissions, gradebook, ASSIGNMENT.name,
                                               workers=2, limits=Limits(timeout_s=60))}
    finally:
        gradebook.close()
        tests.close()
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:  # each run_autograder is a process of its own
        runs = {name: pool.submit(_gradescope_scores, python, source, folder / name,
                                  tmp_path / f"run-{index}")
                for index, name in enumerate(notebooks)}
        gradescope = {name: run.result() for name, run in runs.items()}
    for name, theirs in gradescope.items():
        autograded = {q: s for q, s in ours[name].items() if q in theirs}
        assert theirs == autograded, (name, theirs, ours[name])
    assert sum(ours["solution.ipynb"].values()) > sum(ours["wrong.ipynb"].values()) > 0
    assert sum(ours["blank.ipynb"].values()) == 0
