"""docs/instructors.md, run: every shell block of its walkthrough, in order, as an instructor would
(as root, as Gradescope runs the autograder). Then what the walkthrough produced is examined:
the exports hold what they should, the autograder grades a cheating submission with zero and
nothing of the student's survives it, and the class CSV has a row for every student, even
those whose submissions cannot be graded."""

from __future__ import annotations

import csv
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from labs.grader import find_lab, privileges, reaper
from labs.grader.export import PROJECT_ROOT, forbidden_in_student_export
from tests.labs.test_lab_cheats import cheating_submission

GUIDE = PROJECT_ROOT / "docs" / "instructors.md"
MARK = "# (walkthrough"
LAB = find_lab("lab01")
KEY = LAB.solution_folder / "capacity.py"

# Labs whose answer key is a file of the project students need: none since every lab asks for
# something the reference does not contain (issue 12). An entry here would say which, and why.
REFERENCE_ANSWERS: dict[str, str] = {}

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="the guide's dry run and class grading run as root, as on Gradescope"),
    pytest.mark.xdist_group("instructor-guide"),  # one walkthrough (its module fixture), on one worker
]


def walkthrough_script() -> str:
    blocks = re.findall(r"```bash\n(.*?)```", GUIDE.read_text(), flags=re.S)
    chosen = [block for block in blocks if block.startswith(MARK)]
    assert len(chosen) >= 4, "the walkthrough's shell blocks are marked with '# (walkthrough'"
    return "set -euo pipefail\n" + "\n".join(chosen)


def class_folder(root: Path) -> None:
    """Six students, as Gradescope's export or `gh classroom clone` leaves them."""
    (root / "alice").mkdir(parents=True)
    shutil.copy(KEY, root / "alice" / "capacity.py")  # the files themselves
    nested = root / "bob" / "labs" / LAB.name  # a GitHub Classroom repository
    nested.mkdir(parents=True)
    shutil.copy(KEY, nested / "capacity.py")
    (root / "carol").mkdir()
    shutil.copy(LAB.folder / "capacity.py", root / "carol" / "capacity.py")  # the untouched starter
    for copy in ("one", "two"):  # two copies: which one?
        (root / "dave" / copy).mkdir(parents=True)
        shutil.copy(KEY, root / "dave" / copy / "capacity.py")
    (root / "erin").mkdir()  # nothing handed in
    cheating_submission(LAB, root / "frank", [])


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("instructor")
    class_folder(root / "submissions")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "COLUMNS": "200"}
    result = subprocess.run(["bash", "-c", walkthrough_script()], cwd=root, env=env, capture_output=True, text=True, timeout=400)
    (root / "walkthrough.log").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return root


def test_the_dry_run_gives_the_answer_key_full_marks(workspace: Path) -> None:
    results = json.loads((workspace / "dry" / "results" / "results.json").read_text())
    assert results["score"] == results["max_score"] == 115.0
    hidden = {t["name"] for t in results["tests"] if t["visibility"] != "visible"}
    assert "a year and a day of uploads under a 365-day lifecycle rule" in hidden
    assert "115.0" in (workspace / "walkthrough.log").read_text()


def test_the_student_export_holds_no_answers(workspace: Path) -> None:
    export = workspace / "student-template"
    present = [path for path in forbidden_in_student_export() if (export / path).exists()]
    assert not present, f"the student export contains {present}"
    answers = {path.read_bytes() for path in PROJECT_ROOT.glob("labs/*/solution/*") if path.is_file()}
    answers |= {path.read_bytes() for path in PROJECT_ROOT.glob("labs/*/hidden/*.py")}
    copies = {str(path.relative_to(export)) for path in export.rglob("*") if path.is_file() and path.read_bytes() in answers}
    assert copies <= set(REFERENCE_ANSWERS), f"answer or hidden-check files copied into the student export: {copies}"
    assert copies == set(REFERENCE_ANSWERS), (
        f"{set(REFERENCE_ANSWERS) - copies} no longer ship as answers: remove them from REFERENCE_ANSWERS"
    )
    for lab_folder in (export / "labs").glob("lab*"):
        assert (lab_folder / "README.md").is_file() and (lab_folder / "checks.py").is_file()
    instructor = workspace / "course"
    assert (instructor / "labs" / LAB.name / "solution" / "capacity.py").is_file()
    assert (instructor / "labs" / LAB.name / "hidden").is_dir() and (instructor / "docs" / "instructors.md").is_file()


def _grade_in(export: Path, submission: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(export), "COLUMNS": "200"}
    command = [sys.executable, "-m", "p4lab", "grade", LAB.name, "--submission", str(submission)]
    return subprocess.run(command, cwd=export, env=env, capture_output=True, text=True, timeout=120)


def test_grading_inside_the_student_export(workspace: Path) -> None:
    """Public checks give feedback there, and a submission copying from the export gets nothing."""
    export = workspace / "student-template"
    good = _grade_in(export, workspace / "course" / "labs" / LAB.name / "solution")
    assert good.returncode == 0 and "100 / 100 points" in good.stdout, good.stdout[-2000:] + good.stderr[-2000:]
    copying = cheating_submission(LAB, workspace / "copier", [])
    bad = _grade_in(export, copying)
    assert bad.returncode == 1 and "0 / 100 points" in bad.stdout, bad.stdout[-2000:]
    assert "could not copy" in bad.stdout and str(export) in bad.stdout  # it looked for the key in the export


def test_the_autograder_gives_a_cheat_nothing_and_leaves_nothing_running(workspace: Path) -> None:
    dry = workspace / "dry"
    results = dry / "results" / "results.json"
    shutil.rmtree(dry / "submission")
    cheating_submission(LAB, dry / "submission", [results])
    env = {**os.environ, "P4LAB_AUTOGRADER_ROOT": str(dry)}
    done = subprocess.run(["bash", str(dry / "source" / "run_autograder")], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    written = results.read_text()
    assert json.loads(written)["score"] == 0
    if not privileges.in_use("p4lab-student"):  # else another grader on this machine has its own processes there
        assert not reaper.remaining(pwd.getpwnam("p4lab-student").pw_uid), "a student process outlived grading"
    time.sleep(0.3)
    assert results.read_text() == written
    for secret in ("leap_year", "retention_days=365)", "ROUNDS = 8"):
        assert secret not in written, f"{secret!r} leaked into results.json"


def test_the_class_csv_has_every_student(workspace: Path) -> None:
    rows = {row["student"]: row for row in csv.DictReader((workspace / "lab01-grades.csv").open())}
    assert sorted(rows) == ["alice", "bob", "carol", "dave", "erin", "frank"]
    assert float(rows["alice"]["score"]) == float(rows["bob"]["score"]) == float(rows["alice"]["max_score"]) == 115
    assert float(rows["carol"]["score"]) <= 11.5 and float(rows["frank"]["score"]) == 0
    assert "several folders" in rows["dave"]["problem"] and "Missing" in rows["erin"]["problem"]
    for student in rows:
        assert json.loads((workspace / "submissions" / student / "results.json").read_text()).get("max_score") == 115
