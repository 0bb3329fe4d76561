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

from autograder.otter_compat import is_otter_cell, safe_print_options
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


def prepare_worker() -> None:
    """Import what notebooks use once, before forking, and adopt orphaned descendants."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    import IPython.core.interactiveshell  # noqa: F401
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401
    import numpy  # noqa: F401
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

    return KernelLikeShell


class _Grader:
    """Stands in for ``otter.Notebook`` in a sandbox: checks do nothing during grading."""

    def __getattr__(self, _name):
        return lambda *args, **kwargs: None


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
    # Die with the worker: set last, as changing user clears it.
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _virtual_memory_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def _child(cells: list[str], sandbox: Path, limits: Limits, write_fd: int,
           hidden: list[Path]) -> None:
    """Runs in the forked child. Never returns."""
    status = 0
    try:
        # Close every descriptor inherited from the worker but our own pipe, so the submission
        # cannot write into the worker's channel to the grader.
        os.closerange(3, write_fd)
        os.closerange(write_fd + 1, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
        os.setsid()
        address_space = _virtual_memory_bytes() + limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
        output = limits.output_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (output, output))
        cpu = int(limits.timeout_s) + 5
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

        from traitlets.config import Config

        from autograder.otter_compat import numpy_print_options
        from autograder.values import encode_namespace

        config = Config()
        config.HistoryManager.enabled = False  # nothing to keep, nothing to write
        shell = _kernel_like_shell_class().instance(config=config)
        shell.user_ns["grader"] = _Grader()
        original_builtins = dict(builtins.__dict__)
        errors, memory_error = [], False
        for number, source in enumerate(cells, start=1):
            if is_otter_cell(source):
                continue
            result = shell.run_cell(source, store_history=False)
            error = result.error_in_exec or result.error_before_exec
            if error is not None:
                memory_error |= isinstance(error, MemoryError)
                errors.append(f"code cell {number}: {type(error).__name__}: {error}"[:300])
        # Undo any patching of builtins, so the answers are read the same way for everyone.
        builtins.__dict__.clear()
        builtins.__dict__.update(original_builtins)
        message = json.dumps({"namespace": encode_namespace(shell.user_ns),
                              "errors": errors, "memory_error": memory_error,
                              "print_options": numpy_print_options()}).encode()
        view = memoryview(message)
        while view:
            view = view[os.write(write_fd, view):]
    except BaseException as error:  # noqa: BLE001 - whatever happens, the child exits here
        status = 70
        try:  # tell the worker what went wrong in the grader's own set-up
            os.write(write_fd, json.dumps({"internal_error": repr(error)[:500]}).encode())
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


def execute(cells: list[str], support_dir: Path | None, limits: Limits,
            hidden: tuple[Path, ...] = ()) -> Execution:
    """Run a notebook's code cells in a sandbox and return its data, or why there is none."""
    sandbox = make_temp_dir("sandbox")
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    start = time.monotonic()
    pid = -1
    read_fd = -1
    try:
        if support_dir is not None:
            shutil.copytree(support_dir, sandbox, dirs_exist_ok=True)
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            _child(cells, sandbox, limits, write_fd, [Path(p) for p in hidden])
        os.close(write_fd)
        data, wait_status, usage, timed_out = _collect(pid, read_fd, start + limits.timeout_s)
        duration = time.monotonic() - start
        peak_mb = usage.ru_maxrss / 1024
        if timed_out:
            return Execution("timeout", f"still running after {limits.timeout_s:g} s; stopped",
                             None, duration, peak_mb)
        exit_code = os.waitstatus_to_exitcode(wait_status)
        try:
            message = json.loads(data.decode("utf-8"))
            if isinstance(message, dict) and "internal_error" in message and exit_code == 70:
                return Execution("error", f"the sandbox could not start: "
                                 f"{message['internal_error']}", None, duration, peak_mb)
            payload = message["namespace"]
            errors = [str(e) for e in message["errors"]][:50]
            memory_error = bool(message["memory_error"])
            print_options = safe_print_options(message.get("print_options"))
            if not isinstance(payload, str):
                raise TypeError("namespace is not text")
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            if exit_code == -signal.SIGXCPU:
                return Execution("timeout", "used more CPU time than allowed; stopped", None,
                                 duration, peak_mb)
            how = f"signal {-exit_code}" if exit_code < 0 else f"exit code {exit_code}"
            return Execution("crashed", f"the notebook ended its own process ({how}) before "
                             "finishing; nothing could be graded", None, duration, peak_mb)
        if memory_error:
            return Execution("memory-limit", f"a cell needed more than {limits.memory_mb} MB "
                             "and failed; graded on what the notebook produced", payload,
                             duration, peak_mb, errors, print_options)
        reason = f"{len(errors)} cell(s) raised an error: {errors[0]}" if errors else ""
        return Execution("completed", reason, payload, duration, peak_mb, errors, print_options)
    finally:
        if read_fd >= 0:
            os.close(read_fd)
        if pid > 0:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        _kill_new_descendants(before)
        shutil.rmtree(sandbox, ignore_errors=True)


MAX_MESSAGE = 512 * 1024 * 1024


def _collect(pid: int, read_fd: int, deadline: float):
    """Read the child's message while waiting for it to exit, or kill it at the deadline."""
    chunks, size, pipe_open = [], 0, True
    while True:
        if pipe_open:
            ready, _, _ = select.select([read_fd], [], [], 0.05)
            if ready:
                chunk = os.read(read_fd, 1 << 20)
                pipe_open = bool(chunk)
                size += len(chunk)
                if size <= MAX_MESSAGE:
                    chunks.append(chunk)
        else:
            time.sleep(0.01)
        done, wait_status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            os.set_blocking(read_fd, False)
            try:  # what the child wrote just before exiting
                while chunk := os.read(read_fd, 1 << 20):
                    chunks.append(chunk)
            except BlockingIOError:
                pass
            return b"".join(chunks), wait_status, usage, False
        if time.monotonic() > deadline:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _, wait_status, usage = os.wait4(pid, 0)
            return b"", wait_status, usage, True
