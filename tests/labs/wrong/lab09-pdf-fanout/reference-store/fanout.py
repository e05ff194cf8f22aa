"""The reference pipeline's fan-out, imported."""

from __future__ import annotations

import math
from typing import Any

from reference.handler.engine import page_ranges
from reference.handler.store import ImageStore


def pack_ranges(page_seconds: list[float], timeout_s: float, headroom: float = 0.5, overhead_s: float = 0.0) -> list[tuple[int, int]]:
    slowest = max(page_seconds)
    budget = headroom * timeout_s - overhead_s
    if slowest > budget:
        raise ValueError(f"page {page_seconds.index(slowest) + 1} is too slow")
    return page_ranges(len(page_seconds), max(1, math.floor(budget / slowest)))


def complete_range(table: Any, doc_id: str, first: int, last: int) -> bool:
    return ImageStore(table).complete_page_range(doc_id, first, last, variants=[])
