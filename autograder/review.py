"""Free-response answers: collect them for the instructor, and import the scores given.

An assignment's manual questions (``manual: true`` in Otter Assign) are not autograded. The
review file is a CSV with one row per submission and question: the student's answer as they
wrote it, the points possible, and empty ``score`` and ``comment`` columns for the instructor.
The rubric is printed under each question in the assignment. Importing checks every row before
recording any, so a typo cannot leave half a class's scores in the gradebook.

Marks are never lost: the review file is written with the marks the gradebook already holds,
and is never written over a file holding marks the gradebook does not have yet. It is read
as Excel saves it (UTF-8 with or without a byte-order mark, Windows-1252, commas or
semicolons) and written as UTF-8 with a byte-order mark, which Excel opens with accents intact.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from autograder.batch import Submission
from autograder.gradebook import Gradebook
from autograder.notebook_cells import BEGIN, cell_source, free_responses, notebook_cells
from autograder.tables import read_table, unquoted, write_for_spreadsheets

REVIEW_COLUMNS = ["submission", "question", "points_possible", "answer", "note", "score",
                  "comment", "score_when_written", "comment_when_written"]
# The last two say what the gradebook held when the file was written: a row still saying the
# same is not a mark of the file's, and never replaces a mark made since (on the marking page).


@dataclass(frozen=True)
class ManualQuestion:
    name: str
    points: float


def manual_questions(source: Path) -> list[ManualQuestion]:
    """The manual questions of an Otter Assign source notebook, in order."""
    notebook = json.loads(Path(source).read_text(encoding="utf-8"))
    questions = []
    for cell in notebook["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "raw" and text.lstrip().startswith("# BEGIN QUESTION"):
            config = yaml.safe_load(text.split("\n", 1)[1]) or {}
            if config.get("manual"):
                points = config.get("points", 0)
                total = sum(points) if isinstance(points, list) else points
                questions.append(ManualQuestion(str(config["name"]), float(total)))
    return questions


def count_answers(notebook_text: str) -> int:
    """How many free-response questions a notebook holds (otter's question markers)."""
    return sum(cell_source(c).lstrip().startswith(BEGIN)
               for c in notebook_cells(notebook_text) or [])


def questions_in_review(path: Path) -> list[ManualQuestion]:
    """The questions of a review file (for an otter zip, which does not record them): each
    with the points possible written beside it, which must agree from row to row."""
    table = read_table(path)
    questions: dict[str, float] = {}
    for line, row in table.rows:
        name = row.get("question", "")
        try:
            points = table.number(row.get("points_possible") or "")
        except ValueError:
            raise ValueError(f"{path}, row {line}: points_possible is not a number") \
                from None
        if questions.setdefault(name, points) != points:
            raise ValueError(f"{path}, row {line}: {name} is worth {questions[name]:g} "
                             f"points on an earlier row and {points:g} here")
    return [ManualQuestion(name, points) for name, points in questions.items()]


def answers_in(notebook_text: str, count: int) -> list[str]:
    """The text between each manual question's prompt and its end marker, in order."""
    return free_responses(notebook_cells(notebook_text), count)


# What Otter Assign leaves in a free-response answer cell for the student to replace.
PLACEHOLDERS = ("_Type your answer here, replacing this text._", "...")


def answer_note(answer: str, starting: str = "") -> str:
    """What a marker should know of an answer before reading it: that there is none, or that
    it is still the starting notebook's text (worth 0 unless the marker decides otherwise)."""
    text = answer.strip()
    if not text:
        return "no answer"
    if text in PLACEHOLDERS or (starting.strip() and text == starting.strip()):
        return "unchanged from the starting notebook: no answer written"
    return ""


Marks = dict[str, dict[str, tuple[float, float, str]]]  # submission -> question -> mark


def unrecorded_marks(path: Path, recorded: Marks) -> list[str]:
    """The marks in an existing review file that the gradebook does not hold (each as "line N:
    submission, question"), which writing the file again would lose."""
    if not Path(path).exists():
        return []
    table = read_table(path)
    lost = []
    for line, row in table.rows:
        score, comment = row.get("score", ""), unquoted(row.get("comment", ""))
        if not score and not comment:
            continue
        mark = recorded.get(row.get("submission", ""), {}).get(row.get("question", ""))
        try:
            same = mark is not None and mark[0] == table.number(score) and mark[2] == comment
        except ValueError:
            same = False
        if not same and not _as_written(row):
            lost.append(f"row {line}: {row.get('submission', '')}, {row.get('question', '')}")
    return lost


def _as_written(row: dict) -> bool:
    """Whether a row's mark is still the one the gradebook held when the file was written."""
    return "score_when_written" in row and (
        row.get("score", ""), unquoted(row.get("comment", ""))) == (
        row.get("score_when_written", ""), unquoted(row.get("comment_when_written", "")))


def write_review(path: Path, questions: list[ManualQuestion],
                 submissions: list[tuple[Submission, str]], recorded: Marks | None = None,
                 starting: list[str] | None = None) -> int:
    """Write the review CSV, with the marks already recorded filled in; returns the number of
    rows. ``submissions`` pairs each submission with its notebook's text; ``starting`` is the
    starting notebook's answers, so an untouched one is noted. Refuses to replace a file
    holding marks the gradebook does not."""
    recorded = recorded or {}
    starting = starting or [""] * len(questions)
    lost = unrecorded_marks(path, recorded)
    if lost:
        shown = "; ".join(lost[:5]) + (f" and {len(lost) - 5} more" if len(lost) > 5 else "")
        raise ValueError(f"{path} holds {len(lost)} mark(s) that are not in the gradebook yet "
                         f"({shown}): nothing was overwritten. Import them with "
                         "`autograder review-import`, or write to another file with --out.")
    rows = []
    for submission, text in submissions:
        for question, answer, start in zip(questions, answers_in(text, len(questions)),
                                           starting, strict=True):
            score, _possible, comment = recorded.get(submission.name, {}).get(
                question.name, (None, 0.0, ""))
            shown = "" if score is None else f"{score:g}"
            note = (f"not graded: {submission.problem}" if submission.cells is None
                    else answer_note(answer, start))
            rows.append([submission.name, question.name, f"{question.points:g}",
                         answer or "(no answer)", note, shown, comment, shown, comment])
    write_for_spreadsheets(path, REVIEW_COLUMNS, rows)
    return len(rows)


def _number_or_none(table, text: str) -> float | None:
    try:
        return table.number(text)
    except ValueError:
        return None


def import_review(path: Path, questions: list[ManualQuestion], gradebook: Gradebook,
                  assignment: str, entered_by: str = "") -> tuple[int, int]:
    """Check every scored row, then record them all; returns how many marks the file holds
    and how many of them were new or changed."""
    possible = {q.name: q.points for q in questions}
    known = set(gradebook.recorded(assignment))
    table = read_table(path)
    missing = {"submission", "question", "score"} - set(table.columns)
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)} (its columns are "
                         f"{', '.join(table.columns) or 'none'}; is it the review file?)")
    scores, problems, seen = [], [], {}
    current = gradebook.manual(assignment)
    for line, row in table.rows:
        submission, question = row.get("submission", ""), row.get("question", "")
        if (submission, question) in seen:
            problems.append(f"rows {seen[submission, question]} and {line} both hold "
                            f"{submission}, {question}: keep one row per answer")
            continue
        seen[submission, question] = line
        raw = row.get("score", "")
        if not raw:
            continue  # not marked yet
        if _as_written(row):
            continue  # not changed in this file: the gradebook's mark (perhaps newer) stands
        if "score_when_written" in row:
            now = current.get(submission, {}).get(question)
            then = _number_or_none(table, row["score_when_written"])
            if now is not None and (now[0], now[2]) != (
                    then, unquoted(row.get("comment_when_written", ""))) and (
                    now[0], now[2]) != (_number_or_none(table, raw),
                                        unquoted(row.get("comment", ""))):
                before = "unmarked" if then is None else f"{then:g}"
                problems.append(f"row {line}: {submission}, {question} was {before} when this "
                                f"file was written and is now {now[0]:g} in the gradebook (marked "
                                "since, on the marking page or from another file); this file's "
                                f"{raw} would replace it: write a new review file, or mark it "
                                "there")
                continue
        if question not in possible:
            problems.append(f"row {line}: no free-response question {question!r}")
            continue
        if submission not in known:
            problems.append(f"row {line}: {submission!r} is not in the gradebook; grade "
                            "the submissions first")
            continue
        try:
            score = table.number(raw)
        except ValueError:
            problems.append(f"row {line}: score {raw!r} is not a number")
            continue
        if not 0 <= score <= possible[question]:
            problems.append(f"row {line}: score {score:g} is outside 0 to "
                            f"{possible[question]:g} for {question}")
            continue
        scores.append((submission, question, score, possible[question],
                       unquoted(row.get("comment", ""))))
    if problems:
        raise ValueError(f"{path}: nothing was imported; fix these rows:\n  "
                         + "\n  ".join(problems))
    gradebook.record_questions(assignment, [(q.name, q.points) for q in questions])
    return len(scores), gradebook.record_manual(assignment, scores, entered_by)
