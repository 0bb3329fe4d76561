"""Export a class's grades to the CSV layouts LMS grade imports accept, and write feedback.

Layouts, as the LMS import documentation describes them:

* Canvas: ``Student, ID, SIS User ID, SIS Login ID, Section`` then the assignment's column, and
  a ``Points Possible`` row first. Canvas matches students on ``ID`` (its own user ID, which
  its download and grade export give) or the SIS columns, and an existing assignment on its
  column name, ``<name> (<id>)`` as Canvas's own export writes it.
* Brightspace (D2L): ``OrgDefinedId, Username, <item> Points Grade, End-of-Line Indicator``;
  the grade item is matched by name.
* Moodle: the assignment's grading worksheet (``Identifier, Full name, Email address, Grade,
  Maximum Grade, Feedback comments``) when the students are known by their participant
  identifier (a Moodle download, or the worksheet as class list); otherwise the gradebook
  import layout ``Username, Email address, ID number, <item>, Feedback``.

A total is the autograded points plus the free-response marks. A student with a free-response
answer not yet marked has no total: an export refuses (listing them), or, when told, leaves
their grade blank (``blank``: the LMS keeps it ungraded) or exports what is marked so far
(``partial``). Feedback never includes hidden test code.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from autograder.adjustments import (
    LatePolicy,
    Penalty,
    late_penalty,
    lateness_unknown,
    parse_time,
)
from autograder.gradebook import SubmissionResult
from autograder.roster import ClassMatch, Roster, Student
from autograder.tables import spreadsheet_safe

FORMATS = ("canvas", "brightspace", "moodle")
UNMARKED_CHOICES = ("refuse", "blank", "partial")


def pts(value: float) -> str:
    """Points as people write them: 12, 12.5, 12.25 (never 12.000000001)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


@dataclass
class Grade:
    """One student's grade for the assignment."""

    student: Student
    result: SubmissionResult
    manual: dict[str, tuple[float, float, str]]  # question -> (score, possible, comment)
    unmarked: dict[str, float]  # free-response questions not marked yet -> points possible
    adjustments: list[tuple[float, str]] = field(default_factory=list)  # (points, reason)
    penalty: Penalty | None = None
    late_unknown: bool = False  # a late policy is set, and nothing says when it came in

    @property
    def score(self) -> float:
        """Autograded and marked points, adjusted, less any late penalty; never below 0."""
        total = (self.result.score + sum(s for s, _, _ in self.manual.values())
                 + sum(points for points, _ in self.adjustments)
                 - (self.penalty.points if self.penalty else 0.0))
        return max(0.0, round(total, 6))

    @property
    def possible(self) -> float:
        return (self.result.possible + sum(p for _, p, _ in self.manual.values())
                + sum(self.unmarked.values()))

    @property
    def complete(self) -> bool:
        return not self.unmarked


def class_grades(results: list[SubmissionResult], match: ClassMatch,
                 manual: dict[str, dict[str, tuple[float, float, str]]],
                 questions: dict[str, float], adjustments: list[dict] | None = None,
                 policy: LatePolicy | None = None) -> list[Grade]:
    """A grade for each submission that counts, in the order of the students' names.
    ``questions`` are the free-response questions (name -> points possible); ``adjustments``
    the gradebook's, oldest first; ``policy`` the late policy, if there is one."""
    by_submission: dict[str, list[dict]] = {}
    for adjustment in adjustments or []:
        by_submission.setdefault(adjustment["submission"], []).append(adjustment)
    grades = []
    for result in results:
        student = match.students.get(result.submission)
        if student is None:
            continue
        marks = manual.get(result.submission, {})
        unmarked = {q: p for q, p in questions.items() if q not in marks}
        own = by_submission.get(result.submission, [])
        extensions = [a for a in own if a["kind"] == "extension"]
        until = parse_time(extensions[-1]["until"]) if extensions else None
        possible = result.possible + sum(questions.values())
        origin = match.origins[result.submission]
        penalty = late_penalty(policy, origin, student, possible, until)
        unknown = policy is not None and lateness_unknown(origin, student)
        grades.append(Grade(student, result, marks, unmarked,
                            [(a["points"], a["reason"]) for a in own if a["kind"] == "points"],
                            penalty, unknown))
    return sorted(grades, key=lambda g: (g.student.name.casefold(), g.result.submission))


