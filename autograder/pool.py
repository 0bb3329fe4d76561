"""The grader's workers, and the run of a class's submissions through them.

Each slot is one warm worker in its own bubblewrap sandbox and cgroup
(:mod:`autograder.containment`, :mod:`autograder.worker`), running one submission at a time.
For each submission the grader makes a socket pair, gives one end to the worker (which forks
the submission's sandbox with it) and forks a scorer with the other (:mod:`autograder.scorer`).
The outcome is put together from the scorer's reply and the worker's report of how the
sandbox ended.

A crash is the culprit's alone: a submission sees no other process, so it can stop only
itself; a worker that dies is started again, and the submission it was running is tried once
more, as is any submission whose run ended in a way a submission can cause (crashed, timed
out, failed to score), after the first attempts, so that nothing one student did can be the
final result of another.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from autograder.cgroups import WorkerCgroup
from autograder.channel import Channel
from autograder.containment import (
    ContainmentUnavailable,
    diagnose,
    worker_command,
    worker_environment,
)
from autograder.sandbox import SANDBOX_FAILED, Execution, Limits, excerpt, import_data_stack
from autograder.scorer import MAX_REPLY, fork_scorer

# Outcomes a submission can bring about itself: never final on the first attempt.
TRIED_AGAIN = {"crashed", "timeout", "error"}
WORKER_START_S = 120.0


class WorkerFailed(RuntimeError):
    """A worker could not be started at all."""


class _Slot:
    """One worker: its process, its control socket and its cgroup."""

    generation = 0

    def __init__(self, number: int, support_dir: Path | None, contained: bool) -> None:
        _Slot.generation += 1
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.control = ours
        self.cgroup = WorkerCgroup.create(
            f"autograder-{os.getpid()}-{number}-{_Slot.generation}")
        self.log = tempfile.TemporaryFile()
        command = worker_command(theirs.fileno(), support_dir, contained=contained)
        self.process = subprocess.Popen(
            command, pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL,
            env=worker_environment(support_dir, contained=contained),
            stdout=subprocess.DEVNULL, stderr=self.log, start_new_session=True,
            preexec_fn=self.cgroup.join if self.cgroup else None)
        theirs.close()
        ready, _, _ = select.select([ours], [], [], WORKER_START_S)
        message = self._receive() if ready else None
        if not message or "ready" not in message:
            self.log.seek(0)
            said = self.log.read().decode(errors="replace").strip()[-500:]
            self.close()
            raise WorkerFailed(f"a grading worker did not start: {said or 'no message'}")

    def _receive(self) -> dict | None:
        try:
            data = self.control.recv(65536)
        except OSError:
            return None
        try:
            return json.loads(data) if data else None
        except ValueError:
            return None

    def start(self, number: int, limits: Limits, sandbox_end: socket.socket) -> None:
        if self.cgroup is not None:
            # The submission's own processes, and three of the grader's: the keeper, process 1
            # of the submission's namespace and the process that runs its notebook.
            self.cgroup.limit(limits.memory_mb * 1024 * 1024 + 64 * 1024 * 1024,
                              limits.processes + 3)
        socket.send_fds(self.control, [json.dumps({"start": number,
                                                   "limits": limits.to_data()}).encode()],
                        [sandbox_end.fileno()])

    def stop(self, number: int) -> None:
        try:
            self.control.send(json.dumps({"stop": number}).encode())
        except OSError:
            pass

    def close(self) -> None:
        try:
            self.control.close()
        finally:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.process.wait()
            self.log.close()
            if self.cgroup is not None:
                self.cgroup.remove()


@dataclass
class _Running:
    key: object  # the caller's handle on this submission
    slot: _Slot
    number: int
    attempt: int
    scorer_pid: int
    scorer_fd: int
    start: float
    oom_kills_before: int
    reply: bytearray = field(default_factory=bytearray)
    replied: bool = False
    ended: dict | None = None


def _reason_for_exit(ended: dict) -> tuple[str, str]:
    code = ended.get("exit")
    if ended.get("worker_died"):
        return "crashed", "the grading worker stopped while running this notebook"
    if isinstance(ended.get("stopped"), int):
        return "crashed", (f"the notebook stopped its own process (signal "
                           f"{ended['stopped']}), which was then ended; nothing could be graded")
    if code == -signal.SIGXCPU:
        return "timeout", "used more CPU time than allowed; stopped"
    if not isinstance(code, int):
        return "crashed", "the notebook's process ended before finishing"
    how = f"signal {-code}" if code < 0 else f"exit code {code}"
    return "crashed", (f"the notebook ended its own process ({how}) before finishing; "
                       "nothing could be graded")


def execution_from(reply: dict | None, ended: dict, limits: Limits, oom_killed: bool
                   ) -> Execution:
    """What happened to one submission, from the scorer's reply and the worker's report."""
    duration = float((reply or {}).get("duration_s") or 0.0)
    peak = float(ended.get("peak_mb") or 0.0)
    if reply is None or reply.get("outcome") == "scoring-failed":
        problem = (reply or {}).get("problem") or "the scorer stopped without a result"
        return Execution("error", f"scoring failed: {problem}"[:400], None, duration, peak)
    outcome = reply.get("outcome")
    if outcome == "not-started":
        why = ended.get("setup_error") or (
            "its set-up failed" if ended.get("exit") == SANDBOX_FAILED else "no answer")
        return Execution("error", f"the sandbox could not start: {why}"[:400], None,
                         duration, peak)
    if outcome == "unreadable-answers":
        return Execution("crashed", "the notebook's answers could not be read back "
                         f"({excerpt(str(reply.get('problem')), 160)}); nothing could be "
                         "graded",
                         None, duration, peak)
    if outcome == "not-a-message":
        return Execution("crashed", "the notebook's process sent something that is not its "
                         "answers; nothing could be graded", None, duration, peak)
    if outcome != "answers":  # no answers: how the sandbox ended says why
        if oom_killed:
            return Execution("memory-limit", f"its processes together needed more than "
                             f"{limits.memory_mb} MB and were stopped; nothing could be "
                             "graded", None, duration, peak)
        if reply.get("timed_out"):
            return Execution("timeout", f"still running after {limits.timeout_s:g} s; "
                             "stopped", None, duration, peak)
        status, reason = _reason_for_exit(ended)
        return Execution(status, reason, None, duration, peak)
    errors = [str(e) for e in reply.get("errors", [])]
    stopped = reply.get("stopped_cells", 0)
    if reply.get("memory_error") or oom_killed:
        status = "memory-limit"
        reason = (f"a cell needed more than {limits.memory_mb} MB and failed; graded on what "
                  "the notebook produced")
    else:
        status = "completed"
        reason = f"{len(errors)} cell(s) raised an error: {errors[0]}" if errors else ""
        if stopped:
            reason = (f"{stopped} cell(s) ran past {limits.cell_timeout_s:g} s and were "
                      f"stopped; " + reason).rstrip("; ")
    modules = reply.get("modules") if isinstance(reply.get("modules"), list) else []
    draws = reply.get("draws") if isinstance(reply.get("draws"), list) else []
    return Execution(status, reason[:400], reply.get("payload"), duration, peak, errors,
                     modules=modules, results=reply.get("results"), draws=draws)


class WarmPool:
    """Warm, contained workers kept from one run to the next.

    Local grading makes one for a batch; a cluster's grading host (:mod:`autograder.cluster`)
    keeps one for as long as its Dask worker lives, so that each submission a cluster sends
    finds a worker already started, as in local grading, never a cold one per submission.
    Workers are started as the first runs need them, up to ``workers``.
    """

    def __init__(self, tests, limits: Limits, workers: int, *, unsafe: bool = False) -> None:
        diagnosis = diagnose()
        if not diagnosis.contained and not unsafe:
            raise ContainmentUnavailable(
                "This machine cannot contain the submissions' code "
                f"({diagnosis.problem}), so grading stopped before running any. Install "
                "bubblewrap (Debian: apt-get install bubblewrap), see `autograder doctor`, or "
                "pass --unsafe to grade without containment, trusting every submission.")
        self.contained = diagnosis.contained
        self.tests, self.limits, self.size = tests, limits, max(1, workers)
        self.support_dir = tests.support_dir if tests is not None else None
        self.slots: list[_Slot] = []
        self._numbers = 0
        prepare_scorers()

    def run(self, jobs: Iterable[tuple[object, object, list[str], list[bool]]],
            on_execution: Callable[[object, Execution], None], *, retry: bool = True) -> None:
        """Run each ``(key, submission, cells, quiet)`` and call ``on_execution(key,
        execution)`` once per submission as soon as its outcome is final. With ``retry``, an
        outcome a submission can bring about itself is tried once more after the first
        attempts; without, it is final here (a caller that retries elsewhere says so)."""
        limits, tests = self.limits, self.tests
        queue = deque((key, submission, cells, quiet, 0) for key, submission, cells, quiet in jobs)
        later: deque = deque()
        if not queue:
            return
        while len(self.slots) < min(self.size, len(queue)):
            self.slots.append(_Slot(len(self.slots), self.support_dir, self.contained))
        idle, running = list(self.slots), {}
        try:
            while queue or later or running:
                if not queue and not running:
                    queue, later = later, deque()
                while idle and queue:
                    key, submission, cells, quiet, attempt = queue.popleft()
                    slot = idle.pop()
                    self._numbers += 1
                    number = self._numbers
                    ours, theirs = socket.socketpair()
                    oom_before = slot.cgroup.oom_kills() if slot.cgroup else 0
                    try:
                        slot.start(number, limits, theirs)
                    except OSError:  # the worker had gone while idle: start another
                        slot = self._replace(slot)
                        slot.start(number, limits, theirs)
                    theirs.close()
                    pid, fd = fork_scorer(Channel(ours), submission, cells, quiet, tests,
                                          limits, confined=self.contained)
                    ours.close()
                    running[slot] = _Running((key, submission, cells, quiet), slot, number,
                                             attempt, pid, fd, time.monotonic(), oom_before)
                watched = {r.scorer_fd: r for r in running.values() if not r.replied}
                controls = {s.control.fileno(): s for s in running}
                ready, _, _ = select.select([*watched, *controls], [], [], 1.0)
                for fd in ready:
                    if fd in watched:
                        _read_reply(watched[fd])
                    elif fd in controls:
                        _read_control(controls[fd], running)
                now = time.monotonic()
                for run in list(running.values()):
                    if not run.replied and now - run.start > 2 * limits.timeout_s + 90:
                        os.kill(run.scorer_pid, signal.SIGKILL)  # its reply then ends empty
                    if run.replied and run.ended is None and now - run.start > \
                            2 * limits.timeout_s + 150:
                        run.ended = {"worker_died": True}  # the worker stopped answering
                    if not (run.replied and run.ended is not None):
                        continue
                    del running[run.slot]
                    execution = _finish(run, limits)
                    _import_for_next_scorers(execution, self.support_dir)
                    slot = run.slot
                    if run.ended.get("worker_died"):
                        slot = self._replace(slot)
                    idle.append(slot)
                    key, submission, cells, quiet = run.key
                    if retry and execution.status in TRIED_AGAIN and run.attempt == 0:
                        later.append((key, submission, cells, quiet, 1))
                    else:
                        on_execution(key, execution)
        finally:
            for run in running.values():  # stopped part-way: those workers are not reused
                try:
                    os.kill(run.scorer_pid, signal.SIGKILL)
                    os.waitpid(run.scorer_pid, 0)
                except (ProcessLookupError, ChildProcessError):
                    pass
                if run.slot in self.slots:
                    self.slots.remove(run.slot)
                run.slot.close()

    def _replace(self, slot: _Slot) -> _Slot:
        slot.close()
        index = self.slots.index(slot)
        self.slots[index] = _Slot(index, self.support_dir, self.contained)
        return self.slots[index]

    def close(self) -> None:
        for slot in self.slots:
            slot.close()
        self.slots = []

    def __enter__(self) -> WarmPool:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


def run_submissions(jobs: Iterable[tuple[object, object, list[str], list[bool]]], tests,
                    limits: Limits, workers: int,
                    on_execution: Callable[[object, Execution], None], *,
                    unsafe: bool = False) -> None:
    """Run each ``(key, submission, cells, quiet)`` on this machine and call
    ``on_execution(key, execution)`` once per submission as soon as its outcome is final."""
    with WarmPool(tests, limits, workers, unsafe=unsafe) as pool:
        pool.run(jobs, on_execution)


def prepare_scorers() -> None:
    """Import, in the grader, what scoring a notebook needs, once: every scorer forked from it
    then starts with them."""
    import_data_stack()
    import otter.test_files  # noqa: F401

    import autograder.proxies  # noqa: F401
    from autograder import scorer_confinement

    try:
        scorer_confinement.prepare()
    except Exception:  # noqa: BLE001 - a confined scorer then says why it could not start
        pass


def _import_for_next_scorers(execution: Execution, support_dir: Path | None = None) -> None:
    """The library submodules a notebook loaded (numpy's, pandas', matplotlib's, whose import
    does nothing else), imported once in the grader for the scorers forked after it; and the
    course's generated tables its tests drew, drawn once here for the same reason."""
    import sys

    from autograder.otter_compat import import_library_modules

    import_library_modules(execution.modules)
    data = sys.modules.get("learner_tools.data")
    if execution.draws and data is not None and hasattr(data, "draw_ahead"):
        folders = [Path(support_dir) / "datasets"] if support_dir else []
        try:
            folders.append(data.data_dir())
        except Exception:  # noqa: BLE001 - no datasets beside the package here
            pass
        data.draw_ahead(execution.draws, folders)
        execution.draws = []


