"""Fan a long PDF out into page ranges, and count them back in, safely under at-least-once delivery.

A 300-page PDF at 2 s per page is 10 minutes of rendering: one invocation would near Lambda's
timeout, and a retry would start again from page 1. Instead the function that receives the
upload queues one task per page range; each task renders its pages and counts them on the
document's item (``pk=IMAGE#<id>``, ``sk=META``, see ``reference.handler.keys.item_key``),
which holds ``status`` ("PROCESSING"), ``pages_total`` and ``pages_done``. SQS may deliver a
task twice, or two copies at once: a range must still be counted once.

Lab 09: complete the three functions; `p4lab grade lab09`.
"""

from __future__ import annotations

import math  # noqa: F401  (you will need it)
from typing import Any


def pages_per_invocation(seconds_per_page: float, timeout_s: float, headroom: float = 0.5) -> int:
    """The most pages one invocation may render while using at most ``headroom`` of its timeout
    (a cold start, a slow page or a throttled PUT must not push it over). At least 1."""
    raise NotImplementedError("TODO: size a range from the time budget")


def page_ranges(pages: int, per_invocation: int) -> list[tuple[int, int]]:
    """Split ``1..pages`` into inclusive ranges of at most ``per_invocation`` pages, in order."""
    raise NotImplementedError("TODO: (1, n), (n + 1, 2n), ... up to pages")


def complete_page_range(table: Any, image_id: str, first: int, last: int) -> bool:
    """Count a finished range on the document's item, once however often it is delivered;
    True only for the call that finished the document (status DONE)."""
    raise NotImplementedError("TODO: a conditional update that remembers which ranges were counted")
