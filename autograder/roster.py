"""Who wrote each submission, and who wrote none: a class list matched against the download.

A class list (``--roster``) is the LMS's own grade export, read as each LMS writes it:

* **Canvas** (Grades, Export): ``Student, ID, SIS User ID, SIS Login ID, Section``, then one
  column per assignment, named ``<assignment> (<id>)``, and a ``Points Possible`` row;
* **Brightspace** (Grades, Export, with Org Defined ID, Username, First Name and Last Name):
  ``OrgDefinedId, Username, Last Name, First Name, Email``, grade columns, ``End-of-Line
  Indicator``;
* **Moodle** (the assignment's grading worksheet): ``Identifier`` (``Participant 657737``),
  ``Full name``, ``Email address``, ``Grade``, ``Maximum Grade``...;

or a CSV of our own, ``submission,name,username,email,student_id``, one row per file.

A submission is matched by what its download says (:mod:`autograder.downloads`): the Canvas
user ID, the Moodle participant identifier, the student's name for Brightspace, else its file
or folder name against a username, ID, email or ``submission``. Without a class list the
download itself names the students. Matching reports, before anything is written, every
submission it could not place, every student on the list without one, and every student with
two.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

from autograder.downloads import Origin, normalized_name, origin_of
from autograder.tables import read_table

ROSTER_COLUMNS = ["submission", "name", "username", "email", "student_id"]


@dataclass(frozen=True)
class Student:
    name: str
    username: str = ""  # Canvas SIS Login ID, Brightspace Username, Moodle username
    email: str = ""
    student_id: str = ""  # Canvas SIS User ID, Brightspace OrgDefinedId, Moodle ID number
    lms_id: str = ""  # Canvas's own user ID, or Moodle's "Participant N" for this assignment
    submission: str = ""  # our own roster's file name
    identities: frozenset[str] = frozenset()  # the Origin identities this student answers to
    submitted_at: datetime | None = None  # when the class list says they handed it in

    @property
    def label(self) -> str:
        """How a report names the student."""
        known = self.username or self.student_id or self.lms_id or self.submission
        return f"{self.name} ({known})" if self.name and known and known != self.name \
            else (self.name or known)


@dataclass
class Roster:
    kind: str  # "canvas", "brightspace", "moodle" or "own"
    students: list[Student]
    columns: list[str] = field(default_factory=list)  # the file's columns, in order
    points: dict[str, str] = field(default_factory=dict)  # Canvas: column -> points possible


def _plain_keys(*values: str) -> set[str]:
    keys = set()
    for value in values:
        value = value.strip().lstrip("#")  # Brightspace exports write "#jdoe"
        if value:
            keys.add(":" + normalized_name(value))
            if "@" in value:
                keys.add(":" + normalized_name(value.split("@")[0]))
    return keys


MOODLE_TIMES = ("%A, %d %B %Y, %I:%M %p", "%A, %d %B %Y, %H:%M", "%d %B %Y, %I:%M %p")


def _when(text: str, path, line: int) -> datetime | None:
    """A submission time from a class list: ISO (``2026-12-05 21:30``) or as Moodle's
    worksheet writes it (``Saturday, 5 December 2026, 9:30 PM``); "-" or blank is none."""
    text = text.strip()
    if text in ("", "-"):
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        pass
    for layout in MOODLE_TIMES:
        try:
            return datetime.strptime(text, layout)
        except ValueError:
            continue
    raise ValueError(f"{path}, row {line}: cannot read the time {text!r}; write it as "
                     "2026-12-05 21:30")


def _canvas(table) -> Roster:
    students, points = [], {}
    for line, row in table.rows:
        name = row.get("Student", "")
        if name == "Points Possible":
            points = {c: v for c, v in row.items() if v}
            continue
        identities = _plain_keys(row.get("SIS Login ID", ""), row.get("SIS User ID", ""))
        if row.get("ID"):
            identities.add(f"canvas:{row['ID']}")
        students.append((line, Student(name, row.get("SIS Login ID", ""), "",
                                       row.get("SIS User ID", ""), row.get("ID", ""),
                                       identities=frozenset(identities))))
    return Roster("canvas", _distinct(table.path, students), table.columns, points)


def _brightspace(table) -> Roster:
    students = []
    for line, row in table.rows:
        full = " ".join(p for p in (row.get("First Name", ""), row.get("Last Name", "")) if p)
        identities = _plain_keys(row.get("Username", ""), row.get("OrgDefinedId", ""),
                                 row.get("Email", ""))
        if full:
            identities.add(f"brightspace:{normalized_name(full)}")
        students.append((line, Student(full, row.get("Username", ""), row.get("Email", ""),
                                       row.get("OrgDefinedId", ""),
                                       identities=frozenset(identities))))
    return Roster("brightspace", _distinct(table.path, students), table.columns)


def _moodle(table) -> Roster:
    students = []
    for line, row in table.rows:
        identifier = row.get("Identifier", "")
        number = identifier.removeprefix("Participant").strip()
        if not number.isdigit():
            raise ValueError(f"{table.path}, row {line}: the Identifier {identifier!r} is not "
                             "Moodle's 'Participant <number>'")
        identities = {f"moodle:{number}"} | _plain_keys(
            row.get("Username", ""), row.get("ID number", ""), row.get("Email address", ""))
        students.append((line, Student(
            row.get("Full name", ""), row.get("Username", ""), row.get("Email address", ""),
            row.get("ID number", ""), identifier, identities=frozenset(identities),
            submitted_at=_when(row.get("Last modified (submission)", ""), table.path, line))))
    return Roster("moodle", _distinct(table.path, students), table.columns)


def _own(table) -> Roster:
    students, seen = [], {}
    for line, row in table.rows:
        submission = row.get("submission", "")
        if not submission:
            raise ValueError(f"{table.path}, row {line}: blank submission")
        if submission in seen:
            raise ValueError(f"{table.path}, rows {seen[submission]} and {line}: submission "
                             f"{submission!r} appears twice")
        seen[submission] = line
        stem = PurePosixPath(submission).name.removesuffix(".ipynb").removesuffix(".zip")
        students.append((line, Student(
            row.get("name", ""), row.get("username", ""), row.get("email", ""),
            row.get("student_id", ""), submission=submission,
            identities=frozenset(_plain_keys(stem)),
            submitted_at=_when(row.get("submitted_at", ""), table.path, line))))
    return Roster("own", _distinct(table.path, students), table.columns)


IDENTIFYING = {"lms_id": "LMS ID", "username": "username", "student_id": "student ID",
               "email": "email"}


def _distinct(path, rows: list[tuple[int, Student]]) -> list[Student]:
    """The class list's students, refusing a row that repeats another's identifier: a row
    pasted twice, or two people given one username. Left in, the submission would match
    both rows and neither, and the student would be listed as absent twice."""
    first: dict[tuple[str, str], int] = {}
    for line, student in rows:
        for attribute, described in IDENTIFYING.items():
            value = normalized_name(getattr(student, attribute).strip().lstrip("#"))
            if not value:
                continue
            earlier = first.setdefault((attribute, value), line)
            if earlier != line:
                same = "repeats" if student == next(s for n, s in rows if n == earlier) \
                    else "has the same " + described + " as"
                raise ValueError(f"{path}: row {line} {same} row {earlier} "
                                 f"({described} {getattr(student, attribute)!r}); keep one "
                                 "row per student")
    return [student for _line, student in rows]


def load_roster(path: Path | None) -> Roster | None:
    """A class list in any of the layouts above, recognized by its columns."""
    if path is None:
        return None
    table = read_table(path)
    columns = set(table.columns)
    if {"Student", "ID"} <= columns:
        return _canvas(table)
    if "OrgDefinedId" in columns or {"Username", "First Name", "Last Name"} <= columns:
        return _brightspace(table)
    if "Identifier" in columns:
        return _moodle(table)
    if "submission" in columns:
        return _own(table)
    raise ValueError(
        f"{path}: not a class list we can read. Give the LMS's grade export (Canvas: Student, "
        "ID, SIS Login ID...; Brightspace: OrgDefinedId, Username, First Name, Last Name...; "
        "Moodle's grading worksheet: Identifier, Full name...), or a CSV with the columns "
        f"{', '.join(ROSTER_COLUMNS)} (the 'submission' column is required). Its columns are: "
        f"{', '.join(table.columns) or '(none)'}")


def _path_forms(submission: str) -> set[str]:
    """What a roster's ``submission`` cell may say of a file: its path, its name, either
    without ``.ipynb``, or its folder."""
    path = PurePosixPath(submission)
    forms = {submission, path.name}
    forms |= {f.removesuffix(".ipynb").removesuffix(".zip") for f in set(forms)}
    if len(path.parts) > 1:
        forms.add(path.parts[0])
    return {normalized_name(f) for f in forms}


def _origins(submissions: list[str]) -> dict[str, Origin]:
    """Each submission's origin; a plain folder holding more than one notebook names none of
    them (the folder is the assignment's, not a student's), so each goes by its file."""
    origins = {s: origin_of(s) for s in submissions}
    shared = Counter(o.key for s, o in origins.items() if not o.lms and "/" in s)
    for submission, origin in origins.items():
        if not origin.lms and "/" in submission and shared[origin.key] > 1:
            stem = PurePosixPath(submission).name.removesuffix(".ipynb").removesuffix(".zip")
            origins[submission] = Origin("", stem, stem, folder=stem)
    return origins


def _from_download(origin: Origin) -> Student:
    """A student known only from the download's names."""
    if origin.lms == "canvas":
        return Student(origin.name, lms_id=origin.key, identities=frozenset({origin.identity}))
    if origin.lms == "moodle":
        return Student(origin.name, lms_id=f"Participant {origin.key}",
                       identities=frozenset({origin.identity}))
    if origin.lms == "brightspace":
        return Student(origin.name, identities=frozenset({origin.identity}))
    return Student(origin.key, origin.key, identities=frozenset({origin.identity}))


