"""A free-response question's rubric, read from its prompt, criterion by criterion.

The book writes each rubric as a table under the question, after a line naming it:

    **Rubric (4 points)**

    | Criterion | 1 point | 0 points |
    |---|---|---|
    | Finding first | The first sentence states what happened... | The finding is missing... |

Each row is a criterion; each column after the first is a level, worth the points its heading
gives, described by the cell. A question without such a table (an instructor's own otter
assignment) is marked on one criterion, its score, in whole points.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from autograder.review import BEGIN, ManualQuestion

POINTS = re.compile(r"(\d+(?:\.\d+)?)\s*points?\b", re.IGNORECASE)


@dataclass(frozen=True)
class Level:
    points: float
    description: str


@dataclass(frozen=True)
class Criterion:
    name: str
    levels: tuple[Level, ...]  # best first

    @property
    def best(self) -> float:
        return max(level.points for level in self.levels)


@dataclass(frozen=True)
class Rubric:
    question: str
    points: float
    prompt: str  # the question as the student read it, rubric included
    criteria: tuple[Criterion, ...]


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _table_after_rubric(prompt: str) -> list[list[str]]:
    lines = prompt.splitlines()
    start = next((i for i, line in enumerate(lines) if "rubric" in line.lower()), None)
    if start is None:
        return []
    rows = []
    for line in lines[start + 1:]:
        if line.strip().startswith("|"):
            rows.append(_cells(line))
        elif rows:
            break
    return [r for r in rows if not all(set(c) <= set("-: ") for c in r)]


def _one_score(question: ManualQuestion, prompt: str) -> Rubric:
    whole = int(question.points)
    levels = tuple(Level(float(p), f"{p} of {question.points:g}")
                   for p in range(whole, -1, -1))
    if question.points != whole:
        levels = (Level(question.points, f"{question.points:g} of {question.points:g}"),
                  *levels)
    return Rubric(question.name, question.points, prompt, (Criterion("Score", levels),))


def rubric_for(question: ManualQuestion, prompt: str) -> Rubric:
    """The question's rubric from its prompt; one "Score" criterion when the prompt has no
    rubric table, or one whose best levels do not add up to the question's points."""
    table = _table_after_rubric(prompt)
    if len(table) < 2:
        return _one_score(question, prompt)
    header, rows = table[0], table[1:]
    worth = []
    for heading in header[1:]:
        found = POINTS.search(heading)
        if not found:
            return _one_score(question, prompt)
        worth.append(float(found[1]))
    criteria = tuple(
        Criterion(row[0], tuple(sorted((Level(points, text) for points, text in
                                        zip(worth, row[1:], strict=False)),
                                       key=lambda level: -level.points)))
        for row in rows if row and row[0])
    if abs(sum(c.best for c in criteria) - question.points) > 1e-9:
        return _one_score(question, prompt)
    return Rubric(question.name, question.points, prompt, criteria)


def prompts_in(notebook_text: str) -> list[str]:
    """The prompt of each free-response question in a notebook (the cell holding otter's
    ``<!-- BEGIN QUESTION -->`` marker), in order."""
    try:
        cells = json.loads(notebook_text)["cells"]
    except (ValueError, KeyError, TypeError):
        return []
    prompts = []
    for cell in cells:
        text = "".join(cell.get("source", "")) if isinstance(cell, dict) else ""
        if text.lstrip().startswith(BEGIN):
            prompts.append(text.lstrip()[len(BEGIN):].strip())
    return prompts


def rubrics(questions: list[ManualQuestion], notebook_text: str) -> list[Rubric]:
    """Each question's rubric, from the prompts of a notebook of the assignment."""
    prompts = prompts_in(notebook_text)
    return [rubric_for(q, prompts[i] if i < len(prompts) else "")
            for i, q in enumerate(questions)]
