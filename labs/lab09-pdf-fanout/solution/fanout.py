"""Answer key for lab 09: the reference's splitter and completion counter, plus the sizing rule."""

from __future__ import annotations

import math
from typing import Any

from reference.handler.engine import page_ranges as _page_ranges
from reference.handler.store import ImageStore


def pages_per_invocation(seconds_per_page: float, timeout_s: float, headroom: float = 0.5) -> int:
    """The most pages one invocation may render while using at most ``headroom`` of its timeout
    (a cold start, a slow page or a throttled PUT must not push it over). At least 1."""
    return max(1, math.floor(timeout_s * headroom / seconds_per_page))


def page_ranges(pages: int, per_invocation: int) -> list[tuple[int, int]]:
    """Split ``1..pages`` into inclusive ranges of at most ``per_invocation`` pages, in order."""
    return _page_ranges(pages, per_invocation)


def complete_page_range(table: Any, image_id: str, first: int, last: int) -> bool:
    """Count a finished range on the document's item, once however often it is delivered;
    True only for the call that finished the document (status DONE)."""
    return ImageStore(table).complete_page_range(image_id, first, last, variants=[])