@dataclass
class ClassMatch:
    """Who each submission is from, and what could not be matched."""

    students: dict[str, Student]  # submission -> student, for each submission that counts
    origins: dict[str, Origin]
    unmatched: dict[str, str] = field(default_factory=dict)  # submission -> why
    absent: list[Student] = field(default_factory=list)  # on the class list, no submission
    duplicates: dict[Student, list[str]] = field(default_factory=dict)  # unresolved
    superseded: dict[str, str] = field(default_factory=dict)  # older -> the one that counts

    def problems(self) -> list[str]:
        """What stops an export: it would send a grade to no one, or to the wrong student."""
        lines = [f"not matched to a student: {s} ({why})" for s, why in self.unmatched.items()]
        lines += [f"{student.label} has {len(files)} submissions: {', '.join(files)}; remove "
                  "all but one from the download (or from a roster's rows) and export again"
                  for student, files in self.duplicates.items()]
        return lines

    def notices(self) -> list[str]:
        """What the instructor should know, which does not stop an export."""
        lines = [f"no submission from {student.label}" for student in self.absent]
        lines += [f"{older} is superseded by the later {newer}"
                  for older, newer in self.superseded.items()]
        return lines


def _candidates(submission: str, origin: Origin, roster: Roster) -> list[Student]:
    if roster.kind == "own":
        forms = _path_forms(submission)
        named = [s for s in roster.students if normalized_name(s.submission) in forms]
        if named:
            return named
    return [s for s in roster.students if origin.identity in s.identities]


