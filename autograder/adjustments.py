"""Changes to grades after grading: points for a regrade request, late penalties, extensions.

Each is kept in the gradebook with who entered it, when and why (``adjustments`` and
``late_policies``), and nothing is ever edited or deleted: to undo an adjustment, enter the
opposite one. A late penalty is worked out when grades are exported, from the assignment's
late policy, the time each submission came in and any extension:

* Brightspace names each submission with the time it came in; a Moodle grading worksheet
  used as class list has it in ``Last modified (submission)``; our own class list may give it
  in a ``submitted_at`` column.
* Canvas marks a late submission (``_LATE_``) without saying by how much, measured against
  the due date Canvas holds for that student (extensions given in Canvas included): it is
  penalized once, as one day late, unless an extension is recorded here.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from autograder.downloads import Origin, normalized_name
from autograder.roster import ClassMatch, Student


def parse_time(text: str) -> datetime:
    """A date and time as an instructor writes it: ``2026-12-05 23:59`` or ``2026-12-05T23:59``
    (local time, like the LMS's); a date alone is the end of that day."""
    text = text.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date and time: write it as 2026-12-05 23:59") \
            from None
    if len(text) == 10:  # a date: due by the end of the day
        moment = moment.replace(hour=23, minute=59, second=59)
    return moment.replace(tzinfo=None)


@dataclass(frozen=True)
class LatePolicy:
    due: datetime
    percent: float  # of the points possible, per day late (or once)
    per_day: bool

    def describe(self) -> str:
        per = "per day or part of a day" if self.per_day else "once"
        return f"due {self.due:%Y-%m-%d %H:%M}; {self.percent:g}% of the points {per} late"


@dataclass(frozen=True)
class Penalty:
    points: float
    reason: str


def came_in(origin: Origin, student: Student) -> datetime | None:
    """When a submission came in: the download's date (Brightspace), else the class list's
    (Moodle's worksheet, our own CSV's submitted_at)."""
    return origin.submitted_at or student.submitted_at


def lateness_unknown(origin: Origin, student: Student) -> bool:
    """Whether nothing says if the submission was late: no time for it, and not a Canvas
    download (whose names say "LATE" of late work, so a name without it was on time)."""
    return came_in(origin, student) is None and origin.lms != "canvas"


def late_penalty(policy: LatePolicy | None, origin: Origin, student: Student, possible: float,
                 extended_until: datetime | None) -> Penalty | None:
    """The penalty for one submission, or None if it was on time, if there is no policy, or
    if nothing says when it came in (``lateness_unknown``: the export refuses that)."""
    if policy is None:
        return None
    due = max(policy.due, extended_until) if extended_until else policy.due
    arrived = came_in(origin, student)
    if arrived is None:
        if not origin.late:
            return None
        if extended_until:
            return None  # Canvas says late, but not by how much: the extension covers it
        days = 1
        reason = "Canvas marks it late (by how much, it does not say): one day's penalty"
    else:
        late_by = arrived - due
        if late_by.total_seconds() <= 0:
            return None
        days = math.ceil(late_by.total_seconds() / 86400)
        reason = f"handed in {arrived:%Y-%m-%d %H:%M}, {days} day(s) after {due:%Y-%m-%d %H:%M}"
    units = days if policy.per_day else 1
    share = min(100.0, policy.percent * units)
    return Penalty(round(possible * share / 100, 2), f"late: {reason} ({share:g}%)")


def _plain(name: str) -> str:
    """A name compared without accents, as people type it ("Zoe" finds "Zoé")."""
    decomposed = unicodedata.normalize("NFKD", normalized_name(name))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def find_submission(who: str, match: ClassMatch) -> str:
    """The one submission counted for a student, named by its path, or by the student's name,
    username, ID or LMS identifier."""
    wanted = _plain(who)
    found = []
    for submission, student in match.students.items():
        origin = match.origins[submission]
        names = {submission, student.name, student.username.lstrip("#"),
                 student.student_id.lstrip("#"), student.lms_id, origin.key, origin.name,
                 student.email}
        if wanted in {_plain(n) for n in names if n}:
            found.append(submission)
    if len(found) == 1:
        return found[0]
    if not found:
        raise LookupError(f"no graded submission is {who!r}: give its path as graded, or the "
                          "student's name, username or ID")
    raise LookupError(f"{who!r} could be any of {', '.join(found)}: give the submission's path")
