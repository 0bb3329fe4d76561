"""A grading host: the local grader's warm, contained pool, serving one cluster worker.

Run as ``python -m autograder.grading_host FD ZIP LIMITS [--unsafe]`` by
:class:`autograder.cluster.GradingPlugin`, on the machine of a Dask worker. FD is a connected
socket to that worker; ZIP the autograder zip the plugin shipped to it once; LIMITS the run's
:class:`~autograder.sandbox.Limits` as JSON. The host loads the tests, keeps a
:class:`~autograder.pool.WarmPool` of one worker and, for each ``(submission, cells, quiet)``
it receives, sends back the :class:`~autograder.sandbox.Execution`: each submission runs in
the same sandbox, and is scored by the same forked scorer, as in local grading.

Why a process of its own rather than the pool inside the Dask worker: the pool forks a
scorer per submission, and a Dask worker is a process with several threads (its event loop,
its task threads), where a fork can copy a lock another thread holds. The host has one
thread. It ends when its worker closes the socket or, between submissions, when its worker
has gone.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from multiprocessing.connection import Connection
from pathlib import Path

POLL_S = 1.0


def serve(connection: Connection, zip_path: Path, limits_data: dict, unsafe: bool) -> None:
    from autograder.pool import WarmPool
    from autograder.sandbox import Limits
    from autograder.scoring import AutograderTests

    worker = os.getppid()
    try:
        tests = AutograderTests(zip_path)
    except Exception as error:  # noqa: BLE001 - the plugin reports it to the instructor
        connection.send({"failed": f"the autograder zip could not be read: "
                                   f"{type(error).__name__}: {error}"})
        return
    try:
        try:
            pool = WarmPool(tests, Limits(**limits_data), 1, unsafe=unsafe)
        except Exception as error:  # noqa: BLE001 - containment missing on this machine...
            connection.send({"failed": f"{type(error).__name__}: {error}"})
            return
        try:
            connection.send({"ready": os.getpid(), "contained": pool.contained})
            while True:
                while not connection.poll(POLL_S):
                    if os.getppid() != worker:
                        return  # the worker has gone, and nobody would read the answer
                try:
                    submission, cells, quiet = connection.recv()
                except EOFError:
                    return
                connection.send(run_one(pool, submission, cells, quiet))
        finally:
            pool.close()
    finally:
        tests.close()


def run_one(pool, submission, cells: list[str], quiet: list[bool]):
    """One submission through the pool: its final outcome here (the client retries), without
    the notebook's answers as data, which the scores were made from and the gradebook does
    not keep (a class's tables would otherwise cross the cluster for nothing)."""
    outcome = []
    pool.run([(0, submission, cells, quiet)],
             lambda _key, execution: outcome.append(execution), retry=False)
    execution = outcome[0]
    execution.payload, execution.modules = None, []
    return execution


def main(argv: list[str]) -> None:
    fd, zip_path, limits = argv[:3]
    # Stopped by its worker: the pool's workers and sandboxes are stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    connection = Connection(int(fd))
    try:
        serve(connection, Path(zip_path), json.loads(limits), "--unsafe" in argv[3:])
    except (BrokenPipeError, ConnectionResetError):
        pass  # the worker went while a submission ran
    finally:
        connection.close()


if __name__ == "__main__":
    main(sys.argv[1:])
