"""Starter code is derived from the reference: same signatures and docstrings as the answer key,
TODO bodies, and (for the experiment) holes only where the lab says. (Lab 04's template starter:
tests/labs/test_lab04_iac.py.)"""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest

from labs.grader import Lab, all_labs, find_lab
from tests.labs.helpers import load_isolated, solution

PYTHON_FILES = [(lab, name) for lab in all_labs() for name in lab.files if name.endswith(".py")]


def _functions(module: object) -> dict[str, object]:
    return {name: value for name, value in vars(module).items() if inspect.isfunction(value)}


@pytest.mark.parametrize(
    ("lab", "name"), PYTHON_FILES, ids=[f"{lab.name}/{name}" for lab, name in PYTHON_FILES]
)
def test_starter_matches_the_answer_key(lab: Lab, name: str) -> None:
    starter = load_isolated(lab.folder / name, f"starter_{lab.slug}_{Path(name).stem}")
    key = load_isolated(solution(lab) / name, f"key_{lab.slug}_{Path(name).stem}")
    todo = _functions(starter)
    # Functions the starter imports (helpers students may use) are not theirs to write.
    todo = {
        n: f
        for n, f in todo.items()
        if getattr(f, "__module__", "") == getattr(starter, "__name__", "")
    }
    assert todo, f"{lab.name}/{name} has no functions to complete"
    answers = _functions(key)
    for function_name, function in todo.items():
        assert function_name in answers, (
            f"{function_name} is in the starter but not in the answer key"
        )
        assert inspect.signature(function) == inspect.signature(answers[function_name]), (
            function_name
        )
        assert inspect.getdoc(function) == inspect.getdoc(answers[function_name]), (
            f"{function_name}'s docstring differs"
        )
    missing = {
        n
        for n, f in answers.items()
        if not n.startswith("_") and getattr(f, "__module__", "").startswith(("key_", "reference"))
    } - set(_functions(starter))
    assert not missing, f"the answer key defines {missing}, which the starter does not ask for"


def test_chaos_starter_keeps_the_reference_configuration() -> None:
    lab = find_lab("lab08")
    starter = json.loads((lab.folder / "experiment.json").read_text())
    reference = json.loads((solution(lab) / "experiment.json").read_text())
    assert starter["configuration"] == reference["configuration"]
