"""Run a submitted notebook where it can do no harm, and bring back only its data.

Why not run the tests in the student's kernel, as otter does: there, student code can read the
hidden tests, rewrite them or patch the test runner, and score full marks from a blank notebook.
Here the submission runs in a forked child process that holds no tests and no grading code:

* the child starts in its own session, in a fresh temporary folder holding only the submission
  and the assignment's support files; as root it also drops to the unprivileged ``nobody``
  user and loses network access;
* address space, file size and CPU time are capped with ``setrlimit``; the wall-clock time
  limit is enforced by the parent, which kills the child's whole process group;
* the parent is a "child subreaper", so any process the submission forks or daemonizes is
  re-parented to it and killed when the run ends; the temporary folder is then removed;
* when the notebook has run, the child sends its global namespace to the parent through a pipe
  as plain data (:mod:`autograder.values`); the tests then run in the parent, in a namespace
  rebuilt from that data, with modules the parent imports itself.

The worker process pre-imports the scientific stack once and forks a child per submission, so
each run skips Python's and pandas' start-up: the main reason batch grading is fast. Workers
must be started with the "spawn" method and never hold tests: a forked child inherits its
parent's memory, and that memory must not contain anything the student should not see.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import select
import shutil
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from autograder.otter_compat import safe_print_options
from autograder.tempfiles import PREFIX, make_temp_dir

PR_SET_CHILD_SUBREAPER = 36
CLONE_NEWNET = 0x40000000

# Cells that only drive otter on the learner's side: in grading they do nothing.

@dataclass(frozen=True)
class Limits:
    """What one submission may use."""

    timeout_s: float = 60.0
    memory_mb: int = 1024
    output_mb: int = 50


@dataclass
class Execution:
    """What running one submission produced."""

    status: str  # completed | timeout | memory-limit | crashed
    reason: str
    payload: str | None = None
    duration_s: float = 0.0
    peak_memory_mb: float = 0.0
    cell_errors: list[str] = field(default_factory=list)
    print_options: dict = field(default_factory=dict)  # numpy's, as the notebook left them
    display_options: dict = field(default_factory=dict)  # pandas' display.*, likewise
    modules: list = field(default_factory=list)  # the library submodules the notebook loaded
    checked: dict = field(default_factory=dict)  # question -> the answers at its last check
    results: dict | None = None  # question results as data, when scored in the worker


def prepare_worker() -> None:
    """Import what notebooks use once, before forking, and adopt orphaned descendants."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    import IPython.core.interactiveshell  # noqa: F401
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401
    import numpy  # noqa: F401
    import otter.test_files  # noqa: F401 - for the scorer processes forked from this worker
    import pandas  # noqa: F401

    import learner_tools
    import learner_tools.explorers  # noqa: F401

    try:  # read the course's tables once; every forked submission then gets them from memory
        learner_tools.load_service_inventory(clean=True)
        learner_tools.load_service_transactions()
        learner_tools.load_call_centre_monthly()
    except Exception:  # noqa: BLE001 - an assignment without the course's data is fine too
        pass

    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: descendants are still killed by group
        pass


def _kernel_like_shell_class():
    from IPython.core.interactiveshell import InteractiveShell

    class KernelLikeShell(InteractiveShell):
        """An IPython shell that takes what a Jupyter kernel takes.

        ``%matplotlib inline`` asks the shell to start a GUI event loop; a Jupyter kernel does
        nothing for the inline backend, but the plain shell raises ``NotImplementedError`` and
        the rest of the cell is skipped. Every other magic and ``!`` line runs as in IPython.
        """

        def enable_gui(self, gui=None):
            return None

        # Nobody sees a sandbox's output, and formatting a traceback costs IPython tens of
        # milliseconds: a notebook whose otter cells fail (renamed, as under otter) would pay
        # it at every check. The error itself is still recorded from the cell's result.
        def showtraceback(self, *args, **kwargs):
            return None

        def showsyntaxerror(self, *args, **kwargs):
            return None

    return KernelLikeShell


CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
MS_RDONLY, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 32, 0x1000, 0x4000, 1 << 18
PR_SET_PDEATHSIG = 1


def _readable_by_others(path: Path) -> bool:
    """Whether a user with no special rights can reach and read ``path``."""
    import stat

    path = path.resolve()
    for folder in [*reversed(path.parents), path]:
        mode = folder.stat().st_mode
        if stat.S_ISDIR(mode) and not mode & stat.S_IXOTH:
            return False
    return bool(path.stat().st_mode & stat.S_IROTH)


