"""The course tooling around the grader: recorded answers for the student export, --all that never
aborts, hidden scoring, and bad input to `p4lab grade`/`p4lab labs` (one message, exit 2, before
any work)."""

from __future__ import annotations

import json
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from labs.grader import Lab, all_labs, find_lab, grade
from labs.grader.grading import LabReport, Outcome
from labs.grader.recording import ANSWERS_FILE, record
from labs.grader.report import gradescope
from labs.grader.submission import SubmissionError

CHECKS = '''
"""A lab whose check compares the student with the answer key on random inputs."""
from labs.grader import check

FILES = ["square.py"]

@check(10)
def squares(sub):
    """squares of numbers the student has not seen"""
    mine, key = sub.module("square"), sub.answer("square")
    for _ in range(3):
        n = sub.rng.randrange(1, 10**6)
        assert mine.square(n) == key.square(n), f"square({n})"
'''

LOOKUP = '''
import json, pathlib
TABLE = {json.loads(k)[2][0]: v for k, v in json.loads(pathlib.Path(__file__).with_name("answers.json").read_text())["calls"].items()}
def square(n):
    return TABLE[n]
'''


@pytest.fixture
def lab_with_answers(tmp_path: Path) -> tuple[Lab, Lab]:
    """(the lab with its answer key, the same lab as the student export has it: recorded answers only)."""
    full = tmp_path / "instructor" / "labs" / "lab96-squares"
    (full / "solution").mkdir(parents=True)
    (full / "checks.py").write_text(textwrap.dedent(CHECKS))
    (full / "square.py").write_text("def square(n):\n    raise NotImplementedError('TODO')\n")
    (full / "solution" / "square.py").write_text("def square(n):\n    return n * n\n")
    lab = all_labs(full.parent)[0]
    student = tmp_path / "student" / "labs" / "lab96-squares"
    shutil.copytree(full, student, ignore=shutil.ignore_patterns("solution"))
    (student / ANSWERS_FILE).write_text(json.dumps(record(lab, seeds=(1, 2))))
    return lab, all_labs(student.parent)[0]


def test_recorded_answers_replay_in_the_student_export(lab_with_answers: tuple[Lab, Lab], tmp_path: Path) -> None:
    lab, exported = lab_with_answers
    right = tmp_path / "right"
    right.mkdir()
    (right / "square.py").write_text("def square(n):\n    return n ** 2\n")
    assert grade(exported, right, seed=2).score == 10 and grade(exported, right).seed in (1, 2)
    with pytest.raises(SubmissionError, match=r"Seed 5 is not recorded.*\[1, 2\]"):
        grade(exported, right, seed=5)
    # A lookup table built from the recorded answers passes there, and nowhere else.
    cheat = tmp_path / "cheat"
    cheat.mkdir()
    (cheat / "square.py").write_text(LOOKUP)
    shutil.copy(exported.folder / ANSWERS_FILE, cheat / ANSWERS_FILE)
    assert grade(exported, cheat, seed=1).score == 10
    assert grade(lab, cheat, seed=1234).score == 0  # Gradescope: a fresh seed and the real answer key


def test_all_never_aborts_and_always_writes_json(tmp_path: Path, p4lab: Callable) -> None:
    lab = find_lab("lab01")
    (tmp_path / "work" / lab.name).mkdir(parents=True)
    shutil.copy(lab.solution_folder / "capacity.py", tmp_path / "work" / lab.name / "capacity.py")
    results = tmp_path / "out" / "results.json"
    result = p4lab("grade", "--all", "--submission", tmp_path / "work", "--json", results)
    assert result.exit_code == 1, result.output
    written = json.loads(results.read_text())
    assert set(written["labs"]) == {lab.name for lab in all_labs()}
    assert written["labs"][lab.name]["score"] == written["labs"][lab.name]["max_score"] > 0
    other = written["labs"]["lab09-pdf-fanout"]
    assert other["score"] == 0 and "does not exist" in other["output"] and other["tests"]


def test_hidden_scoring(tmp_path: Path) -> None:
    lab = find_lab("lab01")
    outcomes = [Outcome("public", 6, 10, "", "", "visible"), Outcome("secret", 0, 5, "no", "", "after_published")]
    report = LabReport(lab, tmp_path, outcomes, 1.0, seed=3)
    counted, separate = gradescope(report, "count"), gradescope(report, "separate")
    assert (counted["score"], counted["max_score"]) == (6, 15) and (separate["score"], separate["max_score"]) == (6, 10)
    assert "6 / 10 points on the checks you can see" in counted["output"] and "secret" not in counted["output"]
    assert separate["extra_data"]["hidden_max_score"] == 5 and separate["tests"][1]["visibility"] == "after_published"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["grade", "--all", "--class", "x"], "--class grades one lab"),
        (["grade", "lab01", "--csv", "grades.csv"], "--csv and --jobs go with --class"),
        (["grade", "lab01", "--hidden-scoring", "maybe"], "--hidden-scoring must be one of"),
        (["grade", "--all", "--hidden", "/no/such/folder"], "is not a directory"),
        (["grade", "lab01", "--class", "/no/such/folder"], "is not a folder of student folders"),
        (["labs", "export"], "Give one of --student"),
        (["labs", "autograder", "lab01", "--hidden", "/no/such/folder"], "is not a directory"),
        (["labs", "autograder", "lab77"], "There is no lab"),
    ],
)
def test_bad_input(args: list[str], message: str, p4lab: Callable) -> None:
    result = p4lab(*args)
    assert result.exit_code == 2 and message in result.stderr, result.output


def test_an_autograder_needs_hidden_checks_for_its_lab(tmp_path: Path, p4lab: Callable) -> None:
    (tmp_path / "hidden" / "lab02-image-handler").mkdir(parents=True)
    (tmp_path / "hidden" / "lab02-image-handler" / "x.py").write_text("")
    result = p4lab("labs", "autograder", "lab01", "--hidden", tmp_path / "hidden", "-o", tmp_path / "a.zip")
    assert result.exit_code == 2 and "holds no checks for lab01-capacity" in result.stderr and not (tmp_path / "a.zip").exists()
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    result = p4lab("labs", "export", "--student", tmp_path / "full")
    assert result.exit_code == 2 and "is not empty" in result.stderr
