"""The handler's work: how long a batch takes on a given CPU, and which messages fail.

Per-message service times are computed once per block of uploads, vectorised, for the compute
the scenario uses; a batch of first-time messages is then a contiguous range of the message
window, so its total work and its failure count are differences of cumulative sums (O(1) per
batch, whatever the batch size).
"""

from __future__ import annotations

import math
import random

import numpy as np

from simulator.messages import Window
from simulator.scenario import Handler
from simulator.sqs import Attempt, Batch
from simulator.workload import Messages

NOTHING: list[int] = []  # no message returned (shared: nobody appends to it)


class HandlerModel:
    """Service time and outcome of each attempt."""

    def __init__(self, window: Window, handler: Handler, vcpus: float, io_s: float, seed: int) -> None:
        self.window = window
        self.vcpus = vcpus
        self.io_s = io_s
        self._rng = np.random.default_rng([seed, 1])  # outcomes of first attempts, per block
        self._transient_rate = handler.transient_error_rate
        self._retry_rng = random.Random(seed)  # outcomes of second and later attempts
        self._service_sum = 0.0
        self._service_count = 0

    def prepare(self, messages: Messages) -> tuple[np.ndarray, np.ndarray]:
        """Service seconds of each message on this compute, and whether its first attempt fails."""
        service_s = messages.cpu_s / self.vcpus
        service_s += self.io_s
        fails_first = self._rng.random(len(messages)) < self._transient_rate
        fails_first |= messages.poison
        self._service_sum += float(service_s.sum())
        self._service_count += len(service_s)
        return service_s, fails_first

    @property
    def mean_service_s(self) -> float:
        """Mean service time of the messages drawn so far."""
        return self._service_sum / self._service_count if self._service_count else 0.0

    def work_s(self, batch: Batch) -> float:
        """Seconds to process every message of the batch, one after another."""
        window = self.window
        base = window.base
        work = window.service_at[batch.hi - base] - window.service_at[batch.lo - base]
        for number in batch.redelivered:
            work += window.retries[number].service_s
        return work

    def finish_offsets_s(self, batch: Batch) -> np.ndarray:
        """When each message of the batch is done, counted from the start of the batch
        (redelivered messages first, in the order `Batch` lists them)."""
        window = self.window
        retries = [window.retries[number].service_s for number in batch.redelivered]
        first_time = window.service_s[batch.lo - window.base : batch.hi - window.base]
        return np.cumsum(np.concatenate((retries, first_time)) if retries else first_time)

    def failures(self, batch: Batch) -> list[int]:
        """Messages of the batch whose attempt fails (reported as batch item failures)."""
        window = self.window
        base = window.base
        failed: list[int] = []
        if window.fails_at[batch.hi - base] != window.fails_at[batch.lo - base]:
            lo = batch.lo - base
            failed = (np.flatnonzero(window.fails_first[lo : batch.hi - base]) + batch.lo).tolist()
        retries = window.retries
        for number in batch.redelivered:
            if retries[number].poison or self._retry_rng.random() < self._transient_rate:
                failed.append(number)
        return failed

    def in_order(self, batch: Batch) -> list[int]:
        """The batch's messages in the order the handler works through them."""
        return batch.redelivered + list(range(batch.lo, batch.hi))

    def attempt(self, batch: Batch, start_s: float, timeout_s: float = math.inf, report_item_failures: bool = True) -> Attempt:
        """The handler works through `batch` from `start_s`, one message after another.

        A message's own attempt may fail (transient error or poison); with
        `report_item_failures` only those come back to the queue, without it any failure
        fails the whole batch. Past `timeout_s` the invocation is killed and the whole batch
        comes back; messages finished before the kill had their variants stored all the same.
        """
        window = self.window
        lo, hi = batch.lo - window.base, batch.hi - window.base
        if not batch.redelivered and window.fails_at[hi] == window.fails_at[lo]:  # the usual case
            work_s = window.service_at[hi] - window.service_at[lo]
            if work_s <= timeout_s:
                return Attempt(start_s, start_s + work_s, NOTHING, NOTHING)
        work_s = self.work_s(batch)
        failed = self.failures(batch)
        if work_s > timeout_s:
            order = self.in_order(batch)
            done = set(failed)
            finished = np.searchsorted(self.finish_offsets_s(batch), timeout_s, side="right")
            stored = [number for number in order[:finished] if number not in done]
            return Attempt(start_s, start_s + timeout_s, order, stored, timed_out=True)
        if failed and not report_item_failures:
            done = set(failed)
            order = self.in_order(batch)
            return Attempt(start_s, start_s + work_s, order, [number for number in order if number not in done])
        return Attempt(start_s, start_s + work_s, failed, [])
