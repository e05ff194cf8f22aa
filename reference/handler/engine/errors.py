"""The engine's vocabulary for inputs it refuses.

A `Rejected` input is final: retrying the same bytes can only fail the same way, so the handler
records the item as FAILED with `reason` and does not hand the message back to the queue.
Anything else that escapes the engine (an `OSError` from S3, a timeout) is treated as transient.
"""

from __future__ import annotations

from typing import Literal

Reason = Literal[
    "empty",
    "unsupported_format",
    "too_large",
    "too_many_pixels",
    "too_many_frames",
    "too_many_pages",
    "corrupt",
    "encrypted",
]
"""Stable reason codes. Documentation, labs and DynamoDB items rely on them: add, never rename."""

REASONS: tuple[str, ...] = Reason.__args__  # type: ignore[attr-defined]


class Rejected(Exception):
    """The input can never be processed; `reason` is a stable code, `message` a sentence for humans.

    Example:
        >>> from reference.handler.engine.detect import detect_format
        >>> try:
        ...     detect_format(b"")
        ... except Rejected as exc:
        ...     print(exc.reason)
        empty
    """

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason: str = reason
        self.message: str = message

    def to_dict(self) -> dict[str, str]:
        """The shape `p4lab process --json` prints and the handler stores for a FAILED item."""
        return {"status": "rejected", "reason": self.reason, "message": self.message}
