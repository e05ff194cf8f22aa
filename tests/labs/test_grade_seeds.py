"""``grade_seeds``: one report per seed, as ``grade`` gives, with each check's processes shared
by the seeds and a check that draws nothing run once."""

from __future__ import annotations

import textwrap
from pathlib import Path

from labs.grader import all_labs, grade, grade_seeds

CHECKS = '''
"""A lab for testing many seeds."""
from pathlib import Path
from labs.grader import check

FILES = ["answer.py"]
RUNS = Path(__file__).with_name("runs.txt")

@check(10)
def even(sub):
    """passes when the drawn number is even"""
    drawn = sub.rng.randrange(1000)
    assert sub.module("answer").is_even(drawn), f"{drawn} is odd"

@check(10)
def fixed(sub):
    """draws nothing: runs once"""
    with RUNS.open("a") as runs:
        runs.write("run\\n")
    assert sub.module("answer").is_even(2)
'''


def test_each_seed_is_graded_as_grade_would(tmp_path: Path) -> None:
    folder = tmp_path / "labs" / "lab98-seeds"
    folder.mkdir(parents=True)
    (folder / "checks.py").write_text(textwrap.dedent(CHECKS))
    (folder / "answer.py").write_text("def is_even(n):\n    return n % 2 == 0\n")
    lab = all_labs(tmp_path / "labs")[0]
    seeds = list(range(6))
    reports = grade_seeds(lab, None, seeds)
    assert [r.seed for r in reports] == seeds
    assert (folder / "runs.txt").read_text().count("run") == 1, "a check that draws nothing ran more than once"
    singles = [grade(lab, seed=seed).score for seed in seeds]
    assert [r.score for r in reports] == singles
    assert {10.0, 20.0} == set(singles), "the seeds should give both outcomes"
    failed = next(r for r in reports if r.score == 10.0)
    assert f"--seed {failed.seed}" in failed.outcomes[0].output
