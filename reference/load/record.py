"""The record of a load test (JSON schema ``p4lab-load/1``) and the numbers drawn from it.

The record holds everything a simulator needs to replay the run (docs/load-testing.md
describes each field):

* ``configuration``: what the deployed stack runs with, read from the services themselves
  (batch size, batching window, maximum concurrency, memory, timeouts, visibility, receive count);
* ``workload``: how arrivals were drawn (mode, rate, duration, scenario, seed, file mix);
* ``arrivals``: one entry per upload: kind and size, planned and actual send time, when S3 had
  it, final state, and upload→final latency (seconds from the start of the run);
* ``samples``: time series at a fixed interval, column by column (queue visible / in flight,
  DLQ, oldest unfinished upload's age, workers, busy workers, their memory, DONE and FAILED
  so far). A series the target cannot provide is ``null``, and ``unavailable`` says why:
  nothing is invented.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA = "p4lab-load/1"


@dataclass
class Arrival:
    """One upload of the test; times are seconds since the run started."""

    index: int
    kind: str
    bytes: int
    planned_s: float  # when the schedule said to send it
    sent_s: float | None = None  # when the client started (slot request, then the POST)
    posted_s: float | None = None  # when the client had S3's answer to the POST; a small file
    # may already be processed by then (S3 sends its event as it stores the object)
    image_id: str | None = None
    state: str = "NOT_SENT"  # NOT_SENT, SEND_FAILED, PENDING, PROCESSING, DONE, FAILED
    reason: str | None = None  # FAILED: the engine's reason; SEND_FAILED: the client's error
    final_s: float | None = None  # when the item became DONE/FAILED (the handler's clock)
    latency_s: float | None = None  # final_s - sent_s: upload -> DONE as the user sees it


@dataclass
class Samples:
    """Time series, one value per sample in each list (``None``: not measured at that moment)."""

    interval_s: float
    t: list[float] = field(default_factory=list)
    visible: list[int | None] = field(default_factory=list)
    in_flight: list[int | None] = field(default_factory=list)
    dlq_visible: list[int | None] = field(default_factory=list)
    oldest_unfinished_age_s: list[float | None] = field(default_factory=list)
    workers: list[int | None] | None = field(default_factory=list)
    busy_workers: list[int | None] | None = field(default_factory=list)
    worker_rss_mb: list[float | None] | None = field(default_factory=list)
    done: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation, as NumPy's default.

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50), percentile([5.0], 99), percentile([], 50)
    (2.5, 5.0, None)
    """
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarise(arrivals: list[Arrival], samples: Samples, duration_s: float) -> dict[str, Any]:
    """Throughput, latency percentiles, failures and peaks: the report's numbers."""
    sent = [a for a in arrivals if a.sent_s is not None]
    final = [a for a in sent if a.state in ("DONE", "FAILED")]
    done = [a for a in final if a.state == "DONE"]
    latencies = [a.latency_s for a in done if a.latency_s is not None]
    first_sent = min((a.sent_s for a in sent), default=0.0)
    last_final = max((a.final_s for a in final if a.final_s is not None), default=first_sent)
    span = last_final - first_sent
    lateness = [a.sent_s - a.planned_s for a in sent]
    reasons: dict[str, int] = {}
    for arrival in arrivals:
        if arrival.state in ("FAILED", "SEND_FAILED"):
            key = f"{arrival.state}: {arrival.reason or '?'}"
            reasons[key] = reasons.get(key, 0) + 1

    def peak(series: list | None) -> float | None:
        values = [v for v in series or [] if v is not None]
        return max(values) if values else None

    return {
        "arrivals": len(arrivals),
        "sent": len(sent),
        "offered_per_s": len(arrivals) / duration_s if duration_s else None,
        "final": len(final),
        "done": len(done),
        "failed": len(final) - len(done),
        "send_failed": sum(a.state == "SEND_FAILED" for a in arrivals),
        "unfinished": len(sent) - len(final),
        "throughput_per_s": len(final) / span if span > 0 else None,
        "latency_s": {f"p{q}": percentile(latencies, q) for q in (50, 95, 99)} | {"max": max(latencies, default=None)},
        "send_lateness_s": {"p95": percentile(lateness, 95), "max": max(lateness, default=None)},
        "failures": reasons,
        "peak": {
            "visible": peak(samples.visible),
            "in_flight": peak(samples.in_flight),
            "oldest_unfinished_age_s": peak(samples.oldest_unfinished_age_s),
            "workers": peak(samples.workers),
            "busy_workers": peak(samples.busy_workers),
            "worker_rss_mb": peak(samples.worker_rss_mb),
        },
        "dlq_visible_at_end": samples.dlq_visible[-1] if samples.dlq_visible else None,
    }


def to_json(
    *,
    run_id: str,
    target: str,
    stack: str,
    started_at: str,
    configuration: dict[str, Any],
    workload: dict[str, Any],
    arrivals: list[Arrival],
    samples: Samples,
    cloudwatch: dict[str, Any] | None,
    unavailable: dict[str, str],
    summary: dict[str, Any],
) -> dict[str, Any]:
    """The whole record as JSON-ready data."""
    return {
        "schema": SCHEMA,
        "run_id": run_id,
        "target": target,
        "stack": stack,
        "started_at": started_at,
        "configuration": configuration,
        "workload": workload,
        "summary": summary,
        "arrivals": [asdict(a) for a in arrivals],
        "samples": asdict(samples),
        "cloudwatch": cloudwatch,
        "unavailable": unavailable,
    }
