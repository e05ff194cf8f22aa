"""Chaos engineering: a steady-state hypothesis that holds while Lambda workers are killed."""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path
from typing import Any

from labs.grader import Submission, check
from labs.grader.experiments import vet

FILES = ["experiment.json"]
TIME_LIMIT_S = 900

HYPOTHESIS_PROBES = {"dead_letters": "nothing dead-lettered", "unfinished_uploads": "no upload lost",
                     "duplicate_outputs": "nothing processed into two items"}  # fmt: skip
RESTORES = {  # an action that changes the pipeline -> the rollback that puts it back
    ("chaos.clocks", "shorten_redelivery"): ("chaos.clocks", "restore_redelivery"),
    ("chaos.capacity", "throttle"): ("chaos.capacity", "restore_concurrency"),
    ("chaos.faults", "set_fault_injection"): ("chaos.faults", "clear_fault_injection"),
    ("chaos.faults", "deny_reads"): ("chaos.faults", "allow_reads"),
}
CONNECTION_KEYS = ("p4lab_target", "p4lab_stack", "p4lab_endpoint", "p4lab_ca_bundle", "p4lab_pgid")
# The graded run is a short drill: these configuration values are lowered to at most this.
SHORT_DRILL = {"uploads": 8, "kill_for_s": 6}


def _experiment(sub: Submission) -> dict[str, Any]:
    try:
        experiment = json.loads(sub.text("experiment.json"))
    except json.JSONDecodeError as error:
        raise AssertionError(f"experiment.json is not JSON: {error}") from None
    assert isinstance(experiment, dict), "experiment.json must hold one JSON object"
    vet(experiment)  # the experiment is code: only p4lab's drill steps may run (before validating imports them)
    return experiment


def _calls(activities: list[dict]) -> list[tuple[str, str]]:
    return [(a.get("provider", {}).get("module", ""), a.get("provider", {}).get("func", "")) for a in activities or []]


@check(10, hint="Run `chaos validate experiment.json`: title, description, a steady-state hypothesis and a method.")
def valid(sub: Submission) -> None:
    """Chaos Toolkit accepts the experiment"""
    from chaoslib.exceptions import InvalidExperiment
    from chaoslib.experiment import ensure_experiment_is_valid

    experiment = _experiment(sub)
    try:
        ensure_experiment_is_valid(experiment)
    except InvalidExperiment as error:
        raise AssertionError(f"Chaos Toolkit says: {error}") from None
    assert experiment.get("method"), "the method is empty: an experiment must do something"
    assert "TODO" not in json.dumps(experiment), "TODOs are left in experiment.json"


@check(20, hint="One probe per promise, each from chaos.pipeline with tolerance 0: "
       + "; ".join(f"{f} ({why})" for f, why in HYPOTHESIS_PROBES.items()) + ".")
def hypothesis(sub: Submission) -> None:
    """the hypothesis promises: nothing lost, nothing dead-lettered, nothing duplicated"""
    probes = (_experiment(sub).get("steady-state-hypothesis") or {}).get("probes") or []
    tolerances = {
        (p.get("provider", {}).get("module"), p.get("provider", {}).get("func")): p.get("tolerance") for p in probes
    }
    for func, why in HYPOTHESIS_PROBES.items():
        assert ("chaos.pipeline", func) in tolerances, f"the hypothesis does not check {why} (chaos.pipeline.{func})"
        got = tolerances[("chaos.pipeline", func)]
        assert got == 0, f"{func}'s tolerance must be 0 ({why}), not {got!r}"


@check(15, hint="Uploads must be flowing while workers die: upload in the background, kill, then wait for the drain.")
def method(sub: Submission) -> None:
    """the method uploads in the background, kills workers, then waits for the queue to drain"""
    steps = _experiment(sub).get("method") or []
    calls = _calls(steps)
    uploads = [s for s in steps if _calls([s]) == [("chaos.uploads", "upload_images")]]
    assert uploads, "the method makes no uploads (chaos.uploads.upload_images)"
    assert any(s.get("background") for s in uploads), "upload in the background, or the kills only hit an idle function"
    assert ("chaos.workers", "kill_workers") in calls, "the method kills no workers (chaos.workers.kill_workers)"
    assert ("chaos.pipeline", "wait_for_drain") in calls, "without waiting for the drain, the hypothesis is checked too early"
    kills, drain = calls.index(("chaos.workers", "kill_workers")), calls.index(("chaos.pipeline", "wait_for_drain"))
    assert kills < drain, "wait for the drain after the kills"


@check(15, hint="Whatever the method changes (redelivery clock, concurrency, faults) a rollback restores, even if the run fails.")
def rollbacks(sub: Submission) -> None:
    """every change the method makes is undone by a rollback"""
    experiment = _experiment(sub)
    assert experiment.get("method"), "there is no method yet, so nothing to roll back"
    changes = [c for c in _calls(experiment.get("method") or []) if c in RESTORES]
    undone = set(_calls(experiment.get("rollbacks") or []))
    for change in changes:
        assert RESTORES[change] in undone, f"{'.'.join(change)} is never undone: add {'.'.join(RESTORES[change])} to the rollbacks"


def _shortened(sub: Submission) -> dict[str, Any]:
    """SHORT_DRILL values for the keys the experiment declares with a larger plain number."""
    declared = _experiment(sub).get("configuration") or {}
    return {
        key: limit
        for key, limit in SHORT_DRILL.items()
        if isinstance(declared.get(key), (int, float)) and declared[key] > limit
    }


@check(40, needs_emulator=True, timeout_s=600, hint="Run it yourself: `p4lab chaos run experiment.json` and read the report.")
def holds_under_fire(sub: Submission) -> str:
    """run on the embedded pipeline: the hypothesis holds before and after workers are killed"""
    from rich.console import Console

    from chaos import runner
    from chaos.summary import summarise
    from reference import deploy

    declared = set(_experiment(sub).get("configuration") or {})
    missing = [key for key in CONNECTION_KEYS if key not in declared]
    assert not missing, f"the configuration must declare {', '.join(missing)} (keep the starter's block) so the drill finds the stack"
    target, stack = sub.target(), f"lab08-{sub.run_id}"
    deploy.deploy(target, stack, console=Console(file=io.StringIO()))
    emulator = sub.emulator
    assert emulator is not None
    connection = {"p4lab_target": "embedded", "p4lab_stack": stack, "p4lab_endpoint": emulator.endpoint,
                  "p4lab_ca_bundle": emulator.ca_bundle, "p4lab_pgid": str(emulator.pgid)}  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        journal = runner.run(sub.path("experiment.json"), {**_shortened(sub), **connection}, Path(folder) / "journal.json")
    summary = summarise(journal)
    assert summary.hypothesis_before, "the hypothesis did not hold before the method ran"
    assert not summary.failed_activities, f"activities failed: {'; '.join(summary.failed_activities)}"
    assert summary.kills >= 1, "no worker was killed: the experiment did not inject the failure"
    assert summary.hypothesis_after, (
        f"the hypothesis did not hold after the kills ({summary.lost} lost, {summary.dead_letters} dead letters)"
    )
    return f"{summary.uploads} uploads, {summary.kills} workers killed, {summary.dead_letters} dead letters"