def unmarked_report(grades: list[Grade]) -> list[str]:
    return [f"{g.student.label}: {', '.join(g.unmarked)} not marked yet"
            for g in grades if not g.complete]


class _SafeWriter:
    """Writes rows with no cell a spreadsheet would run as a formula (``spreadsheet_safe``)."""

    def __init__(self, writer) -> None:
        self._writer = writer

    def writerow(self, row: list) -> None:
        self._writer.writerow([spreadsheet_safe(cell) for cell in row])


_CANVAS_ID = re.compile(r"^(?P<name>.*) \((?P<id>\d+)\)$")
_BRIGHTSPACE_ITEM = re.compile(r"^(?P<item>.*) Points Grade(?: <(?P<spec>[^>]*)>)?$")


@dataclass(frozen=True)
class Target:
    """Where the grades go: the column to write, and the points the LMS has for it."""

    column: str
    lms_points: float | None = None  # as the class list records them, when it does
    existing: bool = False  # the column is the class list's: an existing assignment

    def notices(self, possible: float) -> list[str]:
        lines = []
        if self.lms_points is not None and abs(self.lms_points - possible) > 1e-9:
            lines.append(f"the LMS has '{self.column}' out of {pts(self.lms_points)} points, "
                         f"this assignment out of {pts(possible)}: change the points in the "
                         "LMS, or the imported scores will not mean what they say")
        return lines


def target_column(kind: str, assignment: str, roster: Roster | None,
                  given: str | None) -> Target:
    """The column an import matches to the right assignment: ``--column`` if given, else the
    class list's column for this assignment (Canvas: ``<name> (<id>)``; Brightspace:
    ``<name> Points Grade``), else a new column named after the assignment."""
    if kind == "moodle" and roster is not None and roster.kind == "moodle":
        return Target("Grade", existing=True)
    wanted = given or assignment
    if roster is None or roster.kind != kind:
        return Target(wanted if kind != "brightspace" else f"{wanted} Points Grade")
    found = []
    for column in roster.columns:
        if kind == "canvas":
            named = _CANVAS_ID.match(column)
            if column == wanted or (named and named["name"].casefold() == wanted.casefold()):
                found.append(Target(column, _number(roster.points.get(column)), True))
        else:
            named = _BRIGHTSPACE_ITEM.match(column)
            if named and named["item"].casefold() == wanted.casefold():
                points = re.search(r"MaxPoints:([\d.]+)", named["spec"] or "")
                found.append(Target(f"{named['item']} Points Grade",
                                    float(points[1]) if points else None, True))
    if len(found) > 1:
        raise ValueError(f"the class list has {len(found)} columns for {wanted!r} "
                         f"({', '.join(t.column for t in found)}): give --column with the one "
                         "to import into")
    if found:
        return found[0]
    if given:
        raise ValueError(f"the class list has no column {given!r}; its columns are "
                         f"{', '.join(roster.columns)}")
    return Target(wanted if kind != "brightspace" else f"{wanted} Points Grade")


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


def moodle_layout(grades: list[Grade]) -> str:
    """"worksheet" when every student has a participant identifier, else "gradebook"."""
    return "worksheet" if grades and all(g.student.lms_id.startswith("Participant ")
                                         for g in grades) else "gradebook"


def mixed_moodle_layout(grades: list[Grade]) -> list[str]:
    """Students without a participant identifier in a class where others have one. Moodle's
    worksheet import needs it on every row, its gradebook import needs none: a few missing
    would quietly send the whole class the other way, with blank usernames."""
    without = [g for g in grades if not g.student.lms_id.startswith("Participant ")]
    if not without or len(without) == len(grades):
        return []
    return [f"{g.student.label} ({g.result.submission}): no Moodle participant identifier, "
            "while the rest of the class has one (is it from this assignment's download, and "
            "on its grading worksheet?)" for g in without]


def missing_identifiers(kind: str, grades: list[Grade]) -> list[str]:
    """Students the LMS could not match: no identifier of the kind its import reads."""
    def identified(student: Student) -> bool:
        if kind == "canvas":
            return bool(student.lms_id or student.student_id or student.username)
        if kind == "brightspace":
            return bool(student.student_id or student.username)
        return bool(student.lms_id or student.username or student.email or student.student_id)

    return [g.student.label for g in grades if not identified(g.student)]


