"""Who the student's code runs as, and what it can read, when the grader runs as root.

Gradescope runs the autograder as root, so student code run as the grader's user could read
the answer keys, the hidden checks and the results. As root, the grader therefore runs
student code (and an emulator it starts) as an unprivileged *sandbox user* with no
supplementary groups (``p4lab-student``; ``P4LAB_SANDBOX_USER`` names another), created with
``useradd --system`` if it does not exist. One grader at a time uses a sandbox user (a lock
file), because after each check the grader kills every process of that user: a second grader
on the same machine (``--jobs``, or another course's) takes ``p4lab-student-2``, and so on.

Such a user reads only world-readable files, so :func:`protect` makes the grader's secrets
(answer keys, hidden checks, files a lab keeps out of the student export) readable by root
only, and says which it changed. Not as root (a student grading their own work), none of this
applies: the student can read everything of theirs anyway, and their grade is computed again
where the answers are protected.
"""

from __future__ import annotations

import errno
import fcntl
import os
import pwd
import shutil
import stat
import struct
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

SANDBOX_USER_ENV = "P4LAB_SANDBOX_USER"
DEFAULT_SANDBOX_USER = "p4lab-student"
MAX_SANDBOX_USERS = 16


class PrivilegeError(Exception):
    """The grader cannot make the student's code safe to run here (the CLI exits 2)."""


@dataclass
class SandboxUser:
    name: str
    uid: int
    gid: int
    lock: IO[str]  # held while grading: no other grader sweeps this user's processes

    @property
    def ids(self) -> tuple[int, int]:
        return self.uid, self.gid

    def release(self) -> None:
        self.lock.close()


def is_root() -> bool:
    return os.geteuid() == 0


def acquire_sandbox_user(base: str | None = None) -> SandboxUser:
    """A sandbox user no other grader on this machine is using; created if it does not exist."""
    base = base or os.environ.get(SANDBOX_USER_ENV) or DEFAULT_SANDBOX_USER
    for number in range(1, MAX_SANDBOX_USERS + 1):
        name = base if number == 1 else f"{base}-{number}"
        lock = _open_lock(name)  # held open while grading
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            continue
        try:
            entry = _ensure_user(name)
        except PrivilegeError:
            lock.close()
            raise
        if entry.pw_uid == 0:
            lock.close()
            raise PrivilegeError(f"the sandbox user {name} is root: name an unprivileged user in {SANDBOX_USER_ENV}")
        return SandboxUser(name, entry.pw_uid, entry.pw_gid, lock)
    raise PrivilegeError(f"{MAX_SANDBOX_USERS} graders already run here (sandbox users {base} to {base}-{MAX_SANDBOX_USERS})")


def _lock_path(name: str) -> Path:
    return (Path("/run/lock") if Path("/run/lock").is_dir() else Path(tempfile.gettempdir())) / f"p4lab-sandbox-{name}.lock"


