"""Prove that an assignment's tests grade honestly.

Three promises, each checked by grading real notebooks with the assignment's own otter tests
(through :mod:`autograder.batch`, whose scores the test suite checks against otter's own):

* the reference solution earns every autograded point;
* the blank student notebook earns none;
* every plausible wrong answer kept in ``wrong-answers.yml`` loses points on its question, and
  the student is told why: the first message of the question's failed tests (what
  ``grader.check`` shows, or for a judgement question the graded feedback) contains the
  ``message`` kept with that wrong answer, and no two wrong methods of a question share one;
* a blank answer is told "Not answered yet", and nothing else.

It also checks that every autograded question has at least two wrong answers on file, since a
test that has never rejected anything may not be able to.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from autograder.assignments import Assignment
from autograder.batch import grade_submissions, open_submissions
from autograder.build import BuildOutput
from autograder.gradebook import Gradebook, database_url
from autograder.scoring import AutograderTests

NOT_ANSWERED = "Not answered yet"
WRONG_ANSWERS_PER_QUESTION = 2


@dataclass(frozen=True)
class WrongAnswer:
    question: str
    why: str
    code: str
    message: str = ""  # what the student must be told: part of the first failed test's message


@dataclass(frozen=True)
class CheckResult:
    """One promise, kept or broken."""

    label: str
    passed: bool
    detail: str


class _UniqueKeys(yaml.SafeLoader):
    """YAML that refuses a question listed twice: plain YAML keeps only the last, and the
    answers under the first would silently never be checked."""

    def construct_mapping(self, node, deep=False):
        keys = [self.construct_object(key, deep=deep) for key, _ in node.value]
        repeated = sorted({str(k) for k in keys if keys.count(k) > 1})
        if repeated:
            raise ValueError(f"{', '.join(repeated)} listed more than once (line "
                             f"{node.start_mark.line + 1}): put all of a question's entries "
                             "under one heading")
        return super().construct_mapping(node, deep=deep)


def load_wrong_answers(path: Path) -> list[WrongAnswer]:
    """Read ``wrong-answers.yml``: a mapping of question name to a list of {why, code, message}."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"No wrong answers kept for this assignment: {path} is missing.")
    data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_UniqueKeys) or {}
    answers = []
    for question, entries in data.items():
        for entry in entries or []:
            if not isinstance(entry, dict) or not {"why", "code"} <= entry.keys():
                raise ValueError(f"{path}: each wrong answer for {question} needs 'why' and 'code'")
            answers.append(WrongAnswer(str(question), entry["why"].strip(), entry["code"],
                                       str(entry.get("message", "")).strip()))
    return answers


# Blank notebooks with the tables they load emptied and every unanswered name given an empty
# value: a test that reads the student's copy of a table, or compares without checking shape
# (an empty frame broadcasts), would give them points. Each must score zero.
EMPTY_ANSWERS = {
    "an empty table with the columns of the first one loaded": "_first_table",
    "an empty Series": "_pd.Series(dtype='float64')",
    "an empty DataFrame": "_pd.DataFrame()",
}
_EMPTYING_CELL = """
import pandas as _pd
_tables = [_name for _name, _value in list(globals().items())
           if not _name.startswith("_") and isinstance(_value, (_pd.DataFrame, _pd.Series))]
for _name in _tables:
    globals()[_name] = globals()[_name].iloc[0:0]
_first_table = globals()[_tables[0]] if _tables else _pd.DataFrame()
for _name, _value in list(globals().items()):
    if _value is Ellipsis and not _name.startswith("_"):
        globals()[_name] = {empty}
"""


def write_emptied_blank(blank: Path, empty: str, destination: Path) -> Path:
    """The blank notebook without its ``grader.check`` cells (so every question is scored on
    the final namespace), with one cell at the end that empties its tables and sets every
    unanswered name to ``empty``."""
    notebook = json.loads(Path(blank).read_text(encoding="utf-8"))
    notebook["cells"] = [cell for cell in notebook["cells"] if not (
        cell.get("cell_type") == "code" and "grader.check(" in "".join(cell.get("source", "")))]
    notebook["cells"].append({"cell_type": "code", "id": "emptied-inputs",
                              "execution_count": None, "metadata": {}, "outputs": [],
                              "source": _EMPTYING_CELL.format(empty=empty)})
    destination.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return destination


def write_notebook_with_extra_cell(solution: Path, code: str, destination: Path) -> Path:
    """Copy the solution notebook with one code cell appended at the end.

    Otter runs its tests after the whole notebook has executed, so a cell at the end that
    reassigns an answer is exactly what the tests see: the solution, with one answer replaced.
    """
    notebook = json.loads(Path(solution).read_text(encoding="utf-8"))
    notebook["cells"].append({
        "cell_type": "code", "id": "kept-wrong-answer", "execution_count": None,
        "metadata": {}, "outputs": [],
        "source": code,
    })
    destination.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return destination


