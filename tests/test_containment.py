"""Containment (issue 10): each submission alone with its own limits, the innocent graded in
the same run, the grader's own processes bounded, a hung cell costing only itself."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from conftest import ASSIGNMENTS

from autograder.batch import grade_submissions, open_submissions
from autograder.containment import diagnose
from autograder.gradebook import Gradebook, database_url
from autograder.grading import grade_notebook
from autograder.pool import execute
from autograder.proxies import decode_namespace
from autograder.sandbox import Limits
from autograder.scoring import AutograderTests

ASSIGNMENT = ASSIGNMENTS[0].name
LIMITS = Limits(timeout_s=40, memory_mb=1024, cell_timeout_s=4)

pytestmark = pytest.mark.skipif(not diagnose().contained,
                                reason=f"this machine cannot contain: {diagnose().problem}")


def _code_cell(source: str) -> dict:
    return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
            "source": source}


def _with_cell(notebook: Path, source: str, position: int | None = None) -> dict:
    """The notebook with one code cell added: at the end, or before its ``position``-th code
    cell (counting from 0)."""
    data = json.loads(notebook.read_text(encoding="utf-8"))
    if position is None:
        data["cells"].append(_code_cell(source))
    else:
        code = [i for i, c in enumerate(data["cells"]) if c["cell_type"] == "code"]
        data["cells"].insert(code[position], _code_cell(source))
    return data


@pytest.fixture(scope="module")
def assignment(built_assignments):
    _, output = built_assignments[ASSIGNMENT]
    tests = AutograderTests(output.autograder_zip)
    yield output, tests
    tests.close()


def _grade(folder: Path, tests, tmp_path: Path, limits: Limits = LIMITS, workers: int = 2,
           unsafe: bool = False):
    gradebook = Gradebook(database_url(tmp_path / "grades.db"))
    try:
        with open_submissions(folder, tests.assignment_name) as submissions:
            results = grade_submissions(tests, submissions, gradebook, ASSIGNMENT,
                                        workers=workers, limits=limits, regrade=True,
                                        unsafe=unsafe)
    finally:
        gradebook.close()
    return {r.submission: r for r in results}


def test_a_hung_cell_costs_only_itself(assignment, tmp_path):
    """Hole 8: a cell past its limit is stopped like a cell that raised; every answer before
    and after it is graded (the solution with a hung cell in the middle keeps full marks)."""
    output, tests = assignment
    folder = tmp_path / "class"
    folder.mkdir()
    hung = _with_cell(output.solution_notebook, "while True:\n    pass\n", position=6)
    (folder / "hung-in-the-middle.ipynb").write_text(json.dumps(hung))
    swallowed = _with_cell(output.solution_notebook, "import time\nwhile True:\n    try:\n"
                           "        time.sleep(10)\n    except Exception:\n        pass\n",
                           position=3)
    (folder / "catches-exceptions.ipynb").write_text(json.dumps(swallowed))
    results = _grade(folder, tests, tmp_path)
    for name, result in results.items():
        assert result.status == "completed", (name, result.reason)
        assert result.score == tests.total_possible, (name, result.reason)
        assert "1 cell(s) ran past 4 s and were stopped" in result.reason, result.reason


def test_one_student_cannot_zero_the_class(assignment, tmp_path):
    """Hole 2, in one run: the attackers next to honest submissions on the same workers;
    every honest one scores what otter gives it, and nothing of the attackers survives."""
    output, tests = assignment
    folder = tmp_path / "class"
    folder.mkdir()
    attacks = {
        "kill-everything": "import os, signal\nfor pid in range(1, 4000):\n    try:\n"
                           "        os.kill(pid, signal.SIGKILL)\n    except OSError:\n"
                           "        pass\nos.kill(-1, signal.SIGKILL)\n",
        "stop-everything": "import os, signal\nfor pid in range(1, 4000):\n    try:\n"
                           "        os.kill(pid, signal.SIGSTOP)\n    except OSError:\n"
                           "        pass\n",
        "fork-bomb": "import os\nchildren = 0\ntry:\n    while children < 10000:\n"
                     "        if os.fork() == 0:\n            import time\n"
                     "            time.sleep(60)\n            os._exit(0)\n"
                     "        children += 1\nexcept OSError:\n    pass\n",
        "many-hungry-helpers": "import os\nfor _ in range(4):\n    if os.fork() == 0:\n"
                               "        hog = bytearray(400 * 1024 * 1024)\n"
                               "        import time\n        time.sleep(30)\n"
                               "        os._exit(0)\n",
    }
    for name, code in attacks.items():
        (folder / f"attack-{name}.ipynb").write_text(
            json.dumps(_with_cell(output.student_notebook, code)))
    for index in range(4):
        (folder / f"honest-{index}.ipynb").write_bytes(output.solution_notebook.read_bytes())
    results = _grade(folder, tests, tmp_path)
    expected = grade_notebook(output.solution_notebook, output.autograder_zip)
    for index in range(4):
        honest = results[f"honest-{index}.ipynb"]
        assert honest.status == "completed", honest.reason
        assert {q.question: q.score for q in honest.questions} == {
            q: s.score for q, s in expected.questions.items()}
    for name in attacks:
        assert results[f"attack-{name}.ipynb"].score == 0
    # A notebook that stops itself is ended at once, not held until the time limit.
    stopped = results["attack-stop-everything.ipynb"]
    assert stopped.status == "crashed" and "stopped its own process" in stopped.reason


def test_limits_hold_for_all_of_a_submissions_processes_together():
    """Hole 6: process count, disk in its folder and /dev/shm are capped for the whole
    submission; where the machine has cgroups, so is memory across forked helpers."""
    probe = """
