"""The SQS standard queue (with its dead-letter queue) between S3 and the consumers.

Messages are not SimPy objects. The queue reads the window of message arrays
(`simulator.messages.Window`) through a cursor to the first message nobody has received yet:
"how many are waiting" is a binary search, and receiving a batch moves the cursor. Only messages
that come back (a failed attempt, a timeout, a lost worker, a visibility timeout that ran out
while they were still being processed) are tracked one by one, as `Retry` records. This is what
lets a day at 10 million images run in seconds while every batch is still an event.

A batch is ready when it is full or when its oldest message has waited the batching window.
Consumers that are SimPy processes (EC2 workers) call `receive` and get either a batch or an
event to wait on — SQS long polling: the queue wakes one waiter when the next batch is ready and
bills one empty receive per `long_poll_s` a waiter spent waiting. The Lambda event source
mapping instead calls `take` and `ready_at` and schedules its own wake-ups (see
`compute/lambda_esm.py`).

What SQS does that the model follows: ReceiveMessage returns at most 10 messages, so a batch of
100 is ten calls, and DeleteMessageBatch deletes at most 10; every call is billed per started
64 KB of its own payload. A message whose visibility timeout runs out while its consumer is still
working on it becomes visible again and may be received twice (at-least-once delivery); a delete
with the older receipt handle then leaves it in the queue. ApproximateAgeOfOldestMessage covers
every message not deleted, received or not (a failed one waiting out its visibility timeout too),
except those received three times or more (AWS moves them to the back of the queue for this
metric).

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
from simulator.messages import DEAD, DELETED, EXPIRED, IN_FLIGHT, QUEUED, Window
from simulator.scenario import Queue

MAX_MESSAGES_PER_CALL = 10  # ReceiveMessage MaxNumberOfMessages, DeleteMessageBatch entries
CHUNK_KB = 64  # each started 64 KB of a request's payload is billed as one request
AGE_RECEIVES_LIMIT = 3  # ApproximateAgeOfOldestMessage skips messages received this often


@dataclass(slots=True)
class Batch:
    """Messages handed to one consumer by one ReceiveMessage call."""

    lo: int  # first-time messages are those numbered [lo, hi) ...
    hi: int
    redelivered: list[int]  # ... plus these, received again after a failure
    received_s: float
    size: int  # number of messages
    open: bool = True  # until completed or given back
    expired: bool = False  # its visibility timeout ran out while it was being processed


@dataclass(slots=True)
class Attempt:
    """What came of a consumer's go at a batch (see `HandlerModel.attempt`)."""

    start_s: float  # the handler began on the first message (after any INIT)
    end_s: float  # the consumer returned: successes are deleted now
    returned: list[int]  # messages that go back to the queue
    stored: list[int]  # of those, the ones whose variants were stored anyway (they will be redone)
    timed_out: bool = False


