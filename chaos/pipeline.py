"""Probes on the pipeline and the drill's uploads, and the waits between a fault and its verdict.

The steady-state hypothesis of every drill uses the same four numbers, each with tolerance 0,
meaningful before the method (an idle, healthy pipeline: all zero) and after it:

* ``dead_letters``        — messages in the DLQ;
* ``unfinished_uploads``  — drill uploads not in the state they must end in (lost, stuck,
  or wrong: a healthy photo FAILED);
* ``duplicate_outputs``   — a second item for one upload, a variant listed twice, or a
  delivery object the item does not list;
* ``broken_expectations`` — checks made during the method that did not hold (e.g. the DLQ
  alarm condition was not met while poison sat in the DLQ).

A variant *rewritten* (several versions of one key: a retry after the variants were written)
is not a duplicate; deterministic keys make it harmless. It is counted and reported.
"""

from __future__ import annotations

import operator
import time
from collections import Counter
from typing import Any

from chaos import drill
from chaos.context import Configuration, Stack, resolve
from reference.handler import keys
from reference.status import FINAL_STATES, Images

POLL_S = 0.5
QUIET_S = 10.0  # an empty queue for this long means the rest is not coming (S3 events can lag a few s)
_COMPARISONS = {
    "GreaterThanThreshold": operator.gt,
    "GreaterThanOrEqualToThreshold": operator.ge,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}


# ----------------------------------------------------------------------------- queues
def _queue_counts(stack: Stack, queue_url: str) -> tuple[int, int]:
    attributes = stack.client("sqs").get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


def dead_letters(configuration: Configuration | None = None) -> int:
    """Messages in the dead-letter queue (visible or being read)."""
    stack = resolve(configuration)
    return sum(_queue_counts(stack, stack.outputs["DeadLetterQueueUrl"]))


def backlog(configuration: Configuration | None = None) -> dict[str, int]:
    """Messages waiting in the ingest queue (visible) and being processed (in flight)."""
    stack = resolve(configuration)
    visible, in_flight = _queue_counts(stack, stack.outputs["QueueUrl"])
    return {"visible": visible, "in_flight": in_flight}


# ----------------------------------------------------------------------------- the drill's uploads
def _items(stack: Stack, uploads: list[drill.Upload]) -> dict[str, dict]:
    return {item["image_id"]: item for item in Images(stack.target, stack.outputs).get([u.image_id for u in uploads])}


def _unfinished(uploads: list[drill.Upload], items: dict[str, dict]) -> list[drill.Upload]:
    return [u for u in uploads if items.get(u.image_id, {}).get("status") != u.expect]


def unfinished_uploads(configuration: Configuration | None = None) -> int:
    """Drill uploads not (yet) in the state they must end in: 0 before the method, 0 after."""
    uploads = drill.uploads()
    if not uploads:
        return 0
    return len(_unfinished(uploads, _items(resolve(configuration), uploads)))


def duplicates(stack: Stack, uploads: list[drill.Upload], items: dict[str, dict]) -> dict[str, int]:
    """Second items, repeated variants, unlisted delivery objects; and (not a fault) rewrites."""
    images = Images(stack.target, stack.outputs)
    ours = {u.image_id for u in uploads}
    extra_items = 0
    for owner in {drill.current().owner(u.group) for u in uploads}:
        found = images.by_owner(owner, limit=1000)
        per_key = Counter(item.get("upload_key") for item in found)
        extra_items += sum(n - 1 for n in per_key.values()) + sum(1 for item in found if item["image_id"] not in ours)
    s3 = stack.client("s3")
    repeated = unlisted = rewrites = 0
    for image_id, item in items.items():
        listed = [v["key"] for v in item.get("variants", [])]
        repeated += len(listed) - len(set(listed))
        prefix = keys.variant_key(image_id, "")
        versions = s3.list_object_versions(Bucket=stack.outputs["DeliveryBucketName"], Prefix=prefix).get("Versions", [])
        per_key = Counter(v["Key"] for v in versions)
        unlisted += len(set(per_key) - set(listed))
        rewrites += sum(n - 1 for n in per_key.values())
    return {"items": extra_items, "variants": repeated + unlisted, "rewrites": rewrites}


def duplicate_outputs(configuration: Configuration | None = None) -> int:
    """Duplicate items or variants among the drill's uploads (rewrites of one key do not count)."""
    uploads = drill.uploads()
    if not uploads:
        return 0
    stack = resolve(configuration)
    found = duplicates(stack, uploads, _items(stack, uploads))
    return found["items"] + found["variants"]


def broken_expectations() -> int:
    """Checks made during the method that did not hold."""
    return sum(1 for e in drill.current().expectations if not e.met)


