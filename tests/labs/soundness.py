"""A lab's grader is sound over many seeds: the answer key scores 100%, the untouched starter at
most 10%, and every wrong submission inside the range its case states.

Wrong submissions live in ``tests/labs/wrong/<lab>/<case>/``, each with an ``expected.yaml``::

    min: 60          # percent of all the lab's points (hidden checks included)
    max: 95
    why: a hypothesis whose tolerance was loosened to 3 lost uploads

and either the submission's files or a ``derive.py`` whose ``derive(folder)`` writes them
(typically one deliberate mistake away from the answer key, so the case follows the key). A lab
whose ``wrong/<lab>/`` folder has no cases keeps the older rule: its one wrong solution scores
strictly between the starter and the answer key.

Seeds: a lab's expensive checks (deploys, drills) are seed-independent by design, so each
submission is graded in full once, with the first seed, and only the checks that drew random
inputs for it (``Outcome.used_rng``) are graded again for every other seed (``grade(..., only=...)``).
A submission's score for a seed is the sum of both.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from labs.grader import Lab, LabReport, grade
from reference.emulator import Emulator
from tests.labs.helpers import WRONG, derived

SEEDS = tuple(range(1, 21))
STARTER_MAX = 10.0  # percent


@dataclass(frozen=True)
class Case:
    """One wrong submission and the score range (percent) it must land in."""

    lab: Lab
    name: str
    folder: Path
    low: float
    high: float
    why: str

    def submission(self, scratch: Path) -> Path:
        """The folder to grade: the case's own files, or what its derive.py writes into ``scratch``."""
        return derived(self.folder, scratch, f"wrong_{self.lab.slug}_{self.name.replace('-', '_')}")


def cases(lab: Lab) -> list[Case]:
    """The lab's wrong submissions with stated ranges (empty for a lab still on the older rule)."""
    found = []
    for expected in sorted((WRONG / lab.name).glob("*/expected.yaml")):
        spec = yaml.safe_load(expected.read_text())
        assert {"min", "max", "why"} <= set(spec), f"{expected} needs min, max and why"
        assert 0 <= spec["min"] <= spec["max"] <= 100, f"{expected}: 0 <= min <= max <= 100"
        found.append(Case(lab, expected.parent.name, expected.parent, float(spec["min"]), float(spec["max"]), spec["why"]))
    return found


@dataclass
class Scores:
    """A submission's percentage per seed, and the first seed's full report (for messages)."""

    first: LabReport
    percent: dict[int, float]
    failures: dict[int, list[str]]

    def describe(self, seed: int) -> str:
        return f"{self.percent[seed]:.1f}% with seed {seed}: " + ("; ".join(self.failures[seed]) or "every check passed")


def _failures(outcomes: list) -> list[str]:
    return [f"{o.name} {o.score:g}/{o.max_score:g} ({o.output.splitlines()[0] if o.output else 'no message'})"
            for o in outcomes if not o.passed]  # fmt: skip


def scores(lab: Lab, submission: Path | None, emulator: Emulator, seeds: tuple[int, ...] = SEEDS) -> Scores:
    """Grade once in full (first seed), then again for every other seed the checks that drew inputs.

    A check that did not touch ``sub.rng`` for this submission (e.g. it failed before drawing
    anything) gives the same result for every seed: it is not run again.
    """
    first = grade(lab, submission, emulator=emulator, seed=seeds[0])
    assert not first.problem, f"{lab.name}: {first.problem}"
    again = {o.name for o in first.outcomes if o.used_rng}
    percent = {seeds[0]: 100 * first.fraction}
    failures = {seeds[0]: _failures(first.outcomes)}
    fixed = [o for o in first.outcomes if o.name not in again]
    for seed in seeds[1:]:
        outcomes = fixed + (grade(lab, submission, emulator=emulator, seed=seed, only=again).outcomes if again else [])
        percent[seed] = 100 * sum(o.score for o in outcomes) / first.max_score
        failures[seed] = _failures(outcomes)
    return Scores(first, percent, failures)


def assert_sound(lab: Lab, emulator: Emulator, starter: Path | None = None,
                 answer_key: Callable[[Lab], Path] = lambda lab: lab.folder / "solution") -> dict[str, Scores]:  # fmt: skip
    """Answer key 100% and starter <= 10% for every seed, each case in its range; returns all scores."""
    key = scores(lab, answer_key(lab), emulator)
    for seed, value in key.percent.items():
        assert value == 100, f"{lab.name}'s answer key scores {key.describe(seed)}"
    found = {"answer key": key, "starter": scores(lab, starter, emulator)}
    for seed, value in found["starter"].percent.items():
        assert value <= STARTER_MAX, f"{lab.name}'s untouched starter scores {found['starter'].describe(seed)}"
    for case in cases(lab):
        with tempfile.TemporaryDirectory(prefix=f"wrong-{case.name}-") as scratch:
            found[case.name] = result = scores(lab, case.submission(Path(scratch)), emulator)
        for seed, value in result.percent.items():
            assert case.low <= value <= case.high, (
                f"{lab.name}/{case.name} ({case.why}) must score {case.low:g}-{case.high:g}%, "
                f"but scores {result.describe(seed)}"
            )
    return found