@dataclass
class QueueCounters:
    """What happened to messages, and the API calls SQS bills."""

    receive_calls: int = 0  # ReceiveMessage calls that returned messages
    received: int = 0  # messages handed out, counting every attempt
    empty_receives: int = 0
    delete_calls: int = 0  # DeleteMessageBatch calls
    requests_billed: int = 0  # sends, receives and deletes, per started 64 KB of payload
    redeliveries: int = 0  # attempts that came back (failures, timeouts, lost consumers)
    visibility_expired: int = 0  # messages that became visible again while being processed
    duplicates: int = 0  # messages processed again after their variants were stored
    dead_lettered: int = 0
    expired: int = 0  # deleted by SQS after the retention period before anyone received them


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
        self._at, self._n = window.at, len(window.at)  # the window's visible times (read often)
        self.redelivered: deque[tuple[int, float]] = deque()  # (number, visible again since)
        self.in_flight = 0
        self.counters = QueueCounters()
        self._chunks = math.ceil(settings.message_kb / CHUNK_KB)  # billed requests per message sent
        self._chunks_per_full_call = math.ceil(MAX_MESSAGES_PER_CALL * settings.message_kb / CHUNK_KB)
        self._open: deque[Batch] = deque()  # batches in the order they were received
        self._retried_in_flight: set[int] = set()  # messages received again, being processed
        self._invisible: set[int] = set()  # failed messages waiting out their visibility timeout
        self._waiters: deque[tuple[simpy.Event, float]] = deque()  # (event, waiting since)
        self._ringing = False  # `_ring` is handing out batches: `take` must not call it again
        self.on_change: list[Callable[[], None]] = []  # told when messages come back or arrive
        self._alarm = Alarm(env, self._ring)
        self.next_ready_s = math.inf  # set by `take` when it finds no batch ready

    # ------------------------------------------------------------ the window
    def _oldest_open(self) -> Batch | None:
        """The first batch received that is still open (they are received in order)."""
        open_batches = self._open
        while open_batches and not open_batches[0].open:
            open_batches.popleft()
        return open_batches[0] if open_batches else None

    def unsettled_from(self) -> int:
        """Number of the oldest message the queue may still hand out or complete."""
        first = self.window.base + self.cursor
        oldest = self._oldest_open()
        return first if oldest is None else min(first, oldest.lo)

    def held_s(self, now: float) -> float:
        """Seconds the batches still open have been held by their consumers, added up."""
        return sum(now - batch.received_s for batch in self._open if batch.open)

    def appended(self, dropped: int) -> None:
        """The window dropped `dropped` settled messages and grew: keep the cursor in place and
        tell consumers that new messages may make a batch ready sooner."""
        self.cursor -= dropped
        self._at, self._n = self.window.at, len(self.window.at)
        for listener in self.on_change:
            listener()
        if self._waiters:
            self._ring()

    def sent(self, messages: int) -> None:
        """S3 sent `messages` event notifications (one SendMessage each)."""
        self.counters.requests_billed += messages * self._chunks

    # ------------------------------------------------------------ what is in the queue
    def sent_by(self, now: float) -> int:
        """Messages that reached the queue by `now` (NumberOfMessagesSent, cumulative)."""
        window = self.window
        return window.base + bisect_right(window.at, now)

    def visible_count(self, now: float) -> int:
        """ApproximateNumberOfMessagesVisible."""
        window = self.window
        return bisect_right(window.at, now, self.cursor, len(window.at)) - self.cursor + len(self.redelivered)

    def oldest_age_s(self, now: float) -> float:
        """ApproximateAgeOfOldestMessage: the oldest message not deleted, received or not,
        leaving out those received `AGE_RECEIVES_LIMIT` times or more."""
        window = self.window
        at, retries = window.at, window.retries
        oldest = now
        if self.cursor < len(at) and at[self.cursor] < oldest:
            oldest = at[self.cursor]
        first_open = self._oldest_open()
        if first_open is not None and first_open.hi > first_open.lo and not first_open.expired:
            oldest = min(oldest, at[first_open.lo - window.base])  # the oldest received, not deleted
        for number in (*self._retried_in_flight, *self._invisible):
            record = retries[number]
            if record.attempts < AGE_RECEIVES_LIMIT:
                oldest = min(oldest, record.visible_s)
        for number, _ in self.redelivered:
            record = retries[number]
            if record.attempts < AGE_RECEIVES_LIMIT:
                oldest = min(oldest, record.visible_s)
        return now - oldest

    def ready_at(self, now: float) -> float:
        """When the next batch can be handed out — full, or its oldest message's window over —
        if nothing else changes (inf: never)."""
        redelivered, at, first = self.redelivered, self._at, self.cursor
        last = first + self.batch_size - len(redelivered) - 1
        if last < first:
            return now
        n = self._n
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
        ready_at = self.ready_at(now)
        if ready_at > now:
            self.next_ready_s = ready_at
            return None
        window = self.window
        at = self._at
        cutoff = now - self.settings.retention_s
        if self.cursor < self._n and at[self.cursor] < cutoff or (
            self.redelivered and window.retries[self.redelivered[0][0]].visible_s < cutoff
        ):
            self._expire(cutoff)  # SQS deleted them: what is left may not be a ready batch
            return self.take(now)
        redelivered = []
        while self.redelivered and len(redelivered) < self.batch_size:
            number, _ = self.redelivered.popleft()
            record = window.retries[number]
            record.attempts += 1
            record.state = IN_FLIGHT
            redelivered.append(number)
        self._retried_in_flight.update(redelivered)
        lo = self.cursor
        hi = lo + self.batch_size - len(redelivered)
        if hi > self._n:
            hi = self._n
        if hi > lo and at[hi - 1] > now:
            hi = bisect_right(at, now, lo, hi)
        self.cursor = hi
        window.first_receive_s[lo:hi] = now
        size = hi - lo + len(redelivered)
        batch = Batch(lo + window.base, hi + window.base, redelivered, now, size)
        self._open.append(batch)
        self.in_flight += size
        counters = self.counters
        if size == MAX_MESSAGES_PER_CALL:
            counters.receive_calls += 1
            counters.requests_billed += self._chunks_per_full_call
        else:
            full_calls, rest = divmod(size, MAX_MESSAGES_PER_CALL)
            counters.receive_calls += full_calls + (rest > 0)
            counters.requests_billed += full_calls * self._chunks_per_full_call + math.ceil(
                rest * self.settings.message_kb / CHUNK_KB
            )
        counters.received += size
        if self._waiters and not self._alarm.pending and not self._ringing:
            # Wake the next waiting consumer if another batch is ready, else set the alarm. A
            # pending alarm needs no help: batches become ready in order, so it is not late.
            self._ring()
        return batch

    def receive(self, now: float) -> Batch | simpy.Event:
        """ReceiveMessage with long polling, for consumers that are SimPy processes: a batch
        if one is ready now, else an event to wait on, whose value is the batch when one is."""
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

    def started(self, batch: Batch, attempt: Attempt) -> None:
        """A consumer began on `batch` and will be done at `attempt.end_s`: if that is after
        the visibility timeout, the messages become visible again before it is done."""
        expires_s = batch.received_s + self.settings.visibility_timeout_s
        if attempt.end_s > expires_s:
            event = self.env.timeout(max(0.0, expires_s - self.env.now))
            event.callbacks.append(lambda _event: self._visibility_ran_out(batch))

    def complete(self, batch: Batch, attempt: Attempt) -> None:
        """The consumer is done: each message's variants were stored as the handler reached it
        (unless its attempt failed), DeleteMessageBatch deletes the successes, the rest come
        back after the visibility timeout."""
        batch.open = False
        window = self.window
        if not (attempt.returned or batch.redelivered or batch.expired):  # the usual case: all done
            self.in_flight -= batch.size
            lo = batch.lo - window.base
            window.done_from[lo : lo + batch.size] = attempt.start_s - window.service_at[lo]
            calls = -(-batch.size // MAX_MESSAGES_PER_CALL)
            self.counters.delete_calls += calls
            self.counters.requests_billed += calls
            return
        if not batch.expired:
            self.in_flight -= batch.size
        self._retried_in_flight.difference_update(batch.redelivered)
        retries = window.retries
        returned = set(attempt.returned)
        stored = set(attempt.stored)
        # Finish times: redelivered messages first, then the range, one after another.
        finished_s = attempt.start_s
        for number in batch.redelivered:
            finished_s += retries[number].service_s
            if number not in returned or number in stored:
                self._processed(number, finished_s)
        lo, hi = batch.lo - window.base, batch.hi - window.base
        if hi > lo:
            done_from = window.done_from
            done_from[lo:hi] = finished_s - window.service_at[lo]
            for number in returned - stored:
                if batch.lo <= number < batch.hi:
                    done_from[number - window.base] = np.nan
            if batch.expired:  # a copy may be processed (or done) already: count the first one
                for i in np.flatnonzero(~np.isnan(done_from[lo:hi])) + lo:
                    if retries[window.base + int(i)].processed:
                        self.counters.duplicates += 1
                        done_from[i] = np.nan
                    else:
                        retries[window.base + int(i)].processed = True
        deleted = batch.size - len(returned)
        if deleted:
            calls = math.ceil(deleted / MAX_MESSAGES_PER_CALL)
            self.counters.delete_calls += calls
            self.counters.requests_billed += calls
        if batch.expired:
            for number in [*range(batch.lo, batch.hi), *batch.redelivered]:
                if number not in returned:
                    self._delete_stale(number)
            return
        for number in batch.redelivered:
            if number not in returned:
                retries[number].state = DELETED
        if returned:
            for number in returned:
                record = window.retry(number)
                if number in stored:
                    record.processed = True
            self._return_after_timeout(sorted(returned), batch.received_s)

    def abandon(self, batch: Batch) -> None:
        """The consumer went away (throttled too long, interrupted): every message in the
        batch becomes visible again when its visibility timeout expires."""
        batch.open = False
        if batch.expired:
            return  # already visible again
        self.in_flight -= batch.size
        self._retried_in_flight.difference_update(batch.redelivered)
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
    def _processed(self, number: int, done_s: float) -> None:
        """A received-again message's variants were stored at `done_s`: the first time counts
        it as processed, any later time is a duplicate."""
        record = self.window.retries[number]
        if record.processed:
            self.counters.duplicates += 1
        else:
            record.processed = True
            record.done_s = done_s

    def _delete_stale(self, number: int) -> None:
        """DeleteMessage with the receipt handle of an attempt whose visibility ran out: it
        deletes the message only if nobody has received it since."""
        record = self.window.retries[number]
        if record.state == QUEUED:
            self.redelivered.remove((number, record.queued_since))
            record.state = DELETED

    def _visibility_ran_out(self, batch: Batch) -> None:
        if not batch.open:
            return
        batch.expired = True
        self.in_flight -= batch.size
        self._retried_in_flight.difference_update(batch.redelivered)
        numbers = list(range(batch.lo, batch.hi)) + batch.redelivered
        for number in numbers:
            self.window.retry(number)
        self.counters.visibility_expired += len(numbers)
        self._reappear(numbers)

    def _return_after_timeout(self, numbers: list[int], received_s: float) -> None:
        self._invisible.update(numbers)
        reappear = self.env.timeout(max(0.0, received_s + self.settings.visibility_timeout_s - self.env.now))
        reappear.callbacks.append(lambda _event: self._reappear(numbers))

    def _reappear(self, numbers: list[int]) -> None:
        now = self.env.now
        retries = self.window.retries
        self._invisible.difference_update(numbers)
        for number in numbers:
            record = retries[number]
            if record.attempts >= self.settings.max_receive_count:
                record.state = DEAD
                self.counters.dead_lettered += 1
            else:
                record.state = QUEUED
                record.queued_since = now
                self.counters.redeliveries += 1
                self.redelivered.append((number, now))
        for listener in self.on_change:
            listener()
        if self._waiters:
            self._ring()

    def _expire(self, cutoff: float) -> None:
        """SQS deletes messages sent before `cutoff` (the retention period), received or not."""
        at = self.window.at
        if self.cursor < len(at) and at[self.cursor] < cutoff:
            first_kept = bisect_left(at, cutoff, self.cursor)
            self.counters.expired += first_kept - self.cursor
            self.cursor = first_kept
        retries = self.window.retries
        while self.redelivered and retries[self.redelivered[0][0]].visible_s < cutoff:
            number, _ = self.redelivered.popleft()
            retries[number].state = EXPIRED

    def _ring(self) -> None:
        """Hand every ready batch to a waiting consumer (the value of its event); when none is
        ready, set the alarm for when one will be."""
        now = self.env.now
        self._ringing = True
        try:
            while self._waiters:
                event, since = self._waiters[0]
                if not event.callbacks:  # an interrupted consumer is no longer waiting
                    self._waiters.popleft()
                    continue
                batch = self.take(now)
                if batch is None:
                    self._alarm.set(now, self.next_ready_s)
                    return
                self._waiters.popleft()
                self._bill_empty_receives(since)
                event.succeed(batch)
        finally:
            self._ringing = False

    def _bill_empty_receives(self, since: float, until: float | None = None) -> None:
        self.bill_idle_polling((self.env.now if until is None else until) - since)
