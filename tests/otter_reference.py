"""Otter's own grades of many notebooks, two at a time.

The faithfulness tests compare the grader with otter-grader on dozens of notebooks, each graded
by otter in a fresh kernel: one after another, that is most of the suite's time. Otter's
``grade_submission`` changes the working directory, so two cannot share a process; each runs
in a process of its own (spawned, so that nothing of the test process is inherited).
``grade_notebook`` asks otter again when a kernel never started on the loaded machine.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from autograder.grading import NotebookGrade, grade_notebook


def otter_grades(notebooks: list[Path], autograder_zip: Path, workers: int = 2
                 ) -> dict[Path, NotebookGrade]:
    """Each notebook's grade from ``otter.api.grade_submission``, by path."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = {path: pool.submit(grade_notebook, path, autograder_zip)
                   for path in notebooks}
        return {path: future.result() for path, future in futures.items()}
