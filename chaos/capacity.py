"""Throttle the function by its reserved concurrency, and give the capacity back.

Reserved concurrency 0 is Lambda's off switch: no invocation starts. The SQS event source
mapping stops taking batches (MiniStack runs ``min(MaximumConcurrency, reserved)`` pollers),
so uploads wait, visible, in the queue and are processed once the capacity returns.

On AWS the same call exists and works, with one difference worth teaching: pollers may already
hold messages when the throttle begins; those throttled receives count towards
``maxReceiveCount``, which is why AWS advises a ``maxReceiveCount`` of at least 5 on a queue
feeding Lambda (ours is 3). To pause an SQS consumer without that risk, disable the event
source mapping instead.
"""

from __future__ import annotations

from typing import Any

from chaos import drill, ledger
from chaos.context import Configuration, Stack, resolve

WINDOW = "throttled"


def _reserved(stack: Stack, function: str) -> int | None:
    response = stack.client("lambda").get_function_concurrency(FunctionName=function)
    return response.get("ReservedConcurrentExecutions")


def throttle(reserved: int = 0, configuration: Configuration | None = None) -> dict[str, Any]:
    """Set the function's reserved concurrency (0 stops it); the original is kept for rollback."""
    stack = resolve(configuration)
    function = stack.outputs["FunctionName"]
    ledger.remember(stack, "reserved_concurrency", function, _reserved(stack, function))
    stack.client("lambda").put_function_concurrency(FunctionName=function, ReservedConcurrentExecutions=int(reserved))
    drill.open_window(WINDOW)
    return {"function": function, "reserved": int(reserved)}


def restore_concurrency(configuration: Configuration | None = None) -> dict[str, Any]:
    """Put the reserved concurrency back as it was before the drill (a no-op if untouched)."""
    stack = resolve(configuration)
    restored = ledger.restore(stack, "reserved_concurrency")
    drill.close_window(WINDOW)
    return {"function": stack.outputs["FunctionName"], "restored": restored, "reserved": _reserved(stack, stack.outputs["FunctionName"])}


@ledger.restorer("reserved_concurrency")
def _put_back(stack: Stack, function: str, original: Any) -> None:
    if original is None:
        stack.client("lambda").delete_function_concurrency(FunctionName=function)
    else:
        stack.client("lambda").put_function_concurrency(FunctionName=function, ReservedConcurrentExecutions=int(original))
