"""Instructor tooling: build the curriculum's assignments and check that they grade honestly.

Built on otter-grader's assignment format. Modules, each with one job:

* :mod:`autograder.assignments` finds the assignments in ``modules/``;
* :mod:`autograder.build` runs Otter Assign to make the student notebook and the autograder zip;
* :mod:`autograder.grading` grades one notebook with otter and returns per-question scores;
* :mod:`autograder.selfcheck` proves an assignment's tests: full marks for the solution, zero
  for the blank notebook, and every kept wrong answer rejected;
* :mod:`autograder.cli` is the ``autograder`` command.
"""

__version__ = "0.1.0"
