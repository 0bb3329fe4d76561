"""Grade a folder or zip of submissions in parallel, recording each result as it arrives.

The main process reads the submissions, holds the tests and writes the gradebook; a pool of
worker processes (started fresh with "spawn", holding no tests) runs each notebook in a sandbox
and returns its data. A submission that cannot be read, hangs, crashes or runs out of memory
gets a status and a reason; the batch goes on.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import shutil
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from autograder.gradebook import RETRY_STATUSES, Gradebook, QuestionScore, SubmissionResult
from autograder.otter_compat import seeded_cells
from autograder.sandbox import Execution, Limits, execute, prepare_worker
from autograder.scoring import AutograderTests, QuestionResult
from autograder.tempfiles import make_temp_dir

MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024


@dataclass
class Submission:
    name: str
    sha256: str
    cells: list[str] | None  # None when the file is not a notebook we can run
    problem: str = ""


def _read_submission(name: str, data: bytes, expected_assignment: str | None) -> Submission:
    digest = hashlib.sha256(data).hexdigest()
    if len(data) > MAX_NOTEBOOK_BYTES:
        return Submission(name, digest, None, f"file is larger than "
                          f"{MAX_NOTEBOOK_BYTES // 2**20} MB")
    try:
        notebook = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        return Submission(name, digest, None, f"not a notebook: the file is not valid JSON "
                          f"({str(error)[:120]})")
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        return Submission(name, digest, None, "not a notebook: it has no list of cells")
    submitted_for = (notebook.get("metadata") or {}).get("otter", {}) \
        if isinstance(notebook.get("metadata"), dict) else {}
    submitted_for = submitted_for.get("assignment_name") if isinstance(submitted_for, dict) \
        else None
    if expected_assignment and submitted_for and submitted_for != expected_assignment:
        return Submission(name, digest, None, f"this notebook is for assignment "
                          f"{submitted_for!r}, not {expected_assignment!r}")
    cells = []
    for cell in notebook["cells"]:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            if not isinstance(source, str):
                return Submission(name, digest, None, "not a notebook: a cell's source is "
                                  "not text")
            cells.append(source)
    return Submission(name, digest, cells)


@contextmanager
def open_submissions(path: Path, expected_assignment: str | None) -> Iterator[list[Submission]]:
    """The .ipynb files in a folder (recursively) or in a zip file, sorted by name."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        yield [_read_submission(str(p.relative_to(path)), p.read_bytes(), expected_assignment)
               for p in files]
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = sorted(n for n in archive.namelist() if n.endswith(".ipynb")
                           and "__MACOSX" not in n and ".ipynb_checkpoints" not in n)
            yield [_read_submission(n, archive.read(n), expected_assignment) for n in names]
    else:
        raise FileNotFoundError(f"{path} is neither a folder nor a zip file of submissions")


def first_hint(cases: list) -> list[str]:
    """The one message a student gets for a question: that of its first failed public test
    case (as ``grader.check`` shows it), else that of its first failed hidden case whose author
    wrote a message for graded feedback; none if nothing failed or nothing was written."""
    public = [c.hint for c in cases if not c.hidden and c.hint]
    hidden = [c.hint for c in cases if c.hidden and c.hint]
    return (public or hidden)[:1]


def _question_scores(results: dict[str, QuestionResult]) -> list[QuestionScore]:
    scores = []
    for result in results.values():
        public = [c for c in result.cases if not c.hidden]
        scores.append(QuestionScore(result.name, result.score, result.possible,
                                    sum(c.passed for c in public), len(public),
                                    first_hint(result.cases)))
    return scores


def _result(submission: Submission, tests: AutograderTests, execution: Execution | None,
            status: str = "", reason: str = "") -> SubmissionResult:
    if execution is not None and execution.payload is not None:
        try:
            scored = tests.score(execution.payload, execution.print_options)
        except Exception as error:  # noqa: BLE001 - a grader fault is recorded, not raised
            execution = Execution("error", f"scoring failed: {type(error).__name__}: {error}")
            scored = tests.zero()
    else:
        scored = tests.zero()
    if execution is not None:
        status, reason = execution.status, execution.reason
    return SubmissionResult(
        submission=submission.name, sha256=submission.sha256, status=status, reason=reason,
        score=tests.reported_score(sum(r.score for r in scored.values())),
        possible=tests.total_possible,
        duration_s=execution.duration_s if execution else 0.0,
        peak_memory_mb=execution.peak_memory_mb if execution else 0.0,
        questions=_question_scores(scored),
    )


