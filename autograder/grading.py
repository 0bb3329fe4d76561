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
# A kernel that never came up: too slow to start on a loaded machine, or dead before it could
# answer its first message (on a loaded machine, two kernels starting at once can collide).
# Neither has run a cell of the notebook, so asking otter again cannot change a grade.
KERNEL_NEVER_STARTED = ("Kernel didn't respond", "Kernel died before replying to kernel_info")


def grade_notebook(notebook: Path, autograder_zip: Path) -> NotebookGrade:
    """Grade ``notebook`` against ``autograder_zip`` with ``otter.api.grade_submission``.

    Otter executes the notebook in a fresh kernel, then runs every test, hidden ones included.
    A kernel that never started (too slow, or dead before its first reply) gives no grade, so
    otter is asked once more; every other error is raised as it is.
    """
    from otter.api import grade_submission

    with contextlib.redirect_stdout(io.StringIO()):
        try:
            results = grade_submission(str(notebook), str(autograder_zip), quiet=True)
        except RuntimeError as error:
            if not any(failure in str(error) for failure in KERNEL_NEVER_STARTED):
                raise
            results = grade_submission(str(notebook), str(autograder_zip), quiet=True)
    questions = {
        name: QuestionScore(name, float(result.score or 0), float(result.possible))
        for name, result in results.results.items()
    }
    return NotebookGrade(Path(notebook), questions)
