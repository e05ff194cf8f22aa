"""Students' settings files (YAML) for labs graded with the simulator: read, restrict, merge,
simulate.

A lab fixes the workload and the run; the student may only choose named fields (e.g.
``function.memory_mb``). Anything else in their file is an error that says which fields are
allowed, so a student cannot pass by changing the question (a smaller workload). ``simulate``
runs a scenario once however many checks grade it.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import hashlib
import json
import os
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from labs.grader.submission import Submission


def read_choices(sub: Submission, filename: str, allowed: dict[str, set[str]]) -> dict[str, dict[str, Any]]:
    """The student's ``{section: {field: value}}``; AssertionError naming what is not allowed."""
    try:
        data = yaml.safe_load(sub.text(filename)) or {}
    except yaml.YAMLError as error:
        raise AssertionError(f"{filename} is not valid YAML: {error}") from None
    assert isinstance(data, dict), f"{filename} must be a mapping of sections, e.g. function: {{memory_mb: 1024}}"
    for section, fields in data.items():
        assert section in allowed, f"{filename}: section {section!r} is not yours to choose (allowed: {', '.join(allowed)})"
        assert isinstance(fields, dict), f"{filename}: {section} must be a mapping of fields"
        extra = set(fields) - allowed[section]
        assert not extra, f"{filename}: {section}.{', '.join(sorted(extra))} not allowed (allowed: {', '.join(sorted(allowed[section]))})"
    todo = [f"{section}.{name}" for section, fields in data.items() for name, value in fields.items() if value == "TODO"]
    assert not todo, f"{filename} still has a TODO for {', '.join(todo)}: replace each with your value"
    return data


def scenario_with(fixed: dict[str, Any], choices: dict[str, dict[str, Any]]) -> Any:
    """A validated ``simulator.Scenario``: the lab's fixed sections with the student's fields on top."""
    from pydantic import ValidationError

    from simulator.scenario import Scenario

    merged = copy.deepcopy(fixed)
    for section, fields in choices.items():
        merged.setdefault(section, {}).update(fields)
    try:
        return Scenario.model_validate(merged)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()[:4])
        raise AssertionError(f"the simulator rejects these settings: {problems}") from None


# ---------------------------------------------------------------- simulating, once per scenario
CACHE_FILES = 4000  # beyond this, the oldest half of the cache is removed


@dataclass(frozen=True)
class Simulated:
    """What checks read of a `simulator.run`: the outcome, latency, the monthly bill, and what
    the bill was computed from (so a check can price the same run under other billing facts
    with `simulator.billing.monthly_bill`)."""

    arrived: int
    processed: int
    failed: int
    lost: int
    latency_s: dict[str, float]
    cost_per_month: dict[str, dict[str, float]]  # service -> line item -> USD
    usage: dict[str, float]
    projection: dict[str, Any]

    def monthly(self, *services: str) -> float:
        """The month's bill, for the named services only if any are named."""
        return sum(sum(items.values()) for name, items in self.cost_per_month.items() if not services or name in services)


def simulate(scenario: Any) -> Simulated:
    """``simulator.run(scenario)``, cached on disk by the scenario and the simulator's version.

    A run depends only on its scenario (seeded), so checks that grade the same run (the
    objective and the cost of one draw, or the course plan's run on a draw every submission is
    compared with) simulate it once. The cache is a folder of JSON files only this user can
    read or write; if it is not (someone else made it), runs are simply not cached.
    """
    import simulator

    key = hashlib.sha256(f"{_simulator_version()}\n{scenario.model_dump_json()}".encode()).hexdigest()
    folder = _cache_folder()
    path = folder / f"{key}.json" if folder else None
    if path is not None and path.is_file():
        with contextlib.suppress(OSError, ValueError, TypeError):
            return Simulated(**json.loads(path.read_text()))
    result = simulator.run(scenario)
    run = Simulated(
        arrived=result.arrived,
        processed=result.processed,
        failed=result.failed,
        lost=result.lost,
        latency_s=dict(result.latency_s),
        cost_per_month={service: dict(bill.items) for service, bill in result.cost_per_month.items()},
        usage=dataclasses.asdict(result.usage),
        projection=dataclasses.asdict(result.projection),
    )
    if path is not None:
        _store(path, json.dumps(dataclasses.asdict(run)))
    return run


@functools.cache
def _simulator_version() -> str:
    """A digest of the simulator's code and data and of the libraries its results depend on."""
    import numpy
    import simpy

    import simulator

    root = Path(simulator.__file__).parent
    digest = hashlib.sha256(f"{sys.version}|{numpy.__version__}|{simpy.__version__}".encode())
    for path in sorted([*root.rglob("*.py"), *root.rglob("*.yaml")]):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _cache_folder() -> Path | None:
    """This user's cache folder, private (0700, owned by us, not a link), or None."""
    folder = Path(tempfile.gettempdir()) / f"p4lab-simulations-{os.getuid()}"
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
    try:
        status = os.lstat(folder)
    except OSError:
        return None
    private = stat.S_ISDIR(status.st_mode) and status.st_uid == os.getuid() and not status.st_mode & 0o077
    return folder if private else None


def _store(path: Path, text: str) -> None:
    """Write atomically (checks running at once may store the same run), then keep the cache small."""
    with contextlib.suppress(OSError):
        with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".part", delete=False) as part:
            part.write(text)
        os.replace(part.name, path)
        entries = list(path.parent.glob("*.json"))
        if len(entries) > CACHE_FILES:
            for old in sorted(entries, key=lambda p: p.stat().st_mtime)[: CACHE_FILES // 2]:
                old.unlink(missing_ok=True)
