"""The SQS standard queue (with its dead-letter queue) between S3 and the consumers.

Messages are not SimPy objects. The queue reads the window of message arrays
(`simulator.messages.Window`) through a cursor to the first message nobody has received yet:
"how many are waiting" is a binary search, and receiving a batch moves the cursor. Only messages
that come back (a failed attempt, a timeout, a lost worker) are tracked one by one, in
`redelivered`. This is what lets a day at 10 million images run in seconds while every batch is
still an event.

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
from simulator.messages import Window
from simulator.scenario import Queue


@dataclass(slots=True)
class Batch:
    """Messages handed to one consumer by one ReceiveMessage call."""

    lo: int  # first-time messages are those numbered [lo, hi) ...
    hi: int
    redelivered: list[int]  # ... plus these, received again after a failure
    received_s: float
    size: int  # number of messages
    open: bool = True  # until completed or given back


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
        window: Window,
        settings: Queue,
        batch_size: int,
        batching_window_s: float,
    ) -> None:
        self.env = env
        self.window = window
        self.settings = settings
        self.batch_size = batch_size
        self.batching_window_s = batching_window_s
        self.cursor = 0  # local index (in the window) of the first message never received
        self.redelivered: deque[tuple[int, float]] = deque()  # (number, visible again since)
        self.in_flight = 0
        self.counters = QueueCounters()
        self._open: deque[Batch] = deque()  # batches in the order they were received
        self._waiters: deque[tuple[simpy.Event, float]] = deque()  # (event, waiting since)
        self.on_change: list[Callable[[], None]] = []  # told when messages come back or arrive
        self._alarm = Alarm(env, self._ring)
        self.next_ready_s = math.inf  # set by `take` when it finds no batch ready

    # ------------------------------------------------------------ the window
    def unsettled_from(self) -> int:
        """Number of the oldest message the queue may still hand out or complete."""
        open_batches = self._open
        while open_batches and not open_batches[0].open:
            open_batches.popleft()
        first = self.window.base + self.cursor
        return min(first, open_batches[0].lo) if open_batches else first

    def appended(self, dropped: int) -> None:
        """The window dropped `dropped` settled messages and grew: keep the cursor in place and
        tell consumers that new messages may make a batch ready sooner."""
        self.cursor -= dropped
        for listener in self.on_change:
            listener()
        if self._waiters:
            self._ring()

    # ------------------------------------------------------------ what is in the queue
    def visible_count(self, now: float) -> int:
        """ApproximateNumberOfMessagesVisible."""
        window = self.window
        return bisect_right(window.at, now, self.cursor, len(window.at)) - self.cursor + len(self.redelivered)

    def oldest_age_s(self, now: float) -> float:
        """ApproximateAgeOfOldestMessage, over messages waiting to be received."""
        oldest = now
        at = self.window.at
        if self.cursor < len(at) and at[self.cursor] <= now:
            oldest = at[self.cursor]
        if self.redelivered:
            oldest = min(oldest, self.window.retries[self.redelivered[0][0]].visible_s)
        return now - oldest

    def ready_at(self, now: float) -> float:
        """When the next batch can be handed out — full, or its oldest message's window over —
        if nothing else changes (inf: never)."""
        redelivered, at, first = self.redelivered, self.window.at, self.cursor
        n = len(at)
        last = first + self.batch_size - len(redelivered) - 1
        if last < first:
            return now
        full_at = at[last] if last < n else math.inf
        oldest = at[first] if first < n else math.inf
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
        window = self.window
        at = window.at
        retention_cutoff = now - self.settings.retention_s
        if self.cursor < len(at) and at[self.cursor] < retention_cutoff or (
            self.redelivered and window.retries[self.redelivered[0][0]].visible_s < retention_cutoff
        ):
            self._expire(retention_cutoff)
        ready_at = self.ready_at(now)
        if ready_at > now:
            self.next_ready_s = ready_at
            return None
        redelivered = []
        while self.redelivered and len(redelivered) < self.batch_size:
            number, _ = self.redelivered.popleft()
            window.retries[number].attempts += 1
            redelivered.append(number)
        lo = self.cursor
        hi = min(lo + self.batch_size - len(redelivered), len(at))
        if hi > lo and at[hi - 1] > now:
            hi = bisect_right(at, now, lo, hi)
        self.cursor = hi
        window.first_receive_s[lo:hi] = now
        base = window.base
        batch = Batch(lo + base, hi + base, redelivered, now, hi - lo + len(redelivered))
        self._open.append(batch)
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
        batch.open = False
        window = self.window
        lo, hi = batch.lo - window.base, batch.hi - window.base
        retries = window.retries
        if isinstance(done_s, np.ndarray):
            window.done_s[lo:hi] = done_s[len(batch.redelivered) :]
            for number, done in zip(batch.redelivered, done_s[: len(batch.redelivered)].tolist(), strict=True):
                retries[number].done_s = done
        else:
            window.done_s[lo:hi] = done_s
            for number in batch.redelivered:
                retries[number].done_s = done_s
        if failed:
            for number in failed:
                record = window.retry(number)
                record.done_s = math.nan
                if number < window.base + hi and number >= window.base + lo:
                    window.done_s[number - window.base] = np.nan
        if len(failed) < batch.size:
            self.counters.delete_calls += 1
        if failed:
            self._return_after_timeout(failed, batch.received_s)

    def abandon(self, batch: Batch) -> None:
        """The consumer went away (throttled too long, interrupted): every message in the
        batch becomes visible again when its visibility timeout expires."""
        self.in_flight -= batch.size
        batch.open = False
        numbers = list(range(batch.lo, batch.hi)) + batch.redelivered
        for number in numbers:
            self.window.retry(number)
        self._return_after_timeout(numbers, batch.received_s)

    def close(self, now: float) -> None:
        """End of the run: bill the empty receives of consumers still waiting."""
        for event, since in self._waiters:
            if event.callbacks:
                self._bill_empty_receives(since, now)

    # ------------------------------------------------------------ internals
    def _return_after_timeout(self, numbers: list[int], received_s: float) -> None:
        reappear = self.env.timeout(max(0.0, received_s + self.settings.visibility_timeout_s - self.env.now))
        reappear.callbacks.append(lambda _event: self._reappear(numbers))

    def _reappear(self, numbers: list[int]) -> None:
        now = self.env.now
        retries = self.window.retries
        for number in numbers:
            if retries[number].attempts >= self.settings.max_receive_count:
                self.counters.dead_lettered += 1
            else:
                self.counters.redeliveries += 1
                self.redelivered.append((number, now))
        for listener in self.on_change:
            listener()
        if self._waiters:
            self._ring()

    def _expire(self, cutoff: float) -> None:
        """SQS deletes messages sent before `cutoff` (the retention period), received or not:
        they are lost."""
        at = self.window.at
        if self.cursor < len(at) and at[self.cursor] < cutoff:
            first_kept = bisect_left(at, cutoff, self.cursor)
            self.counters.expired += first_kept - self.cursor
            self.cursor = first_kept
        retries = self.window.retries
        while self.redelivered and retries[self.redelivered[0][0]].visible_s < cutoff:
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
