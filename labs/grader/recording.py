"""Answer keys without the answer code: recorded outputs, replayed in the student export.

Checks compare the student's output with ``sub.answer(...)``'s on inputs drawn from
``sub.rng``. The student export has no ``solution/`` folder, yet its public checks must still
give feedback. So ``p4lab labs export --student`` grades each lab with its answer key for a
few seeds in *record* mode: every call a check makes to the answer key is written down as
``(module, function, arguments) -> result``, in data only, into ``labNN-name/answers.json``.
In the student export the grader draws its seed from the recorded ones and *replays*: the same
seed gives the same inputs, hence the same calls, answered from the table.

What this costs the student: nothing locally (any recorded seed, ``--seed`` among them).
What it gives away: the answer key's outputs on a handful of inputs, which the public checks'
failure messages show anyway. A lookup table built from it earns nothing where grades count:
Gradescope grades with fresh seeds and the real answer key.

Rules for check authors (enforced by replay failing loudly): call answer-key functions with
data only, and let their arguments depend on ``sub.rng`` alone, not on the student's output.
Results are data too, or records made of data: a ``NamedTuple`` or a dataclass instance is
replayed as one of the same name and fields (``parse(body)[0].key`` works in both places).
"""

from __future__ import annotations

import collections
import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from labs.grader.answers import FolderAnswers
from labs.grader.values import Json, decode, encode

ANSWERS_FILE = "answers.json"
RECORD_SEEDS = tuple(range(1, 9))  # eight runs of each lab's checks with the answer key


class AnswerNotRecorded(LookupError):
    """The student export has no recorded answer for this call (a check author's mistake, or an unrecorded seed)."""


def _key(module: str, name: str, args: tuple, kwargs: dict[str, Any]) -> str:
    return json.dumps([module, name, encode(list(args)), encode(dict(sorted(kwargs.items())))], sort_keys=True, ensure_ascii=False)


def _record(value: Any) -> Json:
    """An answer key's record (a NamedTuple, a dataclass instance) by its type's name and fields."""
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        fields, kind = dict(zip(value._fields, value, strict=True)), "tuple"
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields, kind = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}, "class"
    else:
        raise TypeError(f"the answer key returned a {type(value).__name__}: only data and records (NamedTuple, dataclass) are recorded")
    return {"$": "rec", "type": type(value).__name__, "kind": kind, "v": encode(fields, _record)}


def _replayed_record(wire: dict[str, Any], again: Any) -> Any:
    """A record as recorded: a namedtuple, or a frozen dataclass, of the same name and fields."""
    fields = again(wire["v"])
    names = [str(name) for name in fields]
    if wire["kind"] == "tuple":
        return collections.namedtuple(str(wire["type"]), names)(**fields)  # noqa: PYI024  (built from the recording)
    return dataclasses.make_dataclass(str(wire["type"]), names, frozen=True)(**fields)


class _Recorded:
    """One module of the answer key, each attribute read or call appended to a log."""

    def __init__(self, name: str, module: Any, log: Path) -> None:
        self._name, self._module, self._log = name, module, log

    def __getattr__(self, attribute: str) -> Any:
        value = getattr(self._module, attribute)
        if not callable(value):
            self._write(_key(self._name, attribute, (), {}) + "#value", value)
            return value

        def call(*args: Any, **kwargs: Any) -> Any:
            result = value(*args, **kwargs)
            self._write(_key(self._name, attribute, args, kwargs), result)
            return result

        return call

    def _write(self, key: str, result: Any) -> None:
        line = json.dumps({"key": key, "result": encode(result, _record)}, ensure_ascii=False) + "\n"
        with open(self._log, "a", encoding="utf-8") as log:  # one write per line: check processes append side by side
            log.write(line)


class RecordingAnswers(FolderAnswers):
    """The real answer key, with every use by a check written to ``log`` (JSON lines)."""

    def __init__(self, folder: Path, log: Path) -> None:
        super().__init__(folder)
        self.log = log

    def module(self, name: str) -> Any:
        return _Recorded(name, super().module(name), self.log)


_REPLAY_TAGS = {"rec": _replayed_record}


class _Replayed:
    def __init__(self, name: str, table: dict[str, Any], seed: int) -> None:
        self._name, self._table, self._seed = name, table, seed

    def __getattr__(self, attribute: str) -> Any:
        constant = _key(self._name, attribute, (), {}) + "#value"
        if constant in self._table:
            return decode(self._table[constant], _REPLAY_TAGS)

        def call(*args: Any, **kwargs: Any) -> Any:
            key = _key(self._name, attribute, args, kwargs)
            if key not in self._table:
                raise AnswerNotRecorded(
                    f"the student export has no recorded answer for {self._name}.{attribute}{tuple(args)!r} (seed {self._seed}); "
                    "this check cannot be graded here: your instructor's autograder grades it"
                )
            return decode(self._table[key], _REPLAY_TAGS)

        return call


class ReplayedAnswers:
    """Answers recorded by the export (``answers.json``), for the seeds it recorded."""

    def __init__(self, path: Path) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        self.seeds: list[int] = data["seeds"]
        self._table: dict[str, Any] = data["calls"]
        self.seed = self.seeds[0]

    def module(self, name: str) -> Any:
        return _Replayed(name, self._table, self.seed)


def uses_answers(lab_folder: Path) -> bool:
    """Whether a lab's checks call ``sub.answer`` (only those are recorded)."""
    return any(".answer(" in path.read_text(encoding="utf-8") for path in [lab_folder / "checks.py"] if path.exists())


def record(lab: Any, seeds: tuple[int, ...] = RECORD_SEEDS, emulator: Any = None) -> dict[str, Any]:
    """Grade ``lab``'s answer key once per seed in record mode; the table for ``answers.json``."""
    import tempfile

    from labs.grader.grading import grade

    calls: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="p4lab-record-") as folder:
        log = Path(folder) / "calls.jsonl"
        log.touch()
        os.chmod(folder, 0o700)
        for seed in seeds:
            answers = RecordingAnswers(lab.solution_folder, log)
            report = grade(lab, lab.solution_folder, emulator=emulator, seed=seed, answers=answers, public_only=True)
            failed = [o.name for o in report.outcomes if not o.passed]
            if failed:
                raise RuntimeError(f"{lab.name}'s answer key fails {failed} with seed {seed}: nothing to record")
        for line in log.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            calls[entry["key"]] = entry["result"]
    return {"seeds": list(seeds), "calls": calls}