def _can_run_as_nobody() -> bool:
    """Python, its libraries and this package must be readable by ``nobody`` to drop to it."""
    import sysconfig

    import learner_tools

    paths = [sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["purelib"],
             Path(learner_tools.__file__).parent, Path(__file__).parent]
    try:
        return all(_readable_by_others(Path(p)) for p in paths)
    except OSError:
        return False


def _write_proc(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def _isolate(sandbox: Path, hidden: list[Path]) -> None:
    """Make everything but the sandbox read-only, hide grading files, cut the network.

    In a private mount namespace (as root, or as an ordinary user through a user namespace
    where the system allows one): the whole file system is remounted read-only, the sandbox
    alone is writable, and each hidden path (the autograder zip and its folder, the gradebook,
    the other submissions) is covered by an empty file system or by /dev/null. A new network
    namespace has no interfaces. As real root, where the interpreter is readable by everyone,
    the child also becomes ``nobody``. Each step is skipped where the system refuses it; the
    process limits and the data-only return hold regardless.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    uid, gid = os.getuid(), os.getgid()
    if uid == 0:
        isolated = libc.unshare(CLONE_NEWNS | CLONE_NEWNET) == 0
    else:
        isolated = libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET) == 0
        if isolated:
            try:
                _write_proc("/proc/self/setgroups", "deny")
                _write_proc("/proc/self/uid_map", f"0 {uid} 1")
                _write_proc("/proc/self/gid_map", f"0 {gid} 1")
            except OSError:
                isolated = False
    if isolated:
        inside = sandbox.resolve()
        libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None)
        if libc.mount(b"/", b"/", None, MS_BIND, None) == 0:
            libc.mount(None, b"/", None, MS_REMOUNT | MS_BIND | MS_RDONLY, None)
        for path in hidden:
            if path.is_dir() and inside not in [path, *path.parents]:
                libc.mount(b"tmpfs", str(path).encode(), b"tmpfs", 0, b"size=64k,mode=0")
            elif path.is_file():
                libc.mount(b"/dev/null", str(path).encode(), None, MS_BIND, None)
        # The sandbox alone stays writable: a bind mount of itself, remounted read-write.
        libc.mount(str(inside).encode(), str(inside).encode(), None, MS_BIND, None)
        libc.mount(None, str(inside).encode(), None, MS_REMOUNT | MS_BIND, None)
    if uid == 0 and _can_run_as_nobody():
        import pwd

        nobody = pwd.getpwnam("nobody")
        for path in [sandbox, *sandbox.rglob("*")]:
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
        os.setgroups([])
        os.setgid(nobody.pw_gid)
        os.setuid(nobody.pw_uid)
    _drop_capabilities(libc)
    # Die with the worker: set last, as changing user clears it.
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 24, 38
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


def _drop_capabilities(libc) -> None:
    """Give up every capability, for good: without them a process left as root (where the
    interpreter cannot be read by ``nobody``), or as root of its own user namespace, can no
    longer undo the read-only mounts, reach another process's files through
    ``/proc/<pid>/root``, change root or regain privileges by running a set-user-ID program."""

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    for capability in range(64):  # the bounding set; numbers past the last one are refused
        libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    header, data = Header(_LINUX_CAPABILITY_VERSION_3, 0), (Data * 2)()
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "could not drop the sandbox's capabilities")


def _virtual_memory_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def _child(cells: list[str], sandbox: Path, limits: Limits, sock_fd: int,
           hidden: list[Path], quiet: list[bool]) -> None:
    """Runs in the forked child: the notebook, then answers for the tests. Never returns."""
    status = 0
    channel = None
    try:
        # Close every descriptor inherited from the worker but our own socket, so the
        # submission cannot write into the worker's channel to the grader.
        os.closerange(3, sock_fd)
        os.closerange(sock_fd + 1, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
        os.setsid()
        address_space = _virtual_memory_bytes() + limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
        output = limits.output_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (output, output))
        cpu = 2 * int(limits.timeout_s) + 5  # the notebook's time, then the tests' calls
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        for variable, folder in (("HOME", ""), ("IPYTHONDIR", ".ipython"),
                                 ("MPLCONFIGDIR", ".matplotlib")):
            os.environ[variable] = str(sandbox / folder)
        _isolate(sandbox, hidden)
        os.chdir(sandbox)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)

        import builtins
        import socket

        import otter
        import otter.check.notebook
        from traitlets.config import Config

        from autograder.channel import Channel
        from autograder.object_server import AnswerEncoder, HandleTable, serve
        from autograder.otter_compat import (
            loaded_library_modules,
            notebook_stand_in,
            numpy_print_options,
            pandas_display_options,
        )

        channel = Channel(socket.socket(fileno=sock_fd))
        config = Config()
        config.HistoryManager.enabled = False  # nothing to keep, nothing to write
        shell = _kernel_like_shell_class().instance(config=config)
        # What the shell itself put in the namespace is not the notebook's answers.
        from_shell = {name: id(value) for name, value in shell.user_ns.items()}
        table, checked = HandleTable(), {}
        encoder = AnswerEncoder(table)

        def answers() -> dict:
            return {name: value for name, value in shell.user_ns.items()
                    if from_shell.get(name) != id(value) and not isinstance(value, stand_in)}

        def record(question: str) -> None:  # grader.check("q1"): keep the answers as they are
            if len(checked) < 1000:
                checked[question] = encoder.namespace(answers())

        stand_in = notebook_stand_in(record)
        otter.Notebook = otter.check.notebook.Notebook = stand_in
        import sys

        sys.path.insert(0, "")  # as in a Jupyter kernel: the notebook's folder is importable
        original_builtins = dict(builtins.__dict__)
        errors, memory_error = [], False
        for number, source in enumerate(cells, start=1):
            result = shell.run_cell(source, store_history=False)
            error = result.error_in_exec or result.error_before_exec
            if error is not None:
                memory_error |= isinstance(error, MemoryError)
                if not (number <= len(quiet) and quiet[number - 1]):
                    errors.append(f"code cell {number}: {type(error).__name__}: {error}"[:300])
        # Undo any patching of builtins, so the answers are read the same way for everyone.
        builtins.__dict__.clear()
        builtins.__dict__.update(original_builtins)
        final = encoder.namespace(answers())
        channel.send({"namespace": final | {"values": encoder.values}, "checked": checked,
                      "errors": errors, "memory_error": memory_error,
                      "print_options": numpy_print_options(),
                      "display_options": pandas_display_options(),
                      "modules": loaded_library_modules()})
        serve(channel, table)
    except BaseException as error:  # noqa: BLE001 - whatever happens, the child exits here
        status = 70
        try:  # tell the worker what went wrong in the grader's own set-up
            if channel is not None:
                channel.send({"internal_error": repr(error)[:500]})
        except Exception:  # noqa: BLE001
            pass
    finally:
        os._exit(status)


SANDBOX_PREFIX = f"{PREFIX}sandbox-"  # the folders make_temp_dir("sandbox") creates


def _kill_new_descendants(before: set[int]) -> None:
    """Kill every descendant that was not there before the run (orphans included)."""
    for _ in range(3):
        leftovers = [p for p in psutil.Process().children(recursive=True) if p.pid not in before]
        if not leftovers:
            return
        for process in leftovers:
            try:
                process.kill()
            except psutil.Error:
                pass
        psutil.wait_procs(leftovers, timeout=2)


@dataclass
class _Run:
    """A submission's sandbox process, from its start until it is stopped."""

    pid: int
    channel: object  # autograder.channel.Channel, the worker's end
    sandbox: Path
    before: set[int]
    start: float
    exit_status: int | None = None
    peak_memory_mb: float = 0.0


def _place_files(sandbox: Path, files: dict[str, bytes]) -> None:
    """Write a student's handed-in files into the sandbox (never outside it)."""
    for relative, data in files.items():
        target = (sandbox / relative).resolve()
        if sandbox.resolve() not in target.parents:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _launch(cells: list[str], support_dir: Path | None, limits: Limits,
            hidden: tuple[Path, ...], files: dict[str, bytes] | None = None,
            quiet: list[bool] | None = None) -> _Run:
    import socket

    from autograder.channel import Channel

    sandbox = make_temp_dir("sandbox")
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    # As otter run does: the student's files first, then the assignment's support files,
    # which win where both have a file of the same name.
    _place_files(sandbox, files or {})
    if support_dir is not None:
        shutil.copytree(support_dir, sandbox, dirs_exist_ok=True)
    ours, theirs = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        ours.close()
        _child(cells, sandbox, limits, theirs.detach(), [Path(p) for p in hidden],
               quiet or [])
    theirs.close()
    return _Run(pid, Channel(ours), sandbox, before, time.monotonic())


def _reap(run: _Run, block: bool) -> bool:
    """Collect the sandbox process's exit, if it has exited; True when it has."""
    if run.exit_status is not None:
        return True
    done, wait_status, usage = os.wait4(run.pid, 0 if block else os.WNOHANG)
    if not done:
        return False
    run.exit_status = os.waitstatus_to_exitcode(wait_status)
    run.peak_memory_mb = usage.ru_maxrss / 1024
    return True


def _first_message(run: _Run, limits: Limits) -> Execution:
    """Wait for the notebook to finish (the sandbox's first message) or for it to fail."""
    from autograder.channel import ChannelClosed, ChannelTimeout

    deadline = run.start + limits.timeout_s
    message = None
    while message is None:
        try:
            message = run.channel.receive(min(deadline, time.monotonic() + 0.05))
        except ChannelTimeout:
            if _reap(run, block=False):  # it ended without a word: read what it left
                try:
                    message = run.channel.receive(time.monotonic() + 0.2)
                except (ChannelTimeout, ChannelClosed):
                    break
            elif time.monotonic() > deadline:
                return Execution("timeout", f"still running after {limits.timeout_s:g} s; "
                                 "stopped", None, time.monotonic() - run.start)
        except ChannelClosed:
            break
    duration = time.monotonic() - run.start
    try:
        if isinstance(message, dict) and "internal_error" in message:
            return Execution("error", f"the sandbox could not start: "
                             f"{message['internal_error']}", None, duration)
        payload = message["namespace"]
        errors = [str(e) for e in message["errors"]][:50]
        memory_error = bool(message["memory_error"])
        print_options = safe_print_options(message.get("print_options"))
        display_options = message.get("display_options")
        display_options = display_options if isinstance(display_options, dict) else {}
        modules = message.get("modules") if isinstance(message.get("modules"), list) else []
        checked = message.get("checked") if isinstance(message.get("checked"), dict) else {}
        if not isinstance(payload, dict):
            raise TypeError("namespace is not an object")
    except (KeyError, TypeError):
        if not _reap(run, block=False):  # alive, yet what it sent is not the sandbox's message
            try:
                os.killpg(run.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            _reap(run, block=True)
            return Execution("crashed", "the notebook's process sent something that is not "
                             "its answers; nothing could be graded", None, duration)
        if run.exit_status == -signal.SIGXCPU:
            return Execution("timeout", "used more CPU time than allowed; stopped", None,
                             duration)
        how = (f"signal {-run.exit_status}" if run.exit_status < 0
               else f"exit code {run.exit_status}")
        return Execution("crashed", f"the notebook ended its own process ({how}) before "
                         "finishing; nothing could be graded", None, duration)
    if memory_error:
        return Execution("memory-limit", f"a cell needed more than {limits.memory_mb} MB "
                         "and failed; graded on what the notebook produced", payload,
                         duration, 0.0, errors, print_options, display_options, modules,
                         checked)
    reason = f"{len(errors)} cell(s) raised an error: {errors[0]}" if errors else ""
    return Execution("completed", reason, payload, duration, 0.0, errors, print_options,
                     display_options, modules, checked)


def _stop(run: _Run) -> float:
    """Stop the sandbox and everything it started; remove its folder. Its peak memory (MB)."""
    try:
        run.channel.close()
        try:
            os.killpg(run.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        _reap(run, block=True)
    finally:
        _kill_new_descendants(run.before)
        shutil.rmtree(run.sandbox, ignore_errors=True)
    return run.peak_memory_mb


def execute(cells: list[str], support_dir: Path | None, limits: Limits,
            hidden: tuple[Path, ...] = ()) -> Execution:
    """Run a notebook's code cells in a sandbox and return its data, or why there is none.

    Objects that are not data stay in the sandbox and are lost when it stops here; to grade
    with them, use :func:`execute_and_score`."""
    run = _launch(cells, support_dir, limits, hidden)
    try:
        execution = _first_message(run, limits)
    finally:
        peak = _stop(run)
    execution.peak_memory_mb = peak
    return execution


def execute_and_score(cells: list[str], support_dir: Path | None, limits: Limits,
                      hidden: tuple[Path, ...], autograder_zip: Path,
                      files: dict[str, bytes] | None = None,
                      quiet: list[bool] | None = None) -> Execution:
    """Run a notebook in a sandbox, then score it with the zip's tests while its objects can
    still be used (through :mod:`autograder.proxies`).

    ``files`` are placed beside the notebook (the notebook's own file among them); an error in
    a cell marked in ``quiet`` is not reported. The tests run in a scorer process forked from
    this worker once the notebook has finished:
    the worker never reads the tests, so no sandbox (forked from it) can find them in memory,
    and the scorer is not the sandbox, so nothing the submission did can reach them.
    ``Execution.results`` holds the question results as data.
    """
    run = _launch(cells, support_dir, limits, hidden, files, quiet)
    try:
        execution = _first_message(run, limits)
        if execution.payload is not None:
            _import_named_modules(execution)
            execution.results, problem = _score_in_scorer(run, execution, autograder_zip,
                                                          support_dir, limits)
            if problem:
                execution.status, execution.reason = "error", problem
            execution.payload = None
    finally:
        peak = _stop(run)
    execution.peak_memory_mb = peak
    return execution


# Libraries of which the worker itself imports what a submission used, for the next scorers:
# data libraries, whose import does nothing else.
PRELOADED_ROOTS = frozenset({"numpy", "pandas", "matplotlib", "scipy", "statsmodels",
                             "seaborn", "sklearn", "datascience", "learner_tools"})


def _import_named_modules(execution: Execution) -> None:
    """Import, in this worker, the installed modules the submission used, once: each scorer
    (and each later sandbox) forked from the worker then has them without importing again."""
    from autograder.otter_compat import import_library_modules
    from autograder.proxies import import_installed

    import_library_modules(execution.modules)
    named = set()
    for item in [*execution.payload.get("answers", {}).values(),
                 *(execution.payload.get("values") or {}).values()]:
        if isinstance(item, dict):
            if "__module__" in item:
                named.add(item["__module__"])
            elif "__ref__" in item and isinstance(item["__ref__"], list) and item["__ref__"]:
                named.add(item["__ref__"][0])
    for name in sorted(named, key=str)[:200]:
        if str(name).split(".")[0] not in PRELOADED_ROOTS:
            continue  # imported by the scorer alone, whose side effects end with it
        try:
            import_installed(name)
        except ImportError:  # one the grader cannot import stays absent
            pass


def _score_in_scorer(run: _Run, execution: Execution, autograder_zip: Path,
                     support_dir: Path | None, limits: Limits) -> tuple[dict | None, str]:
    """(question results as data, or None; what went wrong, or "")."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the scorer
        status = 0
        try:
            os.close(read_fd)
            reply = {"results": _score(run, execution, autograder_zip, support_dir, limits)}
        except BaseException as error:  # noqa: BLE001 - reported to the worker
            status, reply = 1, {"problem": f"scoring failed: {type(error).__name__}: "
                                           f"{str(error)[:300]}"}
        try:
            view = memoryview(json.dumps(reply).encode())
            while view:
                view = view[os.write(write_fd, view):]
        finally:
            os._exit(status)
    os.close(write_fd)
    chunks, deadline = [], time.monotonic() + limits.timeout_s + 60
    try:
        while True:
            ready, _, _ = select.select([read_fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                os.kill(pid, signal.SIGKILL)
                return None, "the tests did not finish in time; stopped"
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_fd)
        os.waitpid(pid, 0)
    try:
        reply = json.loads(b"".join(chunks).decode("utf-8"))
    except ValueError:
        return None, "scoring failed: the scorer stopped without a result"
    return reply.get("results"), reply.get("problem", "")


def _score(run: _Run, execution: Execution, autograder_zip: Path, support_dir: Path | None,
           limits: Limits) -> dict:
    """In the scorer: read the tests, rebuild the namespace with proxies, run the tests."""
    import sys

    from autograder.proxies import Session, decode_namespace
    from autograder.scoring import AutograderTests, results_to_data

    tests = AutograderTests(autograder_zip, support_files=False)
    # As otter does, the tests run beside the assignment's support files (a helper module of
    # the instructor's, say); the sandbox's folder, which the student wrote, is never used.
    sys.path[:] = [p for p in sys.path if p not in ("", ".")]
    if support_dir is not None:
        os.chdir(support_dir)
        sys.path.insert(0, str(support_dir))
    session = Session(run.channel, time.monotonic() + limits.timeout_s)
    values, decoded = execution.payload.get("values"), {}
    namespace = decode_namespace(execution.payload, session, values, decoded)
    at_checks = {question: decode_namespace(answers, session, values, decoded)
                 for question, answers in execution.checked.items()
                 if question in tests.questions}
    return results_to_data(tests.score_namespace(namespace, execution.print_options,
                                                 execution.display_options, at_checks))