def _shown(grade: Grade, unmarked: str) -> str:
    """The cell for a grade: blank when it is incomplete and the instructor chose ``blank``."""
    return "" if not grade.complete and unmarked == "blank" else pts(grade.score)


def student_note(status: str, reason: str) -> str:
    """What a student is told of a notebook not graded as handed in. The gradebook's reason is
    written for the instructor ("rename it ... and grade again"); the student is told what
    happened to their file and what to do, in their terms. "" when there is nothing to say."""
    if status == "completed":
        return reason  # the cells that raised an error or ran too long: the student's to fix
    if status == "invalid" and reason.startswith("a notebook renamed"):
        ending = reason.split("'")[1] if reason.count("'") >= 2 else "another ending"
        return (f"your file's name ends in {ending!r} instead of '.ipynb', so it could not be "
                "graded as handed in; your instructor will tell you what happens next")
    if status == "invalid" and reason.startswith("not a notebook"):
        return (f"your file could not be opened as a Jupyter notebook ({reason}); hand in the "
                ".ipynb file itself, downloaded from Jupyter (File > Download)")
    if status == "invalid":
        return ("your notebook does not seem to be this assignment's (none of its questions "
                "were found in it); check that you handed in the right file")
    if status == "timeout":
        return ("your notebook was still running when the time allowed ran out, so nothing "
                "could be graded; restart it and run all its cells to find the cell that does "
                "not finish")
    if status == "memory-limit":
        return f"your notebook used more memory than allowed: {reason}"
    if status == "crashed":
        return ("your notebook stopped before it finished, so nothing could be graded; "
                "restart it and run all its cells to check that it runs to the end")
    return ("your notebook could not be graded because of a problem with the grading itself, "
            "not with your work; your instructor will grade it again")


def _comment(grade: Grade) -> str:
    note = f"{pts(grade.score)} / {pts(grade.possible)}"
    if not grade.complete:
        note += f" so far ({', '.join(grade.unmarked)} not marked yet)"
    changes = [f"{'+' if points >= 0 else ''}{pts(points)} {reason}"
               for points, reason in grade.adjustments]
    if grade.penalty:
        changes.append(f"-{pts(grade.penalty.points)} {grade.penalty.reason}")
    if changes:
        note += f" ({'; '.join(changes)})"
    if grade.result.status != "completed":
        note += f" ({student_note(grade.result.status, grade.result.reason)})"
    return note


def export_csv(kind: str, grades: list[Grade], target: Target, possible: float,
               unmarked: str = "refuse") -> str:
    """The text of an LMS import CSV for one assignment."""
    if kind not in FORMATS:
        raise ValueError(f"unknown export format {kind!r}; choose one of {', '.join(FORMATS)}")
    out = io.StringIO()
    writer = _SafeWriter(csv.writer(out, lineterminator="\n"))
    if kind == "canvas":
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                         target.column])
        writer.writerow(["Points Possible", "", "", "", "", pts(possible)])
        for grade in grades:
            student = grade.student
            writer.writerow([student.name, student.lms_id, student.student_id,
                             student.username, "", _shown(grade, unmarked)])
    elif kind == "brightspace":
        writer.writerow(["OrgDefinedId", "Username", target.column, "End-of-Line Indicator"])
        for grade in grades:
            writer.writerow([grade.student.student_id, grade.student.username,
                             _shown(grade, unmarked), "#"])
    elif moodle_layout(grades) == "worksheet":
        writer.writerow(["Identifier", "Full name", "Email address", "Grade", "Maximum Grade",
                         "Feedback comments"])
        for grade in grades:
            writer.writerow([grade.student.lms_id, grade.student.name, grade.student.email,
                             _shown(grade, unmarked), pts(possible), _comment(grade)])
    else:
        writer.writerow(["Username", "Email address", "ID number", target.column, "Feedback"])
        for grade in grades:
            writer.writerow([grade.student.username, grade.student.email,
                             grade.student.student_id, _shown(grade, unmarked),
                             _comment(grade)])
    return out.getvalue()