import os, signal, time
block = b"x" * (1024 * 1024)
def fill(path, megabytes):
    written = 0
    try:
        with open(path, "wb") as handle:
            for _ in range(megabytes):
                handle.write(block)
                written += 1
    except OSError:
        pass
    return written
shm = fill("/dev/shm/filler", 600)
os.remove("/dev/shm/filler")
started = 0
children = []
try:
    for _ in range(200):
        pid = os.fork()
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        children.append(pid)
except OSError:
    pass
started = len(children)
for pid in children:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
helpers = []
for _ in range(4):
    pid = os.fork()
    if pid == 0:
        hog = bytearray(450 * 1024 * 1024)
        for i in range(0, len(hog), 4096):
            hog[i] = 1
        time.sleep(5)
        os._exit(0)
    helpers.append(pid)
ended = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in helpers]
"""
    limits = Limits(timeout_s=60, memory_mb=1024, processes=32, disk_mb=256)
    execution = execute([probe], limits)
    seen = {name: value for name, value in decode_namespace(execution.payload).items()
            if name in ("shm", "started", "ended")}
    assert seen["shm"] <= 256, seen
    assert 0 < seen["started"] < 200, seen
    if diagnose().cgroup:
        assert seen["started"] <= 32 + 2, seen["started"]  # give or take the grader's own
        assert sum(code != 0 for code in seen["ended"]) >= 1, seen  # 4 x 450 MB > 1 GB
    assert not Path("/dev/shm/filler").exists()


def test_honest_answers_of_realistic_size_are_graded_as_otter_grades_them(assignment,
                                                                        tmp_path):
    """Hole 5: a solution that also holds about 300 MB of arrays scores what otter gives."""
    output, tests = assignment
    folder = tmp_path / "class"
    folder.mkdir()
    big = _with_cell(output.solution_notebook,
                     "import numpy as np\nreadings = np.arange(20_000_000, dtype='float64')\n"
                     "more_readings = readings * 2\n")
    path = folder / "large.ipynb"
    path.write_text(json.dumps(big))
    results = _grade(folder, tests, tmp_path, workers=1)
    theirs = grade_notebook(path, output.autograder_zip)
    assert results["large.ipynb"].status == "completed", results["large.ipynb"].reason
    assert results["large.ipynb"].score == theirs.score == tests.total_possible


def test_the_student_cannot_write_the_reason_or_choose_the_status(assignment, tmp_path):
    """Hole 8's second half: an error message the student wrote reaches the reason only as a
    short, printable excerpt; a forged grader error is the submission's crash, not 'error'."""
    output, tests = assignment
    folder = tmp_path / "class"
    folder.mkdir()
    long_message = "raise ValueError('=HYPERLINK(\"x\")\\x1b[31m\\n' + 'A' * 5000)\n"
    (folder / "long-message.ipynb").write_text(
        json.dumps(_with_cell(output.student_notebook, long_message)))
    forged = ("import os, socket, struct, json\nfor name in os.listdir('/proc/self/fd'):\n"
              "    try:\n        if os.readlink(f'/proc/self/fd/{name}').startswith('socket:'):\n"
              "            data = json.dumps({'internal_error': 'grader broke'}).encode()\n"
              "            socket.socket(fileno=os.dup(int(name))).sendall("
              "struct.pack('!Q', len(data)) + data)\n    except OSError:\n        pass\n")
    (folder / "forged-error.ipynb").write_text(
        json.dumps(_with_cell(output.student_notebook, forged)))
    forged_answers = forged.replace(
        "{'internal_error': 'grader broke'}",
        "{'namespace': {}, 'errors': ['\\x1b[2J' + 'B' * 5000], 'memory_error': False}")
    assert forged_answers != forged
    (folder / "forged-answers.ipynb").write_text(
        json.dumps(_with_cell(output.student_notebook, forged_answers)))
    results = _grade(folder, tests, tmp_path)
    forged_reason = results["forged-answers.ipynb"].reason
    assert len(forged_reason) <= 400 and "\x1b" not in forged_reason, forged_reason
    assert results["forged-answers.ipynb"].score == 0 and "BBBB" in forged_reason
    reason = results["long-message.ipynb"].reason
    assert len(reason) <= 400 and "\x1b" not in reason and "\n" not in reason, reason
    assert "AAAA" in reason and "A" * 1000 not in reason
    assert results["forged-error.ipynb"].status == "crashed", results["forged-error.ipynb"]
    assert "grader broke" not in results["forged-error.ipynb"].reason


