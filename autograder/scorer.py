"""The grader's side of one submission: hand it its notebook, read its answers, run the tests.

A scorer is a process forked from the grader for each submission, holding that submission's
end of its socket. It sends the notebook and the student's files to the sandbox, waits (with
the notebook's time limit) for the answers, rebuilds the namespace from data and proxies
(:mod:`autograder.proxies`) and runs the zip's tests with otter's own classes
(:mod:`autograder.scoring`). It is a separate process so that whatever decoding and scoring a
submission provokes is bounded (address space, time) and ends with it: the grader itself only
reads a small reply of question results.
"""

from __future__ import annotations

import base64
import json
import os
import resource
import signal
import time

from autograder.channel import Channel, ChannelClosed, ChannelTimeout, NotAMessage
from autograder.otter_compat import safe_print_options
from autograder.sandbox import Limits, excerpt, virtual_memory_bytes

MAX_REPLY = 16 * 1024 * 1024


class UnreadableAnswers(Exception):
    """What the submission sent as its answers could not be read back (its doing, not the
    grader's: a forged or oversized message)."""
READY_WAIT_S = 60.0


def _interpret(message) -> dict:
    """The sandbox's first message as data, or why it is not one. Everything in it was set by
    the submission, so each part is checked and bounded."""
    if not isinstance(message, dict) or not isinstance(message.get("namespace"), dict):
        return {"outcome": "not-a-message"}
    errors = message.get("errors") if isinstance(message.get("errors"), list) else []
    errors = [excerpt(str(e), 240) for e in errors[:50]]  # forged or not: bounded, printable
    display = message.get("display_options")
    modules = message.get("modules")
    checked = message.get("checked")
    stopped = message.get("stopped_cells")
    return {"outcome": "answers", "payload": message["namespace"], "errors": errors,
            "memory_error": message.get("memory_error") is True,
            "stopped_cells": stopped if isinstance(stopped, int) else 0,
            "print_options": safe_print_options(message.get("print_options")),
            "display_options": display if isinstance(display, dict) else {},
            "modules": modules if isinstance(modules, list) else [],
            "checked": checked if isinstance(checked, dict) else {}}


def _job(submission, cells: list[str], quiet: list[bool]) -> dict:
    return {"cells": cells, "quiet": quiet,
            "files": {name: base64.b64encode(data).decode("ascii")
                      for name, data in submission.files.items()}}


def _score(channel: Channel, answers: dict, tests, limits: Limits) -> dict:
    import sys

    from autograder import proxies
    from autograder.otter_compat import import_library_modules
    from autograder.proxies import Session, decode_namespace
    from autograder.scoring import results_to_data

    proxies.SUPPORT_FOLDERS[:] = [str(tests.support_dir)] if tests.support_dir else []
    import_library_modules(answers["modules"])
    # As otter does, the tests run beside the assignment's support files (a helper module of
    # the instructor's, say); the sandbox's folder, which the student wrote, is never used.
    sys.path[:] = [p for p in sys.path if p not in ("", ".")]
    if tests.support_dir is not None:
        os.chdir(tests.support_dir)
        sys.path.insert(0, str(tests.support_dir))
    session = Session(channel, time.monotonic() + limits.timeout_s)
    payload = answers["payload"]
    try:  # everything here was written by the submission: a failure is its own
        values, decoded = payload.get("values"), {}
        namespace = decode_namespace(payload, session, values, decoded)
        at_checks = {question: decode_namespace(checked, session, values, decoded)
                     for question, checked in answers["checked"].items()
                     if question in tests.questions and isinstance(checked, dict)}
    except Exception as error:  # noqa: BLE001 - MemoryError included
        raise UnreadableAnswers(f"{type(error).__name__}: {str(error)[:200]}") from None
    return results_to_data(tests.score_namespace(namespace, answers["print_options"],
                                                 answers["display_options"], at_checks))