def feedback_text(assignment: str, grade: Grade) -> str:
    """A plain-text report for one student: scores, passed tests and public hints only."""
    result = grade.result
    lines = [f"Assignment: {assignment}", f"Student: {grade.student.name}",
             f"Submission: {result.submission}"]
    if grade.complete:
        lines.append(f"Score: {pts(grade.score)} / {pts(grade.possible)}")
    else:
        lines.append(f"Score so far: {pts(grade.score)} / {pts(grade.possible)} "
                     f"(not marked yet: {', '.join(grade.unmarked)})")
    note = student_note(result.status, result.reason)
    if note:
        lines.append(f"Grading note: {note[0].upper()}{note[1:]}")
    lines.append("")
    for question in result.questions:
        lines.append(f"{question.question}: {pts(question.score)} / {pts(question.possible)}"
                     f" (public tests passed: {question.public_passed} of "
                     f"{question.public_total})")
        for hint in question.hints:
            lines.append(f"  hint: {hint}")
    for name, (score, points, comment) in grade.manual.items():
        lines.append(f"{name} (marked by your instructor): {pts(score)} / {pts(points)}")
        if comment:
            lines.append(f"  comment: {comment}")
    for name, points in grade.unmarked.items():
        lines.append(f"{name} (marked by your instructor): not marked yet, out of "
                     f"{pts(points)}")
    for points, reason in grade.adjustments:
        lines.append(f"Adjustment: {'+' if points >= 0 else ''}{pts(points)} ({reason})")
    if grade.penalty:
        lines.append(f"Late penalty: -{pts(grade.penalty.points)} ({grade.penalty.reason})")
    return "\n".join(lines) + "\n"


def _safe_part(text: str) -> str:
    """A file or folder name from a download's name: no path separators, control characters
    or leading dots, so it stays inside the feedback folder."""
    cleaned = "".join(c for c in unicodedata.normalize("NFC", text)
                      if unicodedata.category(c)[0] != "C")
    cleaned = cleaned.replace("/", "_").replace("\\", "_").strip().lstrip(".")
    return cleaned[:150] or "student"


def feedback_paths(grades: list[Grade], match: ClassMatch, assignment: str) -> dict[str, Path]:
    """submission -> the feedback file's path in the feedback folder, named after what the
    LMS named the student (Moodle: a folder as its download has, so a zip of the folder can
    be uploaded as feedback files). Two students whose files would share a name, in any
    letter case, are refused: one student's feedback never replaces another's."""
    paths: dict[str, Path] = {}
    taken: dict[str, str] = {}
    for grade in grades:
        origin = match.origins[grade.result.submission]
        if origin.lms == "moodle":
            path = Path(_safe_part(origin.folder)) / f"{_safe_part(assignment)}-feedback.txt"
        else:
            path = Path(f"{_safe_part(origin.folder)}.txt")
        key = str(path).casefold()
        if key in taken:
            raise ValueError(f"the feedback for {grade.result.submission} and for {taken[key]} "
                             f"would both be written to {path}: nothing was written; rename "
                             "one of the submissions")
        taken[key] = grade.result.submission
        paths[grade.result.submission] = path
    return paths


def write_feedback(folder: Path, assignment: str, grades: list[Grade],
                   match: ClassMatch) -> list[Path]:
    """One feedback file per student in ``folder``, and ``index.csv`` saying whose each is.
    Every name is checked before any file is written."""
    paths = feedback_paths(grades, match, assignment)
    if "index.csv" in {str(p).casefold() for p in paths.values()}:
        raise ValueError("a student's feedback would be named index.csv: rename the submission")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for grade in grades:
        path = folder / paths[grade.result.submission]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(feedback_text(assignment, grade), encoding="utf-8")
        written.append(path)
    with (folder / "index.csv").open("w", newline="", encoding="utf-8-sig") as handle:
        writer = _SafeWriter(csv.writer(handle))
        writer.writerow(["student", "username", "student_id", "lms_id", "submission",
                         "feedback"])
        for grade in grades:
            s = grade.student
            writer.writerow([s.name, s.username, s.student_id, s.lms_id,
                             grade.result.submission, str(paths[grade.result.submission])])
    return written
