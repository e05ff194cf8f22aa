"""Short drills on the embedded target, as `make test` runs them: the pipeline must survive
killed workers and poison input, and every setting a drill changed must be back afterwards.

The session's stack is shared with other tests: the drills only judge their own uploads, and
these tests check that concurrency, clocks, the fault switch and the role are as before.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from chaos import context, ledger, runner
from chaos.summary import Summary, summarise

pytestmark = pytest.mark.e2e

KILL_WORKERS = {  # ~30 s: 10 small photos, a kill per second for 6 s, redelivery after 15 s
    "uploads": 10,
    "image_px": 640,
    "upload_rate_per_s": 5,
    "function_timeout_s": 10,
    "visibility_timeout_s": 15,
    "kill_for_s": 6,
    "kill_every_s": 1,
    "drain_timeout_s": 120,
}
POISON = {  # ~25 s: maxReceiveCount (5) deliveries 4 s apart, then a redrive
    "uploads": 4,
    "corrupt_uploads": 2,
    "unreadable_uploads": 2,
    "image_px": 512,
    "visibility_timeout_s": 4,
    "dead_letter_timeout_s": 90,
    "drain_timeout_s": 90,
}


def _settings(pipeline: Any) -> dict[str, Any]:
    """What the drills may change, read straight from the services."""
    target, outputs = pipeline.target, pipeline.outputs
    function = outputs["FunctionName"]
    lam = target.client("lambda")
    config = lam.get_function_configuration(FunctionName=function)
    role = config["Role"].rsplit("/", 1)[1]
    return {
        "timeout": config["Timeout"],
        "reserved": lam.get_function_concurrency(FunctionName=function).get(
            "ReservedConcurrentExecutions"
        ),
        "visibility": target.client("sqs").get_queue_attributes(
            QueueUrl=outputs["QueueUrl"], AttributeNames=["VisibilityTimeout"]
        )["Attributes"],
        "switch": target.client("ssm").get_parameter(Name=outputs["FaultInjectionParameterName"])[
            "Parameter"
        ]["Value"],
        "role_policies": sorted(
            target.client("iam").list_role_policies(RoleName=role)["PolicyNames"]
        ),
    }


def _run(name: str, configuration: dict[str, Any], journal: Path) -> tuple[Summary, float]:
    started = time.monotonic()
    result = runner.run(runner.experiment_path(name), configuration, journal)
    return summarise(result), time.monotonic() - started


def test_kill_workers_drill(
    pipeline: Any, drill_connection: dict[str, Any], tmp_path: Path
) -> None:
    before = _settings(pipeline)
    summary, seconds = _run(
        "kill-workers", {**KILL_WORKERS, **drill_connection}, tmp_path / "journal.json"
    )
    assert summary.held, summary
    assert summary.kills >= 1, "no busy worker was found to kill: the drill proved nothing"
    assert (
        summary.uploads,
        summary.processed,
        summary.lost,
        summary.duplicates,
        summary.dead_letters,
    ) == (10, 10, 0, 0, 0)
    assert _settings(pipeline) == before
    assert ledger.pending(context.resolve(drill_connection)) == []
    assert seconds < 90


def test_poison_drill(pipeline: Any, drill_connection: dict[str, Any], tmp_path: Path) -> None:
    before = _settings(pipeline)
    summary, seconds = _run("poison", {**POISON, **drill_connection}, tmp_path / "journal.json")
    assert summary.held, summary
    checks = {e["name"]: e["met"] for e in summary.expectations}
    assert checks == {
        "healthy uploads unaffected, corrupt ones FAILED": True,
        "poison reached the DLQ": True,
        "DLQ alarm condition met": True,
        "DLQ alarm condition clear": True,
    }
    assert (summary.uploads, summary.processed, summary.dead_letters) == (8, 8, 0)
    assert _settings(pipeline) == before
    assert seconds < 90
