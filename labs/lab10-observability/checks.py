"""Observability: alarms on the DLQ, the backlog's age and retried records, tested by a poison drill."""

from __future__ import annotations

import io
import json
import operator
import tempfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from labs.grader import Partial, Submission, check

FILES = ["observability.yaml"]
TIME_LIMIT_S = 900

REMOVED = ("DeadLetterAlarm", "OldestMessageAlarm")  # the reference's alarms: the lab's answer
HANDLER_NAMESPACE = "p4lab"  # POWERTOOLS_METRICS_NAMESPACE in the template
HANDLER_DIMENSIONS = {"service": "p4lab-processor"}  # Powertools' default dimension set (EMF)
COMPARE: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanThreshold": operator.gt,
    "GreaterThanOrEqualToThreshold": operator.ge,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}


# ----------------------------------------------------------------------------- the template
def base_template() -> dict[str, Any]:
    """The reference template without its alarms: what the student's resources are added to."""
    from cfnlint.decode import decode_str

    from reference.deploy import TEMPLATE_PATH

    template = decode_str(TEMPLATE_PATH.read_text())[0]
    for name in REMOVED:
        del template["Resources"][name]
    return template


def _merged(sub: Submission) -> dict[str, Any]:
    from cfnlint.decode import decode_str

    added, errors = decode_str(sub.text("observability.yaml"))
    assert not errors and isinstance(added, dict), f"observability.yaml does not parse: {errors[0] if errors else 'empty'}"
    resources = added.get("Resources") or {}
    assert isinstance(resources, dict), "observability.yaml must have a Resources mapping"
    unknown = set(added) - {"Resources", "Outputs"}
    assert not unknown, f"only Resources (and Outputs) are yours to add, not {', '.join(sorted(unknown))}"
    template = base_template()
    clash = set(resources) & set(template["Resources"])
    assert not clash, f"these names are already in the template: {', '.join(sorted(clash))}"
    template["Resources"].update(resources)
    template.setdefault("Outputs", {}).update(added.get("Outputs") or {})
    return template


def _alarms(template: dict) -> dict[str, dict]:
    return {n: r.get("Properties", {}) for n, r in template["Resources"].items() if r.get("Type") == "AWS::CloudWatch::Alarm"}


def _dimensions(alarm: dict) -> dict[str, str]:
    return {d.get("Name"): json.dumps(d.get("Value"), default=str).strip('"') for d in alarm.get("Dimensions") or []}


def _fires_at(alarm: dict, value: float) -> bool:
    compare = COMPARE.get(alarm.get("ComparisonOperator", ""))
    assert compare, f"unknown ComparisonOperator {alarm.get('ComparisonOperator')!r}"
    return compare(value, float(alarm.get("Threshold", 0)))


def _queue_alarm(template: dict, metric: str, queue: str) -> dict | None:
    for alarm in _alarms(template).values():
        dims = _dimensions(alarm)
        if alarm.get("Namespace") == "AWS/SQS" and alarm.get("MetricName") == metric and queue in dims.get("QueueName", ""):
            return alarm
    return None


def _retries_alarms(template: dict) -> list[dict]:
    return [a for a in _alarms(template).values() if a.get("Namespace") == HANDLER_NAMESPACE and a.get("MetricName") == "RecordsRetried"]


# ----------------------------------------------------------------------------- static checks
@check(10, timeout_s=60, hint="Run cfn-lint on the merged template; Ref/GetAtt names must exist in the reference template.")
def lint(sub: Submission) -> None:
    """the template with your resources passes cfn-lint"""
    import cfnlint.api

    text = json.dumps(_merged(sub), default=str)
    matches = cfnlint.api.lint(text, regions=["us-east-1"])
    assert not matches, "cfn-lint: " + "; ".join(f"{m.rule.id}: {m.message}" for m in matches[:5])


@check(20, hint="AWS/SQS ApproximateNumberOfMessagesVisible on the DLQ (QueueName: !GetAtt DeadLetterQueue.QueueName), "
       "one message is too many, missing data is not an incident.")
def dead_letter_alarm(sub: Submission) -> None:
    """an alarm fires as soon as one message is in the dead-letter queue"""
    alarm = _queue_alarm(_merged(sub), "ApproximateNumberOfMessagesVisible", "DeadLetterQueue")
    assert alarm, "no alarm watches ApproximateNumberOfMessagesVisible of the DeadLetterQueue"
    assert _fires_at(alarm, 1) and not _fires_at(alarm, 0), "it must fire at 1 message and stay quiet at 0"
    assert int(alarm.get("Period", 300)) <= 300, "a period above 5 minutes finds poison messages late"
    assert alarm.get("TreatMissingData") == "notBreaching", "an empty DLQ publishes no data: treat missing data as not breaching"


