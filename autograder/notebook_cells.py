"""Where a student's answers are in one of the book's (Otter) notebooks.

Otter Assign marks a student notebook in two ways, and every command that reads answers
(review, mark, similarity, nbgrader-collect) reads them the same way, here:

* each cell the student writes in is tagged ``otter_answer_cell``; an autograded question's
  answer cell is followed by its ``grader.check("name")`` cell;
* a free-response (manual) question sits between ``<!-- BEGIN QUESTION -->`` and
  ``<!-- END QUESTION -->`` markdown cells, the first holding its prompt. The student notebook
  does not name the question: the k-th such block is the assignment's k-th manual question.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

BEGIN, END = "<!-- BEGIN QUESTION -->", "<!-- END QUESTION -->"
ANSWER_TAG = "otter_answer_cell"
CHECK = re.compile(r"""grader\.check\(\s*["']([^"']+)["']\s*\)""")


def cell_source(cell: dict) -> str:
    """A cell's text, whether nbformat wrote it as one string or a list of lines."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def is_answer_cell(cell: dict) -> bool:
    metadata = cell.get("metadata")
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    return isinstance(tags, list) and ANSWER_TAG in tags


def notebook_cells(notebook_text: str) -> list[dict] | None:
    """The cells of a notebook's JSON text, or None when it is not a notebook."""
    try:
        cells = json.loads(notebook_text).get("cells")
    except (ValueError, AttributeError):
        return None
    return [c for c in cells if isinstance(c, dict)] if isinstance(cells, list) else None


@dataclass(frozen=True)
class AnswerCell:
    question: str  # the question's name; "answer N" when nothing names it
    cell: dict


def answer_cells(cells: list[dict], manual_names: list[str] | tuple[str, ...] = ()
                 ) -> list[AnswerCell]:
    """Each answer cell, named by the ``grader.check`` after it, else (in a free-response
    block) by the manual question of that block's place, else by its number."""
    found, block, inside = [], -1, False
    for index, cell in enumerate(cells):
        text = cell_source(cell).lstrip()
        if text.startswith(BEGIN):
            block, inside = block + 1, True
        elif text.startswith(END):
            inside = False
        if not is_answer_cell(cell):
            continue
        following = cells[index + 1:index + 2]
        named = CHECK.search(cell_source(following[0])) if following else None
        if named:
            question = named[1]
        elif inside and block < len(manual_names):
            question = manual_names[block]
        else:
            question = f"answer {len(found) + 1}"
        found.append(AnswerCell(question, cell))
    return found


def free_responses(cells: list[dict] | None, count: int) -> list[str]:
    """The text between each free-response block's prompt and its end marker, in order (all
    the cells there, as Otter exports them for marking), padded to ``count`` blanks."""
    answers: list[str] = []
    current: list[str] | None = None
    for cell in cells or []:
        text = cell_source(cell)
        if text.lstrip().startswith(END) and current is not None:
            answers.append("\n\n".join(current).strip())
            current = None
        elif text.lstrip().startswith(BEGIN):
            current = []
        elif current is not None:
            current.append(text)
    answers += [""] * (count - len(answers))
    return answers[:count]
