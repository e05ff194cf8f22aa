"""Nothing the student starts outlives its check: find every process it started, and kill it.

A process that forks twice and calls ``setsid`` leaves its parent's process group and, once the
middle process exits, its parent too: killing a process group or a parent's children misses
it. Linux offers the fix: a *child subreaper* (``prctl(PR_SET_CHILD_SUBREAPER)``) adopts every
orphan below it instead of init. The grader and each check process are subreapers, so every
process started below them stays below them, and :func:`sweep` kills, until a scan finds
none: every descendant of a process, every new child of ours (adopted orphans included), and
as root every process of the sandbox user, except the processes we keep (the emulator).

Limitations: Linux only (``/proc`` and ``prctl``); ``grade`` refuses untrusted code elsewhere.
A process could escape by asking a daemon to start it (cron, systemd): the sandbox user is
not allowed to, on Gradescope's image and ours.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import psutil

PR_SET_CHILD_SUBREAPER = 36
MAX_ROUNDS = 200  # a fork bomb under RLIMIT_NPROC dies in a few rounds; this bounds a pathological one


def supported() -> bool:
    return sys.platform.startswith("linux")


def set_subreaper(on: bool = True) -> None:
    """Adopt (or stop adopting) every orphan of our descendants (Linux 3.4+)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


def children(pid: int | None = None) -> set[int]:
    """The pids of the direct children of ``pid`` (default: us)."""
    try:
        return {child.pid for child in psutil.Process(pid or os.getpid()).children()}
    except psutil.NoSuchProcess:
        return set()


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _uid_processes(uid: int, spare_groups: set[int]) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["uids"]):
        try:
            if process.info["uids"] and process.info["uids"].real == uid and os.getpgid(process.pid) not in spare_groups:
                found.append(process)
        except (psutil.NoSuchProcess, ProcessLookupError):
            continue
    return found


def _kill(processes: Iterable[psutil.Process]) -> int:
    count = 0
    for process in processes:
        try:
            if process.status() != psutil.STATUS_ZOMBIE:
                process.send_signal(signal.SIGKILL)
                count += 1
        except psutil.NoSuchProcess:
            continue
    return count


def _reap(pids: Iterable[int]) -> None:
    """Collect the exit status of killed children of ours, so they do not linger as zombies."""
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue


def kill_tree(pid: int, *, include_root: bool = True) -> None:
    """SIGKILL ``pid``'s descendants (and ``pid``), scanning again until none is left."""
    for _ in range(MAX_ROUNDS):
        found = _descendants(pid)
        alive = [p for p in found if _alive(p)]
        if not alive:
            break
        _kill(alive)
        _reap(p.pid for p in alive)
        time.sleep(0.001)
    if include_root:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def sweep(keep: set[int], *, uid: int | None = None, spare_groups: frozenset[int] = frozenset()) -> int:
    """Kill our children not in ``keep`` with all their descendants, and (``uid``) every process of
    that user outside ``spare_groups``; scan again until a scan finds nothing. Returns how many
    processes were killed."""
    killed = 0
    for _ in range(MAX_ROUNDS):
        strays = children() - keep
        targets: dict[int, psutil.Process] = {}
        for pid in strays:
            for process in [*_descendants(pid), _process(pid)]:
                if process is not None:
                    targets[process.pid] = process
        if uid is not None:
            targets.update({p.pid: p for p in _uid_processes(uid, set(spare_groups))})
        alive = [p for p in targets.values() if _alive(p)]
        _reap(strays)
        if not alive:
            return killed
        killed += _kill(alive)
        time.sleep(0.002)
    raise RuntimeError(f"processes kept appearing after {MAX_ROUNDS} rounds of killing")


def remaining(uid: int, spare_groups: frozenset[int] = frozenset()) -> list[int]:
    """Pids of the user's processes still alive outside ``spare_groups`` (should be none)."""
    return [p.pid for p in _uid_processes(uid, set(spare_groups)) if _alive(p)]


def running(pid: int) -> bool:
    """Whether ``pid`` can still run (not gone, not a zombie)."""
    process = _process(pid)
    return process is not None and _alive(process)


def _threads_running(pid: int) -> bool:
    """Whether any thread of ``pid`` is not dead (Linux: ``/proc/PID/task/TID/stat``'s state)."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:  # gone meanwhile
        return False
    for task in tasks:
        try:
            state = (task / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in ("Z", "X"):
            return True
    return False


def _process(pid: int) -> psutil.Process | None:
    try:
        return psutil.Process(pid)
    except psutil.NoSuchProcess:
        return None


def _alive(process: psutil.Process) -> bool:
    """Running, or a zombie leader whose other threads still run (its main thread exited alone)."""
    try:
        return process.is_running() and (process.status() != psutil.STATUS_ZOMBIE or _threads_running(process.pid))
    except psutil.NoSuchProcess:
        return False
