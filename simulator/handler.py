"""The handler's work: how long a batch takes on a given CPU, and which messages fail.

Per-message service times are computed once, vectorised, for the compute the scenario uses;
a batch of first-time messages is then a contiguous index range, so its total work and its
failure count are differences of cumulative sums (O(1) per batch, whatever the batch size).
"""

from __future__ import annotations

import random

import numpy as np

from simulator.scenario import Handler
from simulator.sqs import Batch
from simulator.workload import Messages


class HandlerModel:
    """Service time and outcome of each attempt."""

    def __init__(
        self, messages: Messages, handler: Handler, vcpus: float, seed: int
    ) -> None:
        self.service_s = messages.cpu_s / vcpus
        self.service_s += messages.io_s
        # Cumulative sums with a leading 0, as memoryviews: the same memory as a NumPy array,
        # but indexing yields Python numbers quickly (this happens twice per invocation).
        service_cum = np.empty(len(messages) + 1)
        service_cum[0] = 0.0
        np.cumsum(self.service_s, out=service_cum[1:])
        self._service_cum = memoryview(service_cum)
        rng = np.random.default_rng([seed, 1])
        first_attempt_fails = rng.random(len(messages)) < handler.transient_error_rate
        first_attempt_fails |= messages.poison
        self._fails_first = first_attempt_fails
        fails_cum = np.zeros(len(messages) + 1, dtype=np.int32)
        np.cumsum(first_attempt_fails, out=fails_cum[1:])
        self._fails_cum = memoryview(fails_cum)
        self._poison = messages.poison
        self._transient_rate = handler.transient_error_rate
        self._retry_rng = random.Random(seed)  # outcomes of second and later attempts

    @property
    def mean_service_s(self) -> float:
        return float(self.service_s.mean()) if len(self.service_s) else 0.0

    def work_s(self, batch: Batch) -> float:
        """Seconds to process every message of the batch, one after another."""
        work = self._service_cum[batch.hi] - self._service_cum[batch.lo]
        if batch.redelivered:
            work += float(self.service_s[batch.redelivered].sum())
        return work

    def finish_offsets_s(self, batch: Batch) -> np.ndarray:
        """When each message of the batch is done, counted from the start of the batch
        (redelivered messages first, in the order `Batch` lists them)."""
        work = np.concatenate((self.service_s[batch.redelivered], self.service_s[batch.lo : batch.hi]))
        return np.cumsum(work)

    def failures(self, batch: Batch) -> list[int]:
        """Messages of the batch whose attempt fails (reported as batch item failures)."""
        failed: list[int] = []
        if self._fails_cum[batch.hi] != self._fails_cum[batch.lo]:
            failed = (np.flatnonzero(self._fails_first[batch.lo : batch.hi]) + batch.lo).tolist()
        for index in batch.redelivered:
            if self._poison[index] or self._retry_rng.random() < self._transient_rate:
                failed.append(index)
        return failed

    def everything(self, batch: Batch) -> list[int]:
        """All messages of the batch (for a batch that fails as a whole, e.g. a timeout)."""
        return list(range(batch.lo, batch.hi)) + batch.redelivered
