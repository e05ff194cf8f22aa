"""Cheating gets nothing: forged credit, a child that outlives its check, stolen secrets, a copied
answer key (tests/labs/cheats/README.md), on every lab where students hand in code.

Each lab's cheating submission is graded once, as Gradescope does it (the grader is root, so
student code runs as the sandbox user), with hidden checks and a secret in the grader's
environment; the checks that deploy stacks are cheap here, since the attack fails them first."""

from __future__ import annotations

import ast
import json
import os
import pwd
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from labs.grader import Lab, all_labs, grade, reaper
from labs.grader.report import write_json
from reference.emulator import Emulator

CHEATS = Path(__file__).resolve().parent / "cheats"
PYTHON_LABS = [lab for lab in all_labs() if any(name.endswith(".py") for name in lab.files)]
CANARY = "p4lab-canary-5f1b0c"  # in the grader's environment and in the hidden checks: never in any output
SOLUTION_MARK = "SOLUTION-ONLY-LINE"


def _functions(source: str) -> list[str]:
    return [node.name for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)]


def cheating_submission(lab: Lab, folder: Path, targets: list[Path], *, kill: bool = True) -> Path:
    """The lab's starter files with the attack appended to each Python file."""
    folder.mkdir(parents=True, exist_ok=True)
    attack = (CHEATS / "attack.py").read_text()
    for name in lab.files:
        source = (lab.folder / name).read_text()
        if name.endswith(".py"):
            fill = {"@LAB@": repr(lab.name), "@FILE@": repr(name), "@FUNCTIONS@": repr(_functions(source)),
                    "@TARGETS@": repr([str(t) for t in targets]), "@KILL@": repr(kill)}  # fmt: skip
            code = attack
            for key, value in fill.items():
                code = code.replace(f'"{key}"', value)
            source += "\n" + code
        (folder / name).write_text(source)
    return folder


def hidden_checks(folder: Path, lab: Lab) -> Path:
    (folder / lab.name).mkdir(parents=True)
    (folder / lab.name / "canary.py").write_text(textwrap.dedent(f'''
        """A hidden check holding a secret ({CANARY}-hidden)."""
        from labs.grader import check

        @check(5, visibility="hidden")
        def canary(sub):
            """a hidden check"""
            assert sub.text({lab.files[0]!r}) == "{CANARY}-hidden", "not the secret"
    '''))
    return folder


def secrets_of(lab: Lab) -> list[str]:
    """Text that must not appear in any output: the canary, and lines found only in the answer key."""
    starters = "\n".join((lab.folder / name).read_text() for name in lab.files)
    lines = {line.strip() for path in sorted(lab.solution_folder.glob("*.py")) for line in path.read_text().splitlines()}
    unique = sorted(line for line in lines if len(line) > 25 and line not in starters)
    return [CANARY, *unique[:5]]


def _alive(user: str) -> list[int]:
    return reaper.remaining(pwd.getpwnam(user).pw_uid) if user else []


