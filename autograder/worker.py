"""A grading worker: started once inside its bubblewrap sandbox, warm, forking per submission.

Run as ``python -m autograder.worker FD [--unsafe]``, where FD is a connected
``SOCK_SEQPACKET`` socket to the grader. The worker pre-imports the scientific stack (the
reason batch grading is fast) and then, for each ``start`` message, which carries one end of
a fresh socket pair, forks:

* a *keeper*, which enters new PID and mount namespaces and forks
* their process 1 (:func:`autograder.sandbox.init_process`), which forks
* the submission's process (:func:`autograder.sandbox.run_submission`).

The keeper tells the worker process 1's ID; process 1 reports how the submission's process
ended; the worker passes that on (``ended``), or kills process 1, and with it every process
of the namespace, when the grader says ``stop`` or the time is up. The worker never sees a
submission's code, files or tests: they travel on the socket pair between the submission's
process and the grader's scorer.
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import socket
import sys
import time

from autograder.sandbox import (
    PR_SET_PDEATHSIG,
    Limits,
    enter_own_namespaces,
    init_process,
    prepare_worker,
)

MAX_CONTROL = 64 * 1024


def send(control: socket.socket, message: dict, fds: list[int] | None = None) -> None:
    data = json.dumps(message).encode()
    if fds:
        socket.send_fds(control, [data], fds)
    else:
        control.send(data)


def _keeper(control: socket.socket, report_fd: int, sandbox_fd: int, limits: Limits,
            contained: bool) -> None:
    """Between the worker and the submission's namespaces. Never returns."""
    status = 0
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        control.close()
        enter_own_namespaces(libc, contained)
        pid = os.fork()
        if pid == 0:
            init_process(report_fd, sandbox_fd, limits, contained)
        os.close(sandbox_fd)
        os.write(report_fd, json.dumps({"pid": pid}).encode() + b"\n")
        os.waitpid(pid, 0)
    except BaseException as error:  # noqa: BLE001
        try:
            os.write(report_fd, json.dumps({"setup_error": repr(error)[:300]}).encode() + b"\n")
        except OSError:
            pass
        status = 1
    finally:
        os._exit(status)


class _Job:
    def __init__(self, number: int, keeper: int, report_fd: int, deadline: float) -> None:
        self.number, self.keeper, self.report_fd, self.deadline = (number, keeper, report_fd,
                                                                   deadline)
        self.sandbox_pid: int | None = None
        self.buffer = b""
        self.report: dict = {}
        self.killed = ""
        self.ending = ""

    def kill(self, why: str) -> None:
        self.killed = self.killed or why
        # The keeper then reports how the submission's process ended; if it has not yet
        # said which process that is, the keeper goes, and the submission's with it.
        try:
            os.kill(self.sandbox_pid or self.keeper, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _start(control: socket.socket, message: dict, fds: list[int], contained: bool) -> _Job:
    limits = Limits(**message["limits"])
    read_fd, write_fd = os.pipe()
    keeper = os.fork()
    if keeper == 0:
        os.close(read_fd)
        _keeper(control, write_fd, fds[0], limits, contained)
    os.close(write_fd)
    os.close(fds[0])
    # Backstop: the scorer has the notebook's time, then the tests', then some slack.
    deadline = time.monotonic() + 2 * limits.timeout_s + 60
    return _Job(message["start"], keeper, read_fd, deadline)


def _read_report(job: _Job) -> bool:
    """Read what the keeper wrote; True when it has finished."""
    chunk = os.read(job.report_fd, 4096)
    job.buffer += chunk
    while b"\n" in job.buffer:
        line, job.buffer = job.buffer.split(b"\n", 1)
        item = json.loads(line)
        if "pid" in item:
            job.sandbox_pid = item["pid"]
        else:
            job.report.update(item)
    return not chunk


def _finish(control: socket.socket, job: _Job) -> None:
    os.close(job.report_fd)
    os.waitpid(job.keeper, 0)
    _reap_orphans()
    send(control, {"ended": job.number, **job.report, "killed": job.killed})


def _reap_orphans() -> None:
    """The worker adopts what a submission's namespace leaves when it ends (it is their
    subreaper): collect them, so that no zombie accumulates over a class."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def serve(control: socket.socket, contained: bool) -> None:
    send(control, {"ready": os.getpid()})
    job: _Job | None = None
    while True:
        watched = [control] + ([job.report_fd] if job else [])
        wait = None if job is None else max(0.0, job.deadline - time.monotonic())
        ready, _, _ = select.select(watched, [], [], wait)
        if job is not None and not ready:
            job.kill(job.ending or "time")
            continue
        if job is not None and job.report_fd in ready and _read_report(job):
            _finish(control, job)
            job = None
            continue
        if control in ready:
            data, fds, _, _ = socket.recv_fds(control, MAX_CONTROL, 4)
            if not data:
                return  # the grader has gone
            message = json.loads(data)
            if "start" in message and job is None:
                job = _start(control, message, fds, contained)
            elif "stop" in message and job is not None and job.number == message["stop"]:
                # The tests are done: the submission's process usually ends by itself as its
                # socket closes; a moment later, it is stopped.
                job.ending, job.deadline = "stop", min(job.deadline, time.monotonic() + 2)
            else:
                for fd in fds:
                    os.close(fd)


def main(argv: list[str]) -> None:
    contained = "--unsafe" not in argv
    control = socket.socket(fileno=int(argv[0]))
    prepare_worker()
    serve(control, contained)


if __name__ == "__main__":
    main(sys.argv[1:])
