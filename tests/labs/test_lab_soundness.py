"""Every grader is sound, for 20 seeds: the answer key scores 100%, the untouched starter at most
10%, and every wrong submission in ``tests/labs/wrong/<lab>/<case>/`` scores inside the range
its ``expected.yaml`` states (percent of the maximum, hidden checks included — or of the checks
the case names, for a mistake only they can see), whatever the seed. ``tests/labs/helpers.py``
(``WrongCase``) and ``tests/labs/wrong/README.md`` say how a case is written.

``grade_seeds`` runs each check once per seed in one check process (a check that draws nothing,
such as a deploy, runs once), so 20 seeds cost little more than one. The seeds are not the
student export's recorded ones (1-8), so a lookup table built from ``answers.json`` earns
nothing here, as on Gradescope.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from labs.grader import Lab, LabReport, all_labs, grade_seeds
from tests.labs.helpers import DEPLOYING, WRONG, WrongCase, solution, wrong_cases

LABS = all_labs()
SEEDS = tuple(range(101, 121))
STARTER_MAX = 10.0  # percent
MIN_CASES = 3


def _marks(lab: Lab) -> list[pytest.MarkDecorator]:
    # A lab's tests share one worker under pytest-xdist: its drill or deploy is cached per emulator.
    group = pytest.mark.xdist_group(lab.name)
    if lab.name in DEPLOYING:
        return [pytest.mark.e2e, pytest.mark.slow, group]
    if any(c.needs_emulator for c in lab.checks()):
        return [pytest.mark.slow, group]  # twenty seeds against the emulator: tens of seconds
    return [group]


def _emulator(lab: Lab, request: pytest.FixtureRequest) -> object:
    """The session's emulator for labs with a check that needs one (started only then)."""
    return request.getfixturevalue("running_emulator") if any(c.needs_emulator for c in lab.checks()) else None


def _percent(report: LabReport, checks: frozenset[str] | None = None) -> float:
    """Percent of the lab's points, or of the named checks' points."""
    outcomes = [o for o in report.outcomes if checks is None or o.name in checks]
    return 100.0 * sum(o.score for o in outcomes) / sum(o.max_score for o in outcomes)


def _lost(report: LabReport) -> str:
    return "; ".join(f"{o.name}: {o.output.splitlines()[0] if o.output else ''}" for o in report.outcomes if not o.passed)


def test_every_lab_has_an_answer_key_and_wrong_submissions() -> None:
    assert len(LABS) >= 8
    for lab in LABS:
        assert solution(lab).is_dir(), f"{lab.name} has no solution/ folder"
        assert (lab.folder / "README.md").is_file(), f"{lab.name} has no README.md"
        assert (WRONG / lab.name).is_dir(), f"{lab.name} has no wrong submissions in tests/labs/wrong/"
        cases = wrong_cases(lab)
        assert len(cases) >= MIN_CASES, f"{lab.name} has {len(cases)} wrong cases with expected.yaml; at least {MIN_CASES}"
        for case in cases:
            assert 0 <= case.low <= case.high < 100, f"{lab.name}/{case.name}: a wrong submission's range must be below 100"


@pytest.mark.parametrize("lab", [pytest.param(lab, id=lab.name, marks=_marks(lab)) for lab in LABS])
def test_answer_key_scores_100_and_starter_at_most_10(lab: Lab, request: pytest.FixtureRequest) -> None:
    emulator = _emulator(lab, request)
    for report in grade_seeds(lab, solution(lab), SEEDS, emulator=emulator):
        assert report.fraction == 1.0, f"seed {report.seed}: the answer key lost points: {_lost(report)}"
    starters = grade_seeds(lab, None, SEEDS, emulator=emulator)
    worst = max(starters, key=_percent)
    assert _percent(worst) <= STARTER_MAX, f"seed {worst.seed}: the untouched starter scores {_percent(worst):.1f}%: " + ", ".join(
        o.name for o in worst.outcomes if o.score
    )


CASES = [pytest.param(case, id=f"{lab.name}/{case.name}", marks=_marks(lab)) for lab in LABS for case in wrong_cases(lab)]


@pytest.mark.parametrize("case", CASES)
def test_wrong_submission_scores_inside_its_range(case: WrongCase, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    submission = case.submission(tmp_path / "submission")
    reports = grade_seeds(case.lab, submission, SEEDS, emulator=_emulator(case.lab, request), only=case.checks)
    outside = [r for r in reports if not case.low - 1e-6 <= _percent(r, case.checks) <= case.high + 1e-6]
    assert not outside, (
        f"{case.lab.name}/{case.name} ({case.why}) should score {case.low:g}-{case.high:g}%; "
        + ", ".join(f"seed {r.seed}: {_percent(r, case.checks):.1f}%" for r in outside)
        + f". Seed {outside[0].seed} lost: {_lost(outside[0])}"
    )
