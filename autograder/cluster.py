"""Grading on a Dask cluster: the same contained grader on every worker, one gradebook writer.

``autograder grade --scheduler ADDRESS`` hands :func:`autograder.batch.grade_submissions` a
:class:`DaskEngine` in place of the local pool. The instructor's process (the Dask client)
reads the submissions, decides what is still to grade, and alone writes the gradebook, as in
local grading; the cluster only turns ``(submission, cells, quiet)`` into an
:class:`~autograder.sandbox.Execution`.

* What a worker needs is shipped once per worker: a :class:`GradingPlugin` carries the
  autograder zip (tests, support files, datasets) and the run's limits, and Dask gives it to
  every worker, those that join later included.
* Each worker keeps, per thread, a warm grading host (:mod:`autograder.grading_host`): the
  local :class:`~autograder.pool.WarmPool`, with its bubblewrap sandbox and forked scorer,
  never a cold kernel per task.
* A worker that dies mid-run has its tasks rescheduled by Dask on another worker; each
  submission's result comes back once and is recorded once. An outcome a submission can
  bring about itself (crashed, timed out, failed to score) is tried once more after the first
  attempts, as locally.
* Containment is checked on every worker (``autograder doctor``'s check) before anything is
  sent: a worker that cannot contain a submission stops the run unless ``--unsafe``.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from multiprocessing.connection import Connection
from pathlib import Path

from autograder.containment import ContainmentUnavailable
from autograder.pool import TRIED_AGAIN, WORKER_START_S
from autograder.sandbox import Execution, Limits

try:  # the cluster engine is optional: local grading needs none of this
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # pragma: no cover - dask not installed
    WorkerPlugin = object  # type: ignore[assignment,misc]

# Tasks in flight per worker thread: enough that no worker waits for the next, few enough
# that a class of thousands is not all on the scheduler at once.
IN_FLIGHT_PER_THREAD = 4


class HostStopped(RuntimeError):
    """A grading host ended while it held a submission."""


class _Host:
    """One grading host process and the connection to it."""

    def __init__(self, zip_path: Path, limits: dict, unsafe: bool) -> None:
        ours, theirs = socket.socketpair()
        self.log = tempfile.TemporaryFile()
        command = [sys.executable, "-m", "autograder.grading_host", str(theirs.fileno()),
                   str(zip_path), json.dumps(limits), *(["--unsafe"] if unsafe else [])]
        self.process = subprocess.Popen(command, pass_fds=[theirs.fileno()],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=self.log)
        theirs.close()
        self.connection = Connection(ours.detach())
        message = None
        if self.connection.poll(WORKER_START_S):
            try:
                message = self.connection.recv()
            except EOFError:
                message = None
        if not isinstance(message, dict) or "ready" not in message:
            self.log.seek(0)
            said = self.log.read().decode(errors="replace").strip()[-500:]
            why = (message or {}).get("failed") if isinstance(message, dict) else None
            self.close()
            raise RuntimeError(f"the grading host on this worker did not start: "
                               f"{why or said or 'no message'}")

    def grade(self, submission, cells: list[str], quiet: list[bool]) -> Execution:
        try:
            self.connection.send((submission, cells, quiet))
            execution = self.connection.recv()
        except (EOFError, OSError) as error:
            raise HostStopped(str(error)) from error
        if not isinstance(execution, Execution):
            raise HostStopped("the grading host answered with something else")
        return execution

    def close(self) -> None:
        try:
            self.connection.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=10)  # it closes its pool as its socket closes
        except subprocess.TimeoutExpired:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class GradingPlugin(WorkerPlugin):
    """What one grading run puts on each Dask worker: its autograder zip, its limits, and
    warm grading hosts, started as the worker's threads first need them."""

    idempotent = False

    def __init__(self, name: str, autograder_zip: bytes, limits: dict, unsafe: bool) -> None:
        self.name = name
        self.autograder_zip = autograder_zip
        self.limits = limits
        self.unsafe = unsafe

    def setup(self, worker=None) -> None:
        self._closed = False
        local = getattr(worker, "local_directory", None)
        self.folder = Path(tempfile.mkdtemp(prefix="autograder-", dir=local))
        self.zip_path = self.folder / "autograder.zip"
        self.zip_path.write_bytes(self.autograder_zip)
        self._idle: list[_Host] = []
        self._lock = threading.Lock()

    def teardown(self, worker=None) -> None:
        with self._lock:
            self._closed = True  # a host still grading is closed when it is done
            hosts, self._idle = self._idle, []
        for host in hosts:
            host.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def grade(self, submission, cells: list[str], quiet: list[bool]) -> Execution:
        with self._lock:
            host = self._idle.pop() if self._idle else None
        if host is None:
            host = _Host(self.zip_path, self.limits, self.unsafe)
        try:
            execution = host.grade(submission, cells, quiet)
        except HostStopped:
            host.close()
            return Execution("crashed", "the grading host stopped while running this "
                             "notebook")
        with self._lock:
            keep = not self._closed
            if keep:
                self._idle.append(host)
        if not keep:
            host.close()
        return execution


