"""Every grader is sound: the answer key scores 100%, the untouched starter at most 10%, and a
plausible wrong solution strictly in between (so the checks both reward and discriminate).

Labs whose wrong submissions are cases with stated ranges (``wrong/<lab>/<case>/expected.yaml``)
are held to them over 20 seeds by ``tests/labs/soundness.py``."""

from __future__ import annotations

from pathlib import Path

import pytest

from labs.grader import Lab, all_labs, grade
from reference.emulator import Emulator
from tests.labs.helpers import DEPLOYING, WRONG, solution, wrong_solution
from tests.labs.soundness import assert_sound, cases

LABS = all_labs()


def _param(lab: Lab) -> object:
    marks = [pytest.mark.e2e, pytest.mark.slow] if lab.name in DEPLOYING else []
    return pytest.param(lab, id=lab.name, marks=marks)


def test_every_lab_has_an_answer_key_and_a_wrong_solution() -> None:
    assert len(LABS) >= 8
    for lab in LABS:
        assert solution(lab).is_dir(), f"{lab.name} has no solution/ folder"
        assert (WRONG / lab.name).is_dir(), f"{lab.name} has no wrong solution in tests/labs/wrong/"
        assert (lab.folder / "README.md").is_file(), f"{lab.name} has no README.md"
        assert not cases(lab) or len(cases(lab)) >= 3, f"{lab.name} states ranges for fewer than 3 wrong submissions"


@pytest.mark.parametrize("lab", [_param(lab) for lab in LABS])
def test_grader_is_sound(lab: Lab, running_emulator: Emulator, tmp_path: Path) -> None:
    if cases(lab):
        assert_sound(lab, running_emulator)
        return
    reference = grade(lab, solution(lab), emulator=running_emulator)
    assert reference.fraction == 1.0, "answer key lost points: " + "; ".join(
        f"{o.name}: {o.output}" for o in reference.outcomes if not o.passed
    )
    starter = grade(lab, None, emulator=running_emulator)
    assert starter.fraction <= 0.10, (
        f"the untouched starter scores {starter.fraction:.0%}: "
        + ", ".join(o.name for o in starter.outcomes if o.score)
    )
    wrong = grade(lab, wrong_solution(lab, tmp_path), emulator=running_emulator)
    assert starter.score < wrong.score < reference.score, (
        f"wrong solution scores {wrong.score:g} (starter {starter.score:g}, answer key {reference.score:g})"
    )
