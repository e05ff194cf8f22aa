"""Move dead letters back to the source queue, once the cause is fixed.

On AWS this is ``StartMessageMoveTask`` (the console's "Start DLQ redrive"): asynchronous, so we
wait for the task to finish. MiniStack 1.5.33 does not implement it (``InvalidAction``), so we
fall back to what the task does: receive from the DLQ, send each body to the source queue,
delete it from the DLQ. Send-then-delete is at least once (a crash between the two leaves a
copy in both queues), which the idempotent handler absorbs.
"""

from __future__ import annotations

import time
from typing import Any

from botocore.exceptions import ClientError

from chaos import drill
from chaos.context import Configuration, Stack, resolve

UNSUPPORTED = {"InvalidAction", "UnsupportedOperation", "UnknownOperationException", "AWS.SimpleQueueService.UnsupportedOperation"}
MOVE_TASK_TIMEOUT_S = 300
RECEIVE_VISIBILITY_S = 30  # long enough to send and delete one batch


def _arn(stack: Stack, queue_url: str) -> str:
    attributes = stack.client("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    return attributes["Attributes"]["QueueArn"]


def redrive_dead_letters(configuration: Configuration | None = None) -> dict[str, Any]:
    """Move every message of the DLQ back to the ingest queue; returns how many and how."""
    stack = resolve(configuration)
    sqs = stack.client("sqs")
    try:
        task = sqs.start_message_move_task(
            SourceArn=_arn(stack, stack.outputs["DeadLetterQueueUrl"]),
            DestinationArn=_arn(stack, stack.outputs["QueueUrl"]),
        )
    except ClientError as error:
        if error.response["Error"]["Code"] not in UNSUPPORTED:
            raise
        moved = _move_by_hand(stack)
        drill.note(f"Redrive: StartMessageMoveTask is not available here; moved {moved} messages by receive + send + delete.")
        return {"moved": moved, "method": "receive+send+delete"}
    return {"moved": _wait_for_task(stack, task["TaskHandle"]), "method": "StartMessageMoveTask"}


def _move_by_hand(stack: Stack) -> int:
    sqs = stack.client("sqs")
    dlq, source = stack.outputs["DeadLetterQueueUrl"], stack.outputs["QueueUrl"]
    moved = 0
    while True:
        messages = sqs.receive_message(
            QueueUrl=dlq, MaxNumberOfMessages=10, VisibilityTimeout=RECEIVE_VISIBILITY_S, WaitTimeSeconds=0
        ).get("Messages", [])
        if not messages:
            return moved
        entries = [{"Id": str(i), "MessageBody": m["Body"]} for i, m in enumerate(messages)]
        sent = sqs.send_message_batch(QueueUrl=source, Entries=entries)
        if sent.get("Failed"):
            raise RuntimeError(f"redrive could not send {len(sent['Failed'])} messages: {sent['Failed'][0]}")
        sqs.delete_message_batch(
            QueueUrl=dlq, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
        )
        moved += len(messages)


def _wait_for_task(stack: Stack, handle: str) -> int:
    sqs = stack.client("sqs")
    source_arn = _arn(stack, stack.outputs["DeadLetterQueueUrl"])
    deadline = time.monotonic() + MOVE_TASK_TIMEOUT_S
    while time.monotonic() < deadline:
        for task in sqs.list_message_move_tasks(SourceArn=source_arn).get("Results", []):
            if task.get("TaskHandle") != handle:
                continue
            if task["Status"] == "COMPLETED":
                return int(task.get("ApproximateNumberOfMessagesMoved", 0))
            if task["Status"] in ("FAILED", "CANCELLED"):
                raise RuntimeError(f"DLQ redrive task {task['Status']}: {task.get('FailureReason', 'no reason given')}")
        time.sleep(0.5)  # a move task of a few messages completes within a second
    raise TimeoutError(f"DLQ redrive task still running after {MOVE_TASK_TIMEOUT_S} s")
