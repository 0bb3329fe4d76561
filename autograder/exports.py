"""Export a gradebook to the CSV layouts that LMS grade imports accept, and write feedback.

Layouts, as the LMS import documentation describes them:

* Canvas: ``Student, ID, SIS User ID, SIS Login ID, Section`` then one column per assignment,
  and a ``Points Possible`` row first;
* Brightspace (D2L): ``OrgDefinedId, Username, <item> Points Grade, End-of-Line Indicator``;
* Moodle: ``Username, Email address, ID number, <item>, Feedback``, matched on import by the
  column the instructor chooses.

Scores are the autograded points plus any free-response points entered through the review
file. Feedback files tell each student which tests passed and the hints of failed public tests,
and never include hidden test code.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from autograder.gradebook import SubmissionResult
from autograder.roster import Student, student_for, student_key

FORMATS = ("canvas", "brightspace", "moodle")


def _total(result: SubmissionResult, manual: dict[str, dict[str, tuple[float, float, str]]]
           ) -> tuple[float, float]:
    scores = manual.get(result.submission, {})
    return (result.score + sum(s for s, _, _ in scores.values()),
            result.possible + sum(p for _, p, _ in scores.values()))


def _fmt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


class _SafeWriter:
    """Writes rows with each text cell that a spreadsheet would read as a formula (it starts
    with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, as a file name or a reason
    from a submission may) kept as text by a leading apostrophe (OWASP's advice on CSV
    injection). Numbers are written as they are."""

    def __init__(self, writer) -> None:
        self._writer = writer

    def writerow(self, row: list) -> None:
        self._writer.writerow([f"'{cell}" if isinstance(cell, str) and cell[:1] in _FORMULA
                               else cell for cell in row])


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def export_csv(kind: str, assignment: str, results: Iterable[SubmissionResult],
               roster: dict[str, Student], manual_points: float = 0.0,
               manual: dict | None = None) -> str:
    """The text of an LMS import CSV for one assignment."""
    manual = manual or {}
    results = sorted(results, key=lambda r: r.submission)
    out = io.StringIO()
    writer = _SafeWriter(csv.writer(out, lineterminator="\n"))
    if kind == "canvas":
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment])
        possible = results[0].possible + manual_points if results else manual_points
        writer.writerow(["Points Possible", "", "", "", "", _fmt(possible)])
        for result in results:
            student = student_for(result.submission, roster)
            writer.writerow([student.name, "", student.student_id, student.username, "",
                             _fmt(_total(result, manual)[0])])
    elif kind == "brightspace":
        writer.writerow(["OrgDefinedId", "Username", f"{assignment} Points Grade",
                         "End-of-Line Indicator"])
        for result in results:
            student = student_for(result.submission, roster)
            writer.writerow([student.student_id, student.username,
                             _fmt(_total(result, manual)[0]), "#"])
    elif kind == "moodle":
        writer.writerow(["Username", "Email address", "ID number", assignment, "Feedback"])
        for result in results:
            student = student_for(result.submission, roster)
            total, possible = _total(result, manual)
            note = f"{_fmt(total)} / {_fmt(possible)}"
            if result.status != "completed":
                note += f" ({result.status}: {result.reason})"
            writer.writerow([student.username, student.email, student.student_id,
                             _fmt(total), note])
    else:
        raise ValueError(f"unknown export format {kind!r}; choose one of {', '.join(FORMATS)}")
    return out.getvalue()


def feedback_text(assignment: str, result: SubmissionResult,
                  manual: dict[str, tuple[float, float, str]] | None = None) -> str:
    """A plain-text report for one student: scores, passed tests and public hints only."""
    manual = manual or {}
    lines = [f"Assignment: {assignment}", f"Submission: {result.submission}"]
    total = result.score + sum(s for s, _, _ in manual.values())
    possible = result.possible + sum(p for _, p, _ in manual.values())
    lines.append(f"Score: {_fmt(total)} / {_fmt(possible)}")
    if result.status != "completed" or result.reason:
        lines.append(f"Grading note ({result.status}): {result.reason}")
    lines.append("")
    for question in result.questions:
        lines.append(f"{question.question}: {_fmt(question.score)} / {_fmt(question.possible)}"
                     f" (public tests passed: {question.public_passed} of "
                     f"{question.public_total})")
        for hint in question.hints:
            lines.append(f"  hint: {hint}")
    for name, (score, points, comment) in manual.items():
        lines.append(f"{name} (marked by your instructor): {_fmt(score)} / {_fmt(points)}")
        if comment:
            lines.append(f"  comment: {comment}")
    return "\n".join(lines) + "\n"


def write_feedback(folder: Path, assignment: str, results: Iterable[SubmissionResult],
                   manual: dict | None = None) -> list[Path]:
    """One ``<submission>.txt`` per submission in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written, used = [], set()
    for result in sorted(results, key=lambda r: r.submission):
        stem = student_key(result.submission)
        if stem in used:  # two submissions from one folder: name the file after the path
            stem = result.submission.replace("/", "__").removesuffix(".ipynb")
        used.add(stem)
        path = folder / (stem + ".txt")
        path.write_text(feedback_text(assignment, result, (manual or {}).get(result.submission)),
                        encoding="utf-8")
        written.append(path)
    return written
