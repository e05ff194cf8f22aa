"""The grader itself: a submission cannot crash or hang it, results follow Gradescope's format,
hidden checks load from outside the repository, and bad input is one clear message + exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from labs.grader import Lab, all_labs, grade
from labs.grader.report import gradescope

P4LAB = str(Path(sys.executable).parent / "p4lab")

CHECKS = '''
"""A lab for testing the grader."""
import os, sys, time
from labs.grader import Partial, check

FILES = ["answer.py"]

@check(10)
def passes(sub):
    """a passing check"""
    assert sub.module("answer").VALUE == 42

@check(10, timeout_s=1, hint="look for the loop")
def hangs(sub):
    """a check whose student code never returns"""
    sub.module("answer").forever()

@check(10)
def exits(sub):
    """a check whose student code exits the interpreter"""
    sub.module("answer").leave()

@check(10)
def raises(sub):
    """a check whose student code raises"""
    sub.module("answer").broken()

@check(10)
def partly(sub):
    """a check worth half"""
    return Partial(0.5, "half way there")
'''

ANSWER = """
VALUE = 42
def forever():
    while True:
        pass
def leave():
    import os
    os._exit(3)
def broken():
    return {}["missing"]
"""


@pytest.fixture
def toy_lab(tmp_path: Path) -> Lab:
    folder = tmp_path / "labs" / "lab99-toy"
    folder.mkdir(parents=True)
    (folder / "checks.py").write_text(textwrap.dedent(CHECKS))
    (folder / "answer.py").write_text(textwrap.dedent(ANSWER))
    return all_labs(tmp_path / "labs")[0]


def test_misbehaving_code_becomes_failed_checks(toy_lab: Lab) -> None:
    report = grade(toy_lab)
    by_name = {o.name: o for o in report.outcomes}
    assert by_name["a passing check"].score == 10
    assert "Timed out after 1 s" in by_name["a check whose student code never returns"].output
    assert "exit code 3" in by_name["a check whose student code exits the interpreter"].output
    raised = by_name["a check whose student code raises"].output
    assert raised.startswith("Your code raised KeyError: 'missing' (at answer.py:")
    assert by_name["a check worth half"].score == 5
    assert report.score == 15 and report.max_score == 50


def test_results_follow_gradescope_format(toy_lab: Lab) -> None:
    results = gradescope(grade(toy_lab))
    assert {"score", "execution_time", "tests"} <= set(results)
    assert results["score"] == 15
    for test in results["tests"]:
        assert {"name", "score", "max_score", "output", "visibility"} <= set(test)
    hint = next(
        t for t in results["tests"] if t["name"].startswith("a check whose student code never")
    )
    assert "Hint: look for the loop" in hint["output"]


def test_hidden_checks_are_added_and_not_shown_before_publishing(
    toy_lab: Lab, tmp_path: Path
) -> None:
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "extra.py").write_text(
        "from labs.grader import check\n\n@check(5)\ndef secret(sub):\n    '''a hidden check'''\n"
        "    assert sub.module('answer').VALUE > 40\n"
    )
    outcomes = grade(toy_lab, hidden=hidden).outcomes
    assert outcomes[-1].name == "a hidden check" and outcomes[-1].score == 5
    assert outcomes[-1].visibility == "after_published" and outcomes[0].visibility == "visible"


def _p4lab(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [P4LAB, "grade", *args], capture_output=True, text=True, timeout=120, cwd=cwd, env=env
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["lab77"], "There is no lab 'lab77'"),
        ([], "Name one lab"),
        (["lab01", "--all"], "Name one lab"),
        (["lab01", "--submission", "/no/such/folder"], "does not exist"),
        (["lab01", "--hidden", "/no/such/folder"], "is not a directory"),
    ],
)
def test_bad_input_is_one_message_and_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    result = _p4lab(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr + result.stdout


def test_missing_file_writes_a_zero_for_gradescope_and_exits_2(tmp_path: Path) -> None:
    results = tmp_path / "results" / "results.json"
    result = _p4lab("lab01", "--submission", str(tmp_path), "--json", str(results), cwd=tmp_path)
    assert result.returncode == 2 and "capacity.py" in result.stderr
    written = json.loads(results.read_text())
    assert written["score"] == 0 and "capacity.py" in written["output"]


def test_cli_grades_the_answer_key(tmp_path: Path) -> None:
    key = Path(__file__).resolve().parents[2] / "labs" / "lab01-capacity" / "solution"
    results = tmp_path / "results.json"
    result = _p4lab("1", "--submission", str(key), "--json", str(results), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    written = json.loads(results.read_text())
    assert written["score"] == written["max_score"] >= 100  # public checks and the lab's hidden ones
    assert f"{written['max_score']:g} / {written['max_score']:g} points" in result.stdout