def match_class(submissions: list[str], roster: Roster | None,
                invalid: frozenset[str] | set[str] = frozenset()) -> ClassMatch:
    """Match each submission to one student, from the class list or from the download. Of a
    student's two submissions, one ``invalid`` (a notebook renamed ``.ipynb.txt``) and one
    graded, the graded one counts: the instructor renamed the file and graded again."""
    origins = _origins(submissions)
    result = ClassMatch({}, origins)
    for submission in submissions:
        origin = origins[submission]
        if roster is None:
            result.students[submission] = _from_download(origin)
            continue
        found = _candidates(submission, origin, roster)
        if len(found) == 1:
            result.students[submission] = found[0]
        elif found:
            result.unmatched[submission] = (
                f"{len(found)} students on the class list could be its author: "
                f"{', '.join(s.label for s in found)}")
        else:
            result.unmatched[submission] = _why_unmatched(origin, roster)
    # One student, two submissions: the same class-list row, or without a class list the
    # same identity in the download.
    by_student: dict[Student | str, list[str]] = defaultdict(list)
    for submission, student in result.students.items():
        by_student[student if roster else origins[submission].identity].append(submission)
    for files in by_student.values():
        if len(files) < 2:
            continue
        student = result.students[files[0]]
        times = [origins[f].submitted_at for f in files]
        valid = [f for f in files if f not in invalid]
        if len(valid) == 1:
            for other in files:
                if other != valid[0]:
                    result.superseded[other] = valid[0]
                    del result.students[other]
        elif all(times) and len(set(times)) == len(times):
            latest = max(files, key=lambda f: origins[f].submitted_at)
            for older in files:
                if older != latest:
                    result.superseded[older] = latest
                    del result.students[older]
        else:
            result.duplicates[student] = sorted(files)
            for duplicate in files:
                del result.students[duplicate]
    if roster is not None:
        matched = set(by_student)
        result.absent = [s for s in roster.students if s not in matched]
    return result


def _why_unmatched(origin: Origin, roster: Roster) -> str:
    described = {"canvas": f"the Canvas user ID {origin.key} ({origin.name})",
                 "moodle": f"Moodle participant {origin.key} ({origin.name})",
                 "brightspace": f"the name {origin.name!r}"}.get(
        origin.lms, f"the name {origin.key!r}")
    return f"no one on the {roster.kind} class list has {described}"
