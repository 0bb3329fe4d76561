"""Module 5's assignment imports scikit-learn and fits a model inside the contained grader:
its honest submissions, right and wrong, must score what otter gives them, question by
question (the grader's sandbox must not change what a library computes or allows)."""

from __future__ import annotations

import json

from adversarial.attacks import notebook_with
from otter_reference import otter_grades

from autograder.batch import grade_submissions, open_submissions
from autograder.gradebook import Gradebook, database_url
from autograder.sandbox import Limits
from autograder.scoring import AutograderTests
from autograder.selfcheck import load_wrong_answers

NAME = "triage-model-review"


def test_module_5_submissions_score_what_otter_gives(built_assignments, tmp_path):
    assignment, output = built_assignments[NAME]
    folder = tmp_path / "class"
    folder.mkdir()
    # The solution's 17 and the blank's 0 are checked by selfcheck; here, otter's own grades.
    wrong = load_wrong_answers(assignment.wrong_answers)
    accepted = load_wrong_answers(assignment.accepted_answers)
    # One notebook with a wrong answer to every other question (model fitting, PSI and
    # scikit-learn's metrics among them), and one with every accepted form of a right answer.
    first_wrong = {}
    for entry in wrong:
        first_wrong.setdefault(entry.question, entry)
    mixed = [entry.code for question, entry in sorted(first_wrong.items())
             if int(question[1:]) % 2]
    (folder / "mixed.ipynb").write_text(json.dumps(
        notebook_with(output.solution_notebook, "\n".join(mixed))))
    (folder / "accepted.ipynb").write_text(json.dumps(
        notebook_with(output.solution_notebook, "\n".join(a.code for a in accepted))))
    import learner_tools.data

    learner_tools.data._generated.cache_clear()  # this process is the grader
    tests = AutograderTests(output.autograder_zip)
    gradebook = Gradebook(database_url(tmp_path / "grades.db"))
    try:
        with open_submissions(folder, tests.assignment_name) as submissions:
            results = {r.submission: r for r in grade_submissions(
                tests, submissions, gradebook, NAME, workers=2,
                limits=Limits(timeout_s=60, memory_mb=1024))}
    finally:
        gradebook.close()
        tests.close()
    theirs = otter_grades(sorted(folder.glob("*.ipynb")), output.autograder_zip)
    totals = {}
    for path, grade in theirs.items():
        ours = results[path.name]
        assert ours.status == "completed", (path.name, ours.reason)
        assert {q.question: q.score for q in ours.questions} == {
            q: s.score for q, s in grade.questions.items()}, path.name
        totals[path.name] = ours.score
    assert totals["accepted.ipynb"] == 17
    assert 0 < totals["mixed.ipynb"] < 17
    # The other years' applications the tests drew were drawn once more in the grader, for
    # the scorers forked after them (the scores above are otter's all the same).
    drawn = learner_tools.data._generated.cache_info().currsize
    assert drawn >= 2, "the grader drew nothing ahead"