def test_a_submission_cannot_make_the_calls_that_lead_out():
    """Hole 3, second wall: whatever its privileges, the kernel refuses a submission the calls
    that lead out of its sandbox or outlive it (namespaces of its own, mounts, tracing,
    keyrings, BPF, io_uring...), while what notebooks do (threads, processes, programs)
    still works."""
    probe = r"""
import ctypes, os, subprocess, threading
libc = ctypes.CDLL(None, use_errno=True)
def refused(number, *args):
    result = libc.syscall(number, *[ctypes.c_long(a) for a in args])
    return os.strerror(ctypes.get_errno()) if result == -1 else "allowed"
SIGCHLD, NEWUSER, NEWNS = 17, 0x10000000, 0x00020000
calls = {
    "unshare user": refused(272, NEWUSER),
    "clone user": refused(56, NEWUSER | SIGCHLD, 0, 0, 0, 0),
    "clone mount": refused(56, NEWNS | SIGCHLD, 0, 0, 0, 0),
    "setns": refused(308, os.open("/proc/self/ns/net", os.O_RDONLY), 0),
    "mount": refused(165, 0, 0, 0, 0, 0),
    "keyctl": refused(250, 0, -3, 1, 0, 0),  # KEYCTL_GET_KEYRING_ID, the session keyring
    "add_key": refused(248, id(b"user"), id(b"x"), 0, 0, -3),
    "bpf": refused(321, 0, 0, 0),
    "io_uring_setup": refused(425, 1, 0),
    "userfaultfd": refused(323, 0),
    "perf_event_open": refused(298, 0, 0, -1, -1, 0),
}
child = os.fork()
if child == 0:
    import time
    time.sleep(5)
    os._exit(0)
calls["ptrace a child"] = refused(101, 16, child, 0, 0)  # PTRACE_ATTACH
os.kill(child, 9)
os.waitpid(child, 0)
box = []
thread = threading.Thread(target=lambda: box.append(1))
thread.start()
thread.join()
program = subprocess.run(["echo", "still works"], capture_output=True, text=True).stdout
"""
    seen = decode_namespace(execute([probe], LIMITS).payload)
    allowed = [name for name, answer in seen["calls"].items() if answer == "allowed"]
    assert not allowed, seen["calls"]
    assert seen["box"] == [1] and seen["program"] == "still works\n"


