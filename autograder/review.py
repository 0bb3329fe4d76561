"""Free-response answers: collect them for the instructor, and import the scores given.

An assignment's manual questions (``manual: true`` in Otter Assign) are not autograded. The
review file is a CSV with one row per submission and question: the student's answer as they
wrote it, the points possible, and empty ``score`` and ``comment`` columns for the instructor.
The rubric is printed under each question in the assignment. Importing checks every row before
recording any, so a typo cannot leave half a class's scores in the gradebook.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from autograder.batch import Submission
from autograder.gradebook import Gradebook

REVIEW_COLUMNS = ["submission", "question", "points_possible", "answer", "score", "comment"]
BEGIN, END = "<!-- BEGIN QUESTION -->", "<!-- END QUESTION -->"


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
    try:
        cells = json.loads(notebook_text)["cells"]
    except (ValueError, KeyError, TypeError):
        return 0
    return sum("".join(c.get("source", "")).lstrip().startswith(BEGIN)
               for c in cells if isinstance(c, dict))


def questions_in_review(path: Path) -> list[ManualQuestion]:
    """The questions of a review file (for an otter zip, which does not record them): each
    with the points possible written beside it, which must agree from row to row."""
    questions: dict[str, float] = {}
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            name = (row.get("question") or "").strip()
            try:
                points = float(row.get("points_possible") or "")
            except ValueError:
                raise ValueError(f"{path}, line {line}: points_possible is not a number") \
                    from None
            if questions.setdefault(name, points) != points:
                raise ValueError(f"{path}, line {line}: {name} is worth {questions[name]:g} "
                                 f"points on an earlier row and {points:g} here")
    return [ManualQuestion(name, points) for name, points in questions.items()]


def answers_in(notebook_text: str, count: int) -> list[str]:
    """The text between each manual question's prompt and its end marker, in order."""
    try:
        cells = json.loads(notebook_text)["cells"]
    except (ValueError, KeyError, TypeError):
        return [""] * count
    answers, current = [], None
    for cell in cells:
        text = "".join(cell.get("source", "")) if isinstance(cell, dict) else ""
        if text.lstrip().startswith(END) and current is not None:
            answers.append("\n\n".join(current).strip())
            current = None
        elif text.lstrip().startswith(BEGIN):
            current = []
        elif current is not None:
            current.append(text)
    answers += [""] * (count - len(answers))
    return answers[:count]


def write_review(path: Path, questions: list[ManualQuestion],
                 submissions: list[tuple[Submission, str]]) -> int:
    """Write the review CSV; returns the number of rows. ``submissions`` pairs each submission
    with its notebook's text."""
    rows = 0
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(REVIEW_COLUMNS)
        for submission, text in submissions:
            for question, answer in zip(questions, answers_in(text, len(questions)),
                                        strict=True):
                writer.writerow([submission.name, question.name, f"{question.points:g}",
                                 answer or "(no answer)", "", ""])
                rows += 1
    return rows


def import_review(path: Path, questions: list[ManualQuestion], gradebook: Gradebook,
                  assignment: str) -> int:
    """Check every scored row, then record them all; returns how many were recorded."""
    possible = {q.name: q.points for q in questions}
    known = set(gradebook.recorded(assignment))
    scores, problems = [], []
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"submission", "question", "score"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: missing columns {sorted(missing)}")
        for line, row in enumerate(reader, start=2):
            raw = (row.get("score") or "").strip()
            if not raw:
                continue  # not marked yet
            submission, question = row["submission"].strip(), row["question"].strip()
            if question not in possible:
                problems.append(f"line {line}: no free-response question {question!r}")
                continue
            if submission not in known:
                problems.append(f"line {line}: {submission!r} is not in the gradebook; grade "
                                "the submissions first")
                continue
            try:
                score = float(raw)
            except ValueError:
                problems.append(f"line {line}: score {raw!r} is not a number")
                continue
            if not 0 <= score <= possible[question]:
                problems.append(f"line {line}: score {score:g} is outside 0 to "
                                f"{possible[question]:g} for {question}")
                continue
            scores.append((submission, question, score, possible[question],
                           (row.get("comment") or "").strip()))
    if problems:
        raise ValueError(f"{path}: nothing was imported; fix these rows:\n  "
                         + "\n  ".join(problems))
    gradebook.record_manual(assignment, scores)
    return len(scores)
