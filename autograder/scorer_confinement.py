"""The scorer's own walls: what a scorer (forked from the grader for one submission) may do.

The scorer runs the instructor's tests against a submission's answers. Those answers are data
it rebuilds itself, and stand-ins (:mod:`autograder.proxies`) for what stays in the sandbox;
nothing the sandbox sends is executed. This is the second wall, for a bug in that first one:
before it reads anything from the sandbox, a scorer

- gets mount and network namespaces of its own: every file system read-only, a fresh
  ``/tmp`` (the tests' scratch space, gone with it) holding its own copy of the assignment's
  support files, and no network;
- gives up every capability, sets ``no_new_privs``;
- loads the submission's system-call filter (:mod:`autograder.syscalls`), and may not signal
  any process: the grader and the other scorers share its user.

As root, the namespaces need nothing more; as an ordinary user, a user namespace mapping that
user alone gives the right to make them.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
from pathlib import Path

from autograder import syscalls
from autograder.containment import allowed_paths_in_tmp
from autograder.sandbox import (
    CLONE_NEWNET,
    CLONE_NEWNS,
    MS_NODEV,
    MS_NOSUID,
    MS_PRIVATE,
    MS_REC,
    _drop_capabilities,
    _mount,
    _remount_read_only,
    fresh_tmp,
)

CLONE_NEWUSER = 0x10000000
AT_FDCWD, AT_RECURSIVE, MOUNT_ATTR_RDONLY = -100, 0x8000, 0x1
SYS_MOUNT_SETATTR = 442  # x86-64 and arm64 alike
SIGNALS = ("kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
           "pidfd_send_signal")

_FILTER = None  # built once in the grader, loaded by each scorer


class ScorerNotConfined(RuntimeError):
    """The machine would not give a scorer its walls."""


def prepare() -> None:
    """In the grader, before any scorer is forked: build the filter once."""
    global _FILTER
    if _FILTER is None:
        _FILTER = syscalls.build_filter(also_denied=SIGNALS)


def confine(support_dir: Path | None, scratch_mb: int) -> None:
    """Raise the walls, in the scorer's process, before it reads the sandbox's answers."""
    libc = ctypes.CDLL(None, use_errno=True)
    uid, gid = os.geteuid(), os.getegid()
    flags = CLONE_NEWNS | CLONE_NEWNET | (CLONE_NEWUSER if uid != 0 else 0)
    if libc.unshare(flags) != 0:
        raise ScorerNotConfined(f"no namespaces for the scorer: {os.strerror(ctypes.get_errno())}")
    if uid != 0:  # the user namespace's only user is this one
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
        Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
    _mount(libc, "none", "/", None, MS_REC | MS_PRIVATE, "")
    support = os.open(support_dir, os.O_PATH | os.O_DIRECTORY) if support_dir else None
    _every_mount_read_only(libc)
    # The grader's files under /tmp (its interpreter, a clone of the project) stay in sight.
    fresh_tmp(libc, f"size={scratch_mb}m,mode=0700", allowed_paths_in_tmp())
    if support_dir is not None:
        if Path("/tmp") in Path(support_dir).parents:
            os.makedirs(support_dir, mode=0o755)
        else:
            _mount(libc, "tmpfs", str(support_dir), "tmpfs", MS_NOSUID | MS_NODEV,
                   f"size={scratch_mb}m,mode=0755")
        shutil.copytree(f"/proc/self/fd/{support}", support_dir, dirs_exist_ok=True)
        os.close(support)
        os.chdir(support_dir)
    else:
        os.chdir("/tmp")
    _drop_capabilities(libc)
    if _FILTER is None:
        raise ScorerNotConfined("the scorer's system-call filter was not built")
    syscalls.load(_FILTER)


def _every_mount_read_only(libc) -> None:
    """Every mount of this namespace read-only: at once where the kernel has mount_setattr
    (5.12 and later), else one by one."""
    attributes = (ctypes.c_uint64 * 4)(MOUNT_ATTR_RDONLY, 0, 0, 0)
    if libc.syscall(SYS_MOUNT_SETATTR, AT_FDCWD, b"/", AT_RECURSIVE,
                    ctypes.byref(attributes), ctypes.sizeof(attributes)) == 0:
        return
    if ctypes.get_errno() not in (errno.ENOSYS, errno.EINVAL):
        raise ScorerNotConfined(f"mount_setattr: {os.strerror(ctypes.get_errno())}")
    points = [line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines()]
    for point in sorted(set(points), key=len):
        try:
            _remount_read_only(libc, point)
        except OSError as error:
            if os.path.exists(point):
                raise ScorerNotConfined(f"could not make {point} read-only: {error}") from None
