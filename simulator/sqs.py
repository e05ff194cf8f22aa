"""The SQS standard queue (with its dead-letter queue) between S3 and the consumers.

Messages are not SimPy objects. The queue holds the sorted array of times at which S3 events
become visible and a cursor (`next`) to the first message nobody has received yet: "how many are
waiting" is a binary search, and receiving a batch moves the cursor. Only messages that come
back (a failed attempt, a timeout, a lost worker) are tracked one by one, in `redelivered`.
This is what lets a day at 10 million images run in seconds while every batch is still an event.

A batch is ready when it is full or when its oldest message has waited the batching window.
Consumers that are SimPy processes (EC2 workers) call `receive` and get either a batch or an
event to wait on — SQS long polling: the queue wakes one waiter when the next batch is ready and
bills one empty receive per `long_poll_s` a waiter spent waiting. The Lambda event source
mapping instead calls `take` and `ready_at` and schedules its own wake-ups (see
`compute/lambda_esm.py`).

Limitations: no per-message ordering guarantees are modelled beyond "oldest first" (a standard
queue is roughly FIFO); the 6 MB batch payload cap is not modelled (S3 events are ~2 KB); a
message that exceeds `max_receive_count` moves to the DLQ when its visibility timeout expires.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import simpy

from simulator.alarm import Alarm
from simulator.scenario import Queue
from simulator.workload import Messages


@dataclass(slots=True)
class Batch:
    """Messages handed to one consumer by one ReceiveMessage call."""

    lo: int  # first-time messages are the index range [lo, hi) ...
    hi: int
    redelivered: list[int]  # ... plus these, received again after a failure
    received_s: float
    size: int  # number of messages


@dataclass
class QueueCounters:
    """What happened to messages, and the API calls SQS bills."""

    receive_calls: int = 0
    received: int = 0  # messages handed out, counting every attempt
    empty_receives: int = 0
    delete_calls: int = 0
    redeliveries: int = 0  # failed attempts that came back
    dead_lettered: int = 0
    expired: int = 0  # deleted by SQS after the retention period: lost


class StandardQueue:
    """An SQS standard queue fed by S3 event notifications."""

    def __init__(
        self,
        env: simpy.Environment,
        messages: Messages,
        settings: Queue,
        batch_size: int,
        batching_window_s: float,
    ) -> None:
        self.env = env
        self.settings = settings
        self.batch_size = batch_size
        self.batching_window_s = batching_window_s
        self._at = memoryview(messages.visible_s)  # when each message becomes visible (sorted)
        self.n = len(messages)
        self.next = 0  # first message never received
        self.redelivered: deque[tuple[int, float]] = deque()  # (index, visible again since)
        self.attempts: dict[int, int] = {}  # receive count, for messages received more than once
        self.in_flight = 0
        self.first_receive_s = np.full(self.n, np.nan)
        self.done_s = np.full(self.n, np.nan)
        self.counters = QueueCounters()
        self._waiters: deque[tuple[simpy.Event, float]] = deque()  # (event, waiting since)
        self.on_reappear: list[Callable[[], None]] = []  # told when failed messages come back
        self._alarm = Alarm(env, self._ring)
        self.next_ready_s = math.inf  # set by `take` when it finds no batch ready

    # ------------------------------------------------------------ what is in the queue
    def visible_count(self, now: float) -> int:
        """ApproximateNumberOfMessagesVisible."""
        return bisect_right(self._at, now, self.next) - self.next + len(self.redelivered)

    def oldest_age_s(self, now: float) -> float:
        """ApproximateAgeOfOldestMessage, over messages waiting to be received."""
        oldest = now
        if self.next < self.n and self._at[self.next] <= now:
            oldest = self._at[self.next]
        if self.redelivered:
            oldest = min(oldest, self._at[self.redelivered[0][0]])
        return now - oldest

    def ready_at(self, now: float) -> float:
        """When the next batch can be handed out — full, or its oldest message's window over —
        if nothing else changes (inf: never)."""
        redelivered, at, first = self.redelivered, self._at, self.next
        last = first + self.batch_size - len(redelivered) - 1
        if last < first:
            return now
        full_at = at[last] if last < self.n else math.inf
        oldest = at[first] if first < self.n else math.inf
        if redelivered and redelivered[0][1] < oldest:
            oldest = redelivered[0][1]
        ready_at = oldest + self.batching_window_s
        if full_at < ready_at:
            ready_at = full_at
        return ready_at if ready_at > now else now

    # ------------------------------------------------------------ consumer API
    def take(self, now: float) -> Batch | None:
        """ReceiveMessage without waiting: a batch if one is ready now, else None (and then
        `next_ready_s` says when to look again)."""
        retention_cutoff = now - self.settings.retention_s
        if self.next < self.n and self._at[self.next] < retention_cutoff or (
            self.redelivered and self._at[self.redelivered[0][0]] < retention_cutoff
        ):
            self._expire(retention_cutoff)
        ready_at = self.ready_at(now)
        if ready_at > now:
            self.next_ready_s = ready_at
            return None
        redelivered = []
        while self.redelivered and len(redelivered) < self.batch_size:
            index, _ = self.redelivered.popleft()
            self.attempts[index] += 1
            redelivered.append(index)
        lo = self.next
        hi = min(lo + self.batch_size - len(redelivered), self.n)
        if hi > lo and self._at[hi - 1] > now:
            hi = bisect_right(self._at, now, lo, hi)
        self.next = hi
        self.first_receive_s[lo:hi] = now
        batch = Batch(lo, hi, redelivered, now, hi - lo + len(redelivered))
        self.in_flight += batch.size
        self.counters.receive_calls += 1
        self.counters.received += batch.size
        if self._waiters and not self._alarm.pending:
            # Wake the next waiting consumer if another batch is ready, else set the alarm. A
            # pending alarm needs no help: batches become ready in order, so it is not late.
            self._ring()
        return batch

    def receive(self, now: float) -> Batch | simpy.Event:
        """ReceiveMessage with long polling, for consumers that are SimPy processes: a batch
        if one is ready now, else an event to wait on, which fires when a batch may be ready
        (then call `receive` again)."""
        batch = self.take(now)
        if batch is not None:
            return batch
        event = self.env.event()
        self._waiters.append((event, now))
        self._alarm.set(now, self.next_ready_s)
        return event

    def bill_idle_polling(self, consumer_seconds: float) -> None:
        """Empty receives of consumers that long-polled for `consumer_seconds` in total."""
        if self.settings.long_poll_s > 0:
            self.counters.empty_receives += int(consumer_seconds // self.settings.long_poll_s)

    def complete(self, batch: Batch, failed: list[int], done_s: float | np.ndarray) -> None:
        """DeleteMessageBatch for the successes; failures come back after the visibility
        timeout. `done_s` is when the work was done (one time, or one per message for
        consumers that finish messages one after another)."""
        self.in_flight -= batch.size
        if isinstance(done_s, np.ndarray):
            self.done_s[batch.lo : batch.hi] = done_s[len(batch.redelivered) :]
            self.done_s[batch.redelivered] = done_s[: len(batch.redelivered)]
        else:
            self.done_s[batch.lo : batch.hi] = done_s
            for index in batch.redelivered:
                self.done_s[index] = done_s
        if failed:
            self.done_s[failed] = np.nan
        if len(failed) < batch.size:
            self.counters.delete_calls += 1
        if failed:
            self._return_after_timeout(failed, batch.received_s)

    def abandon(self, batch: Batch) -> None:
        """The consumer went away (throttled too long, interrupted): every message in the
        batch becomes visible again when its visibility timeout expires."""
        self.in_flight -= batch.size
        indices = list(range(batch.lo, batch.hi)) + batch.redelivered
        self._return_after_timeout(indices, batch.received_s)

    def close(self, now: float) -> None:
        """End of the run: bill the empty receives of consumers still waiting."""
        for event, since in self._waiters:
            if event.callbacks:
                self._bill_empty_receives(since, now)

    # ------------------------------------------------------------ internals
    def _return_after_timeout(self, indices: list[int], received_s: float) -> None:
        reappear = self.env.timeout(max(0.0, received_s + self.settings.visibility_timeout_s - self.env.now))
        reappear.callbacks.append(lambda _event: self._reappear(indices))

    def _reappear(self, indices: list[int]) -> None:
        now = self.env.now
        for index in indices:
            attempts = self.attempts.setdefault(index, 1)
            if attempts >= self.settings.max_receive_count:
                self.counters.dead_lettered += 1
            else:
                self.counters.redeliveries += 1
                self.redelivered.append((index, now))
        for listener in self.on_reappear:
            listener()
        if self._waiters:
            self._ring()

    def _expire(self, cutoff: float) -> None:
        """SQS deletes messages sent before `cutoff` (the retention period), received or not:
        they are lost."""
        if self.next < self.n and self._at[self.next] < cutoff:
            first_kept = bisect_left(self._at, cutoff, self.next)
            self.counters.expired += first_kept - self.next
            self.next = first_kept
        while self.redelivered and self._at[self.redelivered[0][0]] < cutoff:
            self.redelivered.popleft()
            self.counters.expired += 1

    def _ring(self) -> None:
        """Wake one waiting consumer if a batch is ready, else set the alarm for when it is."""
        now = self.env.now
        ready_at = self.ready_at(now)
        if ready_at > now:
            if self._waiters:
                self._alarm.set(now, ready_at)
            return
        while self._waiters:
            event, since = self._waiters.popleft()
            if event.callbacks:  # still waited on (an interrupted consumer leaves none)
                self._bill_empty_receives(since)
                event.succeed()
                return

    def _bill_empty_receives(self, since: float, until: float | None = None) -> None:
        self.bill_idle_polling((self.env.now if until is None else until) - since)