# ----------------------------------------------------------------------------- waits and checks
def wait_for_drain(
    timeout_s: float = 120,
    groups: list[str] | None = None,
    expectation: str = "",
    configuration: Configuration | None = None,
) -> dict[str, Any]:
    """Wait until the drill's uploads (of ``groups``) are in their expected final state.

    Uploads still being posted by a background activity are waited for first. Returns rather
    than raises on timeout: whether anything was lost is the hypothesis' call (or, with
    ``expectation``, recorded as a named check).
    """
    stack = resolve(configuration)
    started = time.monotonic()
    drill.wait_for_uploaders(float(timeout_s))
    uploads = drill.uploads(groups)
    quiet_since: float | None = None
    while True:
        items = _items(stack, uploads)
        waiting = _unfinished(uploads, items)
        if not waiting or time.monotonic() - started > float(timeout_s):
            break
        # Nothing visible or in flight for a while: what is still unfinished was dead-lettered
        # or lost, and waiting longer cannot change that (a broken drill ends quickly).
        if sum(_queue_counts(stack, stack.outputs["QueueUrl"])) == 0:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since > QUIET_S:
                break
        else:
            quiet_since = None
        time.sleep(POLL_S)
    states = Counter(items.get(u.image_id, {}).get("status", "MISSING") for u in uploads)
    if expectation:
        drill.expect(expectation, not waiting, f"{dict(states)} after {time.monotonic() - started:.1f} s")
    return {"drained": not waiting, "seconds": round(time.monotonic() - started, 1), "states": dict(states),
            "waiting": [u.image_id for u in waiting][:20]}


def wait_for_dead_letters(count: int, timeout_s: float = 120, configuration: Configuration | None = None) -> dict[str, Any]:
    """Wait until at least ``count`` messages are in the DLQ (poison after ``maxReceiveCount``)."""
    stack = resolve(configuration)
    started = time.monotonic()
    while (depth := sum(_queue_counts(stack, stack.outputs["DeadLetterQueueUrl"]))) < int(count):
        if time.monotonic() - started > float(timeout_s):
            break
        time.sleep(POLL_S)
    seconds = round(time.monotonic() - started, 1)
    drill.expect("poison reached the DLQ", depth >= int(count), f"{depth} of {count} expected dead letters after {seconds} s")
    return {"dead_letters": depth, "expected": int(count), "seconds": seconds}


def expect_waiting(min_messages: int, configuration: Configuration | None = None) -> dict[str, Any]:
    """Check that uploads wait in the queue and none completes (while the function is throttled)."""
    stack = resolve(configuration)
    visible, in_flight = _queue_counts(stack, stack.outputs["QueueUrl"])
    uploads = drill.uploads()
    finished = sum(1 for item in _items(stack, uploads).values() if item.get("status") in FINAL_STATES)
    met = visible >= int(min_messages) and finished == 0
    drill.expect("uploads wait while throttled", met, f"{visible} visible, {in_flight} in flight, {finished} finished")
    return {"visible": visible, "in_flight": in_flight, "finished": finished}


def dlq_alarm(configuration: Configuration | None = None) -> dict[str, Any]:
    """The DLQ alarm's definition evaluated against the DLQ now, and the alarm's own state.

    MiniStack 1.5.33 publishes no AWS/SQS metrics, so its alarm stays INSUFFICIENT_DATA; on AWS
    the metric arrives in 1-5 minute periods. Either way, the drill evaluates the alarm's own
    threshold and comparison (read from ``DescribeAlarms``) against the queue's attribute.
    """
    stack = resolve(configuration)
    queue_name = stack.outputs["DeadLetterQueueUrl"].rstrip("/").rsplit("/", 1)[1]
    alarms = [
        alarm
        for page in stack.client("cloudwatch").get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"])
        for alarm in page["MetricAlarms"]
        if {"Name": "QueueName", "Value": queue_name} in alarm.get("Dimensions", [])
    ]
    if not alarms:
        raise LookupError(f"no CloudWatch alarm watches the dead-letter queue {queue_name}")
    alarm = alarms[0]
    visible, _ = _queue_counts(stack, stack.outputs["DeadLetterQueueUrl"])
    compare = _COMPARISONS[alarm["ComparisonOperator"]]
    return {
        "alarm": alarm["AlarmName"],
        "state": alarm["StateValue"],
        "metric": alarm["MetricName"],
        "condition": f"{visible} {alarm['ComparisonOperator']} {alarm['Threshold']:g}",
        "condition_met": bool(compare(visible, alarm["Threshold"])),
    }


def expect_dlq_alarm(met: bool = True, configuration: Configuration | None = None) -> dict[str, Any]:
    """Record whether the DLQ alarm condition is (``met``) or is not met, as the drill expects."""
    observed = dlq_alarm(configuration)
    drill.expect(f"DLQ alarm condition {'met' if met else 'clear'}", observed["condition_met"] == bool(met),
                 f"{observed['condition']} (alarm {observed['alarm']} reports {observed['state']})")
    return observed


def drill_summary(configuration: Configuration | None = None) -> dict[str, Any]:
    """Everything the report needs, recorded in the journal: the drill record plus final states."""
    stack = resolve(configuration)
    uploads = drill.uploads()
    items = _items(stack, uploads) if uploads else {}
    record = drill.snapshot()
    for upload in record["uploads"]:
        item = items.get(upload["image_id"], {})
        upload.update(status=item.get("status", "MISSING"), reason=item.get("reason"),
                      uploaded_at=item.get("uploaded_at"), done_at=item.get("done_at"))
    record["duplicates"] = duplicates(stack, uploads, items) if uploads else {"items": 0, "variants": 0, "rewrites": 0}
    record["dead_letters"] = sum(_queue_counts(stack, stack.outputs["DeadLetterQueueUrl"]))
    record["stack"] = {"target": stack.target.name.value, "name": stack.name, "function": stack.outputs["FunctionName"]}
    return record
