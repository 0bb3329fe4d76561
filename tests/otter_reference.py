"""Otter's own grades of many notebooks, two at a time.

The faithfulness tests compare the grader with otter-grader on dozens of notebooks, each graded
by otter in a fresh kernel: one after another, that is most of the suite's time. Otter's
``grade_submission`` changes the working directory, so two cannot share a process; each runs
in a process of its own (spawned, so that nothing of the test process is inherited).

On a loaded machine a kernel can take longer than otter's 60 seconds to start, and otter then
raises "Kernel didn't respond" instead of grading: that is no grade at all, so the notebook is
graded again, alone. Any other error is raised as it is.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from autograder.grading import NotebookGrade, grade_notebook

SLOW_KERNEL = "Kernel didn't respond"


def otter_grades(notebooks: list[Path], autograder_zip: Path, workers: int = 2
                 ) -> dict[Path, NotebookGrade]:
    """Each notebook's grade from ``otter.api.grade_submission``, by path."""
    context = multiprocessing.get_context("spawn")
    grades: dict[Path, NotebookGrade] = {}
    slow: list[Path] = []
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = {path: pool.submit(grade_notebook, path, autograder_zip)
                   for path in notebooks}
        for path, future in futures.items():
            try:
                grades[path] = future.result()
            except RuntimeError as error:
                if SLOW_KERNEL not in str(error):
                    raise
                slow.append(path)
    if slow:
        with ProcessPoolExecutor(1, mp_context=context) as pool:
            for path in slow:
                grades[path] = pool.submit(grade_notebook, path, autograder_zip).result()
    return {path: grades[path] for path in notebooks}
