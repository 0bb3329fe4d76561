"""Students' notebooks in the book's (Otter) format, made gradable by nbgrader.

The book's learners work in the Otter student notebook: answer cells tagged
``otter_answer_cell``, and ``grader.check("q1")`` cells. nbgrader grades only notebooks whose
cells carry its own metadata, and gives anything else 0 without a word. So each submission is
rebuilt as nbgrader expects, from the released nbgrader notebook:

* the student's cells are kept, in their order, and their own extra cells with them;
* the i-th answer cell becomes the i-th answer cell of the release (same id and metadata), so
  nbgrader knows which answer it is;
* Otter's own cells (``import otter``, ``grader.check``...) are left out, and each question's
  nbgrader test cells are placed right after its last answer cell, as ``grader.check`` runs
  there; ``nbgrader autograde`` then puts back the hidden tests, as it does for any
  submission.

A notebook that already has nbgrader's metadata is taken as it is. A notebook whose answer
cells do not match the assignment's (cells deleted, or another assignment's notebook) is not
converted, and says why: nothing is left to score 0 in silence.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from autograder.notebook_cells import cell_source, is_answer_cell
from autograder.otter_compat import is_otter_cell

STUDENT_ID = re.compile(r"[^A-Za-z0-9_.@-]+")


@dataclass(frozen=True)
class Collected:
    submission: str
    student_id: str
    path: Path | None  # where it was written, or None if it was not
    problem: str = ""  # why it was not


def _nbgrader(cell: dict) -> dict:
    meta = cell.get("metadata")
    meta = meta.get("nbgrader") if isinstance(meta, dict) else None
    return meta if isinstance(meta, dict) else {}


def is_nbgrader_notebook(notebook: dict) -> bool:
    return any(_nbgrader(c).get("grade_id") for c in notebook.get("cells", [])
               if isinstance(c, dict))


def _question_of(grade_id: str) -> str:
    return grade_id.rsplit("-test-", 1)[0] if "-test-" in grade_id \
        else grade_id.removesuffix("-answer")


def from_otter(student: dict, release: dict) -> dict:
    """The nbgrader notebook for an Otter-format ``student`` notebook, given the released
    nbgrader notebook. Raises ValueError saying why when the two do not correspond."""
    answers = [c for c in release["cells"] if _nbgrader(c).get("solution")]
    tests: dict[str, list[dict]] = {}
    for cell in release["cells"]:
        meta = _nbgrader(cell)
        if meta.get("grade") and not meta.get("solution"):
            tests.setdefault(_question_of(meta["grade_id"]), []).append(cell)
    theirs = [c for c in student.get("cells", []) if isinstance(c, dict) and is_answer_cell(c)]
    if len(theirs) != len(answers):
        raise ValueError(f"it has {len(theirs)} answer cells where the assignment has "
                         f"{len(answers)}: answer cells were deleted or added, or it is another "
                         "assignment's notebook")
    for mine, released in zip(theirs, answers, strict=True):
        if mine.get("cell_type") != released.get("cell_type"):
            raise ValueError(f"the answer cell for {_question_of(_nbgrader(released)['grade_id'])}"
                             f" is {mine.get('cell_type')}, not {released.get('cell_type')}")
    last_answer = {}  # question -> index among the student's answer cells of its last one
    for index, released in enumerate(answers):
        last_answer[_question_of(_nbgrader(released)["grade_id"])] = index
    cells, seen = [], 0
    for cell in student["cells"]:
        if not isinstance(cell, dict):
            continue
        if cell.get("cell_type") == "code" and is_otter_cell(cell_source(cell)):
            continue  # otter's set-up and checks: nbgrader's test cells take their place
        if is_answer_cell(cell):
            released = answers[seen]
            new = copy.deepcopy(cell)
            new["id"] = released.get("id", new.get("id"))
            new["metadata"] = {**{k: v for k, v in (cell.get("metadata") or {}).items()
                                  if k != "tags"}, "nbgrader": copy.deepcopy(_nbgrader(released))}
            cells.append(new)
            question = _question_of(_nbgrader(released)["grade_id"])
            if last_answer[question] == seen:
                cells.extend(copy.deepcopy(t) for t in tests.pop(question, []))
            seen += 1
        else:
            new = copy.deepcopy(cell)
            if isinstance(new.get("metadata"), dict):
                new["metadata"].pop("nbgrader", None)
            cells.append(new)
    for remaining in tests.values():  # tests of a question without answer cells
        cells.extend(copy.deepcopy(t) for t in remaining)
    notebook = {**{k: v for k, v in student.items() if k != "cells"},
                "metadata": copy.deepcopy(release.get("metadata", {})), "cells": cells}
    notebook["nbformat"], notebook["nbformat_minor"] = 4, max(5, student.get("nbformat_minor", 5))
    return notebook


def student_id(text: str) -> str:
    """An nbgrader student ID (a folder name) from a username or name."""
    cleaned = STUDENT_ID.sub("_", text).strip("._-")
    return cleaned or "student"


def collect(course: Path, assignment: str, submissions: list[tuple[str, str, str,
                                                                  datetime | None]]
            ) -> list[Collected]:
    """Place each ``(submission, student_id, notebook_text, submitted_at)`` as nbgrader's
    ``submitted/<student>/<assignment>/<assignment>.ipynb``, converted from Otter's format
    where needed; a ``timestamp.txt`` beside it when the time it came in is known."""
    release_path = Path(course) / "release" / assignment / f"{assignment}.ipynb"
    if not release_path.is_file():
        raise FileNotFoundError(f"{release_path} does not exist: run `nbgrader "
                                f"generate_assignment {assignment}` in {course} first")
    release = json.loads(release_path.read_text(encoding="utf-8"))
    ids = [s[1] for s in submissions]
    doubled = sorted({i for i in ids if ids.count(i) > 1})
    if doubled:
        raise ValueError(f"two submissions would be nbgrader student {doubled[0]!r}: give "
                         "--roster, or remove one")
    done = []
    for submission, sid, text, submitted_at in submissions:
        try:
            notebook = json.loads(text)
            if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
                raise ValueError("it is not a notebook")
            if not is_nbgrader_notebook(notebook):
                notebook = from_otter(notebook, release)
        except ValueError as error:
            done.append(Collected(submission, sid, None, f"not collected: {error}"))
            continue
        folder = Path(course) / "submitted" / sid / assignment
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{assignment}.ipynb"
        path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
        if submitted_at:
            (folder / "timestamp.txt").write_text(f"{submitted_at:%Y-%m-%d %H:%M:%S}\n",
                                                  encoding="utf-8")
        done.append(Collected(submission, sid, path))
    return done
