"""Hidden check for lab 08: the student's own probes and tolerances, run by Chaos Toolkit against
a live pipeline the grader breaks on purpose, one promise at a time.

The public hypothesis check feeds drawn numbers to the tolerances; this one runs the real
probes on real states: a document counted correctly by the reference's own store code
(healthy: the hypothesis must hold), then a page range counted twice, a second item for the
drill's owner, a message in the dead-letter queue, an upload that never arrives (each: it must
break).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from labs.grader import Partial, Submission, check
from labs.grader.drills import drill_stack
from labs.grader.labs import public_checks

PAGES = 25
RANGES = ((1, 20), (21, 25))


def _holds(experiment: dict, configuration: dict) -> bool:
    from chaoslib.hypothesis import run_steady_state_hypothesis
    from chaoslib.run import EventHandlerRegistry

    result = run_steady_state_hypothesis(experiment, configuration, {}, None, EventHandlerRegistry())
    return bool(result and result.get("steady_state_met"))


def _finished_document(stack: Any) -> str:
    """A document item split and counted to DONE by ``ImageStore``, as the function would, and tracked by the drill."""
    from chaos import documents, drill
    from reference.handler import keys
    from reference.handler.store import ImageStore, now_iso
    from reference.upload import create_slot

    name = "grader.pdf"
    slot = create_slot(stack.target, stack.outputs, owner=drill.current().owner("documents"), filename=name,
                       content_type="application/pdf")  # fmt: skip
    store = ImageStore(stack.target.resource("dynamodb").Table(stack.outputs["TableName"]))
    store.start_document(keys.parse_upload_key(slot.key), slot.key, now_iso(), PAGES, {"kind": "pdf"})
    for first, last in RANGES:
        variants = [{"name": f"page-{n:04d}", "key": keys.variant_key(slot.image_id, f"page-{n:04d}.jpg")} for n in range(first, last + 1)]
        store.complete_page_range(slot.image_id, first, last, variants)
    documents.track(slot.image_id, PAGES, "documents", name)
    return slot.image_id


def _breakages(stack: Any, document: str) -> list[tuple[str, Callable[[], Callable[[], None]]]]:
    """(what breaks, a function that breaks it and returns the function that mends it)."""
    from chaos import drill
    from reference.handler import keys
    from reference.upload import create_slot

    table = stack.target.resource("dynamodb").Table(stack.outputs["TableName"])
    sqs, dlq = stack.client("sqs"), stack.outputs["DeadLetterQueueUrl"]

    def count_a_range_twice() -> Callable[[], None]:
        table.update_item(Key=keys.item_key(document), UpdateExpression="ADD pages_done :n", ExpressionAttributeValues={":n": 20})
        return lambda: table.update_item(Key=keys.item_key(document), UpdateExpression="ADD pages_done :n",
                                         ExpressionAttributeValues={":n": -20})  # fmt: skip

    def second_item() -> Callable[[], None]:
        slot = create_slot(stack.target, stack.outputs, owner=drill.current().owner("documents"), filename="again.pdf",
                           content_type="application/pdf")  # fmt: skip
        return lambda: table.delete_item(Key=keys.item_key(slot.image_id))

    def dead_letter() -> Callable[[], None]:
        sqs.send_message(QueueUrl=dlq, MessageBody='{"Records": []}')

        def mend() -> None:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                messages = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
                for message in messages:
                    sqs.delete_message(QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"])
                if messages:
                    return

        return mend

    def lost_upload() -> Callable[[], None]:
        slot = create_slot(stack.target, stack.outputs, owner=drill.current().owner("photos"), filename="never-sent.jpg",
                           content_type="image/jpeg")  # fmt: skip
        drill.add_upload(drill.Upload(slot.image_id, "photos", drill.DONE, "never-sent.jpg", time.time()))
        return lambda: None  # the last breakage: the drill record is reset afterwards

    return [("a page range counted twice", count_a_range_twice), ("a second item for the drill's uploads", second_item),
            ("a message in the dead-letter queue", dead_letter), ("an upload that never arrived", lost_upload)]  # fmt: skip


@check(20, needs_emulator=True, timeout_s=240, hint="Run your hypothesis against a pipeline you break by hand: does each "
       "probe, with its tolerance, notice one lost upload, one dead letter, one duplicate, one miscounted page?")
def hypothesis_sees_real_breakage(sub: Submission) -> str | Partial:
    """on the live pipeline, your probes notice each promise broken by one"""
    from chaos import context, drill

    logging.getLogger("chaostoolkit").setLevel(logging.CRITICAL)
    experiment = public_checks("lab08")._experiment(sub)
    assert (experiment.get("steady-state-hypothesis") or {}).get("probes"), "the hypothesis has no probes"
    connection = drill_stack(sub, "lab08")
    configuration = {k: v for k, v in (experiment.get("configuration") or {}).items() if not isinstance(v, dict)} | connection
    context.forget()
    stack = context.resolve(connection)
    drill.reset()
    document = _finished_document(stack)
    assert _holds(experiment, configuration), "with one document processed correctly, your hypothesis does not hold"
    missed = []
    try:
        for what, breakage in _breakages(stack, document):
            mend = breakage()
            try:
                if _holds(experiment, configuration):
                    missed.append(what)
            finally:
                mend()
    finally:
        drill.reset()
    if not missed:
        return "each breakage broke the hypothesis"
    return Partial(1 - len(missed) / 4, "your hypothesis still held with " + "; ".join(missed))
