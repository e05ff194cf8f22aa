"""A wake-up call for the earliest moment something can happen next.

The queue (waking consumers) and the Lambda poller (dispatching batches) both sleep until a
batch can be ready. A SimPy timeout per request would flood the event heap; instead each
keeps one pending alarm at the earliest time asked for, and only an earlier request adds a
new timeout. A superseded timeout still fires, finds it is not the current alarm, and only
lets its owner re-check, which is harmless.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import simpy


class Alarm:
    """At most one pending wake-up for ``ring``, at the earliest time requested."""

    def __init__(self, env: simpy.Environment, ring: Callable[[], None]) -> None:
        self.env = env
        self._ring = ring
        self.at = math.inf  # when the pending alarm rings; inf when none is pending

    @property
    def pending(self) -> bool:
        return self.at < math.inf

    def set(self, now: float, at: float) -> None:
        """Ring at ``at`` unless an alarm at or before it is already pending."""
        if at < self.at:
            self.at = at
            timeout = self.env.timeout(at - now, value=at)
            timeout.callbacks.append(self._on_timeout)

    def _on_timeout(self, timeout: simpy.Event) -> None:
        # Compare the timeout's own target, not env.now: now + (t − now) can miss t by an ulp,
        # and a pending alarm that never clears would silence its owner.
        if timeout.value == self.at:
            self.at = math.inf
        self._ring()
