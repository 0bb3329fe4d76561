"""A cgroup per grading worker: one memory and process budget for all of a submission's
processes together (its files in ``/tmp`` and ``/dev/shm`` count too, being memory), and an
equal share of the processors.

``setrlimit`` caps each process on its own, so four forked helpers could hold four times the
limit; a cgroup counts them together. cgroup v1's ``memory`` and ``pids`` controllers are
used where this process may create groups (root, as on this project's machines); elsewhere
:func:`cgroup_root` is None and the grader says so (``autograder doctor``).

The ``cpu`` controller, where there is one, gives each worker the same share of the
processors however many processes its submission starts. Without it the kernel shares time
between sessions (autogroup): a submission whose 31 children each called ``setsid`` took 31
shares to the neighbour's one, and the neighbour's honest cell ran past its time limit.
"""

from __future__ import annotations

import os
from pathlib import Path

V1 = Path("/sys/fs/cgroup")


def _own_v1_group(controller: str) -> Path | None:
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            if controller in controllers.split(","):
                return V1 / controller / path.lstrip("/")
    except (OSError, ValueError):
        pass
    return None


def cgroup_root() -> str | None:
    """The memory cgroup new worker groups go under, if this process may make them."""
    memory, pids = _own_v1_group("memory"), _own_v1_group("pids")
    if memory is None or pids is None:
        return None
    probe = f"autograder-probe-{os.getpid()}"
    try:
        for parent in (memory, pids):
            (parent / probe).mkdir()
            (parent / probe).rmdir()
    except OSError:
        return None
    return str(memory)


def cpu_shared() -> bool:
    """Whether workers' groups get an equal share of the processors (the cpu controller)."""
    cpu = _own_v1_group("cpu")
    return cgroup_root() is not None and cpu is not None and cpu.is_dir()


class WorkerCgroup:
    """The memory, pids (and cpu) groups of one worker, created empty and removed at the
    end."""

    def __init__(self, name: str) -> None:
        memory, pids, cpu = (_own_v1_group(c) for c in ("memory", "pids", "cpu"))
        assert memory is not None and pids is not None
        self.memory, self.pids = memory / name, pids / name
        self.cpu = cpu / name if cpu is not None and cpu.is_dir() else None
        for folder in self.folders():
            folder.mkdir(exist_ok=True)

    def folders(self) -> list[Path]:
        return [self.memory, self.pids] + ([self.cpu] if self.cpu is not None else [])

    @classmethod
    def create(cls, name: str) -> WorkerCgroup | None:
        if cgroup_root() is None:
            return None
        try:
            return cls(name)
        except OSError:
            return None

    def join(self) -> None:
        """Put the calling process in the groups (run in the worker, before it starts)."""
        for folder in self.folders():
            (folder / "cgroup.procs").write_text(str(os.getpid()))

    def _read(self, folder: Path, name: str) -> str:
        return (folder / name).read_text()

    def memory_used(self) -> int:
        return int(self._read(self.memory, "memory.usage_in_bytes"))

    def processes(self) -> int:
        return int(self._read(self.pids, "pids.current"))

    def oom_kills(self) -> int:
        """How many processes the kernel has killed for going over the memory limit (0 on
        kernels older than 4.13, which do not count them: a killed submission is then
        ``crashed``, not ``memory-limit``; ``memory.failcnt`` would count every time the
        limit was reached, even when the kernel reclaimed enough)."""
        for line in self._read(self.memory, "memory.oom_control").splitlines():
            if line.startswith("oom_kill "):
                return int(line.split()[1])
        return 0

    def limit(self, extra_memory: int, extra_processes: int) -> None:
        """Allow what the worker now uses, plus this much for the next submission."""
        memory = self.memory_used() + extra_memory
        # memsw (memory and swap) may never be below memory alone, whichever way the limit
        # moves, so both are written twice; memsw is absent where swap accounting is off.
        for name in ("memory.limit_in_bytes", "memory.memsw.limit_in_bytes") * 2:
            try:
                (self.memory / name).write_text(str(memory))
            except OSError:
                pass
        (self.pids / "pids.max").write_text(str(self.processes() + extra_processes))

    def remove(self) -> None:
        for folder in self.folders():
            try:
                folder.rmdir()
            except OSError:
                pass
