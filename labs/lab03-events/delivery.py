"""At-least-once delivery, handled: report only failed records, and do each upload once.

SQS (standard) delivers every message at least once: a message can arrive twice, and a batch
can fail halfway. Two tools make that harmless:

* partial batch responses: the function returns the ids of the records that failed, so only
  those return to the queue (the event source mapping needs ``ReportBatchItemFailures``);
* an idempotency record per object version, written with a condition so that exactly one
  delivery wins, however many arrive, however concurrently, on however many Lambda instances.

Lab 03: complete the three functions; `p4lab grade lab03`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from events import Upload


def process_batch(event: dict, record_handler: Callable[[Any], None]) -> dict:
    """Run ``record_handler`` on every SQS record; return ``{"batchItemFailures": [...]}``
    naming (``itemIdentifier`` = message id) exactly the records whose handler raised."""
    raise NotImplementedError("TODO: partial batch response (Powertools has a utility for this)")


def idempotency_key(upload: Upload) -> str:
    """The identity of one piece of work: the same object version is the same work."""
    raise NotImplementedError("TODO: which fields identify one object version?")


def claim(table: Any, upload: Upload) -> bool:
    """Record in ``table`` (key: the string ``id``, holding ``idempotency_key(upload)``) that
    ``upload`` is being processed: True for the first delivery of this object version, False
    for every later one — also when deliveries race, and when they run in other processes."""
    raise NotImplementedError("TODO: one write that succeeds only for the first delivery")