def grade_on_worker(plugin_name: str, submission, cells: list[str],
                    quiet: list[bool]) -> Execution:
    """The task each submission becomes: run on whichever worker Dask chooses."""
    from distributed import get_worker

    return get_worker().plugins[plugin_name].grade(submission, cells, quiet)


def diagnosis_on_worker() -> tuple[bool, str, list[str]]:
    """This worker's containment, as ``autograder doctor`` reports it: (contained, why not,
    the report's lines)."""
    from autograder.containment import diagnose

    diagnosis = diagnose()
    return diagnosis.contained, diagnosis.problem, diagnosis.lines()


def connect(scheduler: str):
    """A client of the scheduler at this address, or an error that names it."""
    from distributed import Client

    try:
        return Client(scheduler)
    except OSError as error:
        raise OSError(f"could not reach the Dask scheduler at {scheduler} ({error}): check its "
                      "address (tcp://HOST:8786) and that it is running; nothing was done"
                      ) from error


def doctor_on_workers(scheduler: str) -> dict[str, tuple[bool, list[str]]]:
    """``autograder doctor`` on every worker of a cluster: worker -> (contained, lines)."""
    with connect(scheduler) as client:
        return {worker: (contained, lines) for worker, (contained, _problem, lines)
                in client.run(diagnosis_on_worker).items()}


