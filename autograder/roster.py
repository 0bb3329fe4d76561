"""Who wrote each submission: a roster CSV, or the submission's file name.

LMS imports match grades to students by an identifier (Canvas: SIS user or login ID; Brightspace:
Org Defined ID or username; Moodle: username, email or ID number). A roster maps each
submission file to those identifiers. Without one, a submission's file name without ``.ipynb``
is used as the student's username, the convention of most LMS bulk downloads' renaming tools;
when each student's work is in a folder of its own (``alice/hw01.zip``), the folder's name.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

ROSTER_COLUMNS = ["submission", "name", "username", "email", "student_id"]


@dataclass(frozen=True)
class Student:
    submission: str
    name: str
    username: str
    email: str
    student_id: str


def load_roster(path: Path | None) -> dict[str, Student]:
    """submission file name -> Student. The roster needs a ``submission`` column."""
    if path is None:
        return {}
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if "submission" not in (reader.fieldnames or []):
            raise ValueError(f"{path}: the roster needs a 'submission' column; columns are "
                             f"{', '.join(ROSTER_COLUMNS)}")
        roster = {}
        for line, row in enumerate(reader, start=2):
            name = (row.get("submission") or "").strip()
            if not name:
                raise ValueError(f"{path}, line {line}: blank submission")
            if name in roster:
                raise ValueError(f"{path}, line {line}: submission {name!r} appears twice")
            roster[name] = Student(name, *((row.get(c) or "").strip()
                                           for c in ROSTER_COLUMNS[1:]))
        return roster


def student_key(submission: str) -> str:
    """Who a submission is from, without a roster: the folder it is in, when each student's
    work is in a folder of their own (``alice/hw01.zip``, as otter's export zips and
    Gradescope's downloads come), else its file name without the extension (``alice.ipynb``).
    A roster overrides both."""
    path = Path(submission)
    if len(path.parts) > 1:
        return path.parent.name
    return path.name.removesuffix(".ipynb").removesuffix(".zip")


def student_for(submission: str, roster: dict[str, Student]) -> Student:
    if submission in roster:
        return roster[submission]
    key = student_key(submission)
    return Student(submission, key, key, "", "")
