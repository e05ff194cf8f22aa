"""What CloudWatch would show: the pipeline's gauges and counters, sampled every interval.

    >>> interval_ends(3600.0, 600.0)
    array([ 600., 1200., 1800., 2400., 3000., 3600.])
    >>> interval_ends(1000.0, 600.0)
    array([ 600., 1000.])
"""

from __future__ import annotations

from collections.abc import Generator
from typing import NamedTuple

import numpy as np
import simpy

from simulator.compute import Compute
from simulator.sqs import StandardQueue


class Sample(NamedTuple):
    """One reading. Gauges are levels at `t_s`; the last four are cumulative counts."""

    t_s: float
    queue_visible: int  # ApproximateNumberOfMessagesVisible
    queue_in_flight: int  # ApproximateNumberOfMessagesNotVisible
    oldest_age_s: float  # ApproximateAgeOfOldestMessage
    concurrency: int  # Lambda invocations running / EC2 workers busy
    idle: int  # Lambda environments initialised but idle / EC2 workers waiting for messages
    capacity: int  # ESM concurrency limit / EC2 workers running
    cold_starts: int
    throttles: int
    errors: int
    dlq: int


CUMULATIVE = ("cold_starts", "throttles", "errors", "dlq")  # turned into counts per interval


def interval_ends(horizon_s: float, every_s: float) -> np.ndarray:
    """End of every sample interval: every `every_s`, and the horizon itself."""
    ends = np.arange(every_s, horizon_s, every_s)
    return np.append(ends[ends < horizon_s], horizon_s)


class Probe:
    """Samples the queue and the compute at the end of every interval."""

    def __init__(self, queue: StandardQueue, compute: Compute) -> None:
        self.queue = queue
        self.compute = compute
        self.samples: list[Sample] = []

    def sample(self, now: float) -> None:
        queue, compute = self.queue, self.compute
        self.samples.append(
            Sample(
                now,
                queue.visible_count(now),
                queue.in_flight,
                queue.oldest_age_s(now),
                compute.concurrency,
                compute.idle(now),
                compute.capacity,
                *compute.trouble(),
                queue.counters.dead_lettered,
            )
        )

    def run(self, env: simpy.Environment, ends_s: np.ndarray) -> Generator[simpy.Event, object, None]:
        """Sample at every end but the last (events at the horizon do not run: `model.run`
        takes that one)."""
        for end in ends_s[:-1]:
            yield env.timeout(end - env.now)
            self.sample(env.now)

    def columns(self) -> dict[str, np.ndarray]:
        """The samples by column name; cumulative counters become counts per interval."""
        table = np.asarray(self.samples, dtype=float).reshape(-1, len(Sample._fields))
        columns = dict(zip(Sample._fields, table.T, strict=True))
        for name in CUMULATIVE:
            columns[name] = np.diff(columns[name], prepend=0.0)
        return columns