class DaskEngine:
    """Runs a grading batch's submissions on a Dask cluster (a scheduler's address, or a
    :class:`distributed.Client` already connected), with the signature of
    :func:`autograder.pool.run_submissions`."""

    def __init__(self, scheduler, *, wait_for_workers_s: float = 120.0) -> None:
        self.scheduler = scheduler
        self.wait_for_workers_s = wait_for_workers_s

    def __call__(self, jobs: Iterable[tuple[object, object, list[str], list[bool]]], tests,
                 limits: Limits, workers: int,
                 on_execution: Callable[[object, Execution], None], *,
                 unsafe: bool = False) -> None:
        from distributed import Client

        pending = deque((key, submission, cells, quiet, 0)
                        for key, submission, cells, quiet in jobs)
        if not pending:
            return
        owned = not isinstance(self.scheduler, Client)
        client = connect(self.scheduler) if owned else self.scheduler
        try:
            client.wait_for_workers(1, timeout=self.wait_for_workers_s)
            self._check_containment(client, unsafe)
            name = f"autograder-{tests.digest[:12]}-{uuid.uuid4().hex[:8]}"
            client.register_plugin(GradingPlugin(name, Path(tests.zip_path).read_bytes(),
                                                 limits.to_data(), unsafe), name=name)
            try:
                self._run(client, name, pending, on_execution)
            finally:
                try:
                    client.unregister_worker_plugin(name)
                except Exception:  # noqa: BLE001 - the cluster may already be gone
                    pass
        finally:
            if owned:
                client.close()

    @staticmethod
    def _check_containment(client, unsafe: bool) -> None:
        found = client.run(diagnosis_on_worker)
        missing = {address: problem for address, (contained, problem, _lines) in found.items()
                   if not contained}
        if missing and not unsafe:
            listed = "; ".join(f"{address}: {problem}" for address, problem in
                               sorted(missing.items()))
            raise ContainmentUnavailable(
                f"{len(missing)} of the cluster's {len(found)} workers cannot contain the "
                f"submissions' code ({listed}), so grading stopped before sending any. "
                "Install bubblewrap on every worker (run `autograder doctor` there), or pass "
                "--unsafe to grade without containment, trusting every submission.")

    @staticmethod
    def _run(client, name: str, pending: deque,
             on_execution: Callable[[object, Execution], None]) -> None:
        from distributed import as_completed

        threads = sum(client.nthreads().values()) or 1
        window = max(8, IN_FLIGHT_PER_THREAD * threads)
        later: deque = deque()
        in_flight: dict[str, tuple] = {}
        completed = as_completed()

        def submit(item) -> None:
            _key, submission, cells, quiet, _attempt = item
            future = client.submit(grade_on_worker, name, submission, cells, quiet,
                                   pure=False, key=f"grade-{uuid.uuid4().hex}")
            in_flight[future.key] = (future, item)
            completed.add(future)

        try:
            while pending or later or in_flight:
                if not pending and not in_flight:
                    pending, later = later, deque()  # the second attempts, after the first
                while pending and len(in_flight) < window:
                    submit(pending.popleft())
                future = next(completed)
                _future, item = in_flight.pop(future.key)
                execution = _outcome(future)
                future.release()
                key, submission, cells, quiet, attempt = item
                if execution.status in TRIED_AGAIN and attempt == 0:
                    later.append((key, submission, cells, quiet, 1))
                else:
                    on_execution(key, execution)
        finally:
            if in_flight:  # interrupted: what was recorded stays; the rest is not waited for
                client.cancel([future for future, _item in in_flight.values()])


def _outcome(future) -> Execution:
    """A task's Execution; what the cluster did to it, as an outcome, if it brought none."""
    from distributed import KilledWorker

    try:
        return future.result()
    except KilledWorker:
        return Execution("error", "every Dask worker that ran this notebook stopped while "
                         "running it (the machines', not the notebook's doing: a notebook "
                         "cannot stop its worker); graded again on the next run")
    except Exception as error:  # noqa: BLE001 - recorded as the grader's fault, retried later
        if type(error).__name__ in ("CancelledError", "FutureCancelledError"):
            raise
        return Execution("error", f"the cluster could not grade it: {type(error).__name__}: "
                         f"{str(error)[:200]}")


def grade_on(client, autograder_zip: str | Path, submissions: str | Path, db_url: str, *,
             limits: Limits | None = None, regrade: bool = False, unsafe: bool = False,
             on_result: Callable | None = None) -> list:
    """Grade a folder or zip of submissions on a cluster one already holds a client of (a
    Dask Gateway cluster's ``get_client()``, whose address alone does not carry its
    credentials), into the gradebook at ``db_url``: ``autograder grade --scheduler`` from
    Python. Returns the results, as the command prints them."""
    from autograder.batch import grade_submissions, open_submissions, zip_stem_name
    from autograder.gradebook import Gradebook, database_url
    from autograder.scoring import AutograderTests

    tests = AutograderTests(Path(autograder_zip))
    try:
        with Gradebook(database_url(db_url)) as gradebook, \
                open_submissions(Path(submissions), tests.assignment_name) as found:
            return grade_submissions(
                tests, found, gradebook, tests.assignment_name or zip_stem_name(autograder_zip),
                limits=limits, regrade=regrade, unsafe=unsafe, engine=DaskEngine(client),
                on_result=on_result or (lambda result, cached: None))
    finally:
        tests.close()