def test_grading_refuses_where_the_machine_cannot_contain(assignment, tmp_path, monkeypatch):
    """Never a silent fallback: without containment, grading stops unless told --unsafe."""
    import autograder.pool
    from autograder.containment import ContainmentUnavailable, Diagnosis

    output, tests = assignment
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "solution.ipynb").write_bytes(output.solution_notebook.read_bytes())
    monkeypatch.setattr(autograder.pool, "diagnose",
                        lambda: Diagnosis(None, False, "bubblewrap is not installed", None, ""))
    with pytest.raises(ContainmentUnavailable, match="--unsafe"):
        _grade(folder, tests, tmp_path)
    # Told --unsafe, it grades (each submission still has its limits and its own process).
    results = _grade(folder, tests, tmp_path, workers=1, unsafe=True)
    assert results["solution.ipynb"].score == tests.total_possible


def test_a_worker_that_dies_is_replaced_and_its_submission_graded(assignment, tmp_path):
    """A crash is the culprit's alone: when a worker dies under a submission (here killed from
    outside, as the kernel's OOM killer or an administrator might), it is replaced and the
    submission it was running is graded again in the same run; every submission completes."""
    import signal

    import psutil

    output, tests = assignment
    folder = tmp_path / "class"
    folder.mkdir()
    for index in range(6):
        (folder / f"honest-{index}.ipynb").write_bytes(output.solution_notebook.read_bytes())
    killed, groups = [], []

    def on_result(result, cached):
        if killed:
            return
        # The worker is the process bubblewrap started (its forks share its command line).
        workers = []
        for process in psutil.Process().children(recursive=True):
            try:
                if "autograder.worker" in " ".join(process.cmdline()) and \
                        process.parent().name() == "bwrap":
                    workers.append(process)
            except (psutil.Error, AttributeError):  # ended meanwhile
                pass
        if workers:
            # Each worker has a processor share of its own, whatever its submission starts.
            groups.extend(line.split(":", 2)[2] for w in workers
                          for line in Path(f"/proc/{w.pid}/cgroup").read_text().splitlines()
                          if "cpu" in line.split(":")[1].split(","))
            os.kill(workers[0].pid, signal.SIGKILL)
            killed.append(workers[0].pid)

    gradebook = Gradebook(database_url(tmp_path / "grades.db"))
    try:
        with open_submissions(folder, tests.assignment_name) as submissions:
            results = grade_submissions(tests, submissions, gradebook, ASSIGNMENT, workers=2,
                                        limits=LIMITS, regrade=True, on_result=on_result)
    finally:
        gradebook.close()
    assert killed, "no worker was found to kill"
    if diagnose().cpu_shared:
        assert "/" not in groups and len(set(groups)) == 2, groups
    assert len(results) == 6
    for result in results:
        assert result.status == "completed", (result.submission, result.reason)
        assert result.score == tests.total_possible


