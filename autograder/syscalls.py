"""The system calls a submission may not make, enforced by the kernel (seccomp).

A submission's process has already given up every capability and set ``no_new_privs``, so most
of what follows would fail anyway. The filter is the second wall, for what an unprivileged
process can still do and a notebook never needs: make namespaces of its own (a new user
namespace gives it a root of its own, from which mount and network tricks start), trace or
read another process, use the kernel's keyrings (which outlive the process, for the next
submission or the host to find), load BPF programs, or reach the kernel through interfaces
that have a history of holes (io_uring, userfaultfd, perf events).

The filter is built with libseccomp (Debian's ``libseccomp2``, through ``pyseccomp``), once
per worker, and loaded in each submission's process before it receives its notebook; every
process it starts inherits it. A denied call fails with ``EPERM`` (``ENOSYS`` for ``clone3``,
whose flags the kernel cannot show a filter: the C library then falls back to ``clone``,
whose flags are checked).
"""

from __future__ import annotations

import errno

# What a submission may never call. Names this kernel or libseccomp does not know are skipped.
DENIED = (
    # namespaces and mounts: no way out of, or around, its own file system and processes
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "move_mount",
    "open_tree", "fsopen", "fsmount", "fsconfig", "fspick", "mount_setattr",
    # other processes' memory and descriptors
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "process_madvise",
    # the kernel's keyrings outlive the process
    "keyctl", "add_key", "request_key",
    # kernel interfaces a notebook does not need
    "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter",
    "io_uring_register", "kexec_load", "kexec_file_load", "init_module", "finit_module",
    "delete_module", "open_by_handle_at", "name_to_handle_at", "lookup_dcookie", "acct",
    "quotactl", "quotactl_fd", "swapon", "swapoff", "reboot", "syslog", "vhangup",
    "iopl", "ioperm", "personality",
)

# clone's flags that would make a new namespace: mount, cgroup, UTS, IPC, user, PID, network, time
NEW_NAMESPACE_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000,
                       0x20000000, 0x40000000, 0x00000080)


class FilterUnavailable(RuntimeError):
    """libseccomp or its Python binding is missing, or the kernel refused the filter."""


def build_filter(also_denied: tuple[str, ...] = ()):
    """The filter, ready to load: built before forking (it costs a few ms). ``also_denied``:
    calls denied on top of :data:`DENIED` (the scorer may not signal anything)."""
    try:
        import pyseccomp as seccomp
    except (ImportError, RuntimeError) as error:  # RuntimeError: libseccomp not found
        raise FilterUnavailable(
            f"no system-call filter: {error} (needs pyseccomp, and Debian's libseccomp2)"
        ) from error
    syscall_filter = seccomp.SyscallFilter(seccomp.ALLOW)
    denied = seccomp.ERRNO(errno.EPERM)
    for name in DENIED + tuple(also_denied):
        _add(syscall_filter, denied, name)
    for flag in NEW_NAMESPACE_FLAGS:  # rules for one call are alternatives: any flag denies
        _add(syscall_filter, denied, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    _add(syscall_filter, seccomp.ERRNO(errno.ENOSYS), "clone3")
    return syscall_filter


def _add(syscall_filter, action: int, name: str, *args) -> None:
    try:
        syscall_filter.add_rule(action, name, *args)
    except (OSError, RuntimeError, ValueError):  # a call this machine does not have
        pass


def load(syscall_filter) -> None:
    """Apply the filter to this process, for good (it needs ``no_new_privs`` set first)."""
    try:
        syscall_filter.load()
    except OSError as error:
        raise FilterUnavailable(f"the kernel refused the system-call filter: {error}") from error
