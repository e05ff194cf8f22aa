"""Every grader is sound: for every seed, the answer key scores 100%, the untouched starter at
most 10%, and each wrong submission inside its stated range (tests/labs/wrong_cases.py says how
cases are written; labs in the older layout need one case strictly between starter and key)."""

from __future__ import annotations

from pathlib import Path

import pytest

from labs.grader import Lab, all_labs, grade
from reference.emulator import Emulator
from tests.labs.helpers import DEPLOYING, WRONG, solution
from tests.labs.wrong_cases import SEEDS, Case, cases, converted, losses, scores

LABS = all_labs()
STARTER_MAX = 10.0  # percent


def _marks(lab: Lab) -> list[pytest.MarkDecorator]:
    if lab.name in DEPLOYING:
        return [pytest.mark.e2e, pytest.mark.slow]
    if converted(lab) and any(c.needs_emulator for c in lab.checks()):
        return [pytest.mark.slow]  # twenty seeds against the emulator: tens of seconds
    return []


def _seeds(lab: Lab) -> tuple[int, ...]:
    return SEEDS if converted(lab) else SEEDS[:1]


def test_every_lab_has_an_answer_key_and_wrong_solutions() -> None:
    assert len(LABS) >= 8
    for lab in LABS:
        assert solution(lab).is_dir(), f"{lab.name} has no solution/ folder"
        assert (WRONG / lab.name).is_dir(), f"{lab.name} has no wrong solution in tests/labs/wrong/"
        assert (lab.folder / "README.md").is_file(), f"{lab.name} has no README.md"
        if converted(lab):
            assert len(cases(lab)) >= 3, f"{lab.name} needs at least three wrong submissions"


@pytest.mark.parametrize("lab", [pytest.param(lab, id=lab.name, marks=_marks(lab)) for lab in LABS])
def test_answer_key_and_starter(lab: Lab, running_emulator: Emulator) -> None:
    key = solution(lab)
    for seed, percent in scores(lab, key, running_emulator, _seeds(lab)).items():
        assert percent == 100, f"the answer key scores {percent:.1f}% with seed {seed}: {losses(lab, key, running_emulator, seed)}"
    for seed, percent in scores(lab, None, running_emulator, _seeds(lab)).items():
        assert percent <= STARTER_MAX, f"the untouched starter scores {percent:.1f}% with seed {seed}"


CASES = [pytest.param(case, id=f"{lab.name}/{case.name}", marks=_marks(lab)) for lab in LABS for case in cases(lab)]


@pytest.mark.parametrize("case", CASES)
def test_wrong_submission_scores_in_its_range(case: Case, running_emulator: Emulator, tmp_path: Path) -> None:
    lab = case.lab
    submission = case.build(tmp_path / "submission")
    percents = scores(lab, submission, running_emulator, _seeds(lab), case.checks)
    if case.low is None:  # the older layout: strictly between the starter and the answer key
        starter = grade(lab, None, emulator=running_emulator, seed=SEEDS[0]).fraction * 100
        assert starter < percents[SEEDS[0]] < 100, f"the wrong solution scores {percents[SEEDS[0]]:.1f}% (starter {starter:.1f}%)"
        return
    outside = {seed: p for seed, p in percents.items() if not case.low <= p <= case.high}
    assert not outside, (
        f"{case.name} ({case.why}) should score {case.low:g}-{case.high:g}%, but scores "
        + ", ".join(f"{p:.1f}% with seed {s}" for s, p in outside.items())
        + f". Lost with seed {next(iter(outside))}: "
        + losses(lab, submission, running_emulator, next(iter(outside)), case.checks)
    )