def grade_submissions(
    tests: AutograderTests,
    submissions: list[Submission],
    gradebook: Gradebook,
    assignment: str,
    *,
    workers: int | None = None,
    limits: Limits | None = None,
    regrade: bool = False,
    on_result: Callable[[SubmissionResult, bool], None] = lambda result, cached: None,
    hidden_paths: tuple[Path, ...] = (),
) -> list[SubmissionResult]:
    """Grade what is new or changed (everything with ``regrade``), recording each result.

    ``on_result(result, cached)`` is called once per submission, in completion order; cached
    results (already in the gradebook with the same hash) come first. ``hidden_paths`` (the
    submissions themselves, say) are hidden from every sandbox, with the autograder zip and the
    gradebook, where the system allows (see :mod:`autograder.sandbox`).
    """
    limits = limits or Limits()
    recorded = {} if regrade else gradebook.recorded(assignment)
    stored = {r.submission: r for r in gradebook.results(assignment)} if recorded else {}
    todo, done = [], []
    for submission in submissions:
        previous = recorded.get(submission.name)
        if previous and previous[0] == submission.sha256 and previous[1] not in RETRY_STATUSES:
            done.append(stored[submission.name])
            on_result(stored[submission.name], True)
        else:
            todo.append(submission)
    for submission in [s for s in todo if s.cells is None]:
        result = _result(submission, tests, None, "invalid", submission.problem)
        gradebook.record(assignment, result)
        done.append(result)
        on_result(result, False)
    runnable = [s for s in todo if s.cells is not None]
    if not runnable:
        return done
    workers = max(1, min(workers or os.cpu_count() or 1, len(runnable)))
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=prepare_worker) as pool:
        # Folders that hold grading files are hidden from the sandbox where the system allows.
        hidden = tuple(sorted({tests.zip_path.resolve().parent, tests.zip_path.resolve(),
                               *gradebook.files(), *hidden_paths}))
        pending = {pool.submit(execute, seeded_cells(s.cells, tests.seed, tests.seed_variable),
                               tests.support_dir, limits, hidden): s
                   for s in runnable}
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                submission = pending.pop(future)
                try:
                    execution = future.result()
                except BrokenProcessPool:
                    execution = Execution("error", "a grading worker stopped unexpectedly; "
                                          "run again to retry")
                except Exception as error:  # noqa: BLE001
                    execution = Execution("error", f"{type(error).__name__}: {error}")
                result = _result(submission, tests, execution)
                gradebook.record(assignment, result)
                done.append(result)
                on_result(result, False)
    return done


def zip_stem_name(path: Path) -> str:
    """An assignment's name from its zip's file name, without otter's ``-autograder`` suffix
    and build timestamp (``proj03-autograder_2026_12_01T06_05_11_123456.zip`` is ``proj03``),
    so that a rebuilt zip grades into the same gradebook entry."""
    return re.sub(r"-autograder(_\d{4}_\d\d_\d\dT\d\d_\d\d_\d\d(_\d+)?)?$", "",
                  Path(path).stem)


@contextmanager
def autograder_zip_for(assignment: str, root: Path) -> Iterator[tuple[str, Path]]:
    """(name, zip path) for a project assignment name or the path of any otter zip."""
    candidate = Path(assignment)
    if candidate.suffix == ".zip":
        if not candidate.is_file():
            raise LookupError(f"No autograder zip at {candidate}: check the path (otter assign "
                              "writes it into its autograder/ folder).")
        yield zip_stem_name(candidate), candidate
        return
    from autograder.assignments import get_assignment
    from autograder.build import build_assignment

    found = get_assignment(assignment, root)
    out = make_temp_dir("build")
    try:
        yield found.name, build_assignment(found, out).autograder_zip
    finally:
        shutil.rmtree(out, ignore_errors=True)