def _attack_outcome(lab: Lab, tmp_path: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> tuple:
    results = tmp_path / "results" / "results.json"
    submission = cheating_submission(lab, tmp_path / "submission", [results])
    monkeypatch.setenv("P4LAB_CANARY", CANARY)
    report = grade(lab, submission, hidden_checks(tmp_path / "hidden", lab), emulator=emulator)
    write_json([report], results)
    written = results.read_text()
    return report, results, written


@pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox user exists only when the grader is root (CI and Gradescope are)")
@pytest.mark.parametrize("lab", PYTHON_LABS, ids=[lab.name for lab in PYTHON_LABS])
def test_cheating_gets_no_credit(lab: Lab, tmp_path: Path, running_emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    report, results, written = _attack_outcome(lab, tmp_path, running_emulator, monkeypatch)
    outputs = "\n".join(o.output for o in report.outcomes)
    assert "STOLEN" in outputs, "the attack did not run: " + outputs[:500]
    assert report.score == 0, "credit from cheating: " + "; ".join(f"{o.name}: {o.score}" for o in report.outcomes if o.score)
    for secret in secrets_of(lab):
        assert secret not in outputs, f"{secret!r} leaked into the output"
    assert report.sandbox_user and not _alive(report.sandbox_user), "a student process outlived grading"
    time.sleep(1.0)  # a surviving child would rewrite results.json within 50 ms
    assert results.read_text() == written and json.loads(written)["score"] == 0


def test_a_chaos_experiment_runs_nothing_but_drill_steps(tmp_path: Path, running_emulator: Emulator) -> None:
    lab = next(lab for lab in all_labs() if lab.name.startswith("lab08"))
    marker = tmp_path / "ran"
    experiment = json.loads((lab.folder / "experiment.json").read_text())
    experiment["controls"] = [{"name": "spy", "provider": {"type": "python", "module": "os"}}]
    experiment["configuration"]["stolen"] = {"type": "env", "key": "AWS_SECRET_ACCESS_KEY"}
    experiment["method"] = [
        {"type": "action", "name": "shell", "provider": {"type": "process", "path": "touch", "arguments": str(marker)}},
        {"type": "action", "name": "python", "provider": {"type": "python", "module": "os", "func": "system",
                                                           "arguments": {"command": f"touch {marker}"}}},  # fmt: skip
    ]
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "experiment.json").write_text(json.dumps(experiment))
    report = grade(lab, tmp_path / "submission", emulator=running_emulator)
    assert report.score == 0 and not marker.exists()
    assert "may only use p4lab's drill steps" in report.outcomes[0].output


NONROOT = "p4lab-grader-test"


@pytest.mark.skipif(os.geteuid() != 0, reason="creating the unprivileged user who runs the grader needs root")
def test_grading_as_an_ordinary_user(tmp_path: Path) -> None:
    """Not root (a student's own machine): no sandbox user, but still no credit and nothing survives."""
    from labs.grader import privileges

    lab = PYTHON_LABS[0]
    if subprocess.run(["id", "-u", NONROOT], capture_output=True).returncode:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", NONROOT], check=True)
    user = pwd.getpwnam(NONROOT)
    home = tmp_path / "home"
    results = home / "results" / "results.json"
    submission = cheating_submission(lab, home / "submission", [results], kill=False)
    (home / "results").mkdir()
    for path in [home, *home.rglob("*")]:
        os.chown(path, user.pw_uid, user.pw_gid)
    for folder in privileges.blocking_folders([Path(sys.executable), home, Path(__file__)], user.pw_uid, user.pw_gid):
        privileges.grant_traversal(folder, user.pw_uid)
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "P4LAB_STATE_DIR": str(home / "state"), "COLUMNS": "200", "P4LAB_DEBUG": "1"}
    command = [sys.executable, "-m", "p4lab", "grade", lab.name, "--submission", str(submission), "--json", str(results)]
    result = subprocess.run(command, user=user.pw_uid, group=user.pw_gid, extra_groups=[], env=env, cwd=home,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 1 and results.exists(), result.stdout[-2000:] + result.stderr[-2000:]
    written = results.read_text()
    assert json.loads(written)["score"] == 0
    assert not reaper.remaining(user.pw_uid), "a student process outlived grading"
    time.sleep(1.0)
    assert results.read_text() == written



EMULATOR_USER = '''
"""A lab whose check reports who runs the emulator."""
import psutil
from labs.grader import check

FILES = []

@check(1, needs_emulator=True, timeout_s=60)
def who(sub):
    """the emulator's user"""
    return psutil.Process(sub.emulator.pgid).username()
'''


@pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox user exists only when the grader is root")
def test_the_emulator_the_grader_starts_runs_as_the_sandbox_user(tmp_path: Path) -> None:
    """A student's template or experiment can make the emulator run code: it must be no one's but the sandbox's."""
    folder = tmp_path / "labs" / "lab94-who"
    folder.mkdir(parents=True)
    (folder / "checks.py").write_text(textwrap.dedent(EMULATOR_USER))
    report = grade(all_labs(tmp_path / "labs")[0])
    assert report.outcomes[0].output == report.sandbox_user != "" and not _alive(report.sandbox_user)


@pytest.mark.skipif(os.geteuid() != 0, reason="only a grader running as root reads files the student cannot")
def test_a_link_to_the_answer_key_is_not_a_submitted_file(tmp_path: Path, running_emulator: Emulator) -> None:
    """A repository can hold a link; the grader reads submitted files as root, so it must not follow it."""
    lab = next(lab for lab in all_labs() if lab.name.startswith("lab06"))
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "settings.yaml").symlink_to(lab.solution_folder / "settings.yaml")
    report = grade(lab, tmp_path / "repo", emulator=running_emulator)
    assert report.score == 0 and "is a link to a file you cannot read" in report.outcomes[0].output
