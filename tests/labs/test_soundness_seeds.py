"""Grading many seeds cheaply: the grader says which checks drew random inputs (``used_rng``),
``grade(only=...)`` runs just some checks, and ``grade_seeds`` runs a check that drew nothing
once for all seeds."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from labs.grader import Lab, all_labs, grade, grade_seeds

CHECKS = '''
"""A lab with one seeded and one fixed check."""
from pathlib import Path
from labs.grader import Partial, check

FILES = ["answer.txt"]
RUNS = Path(__file__).with_name("runs.log")

@check(50)
def seeded(sub):
    """a check that draws its input"""
    with RUNS.open("a") as log:
        log.write("seeded\\n")
    number = sub.rng.randrange(100)
    wrong = set(map(int, sub.text("answer.txt").split()))
    return Partial(0.0, f"{number} is wrong") if number in wrong else None

@check(50)
def fixed(sub):
    """a check without random inputs"""
    with RUNS.open("a") as log:
        log.write("fixed\\n")
'''


@pytest.fixture
def toy_lab(tmp_path: Path) -> Lab:
    folder = tmp_path / "labs" / "lab98-seeds"
    folder.mkdir(parents=True)
    (folder / "checks.py").write_text(textwrap.dedent(CHECKS))
    (folder / "answer.txt").write_text("")
    return all_labs(tmp_path / "labs")[0]


def test_outcomes_say_which_checks_drew_inputs_and_only_reruns_them(toy_lab: Lab) -> None:
    report = grade(toy_lab, seed=3)
    assert {o.name: o.used_rng for o in report.outcomes} == {"a check that draws its input": True, "a check without random inputs": False}
    again = grade(toy_lab, seed=4, only={"a check that draws its input"})
    assert [o.name for o in again.outcomes] == ["a check that draws its input"]
    assert (toy_lab.folder / "runs.log").read_text().split() == ["seeded", "fixed", "seeded"]
    with pytest.raises(ValueError, match="no checks named"):
        grade(toy_lab, only={"no such check"})


def test_grade_seeds_runs_the_fixed_check_once_for_every_seed(toy_lab: Lab) -> None:
    import random

    seeds = (1, 2, 3, 4)
    drawn = {seed: random.Random(f"{seed}:seeded").randrange(100) for seed in seeds}
    (toy_lab.folder / "answer.txt").write_text(str(drawn[2]))  # wrong only for seed 2's input
    reports = grade_seeds(toy_lab, None, seeds)
    assert {r.seed: 100 * r.fraction for r in reports} == {1: 100.0, 2: 50.0, 3: 100.0, 4: 100.0}
    assert "--seed 2" in reports[1].outcomes[0].output
    assert (toy_lab.folder / "runs.log").read_text().split().count("fixed") == 1