def score_submission(channel: Channel, submission, cells: list[str], quiet: list[bool],
                     tests, limits: Limits) -> dict:
    """In the scorer: the whole exchange with one sandbox. A dict of plain data:
    ``outcome`` is ``answers`` (with ``results``), ``no-answers`` (the sandbox ended or ran out
    of time first: the worker's report says how), ``not-a-message``, or ``not-started``."""
    try:
        channel.receive(time.monotonic() + READY_WAIT_S)
    except (ChannelTimeout, ChannelClosed):
        return {"outcome": "not-started"}
    start = time.monotonic()
    try:
        channel.send(_job(submission, cells, quiet))
    except (OSError, ValueError):
        return {"outcome": "no-answers", "duration_s": 0.0}
    try:
        message = channel.receive(start + limits.timeout_s)
    except NotAMessage:  # the submission's own doing (forged), never the grader's fault
        return {"outcome": "not-a-message", "duration_s": time.monotonic() - start}
    except ChannelTimeout:
        return {"outcome": "no-answers", "timed_out": True,
                "duration_s": time.monotonic() - start}
    except ChannelClosed:
        return {"outcome": "no-answers", "duration_s": time.monotonic() - start}
    answers = _interpret(message)
    answers["duration_s"] = time.monotonic() - start
    if answers["outcome"] == "answers" and tests is not None:
        answers["results"] = _score(channel, answers, tests, limits)
        del answers["payload"], answers["checked"]
        answers["draws"] = _tables_drawn()
    return answers


def _tables_drawn() -> list:
    """The course's generated tables the tests drew here, for the grader to draw ahead for
    the next scorers (``learner_tools.data.draw_ahead``); none for other assignments."""
    import sys

    data = sys.modules.get("learner_tools.data")
    try:
        return list(data.generated_draws()) if data is not None else []
    except Exception:  # noqa: BLE001 - only a head start for later scorers
        return []


def fork_scorer(channel: Channel, submission, cells: list[str], quiet: list[bool], tests,
                limits: Limits, confined: bool = True) -> tuple[int, int]:
    """Fork a scorer for one submission: (its process ID, the pipe its reply comes on).
    ``confined``: behind the walls of :mod:`autograder.scorer_confinement` (not under
    ``--unsafe``, on machines that cannot give them)."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid != 0:
        os.close(write_fd)
        return pid, read_fd
    status = 0
    try:
        os.close(read_fd)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):  # nothing a test or an import prints reaches the grader's output
            os.dup2(devnull, fd)
        if confined:  # nothing of the grader's (the gradebook, other scorers' pipes) either
            keep = sorted({channel.sock.fileno(), write_fd})
            for low, high in zip([2, *keep], [*keep, os.sysconf("SC_OPEN_MAX")], strict=True):
                os.closerange(low + 1, high)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.setpgid(0, 0)  # Ctrl-C at the terminal is the grader's to handle
        # Bounded: decoding and scoring may use the submission's memory allowance twice over,
        # on top of what the grader holds, and the tests' time twice over.
        allowance = (virtual_memory_bytes() + 2 * limits.memory_mb * 1024 * 1024
                     + 512 * 1024 * 1024)
        resource.setrlimit(resource.RLIMIT_AS, (allowance, allowance))
        cpu = int(2 * limits.timeout_s) + 30
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        if confined:
            from autograder.scorer_confinement import confine

            confine(getattr(tests, "support_dir", None), limits.disk_mb)
        reply = score_submission(channel, submission, cells, quiet, tests, limits)
    except UnreadableAnswers as error:
        status, reply = 1, {"outcome": "unreadable-answers", "problem": str(error)}
    except BaseException as error:  # noqa: BLE001 - reported to the grader
        status, reply = 1, {"outcome": "scoring-failed",
                            "problem": f"{type(error).__name__}: {str(error)[:300]}"}
    try:
        data = json.dumps(reply, allow_nan=False).encode()
        if len(data) > MAX_REPLY:
            data = json.dumps({"outcome": "scoring-failed",
                               "problem": "the results were too large"}).encode()
        view = memoryview(data)
        while view:
            view = view[os.write(write_fd, view):]
    finally:
        os._exit(status)
