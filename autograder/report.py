"""Where a class's grading stands, and how each question went.

The status report answers what an instructor asks before sending grades: who is graded, whose
notebook could not be graded (and why), whose free responses are still to mark, who was late
or had points adjusted, which submissions matched no one, and who handed in nothing. The
question scores file has one row per student and one column per question, with each
question's mean and share of full marks at the bottom (an item analysis: a question most of
the class missed may be a question badly asked).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from autograder.exports import Grade, pts
from autograder.roster import ClassMatch, Student
from autograder.tables import write_for_spreadsheets


def class_status(grades: list[Grade], match: ClassMatch, possible: float,
                 handed_in: dict[Student, list[str]] | None = None) -> list[str]:
    """The report's lines, most urgent first. ``handed_in`` is what students without a
    notebook handed in instead (a PDF, a Word file), when the download was given."""
    handed_in = handed_in or {}
    statuses = Counter(g.result.status for g in grades)
    lines = [f"{len(grades)} students graded, out of {pts(possible)} points: "
             + ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()))]

    def section(title: str, entries: list[str]) -> None:
        if entries:
            lines.append(f"{title} ({len(entries)}):")
            lines.extend(f"  {entry}" for entry in entries)

    section("not graded as handed in (look at these)",
            [f"{g.student.label}: {g.result.status}: {g.result.reason}" for g in grades
             if g.result.status != "completed"])
    section("free responses to mark",
            [f"{g.student.label}: {', '.join(g.unmarked)}" for g in grades if g.unmarked])
    section("late", [f"{g.student.label}: {pts(-g.penalty.points)} ({g.penalty.reason})"
                     for g in grades if g.penalty])
    section("adjusted", [f"{g.student.label}: " + "; ".join(
        f"{points:+g} ({reason})" for points, reason in g.adjustments)
        for g in grades if g.adjustments])
    section("submissions that count for no one", match.problems())
    section("superseded by a later submission",
            [f"{older} (by {newer})" for older, newer in match.superseded.items()])
    section("handed in no notebook, only other files (grade it by hand, or ask for the "
            "notebook)", [f"{s.label}: {', '.join(files)}" for s, files in handed_in.items()])
    section("no submission", [s.label for s in match.absent if s not in handed_in])
    if grades:
        scores = [g.score for g in grades if g.complete]
        if scores:
            lines.append(f"total, students fully marked: mean {pts(sum(scores) / len(scores))}"
                         f", lowest {pts(min(scores))}, highest {pts(max(scores))}")
    return lines


def write_question_scores(path: Path, grades: list[Grade], possible: float) -> None:
    """One row per student, one column per question (autograded, then free response), the
    adjustments, late penalty and total; then each column's mean and share of full marks."""
    auto: dict[str, float] = {}
    manual: dict[str, float] = {}
    for grade in grades:
        for question in grade.result.questions:
            auto.setdefault(question.question, question.possible)
        for name, (_score, points, _comment) in grade.manual.items():
            manual.setdefault(name, points)
        for name, points in grade.unmarked.items():
            manual.setdefault(name, points)
    columns = ["student", "username", "student_id", "submission", "status",
               *[f"{q} (/{pts(p)})" for q, p in auto.items()],
               *[f"{q} (/{pts(p)}, marked)" for q, p in manual.items()],
               "adjustments", "late penalty", f"total (/{pts(possible)})"]
    rows, values = [], {q: [] for q in [*auto, *manual]}
    for grade in grades:
        by_question = {q.question: q.score for q in grade.result.questions}
        marks = {name: score for name, (score, _p, _c) in grade.manual.items()}
        row = [grade.student.name, grade.student.username, grade.student.student_id,
               grade.result.submission, grade.result.status]
        for question in auto:
            row.append(pts(by_question[question]) if question in by_question else "")
            if question in by_question:
                values[question].append(by_question[question])
        for question in manual:
            row.append(pts(marks[question]) if question in marks else "not marked")
            if question in marks:
                values[question].append(marks[question])
        row += [pts(sum(p for p, _ in grade.adjustments)) if grade.adjustments else "",
                pts(-grade.penalty.points) if grade.penalty else "",
                pts(grade.score) if grade.complete else "incomplete"]
        rows.append(row)
    points = auto | manual
    blanks = ["", "", "", ""]
    mean = ["(mean)", *blanks]
    full = ["(share with full marks)", *blanks]
    for question in points:
        scored = values[question]
        mean.append(pts(sum(scored) / len(scored)) if scored else "")
        full.append(f"{sum(1 for v in scored if v >= points[question]) / len(scored):.0%}"
                    if scored else "")
    rows += [mean + ["", "", ""], full + ["", "", ""]]
    write_for_spreadsheets(path, columns, rows)
