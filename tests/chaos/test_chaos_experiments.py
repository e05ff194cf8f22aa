"""The experiment files, the drill record, the journal summary and the report: no emulator needed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from chaoslib.experiment import ensure_experiment_is_valid
from chaoslib.loader import load_experiment

from chaos import drill, ledger, runner, workers
from chaos.cli import _overrides
from chaos.context import Stack
from chaos.report import write_report
from chaos.summary import summarise
from reference.errors import UserError

EXPERIMENTS = runner.experiment_names()
# Actions that change the stack, and the function that must appear among the rollbacks.
UNDO = {
    "shorten_redelivery": "restore_redelivery",
    "throttle": "restore_concurrency",
    "set_fault_injection": "clear_fault_injection",
    "deny_reads": "allow_reads",
}


def test_the_four_drills_of_the_issue_exist() -> None:
    assert {"kill-workers", "throttle", "poison", "dependency-faults"} <= set(EXPERIMENTS)


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_experiment_is_valid_for_chaos_toolkit(name: str) -> None:
    """What `chaos run` checks first: schema, and every python provider importable with matching arguments."""
    ensure_experiment_is_valid(load_experiment(str(runner.experiment_path(name))))


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_every_change_has_a_rollback(name: str) -> None:
    experiment = json.loads(runner.experiment_path(name).read_text())
    changes = {a["provider"]["func"] for a in experiment["method"] if a["provider"]["func"] in UNDO}
    undone = {a["provider"]["func"] for a in experiment.get("rollbacks", [])}
    assert {UNDO[change] for change in changes} <= undone


def test_all_drills_share_one_steady_state() -> None:
    """The hypothesis is the pipeline's contract, not the drill's: the same probes, tolerance 0."""
    hypotheses = {
        name: [
            (p["name"], p["provider"]["func"], p["tolerance"])
            for p in json.loads(runner.experiment_path(name).read_text())[
                "steady-state-hypothesis"
            ]["probes"]
        ]
        for name in EXPERIMENTS
    }
    first = next(iter(hypotheses.values()))
    assert all(probes == first for probes in hypotheses.values())
    assert all(tolerance == 0 for _, _, tolerance in first)


def test_unknown_experiment_and_configuration_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="No experiment 'nope'"):
        runner.experiment_path("nope")
    with pytest.raises(UserError, match="no configuration key uplods"):
        runner.run(runner.experiment_path("throttle"), {"uplods": 3}, tmp_path / "journal.json")


def test_var_values_are_json_when_they_can_be() -> None:
    assert _overrides(["kill_for_s=20", 'dependencies=["s3"]', "p4lab_stack=lab"]) == {
        "kill_for_s": 20,
        "dependencies": ["s3"],
        "p4lab_stack": "lab",
    }
    with pytest.raises(UserError):
        _overrides(["kill_for_s"])


def test_drill_windows_and_expectations() -> None:
    record = drill.reset()
    drill.open_window("throttled")
    drill.open_window("throttled")  # already open: no second window
    drill.close_window("throttled")
    drill.expect("uploads wait", False, "0 visible")
    snapshot = drill.snapshot()
    assert len(snapshot["windows"]) == 1 and snapshot["windows"][0]["end"] is not None
    assert snapshot["expectations"][0]["met"] is False
    assert record.owner("unreadable") == f"chaos-{record.id}-unreadable"
    drill.reset()


def test_function_workers_are_found_by_their_environment() -> None:
    """A stand-in worker: a process in its own group whose environment names the function."""
    env = {**os.environ, "AWS_LAMBDA_FUNCTION_NAME": "drill-fn"}
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(30)"], env=env, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 5
        while not workers.function_workers(child.pid, "drill-fn") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert workers.function_workers(child.pid, "drill-fn") == [child.pid]
        assert workers.function_workers(child.pid, "other-fn") == []
        assert workers.cpu_ticks(child.pid) is not None
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()


def test_ledger_keeps_the_first_original_and_restores_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("P4LAB_STATE_DIR", str(tmp_path))
    restored: list[object] = []
    ledger.restorer("test_setting")(lambda stack, resource, original: restored.append(original))
    stack = Stack.on(_FakeTarget(), "s")  # type: ignore[arg-type]
    ledger.remember(stack, "test_setting", "queue", 360)
    ledger.remember(
        stack, "test_setting", "queue", 10
    )  # a second fault must not become "the original"
    assert ledger.pending(stack)[0]["original"] == 360
    assert ledger.restore_all(stack) == ["test_setting queue"]
    assert restored == [360]
    assert ledger.restore(stack, "test_setting") == 0 and ledger.pending(stack) == []


class _FakeTarget:
    class name:  # noqa: N801 (mimics the enum member's .value)
        value = "embedded"

    endpoint_url = "https://127.0.0.1:1"


def _journal(before: bool, after: bool) -> dict:
    started = 1_000.0
    uploads = [
        {
            "image_id": f"{i:032x}",
            "group": "healthy",
            "expect": "DONE",
            "name": f"{i}.jpg",
            "posted_at": started + 1 + i * 0.1,
            "status": "DONE" if i < 9 else "PENDING",
            "reason": None,
            "uploaded_at": None,
            "done_at": f"1970-01-01T00:{(started + 30 + i) // 60:02.0f}:{(started + 30 + i) % 60:06.3f}+00:00"
            if i < 9
            else None,
        }
        for i in range(10)
    ]
    record = {
        "id": "abc123",
        "started_at": started,
        "uploads": uploads,
        "kills": [
            {"at": started + 3, "pid": 1, "detail": "busy"},
            {"at": started + 5, "pid": 2, "detail": "busy"},
        ],
        "windows": [{"label": "workers killed", "start": started + 2, "end": started + 12}],
        "expectations": [],
        "notes": [],
        "duplicates": {"items": 0, "variants": 1, "rewrites": 3},
        "dead_letters": 0,
    }
    return {
        "experiment": {"title": "Drill", "description": "d", "configuration": {"uploads": 10}},
        "status": "completed",
        "deviated": not after,
        "start": "s",
        "end": "e",
        "duration": 40.0,
        "steady_states": {
            "before": {"steady_state_met": before},
            "after": {"steady_state_met": after},
        },
        "run": [
            {
                "activity": {"name": "drill-summary"},
                "status": "succeeded",
                "output": record,
                "duration": 0.1,
            }
        ],
        "rollbacks": [],
        "configuration_overrides": {"uploads": 10},
    }


def test_summary_counts_from_the_journal() -> None:
    summary = summarise(_journal(True, False))
    assert (summary.uploads, summary.processed, summary.lost, summary.wrong) == (10, 9, 1, 0)
    assert (summary.duplicates, summary.rewrites, summary.kills) == (1, 3, 2)
    assert summary.drain_s == pytest.approx(
        38 - 12, abs=0.01
    )  # last completion (t=38) - fault end (t=12)
    assert summary.hypothesis_before and not summary.hypothesis_after and not summary.held


def test_summary_without_a_method_is_not_a_pass() -> None:
    journal = _journal(False, False)
    journal["run"], journal["steady_states"]["after"] = [], None
    summary = summarise(journal)
    assert summary.uploads == 0 and summary.hypothesis_after is None and not summary.held


def test_report_writes_markdown_and_a_png(tmp_path: Path) -> None:
    path = write_report(_journal(True, True), tmp_path, "kill-workers")
    text = path.read_text()
    png = tmp_path / "kill-workers-timeline.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "![timeline](kill-workers-timeline.png)" in text and "| workers killed | 2 |" in text


def _p4lab(*args: str) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).parent / "p4lab"), "chaos", *args]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "200"}
    )


def test_cli_lists_the_drills_and_refuses_unknown_ones() -> None:
    listed = _p4lab("list")
    assert listed.returncode == 0 and all(name in listed.stdout for name in EXPERIMENTS)
    unknown = _p4lab("run", "nope")
    assert (
        unknown.returncode == 2
        and "No experiment 'nope'" in unknown.stderr
        and "Traceback" not in unknown.stderr
    )


def test_cli_report_rebuilds_a_report_from_a_journal(tmp_path: Path) -> None:
    journal = tmp_path / "journal.json"
    journal.write_text(json.dumps(_journal(True, True)))
    result = _p4lab("report", str(journal))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "journal-report.md").exists() and (
        tmp_path / "journal-timeline.png"
    ).exists()