def _open_lock(name: str) -> IO[str]:
    """The lock file of a sandbox user: root's own, never through a link someone planted."""
    descriptor = os.open(_lock_path(name), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    if os.fstat(descriptor).st_uid != os.geteuid():
        os.close(descriptor)
        raise PrivilegeError(f"{_lock_path(name)} is not root's: remove it")
    return os.fdopen(descriptor, "r+")


def in_use(name: str) -> bool:
    """Whether a grader holds the sandbox user ``name`` right now."""
    with _open_lock(name) as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
    return False


def _ensure_user(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    useradd = shutil.which("useradd")
    if useradd is None:
        raise PrivilegeError(f"the sandbox user {name} does not exist and useradd is not installed: create it (no login, no groups)")
    result = subprocess.run(
        [useradd, "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", name],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode not in (0, 9):  # 9: created meanwhile by another grader
        raise PrivilegeError(f"cannot create the sandbox user {name}: {result.stderr.strip()}")
    return pwd.getpwnam(name)


def readable_by_others(path: Path) -> bool:
    mode = path.lstat().st_mode
    return bool(mode & (stat.S_IROTH | stat.S_IWOTH | stat.S_IXOTH | stat.S_IRGRP | stat.S_IWGRP | stat.S_IXGRP))


def protect(paths: Iterable[Path]) -> list[Path]:
    """Take group and other permissions off each path (recursively): the owner keeps them, the
    sandbox user (never the owner) loses them. Returns what changed."""
    changed = []
    for top in paths:
        if not top.exists():
            continue
        for path in [top, *(top.rglob("*") if top.is_dir() else [])]:
            if path.is_symlink() or not readable_by_others(path):
                continue
            os.chmod(path, stat.S_IMODE(path.lstat().st_mode) & 0o700)
            changed.append(path)
    return changed


def check_results_folder(path: Path) -> None:
    """As root, refuse a results folder others can write to (student code could replace results.json).

    Student code runs as the sandbox user, so a folder only root can write is safe; so is any
    folder when not root (nothing runs as another user then).
    """
    if not is_root():
        return
    folder = path.parent.resolve()
    while not folder.exists():
        folder = folder.parent
    info = folder.stat()
    if info.st_uid != 0 or info.st_mode & (stat.S_IWOTH | stat.S_IWGRP):
        raise PrivilegeError(f"{folder} is writable by others than root: write results where only the grader can write")
    if path.is_symlink() or (path.exists() and path.lstat().st_uid != 0):
        raise PrivilegeError(f"{path} is not root's own file: remove it first")


# POSIX ACLs as Linux stores them in the system.posix_acl_access attribute (acl(5), no package needed).
_ACL_XATTR = "system.posix_acl_access"
_ACL_VERSION = 2
_USER_OBJ, _USER, _GROUP_OBJ, _MASK, _OTHER = 0x01, 0x02, 0x04, 0x10, 0x20
_NO_ID = 0xFFFFFFFF
_ENTRY = struct.Struct("<HHI")


def _acl_entries(path: Path) -> list[tuple[int, int, int]]:
    try:
        raw = os.getxattr(path, _ACL_XATTR)
    except OSError as error:
        if error.errno not in (errno.ENODATA, errno.EOPNOTSUPP):
            raise
        mode = stat.S_IMODE(path.stat().st_mode)
        return [(_USER_OBJ, mode >> 6 & 7, _NO_ID), (_GROUP_OBJ, mode >> 3 & 7, _NO_ID), (_OTHER, mode & 7, _NO_ID)]
    return [_ENTRY.unpack_from(raw, 4 + i * _ENTRY.size) for i in range((len(raw) - 4) // _ENTRY.size)]


def grant_traversal(path: Path, uid: int) -> None:
    """Let one user pass through the folder ``path`` (execute only: no listing), by an ACL entry."""
    entries = {(tag, ident): perm for tag, perm, ident in _acl_entries(path)}
    entries[(_USER, uid)] = entries.get((_USER, uid), 0) | 1
    group = entries.get((_GROUP_OBJ, _NO_ID), 0)
    entries[(_MASK, _NO_ID)] = entries.get((_MASK, _NO_ID), group) | 1
    raw = struct.pack("<I", _ACL_VERSION) + b"".join(_ENTRY.pack(tag, perm, ident) for (tag, ident), perm in sorted(entries.items()))
    os.setxattr(path, _ACL_XATTR, raw)


def blocking_folders(paths: Iterable[Path], uid: int, gid: int) -> list[Path]:
    """Folders on the way to ``paths`` that the user cannot pass through (by mode bits)."""
    blocked: list[Path] = []
    for target in paths:
        for folder in reversed(Path(os.path.realpath(target)).parents):
            info = folder.stat()
            bits = 0o100 if info.st_uid == uid else 0o010 if info.st_gid == gid else 0o001
            if not info.st_mode & bits and folder not in blocked and not _acl_allows(folder, uid):
                blocked.append(folder)
    return blocked


def _acl_allows(folder: Path, uid: int) -> bool:
    """Whether an ACL entry lets ``uid`` pass (the mask limits it: a chmod can take it away)."""
    entries = {(tag, ident): perm for tag, perm, ident in _acl_entries(folder)}
    return bool(entries.get((_USER, uid), 0) & entries.get((_MASK, _NO_ID), 0) & 1)


def make_reachable(paths: Iterable[Path], sandbox: SandboxUser) -> list[Path]:
    """Let the sandbox user reach the interpreter and the project: traversal of each folder in
    the way (e.g. ``/root`` when Python lives in ``/root/.pyenv``), for that user only."""
    blocked = blocking_folders(paths, sandbox.uid, sandbox.gid)
    for folder in blocked:
        try:
            grant_traversal(folder, sandbox.uid)
        except OSError as error:
            raise PrivilegeError(
                f"the sandbox user {sandbox.name} cannot reach {folder} and an ACL could not be set ({error}): "
                f"install Python and p4lab where other users can read them, or run `chmod o+x {folder}`"
            ) from None
    return blocked


def readable_by(path: Path, uid: int, gid: int) -> bool:
    """Whether the user could read the file ``path`` (its folders by mode bits and ACLs, the file by mode bits)."""
    target = Path(os.path.realpath(path))
    if blocking_folders([target], uid, gid):
        return False
    info = target.stat()
    bits = 0o400 if info.st_uid == uid else 0o040 if info.st_gid == gid else 0o004
    return bool(info.st_mode & bits)
