"""The submission's side: run a notebook where it can do no harm, then answer for its objects.

Why not run the tests in the student's kernel, as otter does: there, student code can read the
hidden tests, rewrite them or patch the test runner, and score full marks from a blank notebook.
Here each submission runs in a process of its own (forked from a warm worker, see
:mod:`autograder.worker`) that holds no tests and no grading results:

* the worker runs in a bubblewrap sandbox whose files are an allow-list
  (:mod:`autograder.containment`); the submission's process then gets its own PID namespace
  (it is process 1 there: it sees only its own processes, and they all die with it), its own
  mount namespace with a fresh ``/proc``, a size-capped ``/tmp`` holding only its folder and a
  size-capped ``/dev/shm``, and gives up every capability (``no_new_privs`` too) before any of
  its code runs;
* address space, file size, CPU time and process count are capped with ``setrlimit``, and
  where the machine has cgroups, memory and processes of the whole submission together
  (:mod:`autograder.cgroups`);
* each cell has a time limit: a cell past it is stopped and counts as a cell that raised, and
  the notebook goes on; the whole notebook's limit is enforced from outside;
* the submission's own code and files arrive over its socket after all of this is in place,
  so the worker never holds a student's work in its memory for the next one to find;
* when the notebook has run, the process sends its global namespace as plain data
  (:mod:`autograder.values`), then answers the tests' requests about the objects that are not
  data (:mod:`autograder.object_server`) until the scorer is done.
"""

from __future__ import annotations

import base64
import ctypes
import os
import resource
import shutil
import signal
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

CLONE_NEWNS, CLONE_NEWIPC = 0x00020000, 0x08000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND = 1, 2, 4, 8, 32, 0x1000
MS_REC, MS_PRIVATE = 0x4000, 1 << 18
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER = 1, 4, 36
PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 24, 38
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
WORKING_FOLDER = "/tmp/submission"
KEPT_IN_TMP = "AUTOGRADER_KEPT_IN_TMP"  # the grader's files under /tmp, bound into each fresh one
# As root, each submission runs as a user of its own, picked at random from this range: no
# other process has it, so nothing kept per user (the kernel's keyrings, process counts)
# is shared with another submission or outlives this one.
SUBMISSION_USERS = range(1_000_000, 2_000_000_000)


def _submission_user() -> int:
    import secrets

    return SUBMISSION_USERS.start + secrets.randbelow(len(SUBMISSION_USERS))
SANDBOX_FAILED = 70  # the exit code of a sandbox whose own set-up failed