def test_nothing_one_submission_leaves_reaches_the_next(assignment, tmp_path):
    """A writer and a reader on the same worker, one after the other: every place the writer
    could write (its folder, /tmp, /dev, /dev/shm, home, the kernel's keyring, System V
    shared memory and message queues) is empty for the reader."""
    output, tests = assignment
    folder = tmp_path / "class"
    folder.mkdir()
    places = ["/tmp/left", "/tmp/submission/left", "/dev/left", "/dev/shm/left",
              "/dev/pts/left", "/var/tmp/left", "/left", "/support/left"]
    # The kernel's per-user keyring and System V IPC outlive a process unless the submission
    # has a user and an IPC namespace of its own.
    kernel = ("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
              "libc.syscall.restype = ctypes.c_long\n")
    writer = (f"import os\nfor path in {places!r}:\n    try:\n"
              "        open(path, 'w').write('x')\n    except OSError:\n        pass\n"
              + kernel +
              "libc.syscall(248, b'user', b'left', b'x', 1, ctypes.c_int(-4))\n"  # add_key
              "libc.shmget(0x5EED, 4096, 0o1666)\nlibc.msgget(0x5EED, 0o1666)\n")
    reader_kernel = (kernel + "if libc.syscall(250, 10, ctypes.c_int(-4), b'user', b'left', 0)"
                     " > 0:\n    found.append('key')\n"  # keyctl search
                     "if libc.shmget(0x5EED, 0, 0) >= 0 or libc.msgget(0x5EED, 0) >= 0:\n"
                     "    found.append('ipc')\n")
    (folder / "a-writer.ipynb").write_text(
        json.dumps(_with_cell(output.student_notebook, writer)))
    reader = (f"import os\nfound = [p for p in {places!r} if os.path.exists(p)]\n"
              + reader_kernel +
              "if found:\n    raise RuntimeError('LEFT BEHIND: ' + ' '.join(found))\n")
    (folder / "b-reader.ipynb").write_text(
        json.dumps(_with_cell(output.solution_notebook, reader)))
    results = _grade(folder, tests, tmp_path, workers=1)
    assert "LEFT BEHIND" not in results["b-reader.ipynb"].reason, results["b-reader.ipynb"]
    assert results["b-reader.ipynb"].score == tests.total_possible


def test_a_scorer_works_behind_walls_of_its_own(tmp_path):
    """The second wall behind the proxies: a scorer (forked from the grader, running the
    tests) writes nothing outside its own /tmp, reaches no network, signals no process, and
    sees the assignment's support files as they are, in a copy of its own."""
    import socket

    from autograder import scorer_confinement

    support = tmp_path / "support"
    support.mkdir()
    (support / "helper.py").write_text("ANSWER = 42\n")
    # Outside /tmp (a scorer's /tmp is its own): where an instructor keeps a gradebook.
    handle, name = tempfile.mkstemp(prefix="autograder-test-gradebook-", dir=Path.home())
    os.close(handle)
    outside = Path(name)
    outside.write_text("grades")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    scorer_confinement.prepare()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the scorer
        seen = {}
        try:
            scorer_confinement.confine(support, 16)
            for name, attempt in (
                    ("write outside", lambda: outside.write_text("forged")),
                    ("connect", lambda: socket.create_connection(listener.getsockname(), 2)),
                    ("signal the grader", lambda: os.kill(os.getppid(), 0)),
                    ("write its copy", lambda: (support / "helper.py").write_text("ANSWER = 0"))):
                try:
                    attempt()
                    seen[name] = "allowed"
                except OSError as error:
                    seen[name] = error.strerror
            seen["cwd"] = os.getcwd()
            # The grader's installation stays in sight (under /tmp too, as in a CI clone):
            # the tests may import a library module no one has imported yet.
            import importlib
            import sys

            sys.modules.pop("tinycss2", None)
            seen["imported"] = importlib.import_module("tinycss2").__name__
            seen["support"] = (support / "helper.py").read_text()
            Path("scratch.txt").write_text("the tests' own")
        except BaseException as error:  # noqa: BLE001
            seen["failed"] = repr(error)
        os.write(write, json.dumps(seen).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    seen = json.loads(os.read(read, 65536))
    listener.close()
    kept = outside.read_text()
    outside.unlink()
    assert "failed" not in seen, seen
    assert seen["write outside"] != "allowed" and seen["connect"] != "allowed"
    assert seen["signal the grader"] != "allowed"
    assert seen["write its copy"] == "allowed" and seen["support"] == "ANSWER = 0"
    assert seen["cwd"] == str(support) and seen["imported"] == "tinycss2"
    assert kept == "grades"
    assert (support / "helper.py").read_text() == "ANSWER = 42\n"  # the grader's own copy
    assert not (support / "scratch.txt").exists()
