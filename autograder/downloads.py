"""Who handed in a file, read from the way an LMS names the files of its bulk download.

An instructor grades what the LMS gives them: one zip of every submission, each file (or
folder) named by the LMS after its student. The names, as each LMS writes them:

* **Canvas** (Download Submissions): ``doejane_12345_678901_hw01.ipynb``, the student's
  sortable name in lower case without spaces or punctuation, their Canvas user ID, the
  file's ID and the name they uploaded it under; ``doejane_LATE_12345_...`` when it came in
  after the due date.
* **Brightspace** (Download all submissions): a folder ``397063-2557369 - Jane Doe - Sep 24,
  2024 926 PM`` holding the file (older versions put the same words before the file name,
  joined by `` - ``), beside an ``index.html``. The student is named, not identified: a
  class list (the LMS's grade export) turns the name into an Org Defined ID.
* **Moodle** (Download all submissions): ``Jane Doe_657737_assignsubmission_file_`` as a
  folder holding the file ("Download submissions in folders"), or before its name. The
  number is the student's participant identifier for this assignment, which Moodle's grading
  worksheet names ``Participant 657737``.

Anything else is named by its file (``alice.ipynb`` is ``alice``) or, when each student's work
is in a folder of its own (``alice/hw01.ipynb``), by that folder.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath

CANVAS = re.compile(r"^(?P<name>[^\W_]+?)(?P<late>_late)?_(?P<user>\d+)_(?P<file_id>\d+)_"
                    r"(?P<file>.+)$", re.IGNORECASE)
BRIGHTSPACE = re.compile(r"^(?P<ids>\d+-\d+) - (?P<name>.+?) - (?P<when>[A-Z][a-z]{2} \d{1,2}, "
                         r"\d{4} \d{3,4} [AP]M)(?: - (?P<file>.+))?$")
MOODLE = re.compile(r"^(?P<name>.+)_(?P<participant>\d+)_assign(?:submission|feedback)_"
                    r"[a-z]+_(?P<file>.*)$")


@dataclass(frozen=True)
class Origin:
    """A submission's student as the download names them."""

    lms: str  # "canvas", "brightspace", "moodle", or "" for a plain file or folder name
    key: str  # what identifies the student in this layout (see ``identity``)
    name: str  # the student's name as written in the download
    late: bool = False  # Canvas marks a late submission in its name
    submitted_at: datetime | None = None  # Brightspace writes when it was handed in
    folder: str = ""  # the name the LMS gave the student's folder or files, for feedback

    @property
    def identity(self) -> str:
        """A key no two students share within one download: the Canvas user ID, the Moodle
        participant identifier, the (normalized) name in Brightspace, else the file's stem in
        any letter case (``Alice.ipynb`` and ``alice/hw01.zip`` are one student's)."""
        return f"{self.lms}:{self.key if self.lms else normalized_name(self.key)}"


def normalized_name(name: str) -> str:
    """A name compared as people read it: Unicode composed the same way (a zip may decompose
    "é" into "e" and an accent), spaces collapsed, case ignored."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def _brightspace_time(text: str) -> datetime | None:
    """``Sep 24, 2024 926 PM``: Brightspace writes the time without its colon."""
    month_day_year, clock, half = text.rsplit(" ", 2)
    try:
        return datetime.strptime(f"{month_day_year} {clock[:-2]}:{clock[-2:]} {half}",
                                 "%b %d, %Y %I:%M %p")
    except ValueError:
        return None


def origin_of(submission: str) -> Origin:
    """Whose a submission is, by its path in the download (``name`` as graded)."""
    path = PurePosixPath(submission)
    for part in path.parts:
        found = MOODLE.match(part)
        if found:
            prefix = part[:found.start("file")]
            return Origin("moodle", found["participant"], found["name"], folder=prefix)
    for part in path.parts:
        found = BRIGHTSPACE.match(part)
        if found:
            folder = part if found["file"] is None else part[:found.start("file") - 3]
            return Origin("brightspace", normalized_name(found["name"]), found["name"],
                          submitted_at=_brightspace_time(found["when"]), folder=folder)
    found = CANVAS.match(path.name)
    if found:
        return Origin("canvas", found["user"], found["name"], late=bool(found["late"]),
                      folder=path.name[:found.start("file_id") - 1])
    if len(path.parts) > 1:
        return Origin("", path.parent.name, path.parent.name, folder=path.parent.name)
    stem = path.name.removesuffix(".ipynb").removesuffix(".zip")
    return Origin("", stem, stem, folder=stem)
