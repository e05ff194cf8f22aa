"""The drill's own record: what it uploaded, what it broke and when, what it expected to see.

Chaos Toolkit runs every activity of an experiment in one process (background activities in
threads), so the record is a process-wide object guarded by a lock. It is what lets probes
judge *this drill's* uploads and only those (other work may share the stack), and what the
report draws: completions over time with the fault windows shaded.

A fresh process starts with an empty record (``chaos run``); ``p4lab chaos run`` and the tests
call :func:`reset` before each experiment.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

# What a drill upload must end as. The poison drill's unreadable photos fail every delivery until
# the cause is fixed and they are redriven: they too must end DONE.
DONE, FAILED = "DONE", "FAILED"


@dataclass
class Upload:
    image_id: str
    group: str       # healthy, corrupt, unreadable...: how the report and waits select uploads
    expect: str      # DONE or FAILED: the state it must end in for the drill to pass
    name: str
    posted_at: float  # epoch seconds


@dataclass
class Window:
    """A period during which a fault was active (shaded on the timeline)."""

    label: str
    start: float
    end: float | None = None


@dataclass
class Expectation:
    """Something the drill checked on the way (e.g. "the DLQ alarm condition is met")."""

    name: str
    met: bool
    detail: str
    at: float


@dataclass
class Drill:
    id: str = field(default_factory=lambda: secrets.token_hex(3))
    started_at: float = field(default_factory=time.time)
    uploads: dict[str, Upload] = field(default_factory=dict)
    kills: list[dict[str, Any]] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)
    expectations: list[Expectation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def owner(self, group: str) -> str:
        """The uploading user of one group: per drill and group, so a policy can target it."""
        return f"chaos-{self.id}-{group}"


_drill = Drill()
_lock = threading.RLock()
_uploaders = threading.Condition(_lock)
_active_uploaders = 0


def current() -> Drill:
    return _drill


def reset() -> Drill:
    """Start a new, empty record (a new id, hence new upload owners)."""
    global _drill
    with _lock:
        _drill = Drill()
        return _drill


def add_upload(upload: Upload) -> None:
    with _lock:
        _drill.uploads[upload.image_id] = upload


@contextmanager
def uploading() -> Iterator[None]:
    """Mark an upload activity in progress (it may run in the background)."""
    global _active_uploaders
    with _uploaders:
        _active_uploaders += 1
    try:
        yield
    finally:
        with _uploaders:
            _active_uploaders -= 1
            _uploaders.notify_all()


def wait_for_uploaders(timeout_s: float) -> bool:
    """Wait until no upload activity is running, so a wait sees every upload of the drill."""
    with _uploaders:
        return _uploaders.wait_for(lambda: _active_uploaders == 0, timeout=timeout_s)


def uploads(groups: list[str] | None = None) -> list[Upload]:
    with _lock:
        return [u for u in _drill.uploads.values() if groups is None or u.group in groups]


def add_kill(pid: int, detail: str) -> None:
    with _lock:
        _drill.kills.append({"at": time.time(), "pid": pid, "detail": detail})


def open_window(label: str) -> None:
    """Mark the start of a fault; reopening an open window of the same label is a no-op."""
    with _lock:
        if not any(w.label == label and w.end is None for w in _drill.windows):
            _drill.windows.append(Window(label, time.time()))


def close_window(label: str) -> None:
    with _lock:
        for window in _drill.windows:
            if window.label == label and window.end is None:
                window.end = time.time()


def expect(name: str, met: bool, detail: str) -> bool:
    """Record a check made during the method; the steady-state probe counts the broken ones."""
    with _lock:
        _drill.expectations.append(Expectation(name, met, detail, time.time()))
    return met


def note(text: str) -> None:
    with _lock:
        _drill.notes.append(text)


def snapshot() -> dict[str, Any]:
    """The record as plain JSON-able data (it goes into the Chaos Toolkit journal)."""
    with _lock:
        data = asdict(_drill)
    data["uploads"] = list(data["uploads"].values())
    return data
