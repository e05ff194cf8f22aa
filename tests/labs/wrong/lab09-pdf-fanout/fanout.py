"""A plausible wrong lab 09: a plain counter (ADD) that counts a redelivered range again."""

from __future__ import annotations

import math
from typing import Any


def pages_per_invocation(seconds_per_page: float, timeout_s: float, headroom: float = 0.5) -> int:
    return max(1, math.floor(timeout_s * headroom / seconds_per_page))


def page_ranges(pages: int, per_invocation: int) -> list[tuple[int, int]]:
    return [
        (start, min(start + per_invocation - 1, pages))
        for start in range(1, pages + 1, per_invocation)
    ]


def complete_page_range(table: Any, image_id: str, first: int, last: int) -> bool:
    key = {"pk": f"IMAGE#{image_id}", "sk": "META"}
    item = table.update_item(
        Key=key,
        UpdateExpression="ADD pages_done :n",
        ExpressionAttributeValues={":n": last - first + 1},
        ReturnValues="ALL_NEW",
    )["Attributes"]
    if item["pages_done"] >= item["pages_total"] and item["status"] != "DONE":
        table.update_item(
            Key=key,
            UpdateExpression="SET #s = :done",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":done": "DONE"},
        )
        return True
    return False