def selfcheck(assignment: Assignment, build: BuildOutput, workdir: Path,
              workers: int = 2) -> list[CheckResult]:
    """Grade the solution, the blank notebook, every wrong answer and every accepted form of a
    right one; report each promise."""
    workdir = Path(workdir)
    notebooks = workdir / "notebooks"
    notebooks.mkdir(parents=True, exist_ok=True)
    wrong_answers = load_wrong_answers(assignment.wrong_answers)
    accepted = (load_wrong_answers(assignment.accepted_answers)
                if assignment.accepted_answers.is_file() else [])
    (notebooks / "0-solution.ipynb").write_bytes(build.solution_notebook.read_bytes())
    (notebooks / "1-blank.ipynb").write_bytes(build.student_notebook.read_bytes())
    names = ["0-solution.ipynb", "1-blank.ipynb"]
    for index, wrong in enumerate(wrong_answers):
        names.append(f"2-wrong-{index:02d}-{wrong.question}.ipynb")
        write_notebook_with_extra_cell(build.solution_notebook, wrong.code,
                                       notebooks / names[-1])
    for index, right in enumerate(accepted):
        names.append(f"3-accepted-{index:02d}-{right.question}.ipynb")
        write_notebook_with_extra_cell(build.solution_notebook, right.code,
                                       notebooks / names[-1])
    for index, empty in enumerate(EMPTY_ANSWERS.values()):
        names.append(f"4-emptied-{index}.ipynb")
        write_emptied_blank(build.student_notebook, empty, notebooks / names[-1])
    tests = AutograderTests(build.autograder_zip)
    gradebook = Gradebook(database_url(workdir / "selfcheck.db"))
    try:
        with open_submissions(notebooks, tests.assignment_name) as submissions:
            by_name = {r.submission: r for r in grade_submissions(
                tests, submissions, gradebook, assignment.name, workers=workers, regrade=True)}
    finally:
        tests.close()
        gradebook.close()
    grades = [by_name[name] for name in names]
    for grade in grades:
        grade.questions = {q.question: q for q in grade.questions}
    solution, blank = grades[0], grades[1]
    wrong_grades = grades[2:2 + len(wrong_answers)]
    accepted_grades = grades[2 + len(wrong_answers):2 + len(wrong_answers) + len(accepted)]
    emptied_grades = grades[2 + len(wrong_answers) + len(accepted):]
    results = [
        CheckResult("reference solution scores full marks",
                    solution.possible > 0 and solution.score == solution.possible,
                    f"{solution.score:g} / {solution.possible:g} {solution.reason}".strip()),
        CheckResult("blank student notebook scores zero", blank.score == 0,
                    f"{blank.score:g} / {blank.possible:g}"),
    ]
    for name, question in sorted(blank.questions.items()):
        told = question.hints[0] if question.hints else ""
        results.append(CheckResult(f"{name}: a blank answer is told it is not answered yet",
                                   told.startswith(NOT_ANSWERED), told or "no message"))
    for wrong, grade in zip(wrong_answers, wrong_grades, strict=True):
        question = grade.questions.get(wrong.question)
        if question is None:
            results.append(CheckResult(f"{wrong.question}: {wrong.why}", False,
                                       f"no autograded question called {wrong.question}"))
            continue
        told = question.hints[0] if question.hints else ""
        named = bool(wrong.message) and wrong.message in told
        results.append(CheckResult(
            f"{wrong.question} rejects, and names: {wrong.why}",
            question.score < question.possible and named,
            f"{question.score:g} / {question.possible:g}; told: {told or 'nothing'}"
            + ("" if named else f"; expected a message containing {wrong.message!r}"),
        ))
    for right, grade in zip(accepted, accepted_grades, strict=True):
        question = grade.questions.get(right.question)
        results.append(CheckResult(
            f"{right.question} accepts: {right.why}",
            question is not None and question.score == question.possible,
            f"{question.score:g} / {question.possible:g}" if question else "no such question"))
    for label, grade in zip(EMPTY_ANSWERS, emptied_grades, strict=True):
        scored = [f"{q.question} {q.score:g}" for q in grade.questions.values() if q.score]
        results.append(CheckResult(
            f"blank notebook with its tables emptied and {label} for each answer scores zero",
            grade.score == 0, f"{grade.score:g} / {grade.possible:g}"
            + (f" ({', '.join(scored)})" if scored else "")))
    by_question: dict[str, list[WrongAnswer]] = {}
    for wrong in wrong_answers:
        by_question.setdefault(wrong.question, []).append(wrong)
    for name in sorted(solution.questions):
        kept = by_question.get(name, [])
        messages = [w.message for w in kept]
        results.append(CheckResult(
            f"{name} keeps {WRONG_ANSWERS_PER_QUESTION} or more wrong answers, each with its own "
            "message", len(kept) >= WRONG_ANSWERS_PER_QUESTION
            and len(set(messages)) == len(messages) and all(messages),
            f"{len(kept)} kept in {assignment.wrong_answers.name}"))
    return results
