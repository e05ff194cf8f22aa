"""The queue's redelivery clock, shortened for a drill that has to fit in a class.

A failed or killed batch comes back only when its visibility timeout expires: 360 s with the
template's defaults (6 x the 60 s function timeout). A drill that waits for redeliveries
therefore shortens the clock first, as an explicit action with a rollback, and says so in its
report. What must stay true while it is short:

* visibility >= function timeout + a margin. A killed invocation leaves its Powertools
  idempotency record IN_PROGRESS until the invocation's deadline (start + function timeout).
  A redelivery that arrives earlier is refused as "already in progress", fails again, and
  after ``maxReceiveCount`` deliveries a perfectly healthy upload is in the DLQ;
* visibility > the longest batch, or a message still being processed is handed to a second
  invocation (harmless thanks to idempotency, but it burns a delivery).

So a drill may also shorten the *function* timeout (``function_timeout_s``), which on MiniStack
restarts the function's workers (a cold start), and on AWS is an ordinary configuration change.
Limitations: the queue's new visibility applies to messages received after the change; messages
already in flight keep the clock they were received with (on AWS as on MiniStack).
"""

from __future__ import annotations

from typing import Any

from chaos import drill, ledger
from chaos.context import Configuration, Stack, resolve

SAFETY_MARGIN_S = 5  # worker start-up between the receive and the invocation's own clock


def shorten_redelivery(
    visibility_timeout_s: int, function_timeout_s: int = 0, configuration: Configuration | None = None
) -> dict[str, Any]:
    """Set the queue's visibility timeout (and optionally the function's timeout) for the drill."""
    stack = resolve(configuration)
    queue, function = stack.outputs["QueueUrl"], stack.outputs["FunctionName"]
    lam = stack.client("lambda")
    current_timeout = int(lam.get_function_configuration(FunctionName=function)["Timeout"])
    if function_timeout_s and int(function_timeout_s) != current_timeout:
        ledger.remember(stack, "function_timeout", function, current_timeout)
        lam.update_function_configuration(FunctionName=function, Timeout=int(function_timeout_s))
        lam.get_waiter("function_updated_v2").wait(FunctionName=function, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        current_timeout = int(function_timeout_s)
    sqs = stack.client("sqs")
    original = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["VisibilityTimeout"])["Attributes"]["VisibilityTimeout"]
    ledger.remember(stack, "visibility_timeout", queue, int(original))
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"VisibilityTimeout": str(int(visibility_timeout_s))})
    safe = int(visibility_timeout_s) >= current_timeout + SAFETY_MARGIN_S
    if not safe:
        drill.note(
            f"Visibility {visibility_timeout_s} s is shorter than the function timeout {current_timeout} s + {SAFETY_MARGIN_S} s: "
            "fine while every invocation finishes, but a killed or timed-out invocation's messages would be refused "
            "as in progress when redelivered, and could reach the DLQ."
        )
    return {"visibility_timeout_s": int(visibility_timeout_s), "function_timeout_s": current_timeout,
            "was_visibility_timeout_s": int(original), "safe": safe}


def restore_redelivery(configuration: Configuration | None = None) -> dict[str, Any]:
    """Put back the queue's visibility timeout and the function's timeout as deployed."""
    stack = resolve(configuration)
    restored = ledger.restore(stack, "visibility_timeout") + ledger.restore(stack, "function_timeout")
    return {"restored": restored}


@ledger.restorer("visibility_timeout")
def _put_back_visibility(stack: Stack, queue_url: str, original: Any) -> None:
    stack.client("sqs").set_queue_attributes(QueueUrl=queue_url, Attributes={"VisibilityTimeout": str(original)})


@ledger.restorer("function_timeout")
def _put_back_timeout(stack: Stack, function: str, original: Any) -> None:
    lam = stack.client("lambda")
    lam.update_function_configuration(FunctionName=function, Timeout=int(original))
    lam.get_waiter("function_updated_v2").wait(FunctionName=function, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
