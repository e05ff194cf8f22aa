"""What a run returns: time series, latency, message outcomes, usage and the bill.

Plain dataclasses of NumPy arrays and numbers, so a notebook or a Streamlit app can do
``pandas.DataFrame(result.series.as_dict())`` and ``result.to_dict()`` is JSON-ready.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import numpy as np

from simulator.cost import DAYS_PER_MONTH, HOURS_PER_MONTH, Cost
from simulator.scenario import Scenario


@dataclass
class TimeSeries:
    """One row per sample interval; counts are per interval, levels are at its end."""

    t_s: np.ndarray  # end of the interval, seconds since the start of the run
    arrivals: np.ndarray  # uploads during the interval
    completed: np.ndarray  # messages processed during the interval
    queue_visible: np.ndarray  # ApproximateNumberOfMessagesVisible
    queue_in_flight: np.ndarray  # ApproximateNumberOfMessagesNotVisible
    oldest_age_s: np.ndarray  # ApproximateAgeOfOldestMessage
    concurrency: np.ndarray  # busy: Lambda invocations running / EC2 workers processing
    idle: np.ndarray  # Lambda execution environments initialised but idle / EC2 workers waiting
    capacity: np.ndarray  # ESM concurrency limit / EC2 workers running
    cold_starts: np.ndarray
    throttles: np.ndarray
    errors: np.ndarray  # failed message attempts
    dlq: np.ndarray  # messages moved to the dead-letter queue
    # End to end (upload → variants stored) over the messages *completed* in the interval, so
    # `completed` is each value's weight; NaN where none completed.
    latency_p50_s: np.ndarray
    latency_p95_s: np.ndarray

    def as_dict(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Trace:
    """Every upload of a run, in the order their events reached the queue (NaN: never)."""

    upload_s: np.ndarray
    visible_s: np.ndarray  # the S3 event became visible in the queue
    first_receive_s: np.ndarray
    done_s: np.ndarray  # variants stored by the attempt that succeeded

    @property
    def wait_s(self) -> np.ndarray:
        """Visible → first received, for every processed upload."""
        done = ~np.isnan(self.done_s)
        return self.first_receive_s[done] - self.visible_s[done]

    @property
    def latency_s(self) -> np.ndarray:
        """Upload → variants stored, for every processed upload."""
        done = ~np.isnan(self.done_s)
        return self.done_s[done] - self.upload_s[done]


@dataclass
class Usage:
    """Billable quantities over the simulated period (not yet scaled to a day or a month)."""

    uploads: int  # S3 PUTs by clients, one S3 event (SQS SendMessage) each
    uploaded_bytes: float
    processed: int
    big_objects: int = 0  # uploads over 128 KB (Intelligent-Tiering monitors only these)
    undersize_bytes: float = 0.0  # what uploads under 128 KB fall short of it (Glacier IR's minimum)
    invocations: int = 0
    lambda_gb_seconds: float = 0.0  # on-demand duration
    lambda_init_gb_seconds: float = 0.0  # billed INIT of cold starts
    provisioned_duration_gb_seconds: float = 0.0  # duration served by provisioned concurrency
    snapstart_restore_gb: float = 0.0  # memory × environments restored from the snapshot
    event_poller_unit_hours: float = 0.0  # provisioned-mode pollers of the event source mapping
    sqs_requests: int = 0  # billed: sends, receives, deletes, each per started 64 KB of its payload
    sqs_empty_receives: int = 0  # long polls that returned nothing (billed too)
    instance_hours: float = 0.0


@dataclass(frozen=True)
class Projection:
    """How the simulated hours become a day: the factor for what follows the uploads, and the
    sentence that says so wherever a daily or monthly figure is shown (see simulator.billing)."""

    hours: float
    day_factor: float  # a day's quantity = the simulated quantity × this (what follows uploads)
    extrapolated: bool
    basis: str

    @property
    def month_by_load(self) -> float:
        return self.day_factor * DAYS_PER_MONTH

    @property
    def month_by_time(self) -> float:
        return HOURS_PER_MONTH / self.hours


@dataclass
class SimResult:
    """Everything one run produced."""

    scenario: Scenario
    hours: float
    series: TimeSeries
    arrived: int  # uploads during the run
    processed: int
    failed: int  # ended in the DLQ
    lost: int  # deleted by SQS before anyone processed them (retention)
    pending: int  # still in S3 → SQS transit, in the queue or in flight at the end
    latency_s: dict[str, float]  # end to end (upload → variants stored): p50, p95, p99, mean, max
    queue_wait_s: dict[str, float]  # visible in the queue → first received: p50, p95, p99, mean, max
    instances: dict[str, float]  # environments or workers: busy_mean, idle_mean, total_mean, total_max
    cold_starts: int
    throttles: int
    errors: int
    usage: Usage
    counters: dict[str, float]  # everything the queue and the compute counted, by name
    cost: dict[str, Cost]  # what the simulated hours cost
    cost_per_day: dict[str, Cost]  # extrapolated: see `projection`
    cost_per_month: dict[str, Cost]
    projection: Projection
    events: int  # SimPy events processed
    wall_s: float
    trace: Trace | None = None  # per-upload times, only when `run(..., trace=True)` asked for them

    @property
    def total(self) -> float:
        """What the simulated hours cost."""
        return sum(c.total for c in self.cost.values())

    @property
    def total_per_day(self) -> float:
        return sum(c.total for c in self.cost_per_day.values())

    @property
    def total_per_month(self) -> float:
        return sum(c.total for c in self.cost_per_month.values())

    def to_dict(self) -> dict:
        """JSON-ready summary: scalars, the bill and the time series as lists (NaN in a series,
        an interval in which nothing completed, becomes None: JSON has no NaN)."""
        return {
            "scenario": self.scenario.name,
            "hours": self.hours,
            "arrived": self.arrived,
            "processed": self.processed,
            "failed": self.failed,
            "lost": self.lost,
            "pending": self.pending,
            "latency_s": self.latency_s,
            "queue_wait_s": self.queue_wait_s,
            "instances": self.instances,
            "cold_starts": self.cold_starts,
            "throttles": self.throttles,
            "errors": self.errors,
            "usage": asdict(self.usage),
            "counters": self.counters,
            "cost": {
                "simulated": _bill(self.cost, f"the {self.hours:g} h simulated", extrapolated=False),
                "per_day": _bill(self.cost_per_day, self.projection.basis, self.projection.extrapolated),
                "per_month": _bill(
                    self.cost_per_month,
                    f"per month (730 h): {self.projection.basis.removeprefix('per day: ')}; storage and "
                    f"CloudFront for month {self.scenario.billing.month_of_operation} of operation",
                    self.projection.extrapolated,
                ),
            },            "events": self.events,
            "wall_s": self.wall_s,
            "series": {k: _json_list(v) for k, v in self.series.as_dict().items()},
        }


def _bill(bill: dict[str, Cost], basis: str, extrapolated: bool) -> dict:
    return {
        "total": sum(c.total for c in bill.values()),
        "extrapolated": extrapolated,
        "basis": basis,
        "services": {service: {"total": c.total, "items": c.items} for service, c in bill.items()},
    }


def _json_list(values: np.ndarray) -> list:
    if values.dtype.kind == "f" and np.isnan(values).any():
        return [None if v != v else v for v in values.tolist()]  # v != v: NaN
    return values.tolist()
