"""Grade one lab: check the submission is complete, run every check, add up the points."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from labs.grader.checks import Check
from labs.grader.labs import Lab
from labs.grader.sandbox import run_check
from labs.grader.submission import Submission, SubmissionError

if TYPE_CHECKING:
    from reference.emulator import Emulator


@dataclass(frozen=True)
class Outcome:
    """The result of one check, in the terms Gradescope uses."""

    name: str
    score: float
    max_score: float
    output: str
    hint: str
    visibility: str

    @property
    def passed(self) -> bool:
        return self.score >= self.max_score


@dataclass(frozen=True)
class LabReport:
    lab: Lab
    submission: Path
    outcomes: list[Outcome]
    seconds: float
    problem: str = ""  # set when the submission could not be graded at all (score 0)

    @property
    def score(self) -> float:
        return round(sum(o.score for o in self.outcomes), 2)

    @property
    def max_score(self) -> float:
        return sum(o.max_score for o in self.outcomes)

    @property
    def fraction(self) -> float:
        return self.score / self.max_score if self.max_score else 0.0


def missing_files(lab: Lab, root: Path) -> list[str]:
    return [name for name in lab.files if not (root / name).is_file()]


def grade(lab: Lab, submission: Path | None = None, hidden: Path | None = None, emulator: Emulator | None = None) -> LabReport:
    """Run every check of ``lab`` (plus hidden ones) against ``submission`` (default: the lab folder).

    If a check needs the emulator and none is passed, one is started for this run and stopped
    at its end; tests pass their own to share it between runs. A missing file makes the whole
    report a zero with ``problem`` set; ``p4lab grade`` turns that into exit code 2.
    """
    started = time.monotonic()
    root = (submission or lab.folder).resolve()
    if root.is_file():
        root = root.parent
    checks = lab.checks(hidden)
    if not root.is_dir():
        raise SubmissionError(f"The submission {root} does not exist.")
    if missing := missing_files(lab, root):
        problem = f"Missing from the submission {root}: {', '.join(missing)} (expected: {', '.join(lab.files)})."
        zeros = [_outcome(c, 0.0, problem) for c in checks]
        return LabReport(lab, root, zeros, time.monotonic() - started, problem)
    with _emulator_for(checks, emulator) as running:
        sub = Submission(root, emulator=running)
        outcomes = []
        for item in checks:
            if time.monotonic() - started > lab.time_limit_s:
                outcomes.append(_outcome(item, 0.0, f"Not run: the lab's {lab.time_limit_s:g} s time limit was reached."))
                continue
            raw = run_check(item, sub)
            outcomes.append(_outcome(item, raw.fraction, raw.message))
    return LabReport(lab, root, outcomes, time.monotonic() - started)


def _outcome(item: Check, fraction: float, message: str) -> Outcome:
    return Outcome(
        name=item.name,
        score=round(item.points * fraction, 2),
        max_score=item.points,
        output=message,
        hint=item.hint,
        visibility=item.visibility or "visible",
    )


@contextlib.contextmanager
def _emulator_for(checks: list[Check], given: Emulator | None) -> Iterator[Emulator | None]:
    if given is not None or not any(c.needs_emulator for c in checks):
        yield given
        return
    from reference import emulator as emulator_mod

    running = emulator_mod.start()
    try:
        yield running
    finally:
        emulator_mod.stop(running)