@dataclass(frozen=True)
class Limits:
    """What one submission may use."""

    timeout_s: float = 120.0  # the whole notebook, from its first cell to its answers
    memory_mb: int = 1024  # memory of all its processes together, where cgroups allow
    output_mb: int = 50  # the largest file it may write
    cell_timeout_s: float = 30.0  # one cell; past it the cell is stopped and the rest run
    disk_mb: int = 256  # its folder in /tmp, and /dev/shm, each
    processes: int = 32  # processes and threads it may start

    def to_data(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Execution:
    """What running one submission produced."""

    status: str  # completed | timeout | memory-limit | crashed | error
    reason: str
    payload: dict | None = None
    duration_s: float = 0.0
    peak_memory_mb: float = 0.0
    cell_errors: list[str] = field(default_factory=list)
    modules: list = field(default_factory=list)  # the library submodules the notebook loaded
    results: dict | None = None  # question results as data, once scored
    draws: list = field(default_factory=list)  # generated tables the tests drew


def import_data_stack() -> None:
    """Import numpy, pandas and matplotlib (without a display) once, in a process that then
    forks: each fork starts with them (importing pyplot costs a good part of a second)."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401
    import numpy  # noqa: F401
    import pandas  # noqa: F401

    import learner_tools  # noqa: F401


_SYSCALL_FILTER = None  # built once per worker, loaded in each submission's process


def prepare_worker() -> None:
    """Import what notebooks use once, before forking, build the system-call filter, and
    adopt orphaned descendants."""
    global _SYSCALL_FILTER
    from autograder import syscalls

    try:
        _SYSCALL_FILTER = syscalls.build_filter()
    except syscalls.FilterUnavailable:  # a contained submission then refuses to start
        _SYSCALL_FILTER = None
    import_data_stack()
    import IPython.core.interactiveshell  # noqa: F401
    import otter.check.notebook  # noqa: F401

    import autograder.object_server  # noqa: F401
    import autograder.otter_compat  # noqa: F401
    import learner_tools
    import learner_tools.contrast  # noqa: F401
    import learner_tools.explorers  # noqa: F401
    import learner_tools.flow  # noqa: F401

    try:  # read the course's tables once; every forked submission then gets them from memory
        learner_tools.load_service_inventory(clean=True)
        for name in learner_tools.list_datasets()["name"]:
            learner_tools.load_dataset(name)
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


def _drop_capabilities(libc) -> None:
    """Give up every capability, for good: without them the process can no longer undo its
    mounts, enter another namespace, trace a process, change root or regain privileges by
    running a set-user-ID program."""

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


def _mount(libc, source: str, target: str, kind: str | None, flags: int, data: str) -> None:
    if libc.mount(source.encode(), target.encode(), kind.encode() if kind else None, flags,
                  data.encode() if data else None) != 0:
        raise OSError(ctypes.get_errno(), f"could not mount {target}")


# statvfs's flags for the mount options a remount must keep, with mount's for each.
_KEPT_OPTIONS = ((os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC),
                 (os.ST_NOATIME, 1 << 10), (os.ST_NODIRATIME, 1 << 11),
                 (os.ST_RELATIME, 1 << 21))


def _remount_read_only(libc, path: str) -> None:
    """Make the mount at ``path`` read-only (and nosuid) in this mount namespace, keeping its
    other options: in a user namespace (an ordinary user's sandbox) the kernel refuses a
    remount that would drop an option the mount was given outside it."""
    present = os.statvfs(path).f_flag
    flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID
    for option, flag in _KEPT_OPTIONS:
        if present & option:
            flags |= flag
    _mount(libc, "none", path, None, flags, "")


def enter_own_namespaces(libc, contained: bool) -> bool:
    """In the worker's child, before it forks the submission's process: new PID and mount
    namespaces, so that the next child is process 1 of its own. Network too, when the worker
    is not already without one. Returns whether it worked (it must, when ``contained``)."""
    # IPC too: System V shared memory and message queues would outlive a submission in the
    # worker's namespace, for the next one to read, and hold memory no limit counts.
    flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | (0 if contained else CLONE_NEWNET)
    if libc.unshare(flags) == 0:
        return True
    if contained:
        raise OSError(ctypes.get_errno(), "could not make the submission's namespaces")
    return False


def fresh_tmp(libc, options: str, kept: list[str]) -> None:
    """An empty tmpfs at /tmp (``options``: its size, mode, owner), in this mount namespace.

    The grader's own files may live under /tmp (a clone of the project there, say, with its
    virtual environment): those in ``kept`` are taken from the old /tmp before the fresh one
    hides it, and bound into it again, read-only."""
    old_tmp = os.open("/tmp", os.O_PATH | os.O_DIRECTORY) if kept else None
    _mount(libc, "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, options)
    for path in kept:
        os.makedirs(path, mode=0o755, exist_ok=True)
        _mount(libc, f"/proc/self/fd/{old_tmp}/{os.path.relpath(path, '/tmp')}", path,
               None, MS_BIND | MS_REC, "")
        _remount_read_only(libc, path)
    if old_tmp is not None:
        os.close(old_tmp)


def _own_file_systems(libc, limits: Limits, user: int | None) -> None:
    """In the submission's process, process 1 of its namespaces: its own /proc (showing only
    its processes), and empty, size-capped /tmp and /dev/shm, gone when it ends."""
    _mount(libc, "none", "/", None, MS_REC | MS_PRIVATE, "")
    _mount(libc, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "")
    owner = f",uid={user},gid={user}" if user is not None else ""
    size = f"size={limits.disk_mb}m"
    fresh_tmp(libc, f"{size},mode=0755{owner}",
              [path for path in os.environ.get(KEPT_IN_TMP, "").split(os.pathsep) if path])
    # The worker's /dev is shared by every submission it runs: read-only here (its devices
    # still work), with a /dev/shm of the submission's own.
    _remount_read_only(libc, "/dev")
    if os.path.isdir("/dev/shm"):
        _mount(libc, "tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV,
               f"{size},mode=1777")


def become_unprivileged(libc, user: int) -> None:
    """As root (the grader runs as root, without a user namespace): become the submission's
    own user for good, so that nothing owned by root (``/proc/sys`` among it) is its."""
    os.setgroups([])
    os.setresgid(user, user, user)
    os.setresuid(user, user, user)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # changing user cleared it


def _set_limits(limits: Limits) -> None:
    address_space = virtual_memory_bytes() + limits.memory_mb * 1024 * 1024
    cpu = 2 * int(limits.timeout_s) + 5  # the notebook's time, then the tests' calls
    output = limits.output_mb * 1024 * 1024
    for which, value in ((resource.RLIMIT_AS, address_space), (resource.RLIMIT_FSIZE, output),
                         (resource.RLIMIT_CPU, cpu), (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(which, (value, value))
    try:  # counted per user: the submission's own (as root), or those of the sandbox's user
        # namespace (as an ordinary user), with ours
        processes = len(os.listdir("/proc/self/task")) + limits.processes
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    except (OSError, ValueError):
        pass


def virtual_memory_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def _place_files(folder: Path, files: dict[str, str], support: str | None) -> None:
    """The student's handed-in files (never outside the folder), then the assignment's
    support files, which win where both have a file of the same name, as under otter run."""
    root = folder.resolve()
    for relative, encoded in files.items():
        target = (root / PurePosixPath(str(relative))).resolve()
        if root not in target.parents:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(base64.b64decode(encoded))
    if support and os.path.isdir(support):
        shutil.copytree(support, root, dirs_exist_ok=True)


class CellTimeout(BaseException):
    """Raised in a cell that ran past its time limit (a BaseException, as KeyboardInterrupt
    is, so that a student's ``except Exception`` does not swallow it)."""


def excerpt(text: str, limit: int = 160) -> str:
    """At most ``limit`` printable characters of something a submission wrote."""
    text = "".join(c if c.isprintable() else " " for c in str(text))
    return text if len(text) <= limit else text[:limit - 1] + "…"


def init_process(report_fd: int, sock_fd: int, limits: Limits, contained: bool) -> None:
    """Process 1 of the submission's namespaces: set up its file systems, start the
    submission's process, wait for it and report how it ended. Never returns.

    A process 1 ignores the signals its own namespace sends it, so the submission's code runs
    in a second process, which ends like any other when it kills itself; this one cannot be
    signalled or traced by it (it is not dumpable), and when it ends, the kernel ends every
    process of the namespace."""
    import json

    status = 0
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if contained:
            if os.getpid() != 1:
                raise OSError("the submission's process is not alone in its namespace")
            user = _submission_user() if os.getuid() == 0 else None
            _own_file_systems(libc, limits, user)
            folder = WORKING_FOLDER
        else:  # unsafe: a folder of its own in the machine's /tmp, removed after
            import tempfile

            folder, user = tempfile.mkdtemp(prefix="autograder-sandbox-"), None
        pid = os.fork()
        if pid == 0:
            os.close(report_fd)
            run_submission(sock_fd, limits, folder, user, contained)
        os.close(sock_fd)
        libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
        _drop_capabilities(libc)
        stopped = None
        while True:  # process 1 also collects every orphan of the namespace
            done, wait_status, usage = os.wait4(-1, os.WUNTRACED)
            if done == pid and os.WIFSTOPPED(wait_status):
                # Only the submission can have stopped itself (nothing else can signal it),
                # and nothing will start it again: it ends now, not at the time limit, with
                # this process (the kernel then ends every process of the namespace).
                stopped = os.WSTOPSIG(wait_status)
                break
            if done == pid:
                break
        report = {"exit": -stopped if stopped else os.waitstatus_to_exitcode(wait_status),
                  "peak_mb": usage.ru_maxrss / 1024, "stopped": stopped}
        if not contained:
            shutil.rmtree(folder, ignore_errors=True)
    except BaseException as error:  # noqa: BLE001
        status, report = 1, {"setup_error": repr(error)[:300]}
    try:
        os.write(report_fd, json.dumps(report).encode() + b"\n")
    finally:
        os._exit(status)


def run_submission(sock_fd: int, limits: Limits, working_folder: str,
                   user: int | None, contained: bool) -> None:
    """The submission's process, from set-up to the end of the tests. Never returns.

    Exit code :data:`SANDBOX_FAILED` before the "ready" message means the grader's set-up
    failed; anything after "ready" is the submission's doing."""
    status = 0
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        with open("/proc/self/oom_score_adj", "w") as adjust:  # over its memory, it goes first
            adjust.write("1000")
        os.closerange(3, sock_fd)
        os.closerange(sock_fd + 1, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
        folder = Path(working_folder)
        folder.mkdir(parents=True, exist_ok=True)
        if user is not None:
            os.chown(folder, user, user)  # it becomes that user below
        for variable, sub in (("HOME", ""), ("IPYTHONDIR", ".ipython"),
                              ("MPLCONFIGDIR", ".matplotlib")):
            os.environ[variable] = str(folder / sub)
        os.environ.pop("PYTHONSTARTUP", None)
        os.environ["USER"] = os.environ["LOGNAME"] = "student"  # a user with no name
        os.chdir(folder)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        _set_limits(limits)
        for capability in range(64):  # the bounding set, while it may still be changed
            libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)
        if user is not None:
            become_unprivileged(libc, user)
        _drop_capabilities(libc)
        _filter_system_calls(contained)

        import socket

        from autograder.channel import Channel

        channel = Channel(socket.socket(fileno=sock_fd))
        channel.send({"ready": True})
    except BaseException:  # noqa: BLE001 - the grader's set-up failed: no student code ran
        os._exit(SANDBOX_FAILED)
    try:
        job = channel.receive()
        _place_files(folder, job["files"], os.environ.get("AUTOGRADER_SUPPORT"))
        _run_notebook(channel, job["cells"], job["quiet"], limits)
    except BaseException:  # noqa: BLE001 - whatever happens, the process exits here
        status = 1
    finally:
        os._exit(status)


def _filter_system_calls(contained: bool) -> None:
    """Load the worker's system-call filter (:mod:`autograder.syscalls`): required when
    contained, applied when it can be otherwise."""
    from autograder import syscalls

    if _SYSCALL_FILTER is None:
        if contained:
            raise syscalls.FilterUnavailable("the worker has no system-call filter")
        return
    syscalls.load(_SYSCALL_FILTER)


def _on_cell_timeout(signum, frame):
    raise CellTimeout


def _run_notebook(channel, cells: list[str], quiet: list[bool], limits: Limits) -> None:
    import builtins
    import sys

    import otter
    import otter.check.notebook
    from traitlets.config import Config

    from autograder.object_server import AnswerEncoder, HandleTable, serve
    from autograder.otter_compat import (
        loaded_library_modules,
        notebook_stand_in,
        numpy_print_options,
        pandas_display_options,
    )

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
    sys.path.insert(0, "")  # as in a Jupyter kernel: the notebook's folder is importable
    original_builtins = dict(builtins.__dict__)
    errors, memory_error, stopped = [], False, 0
    for number, source in enumerate(cells, start=1):
        signal.signal(signal.SIGALRM, _on_cell_timeout)
        signal.setitimer(signal.ITIMER_REAL, limits.cell_timeout_s)
        try:
            result = shell.run_cell(source, store_history=False)
        except CellTimeout as timeout:  # it fired in IPython's own code, around the cell
            result = None
            error: BaseException | None = timeout
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if result is not None:
            error = result.error_in_exec or result.error_before_exec
        if error is None:
            continue
        memory_error |= isinstance(error, MemoryError)
        if isinstance(error, CellTimeout):
            stopped += 1
            message = f"code cell {number}: stopped after {limits.cell_timeout_s:g} s"
        else:
            message = f"code cell {number}: {type(error).__name__}: {excerpt(error)}"
        if not (number <= len(quiet) and quiet[number - 1]) or isinstance(error, CellTimeout):
            errors.append(excerpt(message, 240))
    # Undo any patching of builtins, so the answers are read the same way for everyone.
    builtins.__dict__.clear()
    builtins.__dict__.update(original_builtins)
    final = encoder.namespace(answers())
    channel.send({"namespace": final | {"values": encoder.values}, "checked": checked,
                  "errors": errors[:50], "memory_error": memory_error,
                  "stopped_cells": stopped, "print_options": numpy_print_options(),
                  "display_options": pandas_display_options(),
                  "modules": loaded_library_modules()})
    serve(channel, table)
