"""Instructor tooling: build the curriculum's assignments and check that they grade honestly.

Built on otter-grader's assignment format. Modules, each with one job:

* :mod:`autograder.assignments` finds the assignments in ``modules/``;
* :mod:`autograder.build` runs Otter Assign to make the student notebook and the autograder zip;
* :mod:`autograder.grading` grades one notebook with otter and returns per-question scores;
* :mod:`autograder.batch` reads a class's submissions and records their results in
  :mod:`autograder.gradebook`; :mod:`autograder.pool` runs them through warm workers, or
  :mod:`autograder.cluster` on a Dask cluster, each worker's pool in a
  :mod:`autograder.grading_host`;
* :mod:`autograder.containment` (bubblewrap) and :mod:`autograder.cgroups` say what a
  worker may see and use; :mod:`autograder.worker` forks each submission's namespaces, where
  :mod:`autograder.sandbox` runs its notebook; :mod:`autograder.scorer`, forked from the
  grader, runs the tests on its answers; :mod:`autograder.values` carries its data out as
  JSON, and :mod:`autograder.object_server` (in the sandbox), :mod:`autograder.channel` and
  :mod:`autograder.proxies` (in the scorer) let the tests use what cannot travel as data;
* :mod:`autograder.scoring` runs otter's own test files; :mod:`autograder.otter_compat`
  copies what otter does to a notebook around them (seeds, checks, print options);
* :mod:`autograder.selfcheck` proves an assignment's tests: full marks for the solution, zero
  for the blank notebook (its tables emptied too), and every kept wrong answer rejected;
* :mod:`autograder.cli` is the ``autograder`` command.
"""

__version__ = "0.1.0"