@check(15, hint="AWS/SQS ApproximateAgeOfOldestMessage on the ingest queue: uploads waiting minutes mean throttling or failures.")
def backlog_age_alarm(sub: Submission) -> None:
    """an alarm fires when uploads wait too long in the queue"""
    alarm = _queue_alarm(_merged(sub), "ApproximateAgeOfOldestMessage", "IngestQueue")
    assert alarm, "no alarm watches ApproximateAgeOfOldestMessage of the IngestQueue"
    assert _fires_at(alarm, 900) and not _fires_at(alarm, 10), "fire within 15 minutes of waiting, not on a normal 10 s"


@check(15, hint="The handler publishes RecordsRetried (namespace p4lab, dimension service=p4lab-processor) as EMF in its "
       "JSON logs. Alarm on retries, not on UploadsRejected: a rejected corrupt file is the system working.")
def retries_alarm(sub: Submission) -> None:
    """an alarm on the handler's RecordsRetried metric, with the dimensions it is published with"""
    alarms = _retries_alarms(_merged(sub))
    assert alarms, f"no alarm on {HANDLER_NAMESPACE}/RecordsRetried"
    alarm = alarms[0]
    assert _dimensions(alarm) == HANDLER_DIMENSIONS, (
        f"dimensions {_dimensions(alarm)} never match the published {HANDLER_DIMENSIONS}: the alarm would never fire"
    )
    assert alarm.get("Statistic") in ("Sum", "Maximum", "SampleCount"), "use Sum (or Maximum) of retries per period"
    assert _fires_at(alarm, 1) and not _fires_at(alarm, 0), "it must fire at 1 retried record and stay quiet at 0"


# ----------------------------------------------------------------------------- the drill
def _emf_values(events: list[dict], alarm: dict) -> dict[int, list[float]]:
    """Values the handler published for the alarm's metric, per alarm period (from EMF log lines)."""
    period_ms = int(alarm.get("Period", 60)) * 1000
    buckets: dict[int, list[float]] = defaultdict(list)
    for event in events:
        try:
            record = json.loads(event["message"])
        except (ValueError, TypeError):
            continue
        meta = record.get("_aws") if isinstance(record, dict) else None
        if not meta:
            continue
        for directive in meta.get("CloudWatchMetrics", []):
            names = {m["Name"] for m in directive.get("Metrics", [])}
            if directive.get("Namespace") != alarm.get("Namespace") or alarm.get("MetricName") not in names:
                continue
            for dimension_set in directive.get("Dimensions", []):
                if {d: record.get(d) for d in dimension_set} == _dimensions(alarm):
                    values = record.get(alarm["MetricName"])
                    buckets[meta["Timestamp"] // period_ms] += values if isinstance(values, list) else [values]
    return buckets


def _would_fire(alarm: dict, buckets: dict[int, list[float]]) -> bool:
    statistic = {"Sum": sum, "Maximum": max, "SampleCount": len, "Average": lambda v: sum(v) / len(v)}[alarm.get("Statistic", "Sum")]
    needed = int(alarm.get("DatapointsToAlarm") or alarm.get("EvaluationPeriods", 1))
    breaching = sorted(b for b, values in buckets.items() if values and _fires_at(alarm, statistic(values)))
    return any(all(b + k in breaching for k in range(needed)) for b in breaching)


@check(40, needs_emulator=True, timeout_s=600, hint="Deploy the merged template yourself and run `p4lab chaos run poison`; "
       "then read the function's log group: the EMF lines are what your metric alarm sees.")
def poison_drill(sub: Submission) -> str | Partial:
    """a poison drill: the DLQ alarm's condition is met, and the retries alarm would have fired"""
    from rich.console import Console

    from chaos import runner
    from chaos.summary import summarise
    from reference import deploy

    template = _merged(sub)
    assert _queue_alarm(template, "ApproximateNumberOfMessagesVisible", "DeadLetterQueue"), "the drill needs the DLQ alarm first"
    target, stack = sub.target(), f"lab10-{sub.run_id}"
    emulator = sub.emulator
    assert emulator is not None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "template.json"
        path.write_text(json.dumps(template, default=str))
        deploy.deploy(target, stack, console=Console(file=io.StringIO()), template=path)
        connection = {"p4lab_target": "embedded", "p4lab_stack": stack, "p4lab_endpoint": emulator.endpoint,
                      "p4lab_ca_bundle": emulator.ca_bundle, "p4lab_pgid": str(emulator.pgid)}  # fmt: skip
        journal = runner.run(runner.experiment_path("poison"), connection, Path(folder) / "journal.json")
    summary = summarise(journal)
    unmet = [e for e in summary.expectations if not e.get("met")]
    assert summary.held and not unmet, "the poison drill failed: " + "; ".join(
        [f"{e.get('name')}: {e.get('detail')}" for e in unmet] + summary.failed_activities
    )
    group = f"/aws/lambda/{stack}-processor"
    logs = target.client("logs")
    events = [e for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group) for e in page["events"]]
    fired = [a for a in _retries_alarms(template) if _would_fire(a, _emf_values(events, a))]
    if not fired:
        return Partial(0.5, "the drill held and the DLQ alarm's condition was met, but no RecordsRetried alarm "
                           "would have fired on the handler's metrics during the drill")
    return f"{summary.dead_letters} dead letters at the end; DLQ and retries alarms would have fired"
