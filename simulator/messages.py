"""The messages a run is still working on: a sliding window of arrays, plus the few that fail.

Messages are numbered in the order their S3 events reach the queue. The window holds, as NumPy
arrays indexed by number − `base`, every message from the oldest one that is not settled yet (not
received, or in a batch still being processed) to the last one drawn: minutes of traffic. When
the workload appends a block (`append`), the settled prefix is dropped and handed to whoever
keeps the statistics (`on_settled`), so memory does not grow with the length of the run.

A message that fails or is given back leaves the window's bookkeeping: its few numbers are
copied into a `Retry` record, which lives until the message is processed, dead-lettered or
expires. Those are rare (0.1% of attempts by default), so they can be Python objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from simulator.workload import Messages

QUEUED, IN_FLIGHT, DELETED, DEAD, EXPIRED = "queued", "in flight", "deleted", "dead-lettered", "expired"


@dataclass(slots=True)
class Retry:
    """A message that came back to the queue: what the queue and the handler need to know of it."""

    upload_s: float
    visible_s: float  # when its event first became visible
    first_receive_s: float
    service_s: float
    poison: bool
    attempts: int = 1  # receives so far
    state: str = IN_FLIGHT  # QUEUED, IN_FLIGHT, DELETED, DEAD (in the DLQ) or EXPIRED (retention)
    queued_since: float = float("nan")  # visible again since (while QUEUED)
    processed: bool = False  # its variants were stored by some attempt
    done_s: float = float("nan")  # when a later attempt stored them (if the first did not)


@dataclass(frozen=True)
class Settled:
    """Messages leaving the window: when each was uploaded, visible, first received and done
    (NaN where not received, or not processed by its first batch: see `Window.retries`)."""

    first: int  # number of the first of them
    upload_s: np.ndarray
    visible_s: np.ndarray
    first_receive_s: np.ndarray
    done_s: np.ndarray


class Window:
    """Arrays of the unsettled messages; see the module docstring."""

    def __init__(self, on_settled: Callable[[Settled], None]) -> None:
        self.on_settled = on_settled
        self.base = 0  # number of the message at local index 0
        self.frontier_s = 0.0  # every message visible before this time is in the window
        self.retries: dict[int, Retry] = {}
        empty = np.empty(0)
        # done_from: when a message's first attempt stored its variants, minus the cumulative
        # service time up to and including it (one number per batch, written with a slice fill;
        # `done_s` adds the cumulative sum back). NaN: not stored by its first attempt.
        self.visible_s = self.upload_s = self.service_s = self.first_receive_s = self.done_from = empty
        self.fails_first = self.poison = np.empty(0, dtype=bool)
        self._cumulative(np.zeros(1), np.zeros(1, dtype=np.int64))

    @property
    def end(self) -> int:
        """One past the number of the last message drawn so far."""
        return self.base + len(self.visible_s)

    def _cumulative(self, service_cum: np.ndarray, fails_cum: np.ndarray) -> None:
        # Cumulative sums with a leading 0 and memoryviews of the arrays read one element at a
        # time: indexing a memoryview yields a Python float quickly (NumPy scalars are slow).
        self.service_cum = service_cum
        self.fails_cum = fails_cum
        self.at = memoryview(self.visible_s)
        self.service_at = memoryview(self.service_cum)
        self.fails_at = memoryview(self.fails_cum)

    def append(self, messages: Messages, service_s: np.ndarray, fails_first: np.ndarray, until_s: float, keep_from: int) -> None:
        """Add the next block (its messages' service times and first-attempt outcomes computed
        by the handler) and drop the messages numbered below `keep_from`, which are settled."""
        drop = max(0, min(keep_from, self.end) - self.base)
        if drop:
            self.on_settled(
                Settled(
                    self.base,
                    self.upload_s[:drop],
                    self.visible_s[:drop],
                    self.first_receive_s[:drop],
                    self.done_from[:drop] + self.service_cum[1 : drop + 1],
                )
            )
        n = len(messages)
        nan = np.full(n, np.nan)
        self.visible_s = np.concatenate((self.visible_s[drop:], messages.visible_s))
        self.upload_s = np.concatenate((self.upload_s[drop:], messages.upload_s))
        self.service_s = np.concatenate((self.service_s[drop:], service_s))
        self.fails_first = np.concatenate((self.fails_first[drop:], fails_first))
        self.poison = np.concatenate((self.poison[drop:], messages.poison))
        self.first_receive_s = np.concatenate((self.first_receive_s[drop:], nan))
        self.done_from = np.concatenate((self.done_from[drop:], nan))
        service_cum = self.service_cum[drop:]
        fails_cum = self.fails_cum[drop:]
        self._cumulative(
            np.concatenate((service_cum, service_cum[-1] + np.cumsum(service_s))),
            np.concatenate((fails_cum, fails_cum[-1] + np.cumsum(fails_first, dtype=np.int64))),
        )
        self.base += drop
        self.frontier_s = until_s

    def flush(self) -> None:
        """The run is over: hand every message still in the window to `on_settled`."""
        self.append(
            Messages(*(np.empty(0) for _ in range(4)), np.empty(0, dtype=bool)),
            np.empty(0),
            np.empty(0, dtype=bool),
            self.frontier_s,
            self.end,
        )

    def retry(self, number: int) -> Retry:
        """The retry record of a message, made from the window the first time it is needed."""
        record = self.retries.get(number)
        if record is None:
            i = number - self.base
            record = Retry(
                float(self.upload_s[i]),
                float(self.visible_s[i]),
                float(self.first_receive_s[i]),
                float(self.service_s[i]),
                bool(self.poison[i]),
            )
            self.retries[number] = record
        return record
