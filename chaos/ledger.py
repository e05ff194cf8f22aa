"""Every setting a drill changes, with its value before the drill, kept on disk until restored.

A rollback must put back what was there, not what the template says (the stack may have been
deployed with other parameters), and it must still be possible after a crash or a Ctrl-C in
the middle of a drill: ``p4lab chaos restore`` replays whatever is left here. The first
recorded original wins, so applying a fault twice never makes the fault look like the original.

Each module that changes something registers how to put it back::

    @ledger.restorer("reserved_concurrency")
    def _restore(stack, resource, original): ...
"""

from __future__ import annotations

import importlib
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chaos.context import Stack
from reference import emulator

Restorer = Callable[[Stack, str, Any], None]
_restorers: dict[str, Restorer] = {}
_lock = threading.Lock()


def _path() -> Path:
    return emulator.state_dir() / "chaos-ledger.json"


def _scope(stack: Stack) -> str:
    return f"{stack.target.name.value}|{stack.target.endpoint_url or ''}|{stack.name}"


def _load() -> dict[str, dict[str, Any]]:
    try:
        return json.loads(_path().read_text())
    except (OSError, ValueError):
        return {}


def _save(entries: dict[str, dict[str, Any]]) -> None:
    path = _path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(entries, indent=2))


def restorer(kind: str) -> Callable[[Restorer], Restorer]:
    def register(function: Restorer) -> Restorer:
        _restorers[kind] = function
        return function

    return register


def remember(stack: Stack, kind: str, resource: str, original: Any) -> None:
    """Record ``original`` before changing ``resource``, unless a drill already did."""
    key = f"{_scope(stack)}|{kind}|{resource}"
    with _lock:
        entries = _load()
        module = _restorers[kind].__module__  # imported again by `p4lab chaos restore`
        entries.setdefault(key, {"kind": kind, "resource": resource, "original": original, "module": module})
        _save(entries)


def restore(stack: Stack, kind: str, resource: str | None = None) -> int:
    """Put back every recorded ``kind`` (optionally one resource) of this stack; returns how many."""
    prefix = f"{_scope(stack)}|{kind}|"
    with _lock:
        entries = _load()
        keys = [k for k in entries if k.startswith(prefix) and (resource is None or k == prefix + resource)]
        for key in keys:
            entry = entries[key]
            importlib.import_module(entry["module"])  # registers its restorers
            _restorers[entry["kind"]](stack, entry["resource"], entry["original"])
            del entries[key]
            _save(entries)
    return len(keys)


def restore_all(stack: Stack) -> list[str]:
    """Restore everything any drill left changed on this stack; returns what was restored."""
    scope = _scope(stack) + "|"
    restored = []
    for key, entry in list(_load().items()):
        if key.startswith(scope):
            restore(stack, entry["kind"], entry["resource"])
            restored.append(f"{entry['kind']} {entry['resource']}")
    return restored


def pending(stack: Stack) -> list[dict[str, Any]]:
    scope = _scope(stack) + "|"
    return [entry for key, entry in _load().items() if key.startswith(scope)]