def _read_reply(run: _Running) -> None:
    chunk = os.read(run.scorer_fd, 1 << 20)
    if chunk and len(run.reply) <= MAX_REPLY:
        run.reply += chunk
        return
    if chunk:  # more than a scorer ever sends: stop it
        os.kill(run.scorer_pid, signal.SIGKILL)
        run.reply.clear()
    os.close(run.scorer_fd)
    os.waitpid(run.scorer_pid, 0)
    run.replied = True
    run.slot.stop(run.number)  # the tests are done: the sandbox may go


def _read_control(slot: _Slot, running: dict) -> None:
    message = slot._receive()
    run = running.get(slot)
    if run is None:
        return
    if message is None:  # the worker itself has gone
        run.ended = {"worker_died": True}
        if not run.replied:
            os.kill(run.scorer_pid, signal.SIGKILL)
    elif message.get("ended") == run.number:
        run.ended = message


def _finish(run: _Running, limits: Limits) -> Execution:
    try:
        reply = json.loads(bytes(run.reply)) if run.reply else None
    except ValueError:
        reply = None
    if not isinstance(reply, dict):
        reply = None
    oom_killed = bool(run.slot.cgroup and run.slot.cgroup.oom_kills() > run.oom_kills_before)
    return execution_from(reply, run.ended, limits, oom_killed)


def execute(cells: list[str], limits: Limits | None = None,
            files: dict[str, bytes] | None = None, *, unsafe: bool = False) -> Execution:
    """Run a notebook's code cells contained, with no tests, and return its answers as data
    (``Execution.payload``): what a submission would see and produce, for tests and probes."""
    from types import SimpleNamespace

    outcome: list[Execution] = []
    submission = SimpleNamespace(files=files or {})
    run_submissions([(0, submission, cells, [False] * len(cells))], None, limits or Limits(),
                    1, lambda key, execution: outcome.append(execution), unsafe=unsafe)
    return outcome[0]
