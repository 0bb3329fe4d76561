"""Benchmark batch grading against sequential ``otter run``, and on a Dask cluster; prints
figures, judges nothing.

    python scripts/benchmark_grading.py [--submissions 200] [--sample 10] [--workers N]
                                        [--no-hung] [--no-baselines] [--dask]

Generates a seeded, realistic class for the module 1 assignment (correct, partly wrong, with a
cell that raises an error, blank, and one that never finishes; half in folders of their own
under the notebook's name, half renamed), then prints:

* ``autograder grade``: wall time, submissions per minute, peak memory of the whole process tree;
* sequential ``otter run`` (one process per submission, as otter grades without Docker);
* merely executing the notebooks in a Jupyter kernel, one after another (nbclient).

The two baselines are slow (seconds per notebook), so by default they run on a sample and the
figure for the whole class is extrapolated, and says so. ``otter run`` has no time limit, so the
never-ending submission is left out of its sample.

With ``--dask``, the same class is graded again, each time into a new gradebook: locally with
one worker, on a ``distributed.LocalCluster`` of one worker process (one thread), locally with
``--workers`` workers and on a cluster of that many worker processes; it prints each one's cost
per submission, what Dask adds to each submission, and, from the one-worker cluster's rate, the
hours 10,000 submissions would take on 10 and 100 such workers (each with a core of its own).
``--no-hung`` leaves out the never-ending submission, whose time limit (twice, as it is tried
again) would otherwise weigh on a small class's cost per submission.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.assignments import find_assignments  # noqa: E402
from autograder.batch import grade_submissions, open_submissions  # noqa: E402
from autograder.build import build_assignment  # noqa: E402
from autograder.gradebook import Gradebook, database_url  # noqa: E402
from autograder.sandbox import Limits  # noqa: E402
from autograder.scoring import AutograderTests  # noqa: E402
from autograder.selfcheck import load_wrong_answers  # noqa: E402


def with_cell(notebook: dict, code: str, where: int | None = None) -> dict:
    copy = json.loads(json.dumps(notebook))
    cell = {"cell_type": "code", "id": f"bench-{len(copy['cells'])}", "metadata": {},
            "execution_count": None, "outputs": [], "source": code}
    copy["cells"].insert(len(copy["cells"]) if where is None else where, cell)
    return copy


def make_class(out: Path, count: int, solution: dict, blank: dict, wrong: list[str],
               notebook_name: str, seed: int = 2026, hung: bool = True) -> dict[str, str]:
    """Write ``count`` submissions; returns name -> kind."""
    rng = random.Random(seed)
    kinds = {}
    for index in range(count):
        roll = rng.random()
        if index == count // 2 and hung:
            kind, notebook = "hung", with_cell(solution, "while True:\n    pass")
        elif roll < 0.40:
            kind, notebook = "correct", solution
        elif roll < 0.70:
            kind = "partly wrong"
            notebook = solution
            for code in rng.sample(wrong, k=rng.randint(1, 3)):
                notebook = with_cell(notebook, code)
        elif roll < 0.90:
            kind, notebook = "erroring", with_cell(solution, "undefined_name + 1", where=6)
        else:
            kind, notebook = "blank", blank
        # Half hand in the notebook under its own name, in a folder of their own (as otter's
        # export zips and Gradescope keep it: its grader.check calls then count, as in
        # otter), half renamed by an LMS download (the checks then fail, under otter too).
        name = (f"student-{index:03d}/{notebook_name}" if index % 2
                else f"student-{index:03d}.ipynb")
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(json.dumps(notebook), encoding="utf-8")
        kinds[name] = kind
    return kinds


class PeakMemory:
    """Samples the resident memory of this process and all its descendants."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for process in [me, *me.children(recursive=True)]:
                try:
                    total += process.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            time.sleep(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _grade_once(build, folder: Path, gradebook_path: Path, name: str, timeout: float,
                workers: int, engine=None) -> tuple[float, dict, list]:
    """Wall time of grading the class into a new gradebook, the scores it gave, and the
    results."""
    tests = AutograderTests(build.autograder_zip)
    try:
        with Gradebook(database_url(gradebook_path)) as gradebook, \
                open_submissions(folder, tests.assignment_name) as subs:
            start = time.monotonic()
            results = grade_submissions(tests, subs, gradebook, name, workers=workers,
                                        limits=Limits(timeout), engine=engine)
            return (time.monotonic() - start, {r.submission: r.score for r in results},
                    results)
    finally:
        tests.close()


def dask_figures(args, build, folder: Path, work: Path, name: str) -> None:
    """Local grading against Dask clusters of 1 and ``--workers`` worker processes."""
    import logging

    from distributed import Client, LocalCluster

    from autograder.cluster import DaskEngine

    count = args.submissions
    figures = {}
    for workers in sorted({1, args.workers}):
        local, local_scores, results = _grade_once(build, folder, work / f"local-{workers}.db",
                                                   name, args.timeout, workers)
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
                Client(cluster) as client:
            on_dask, dask_scores, _ = _grade_once(build, folder, work / f"dask-{workers}.db", name,
                                               args.timeout, workers,
                                               engine=DaskEngine(client))
        same = "same scores" if dask_scores == local_scores else "SCORES DIFFER"
        figures[workers] = (local, on_dask)
        print(f"{workers} worker(s): local {local / count:5.2f} s/submission "
              f"({local:6.1f} s), Dask {on_dask / count:5.2f} s/submission ({on_dask:6.1f} s, "
              f"cluster already running); Dask adds {(on_dask - local) / count:+.2f} "
              f"s/submission; {same}")
    # The one writer's ceiling: however many workers, results cannot arrive faster than the
    # instructor's process records them (one transaction each).
    with Gradebook(database_url(work / "recording.db")) as gradebook:
        start = time.monotonic()
        for result in results:
            gradebook.record(name, result)
        recording = (time.monotonic() - start) / len(results)
    print(f"recording one result in the gradebook (SQLite, this machine): {recording * 1000:.1f} "
          f"ms, a ceiling of {1 / recording:.0f} results/s for the whole cluster")
    one = figures[1][1] / count  # seconds per submission on one Dask worker
    print(f"\nper Dask worker: {3600 / one:.0f} submissions/hour")
    for workers in (10, 100):
        hours = 10_000 * one / workers / 3600
        print(f"projected for 10,000 submissions on {workers} workers (a core each): "
              f"{hours:.2f} h ({hours * 60:.0f} min)")
    if args.workers > 1:
        speedup = figures[1][1] / figures[args.workers][1]
        print(f"measured here: {args.workers} workers grade {speedup:.2f}x as fast as one "
              f"(on {os.cpu_count()} cores, the scheduler and client sharing them)")
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--sample", type=int, default=10,
                        help="submissions for each slow baseline (default 10)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--no-hung", action="store_true",
                        help="leave out the submission that never finishes")
    parser.add_argument("--no-baselines", action="store_true",
                        help="skip sequential otter run and plain execution")
    parser.add_argument("--assignment", help="the assignment to grade (default: module 1's)")
    parser.add_argument("--dask", action="store_true",
                        help="also grade the class on Dask clusters of 1 and --workers workers")
    args = parser.parse_args()

    found = find_assignments(ROOT)
    assignment = next((a for a in found if a.name == args.assignment), None) \
        if args.assignment else found[0]
    if assignment is None:
        parser.error(f"no assignment {args.assignment!r}: {', '.join(a.name for a in found)}")
    work = Path(tempfile.mkdtemp(prefix="benchmark-grading-"))
    build = build_assignment(assignment, work / "build")
    solution = json.loads(build.solution_notebook.read_text())
    blank = json.loads(build.student_notebook.read_text())
    wrong = [w.code for w in load_wrong_answers(assignment.wrong_answers)]
    folder = work / "class"
    folder.mkdir()
    kinds = make_class(folder, args.submissions, solution, blank, wrong,
                       build.solution_notebook.name, hung=not args.no_hung)
    mix = {k: list(kinds.values()).count(k) for k in sorted(set(kinds.values()))}
    print(f"assignment {assignment.name}: {args.submissions} submissions {mix}; "
          f"{os.cpu_count()} cores, {args.workers} workers, time limit {args.timeout:g} s\n")

    tests = AutograderTests(build.autograder_zip)
    gradebook = Gradebook(database_url(work / "grades.db"))
    with PeakMemory() as memory, open_submissions(folder, tests.assignment_name) as subs:
        start = time.monotonic()
        results = grade_submissions(tests, subs, gradebook, assignment.name,
                                    workers=args.workers, limits=Limits(args.timeout))
        ours = time.monotonic() - start
    tests.close()
    gradebook.close()
    statuses = {s: sum(r.status == s for r in results) for s in {r.status for r in results}}
    print(f"autograder grade:      {ours:7.1f} s wall, {args.submissions / ours * 60:7.1f} "
          f"submissions/min, peak memory {memory.peak / 2**20:6.0f} MB (process tree); "
          f"statuses {statuses}")

    if args.dask:
        dask_figures(args, build, folder, work, assignment.name)
    if args.no_baselines:
        return 0
    sample = [n for n in sorted(kinds) if kinds[n] != "hung"][: args.sample]
    start = time.monotonic()
    for name in sample:
        (work / "otter-out" / name).mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "otter", "run", "-a", str(build.autograder_zip),
                        "-o", str(work / "otter-out" / name), str(folder / name)],
                       capture_output=True, check=False)
    otter_each = (time.monotonic() - start) / len(sample)
    otter_total = otter_each * args.submissions
    print(f"sequential otter run:  {otter_total:7.1f} s wall (estimated: {otter_each:.2f} s "
          f"each over {len(sample)} submissions), "
          f"{60 / otter_each:7.1f} submissions/min")

    import nbformat
    from nbclient import NotebookClient

    start = time.monotonic()
    for name in sample:
        notebook = nbformat.read(folder / name, as_version=4)
        NotebookClient(notebook, timeout=args.timeout, kernel_name="python3",
                       allow_errors=True,
                       resources={"metadata": {"path": str((folder / name).parent)}}).execute()
    run_each = (time.monotonic() - start) / len(sample)
    print(f"execute only (kernel): {run_each * args.submissions:7.1f} s wall (estimated: "
          f"{run_each:.2f} s each over {len(sample)} submissions)")
    print(f"\nspeed-up over sequential otter run: {otter_total / ours:.1f}x (target: 15x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
