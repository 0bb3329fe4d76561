"""Grade one notebook with otter-grader's Python API and report per-question scores."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class QuestionScore:
    name: str
    score: float
    possible: float


@dataclass(frozen=True)
class NotebookGrade:
    """The outcome of grading one notebook."""

    notebook: Path
    questions: dict[str, QuestionScore]

    @property
    def score(self) -> float:
        return sum(q.score for q in self.questions.values())

    @property
    def possible(self) -> float:
        return sum(q.possible for q in self.questions.values())


# What otter raises when the notebook's kernel took longer than its 60 seconds to start: no
# grade at all, only a loaded machine.
SLOW_KERNEL = "Kernel didn't respond"


def grade_notebook(notebook: Path, autograder_zip: Path) -> NotebookGrade:
    """Grade ``notebook`` against ``autograder_zip`` with ``otter.api.grade_submission``.

    Otter executes the notebook in a fresh kernel, then runs every test, hidden ones included.
    A kernel too slow to start gives no grade, so otter is asked once more; every other error
    is raised as it is.
    """
    from otter.api import grade_submission

    with contextlib.redirect_stdout(io.StringIO()):
        try:
            results = grade_submission(str(notebook), str(autograder_zip), quiet=True)
        except RuntimeError as error:
            if SLOW_KERNEL not in str(error):
                raise
            results = grade_submission(str(notebook), str(autograder_zip), quiet=True)
    questions = {
        name: QuestionScore(name, float(result.score or 0), float(result.possible))
        for name, result in results.results.items()
    }
    return NotebookGrade(Path(notebook), questions)
