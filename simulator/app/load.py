"""Why 10 million images a day needs scaling: the load in the units an engineer sizes for.

Uploads per second (mean and peak), ingest bandwidth, storage added per day and peak
concurrency — from the run where it measured them (arrivals, concurrency) and from the workload
where they are a day's totals (bytes stored per day follow the size distribution: a lognormal's
mean is its median × e^(σ²/2), so "about 1 MB" images average 1.2 MB).

    >>> from simulator import load_scenario, run
    >>> numbers = load_numbers(run(load_scenario("plan"), hours=0.25))
    >>> round(numbers["uploads/s"]), round(numbers["TB/day stored"], 1)
    (116, 16.1)
"""

from __future__ import annotations

import math

from simulator.result import SimResult

TB = 1e12  # decimal, as disks and the course's plan count


def load_numbers(result: SimResult) -> dict[str, float]:
    """The load of a run, by label (see the module docstring)."""
    workload, handler = result.scenario.workload, result.scenario.handler
    series = result.series
    interval_s = float(series.t_s[1] - series.t_s[0]) if len(series.t_s) > 1 else result.hours * 3600.0
    per_day = result.arrived * result.projection.day_factor
    mean_bytes = result.usage.uploaded_bytes / max(result.usage.uploads, 1)
    if not result.usage.uploads:
        mean_bytes = workload.size_median_mb * 1e6 * math.exp(workload.size_sigma**2 / 2.0)
    mean_rate = result.arrived / (result.hours * 3600.0)
    return {
        "uploads/s": mean_rate,
        "peak uploads/s": float(series.arrivals[:-1].max() / interval_s) if len(series.arrivals) > 1 else mean_rate,
        "MB/s in": mean_rate * mean_bytes / 1e6,
        "TB/day stored": per_day * (mean_bytes + handler.variants_kb * 1024) / TB,
        "peak concurrency": float(series.concurrency.max()),
    }


LOAD_FORMATS = {
    "uploads/s": "{:,.0f} /s",
    "peak uploads/s": "{:,.0f} /s",
    "MB/s in": "{:,.0f} MB/s",
    "TB/day stored": "{:,.1f} TB",
    "peak concurrency": "{:,.0f}",
}
LOAD_HELP = {
    "uploads/s": "Mean arrival rate in the run: 10 M a day is 116 a second, around the clock.",
    "peak uploads/s": "Busiest sample interval: what the pipeline must absorb (the queue buffers the rest).",
    "MB/s in": "Originals uploaded per second (mean size × rate); the course's plan says 60 MB/s.",
    "TB/day stored": "Originals and their variants added to S3 per day (extrapolated to a day with the workload's shape).",
    "peak concurrency": "Most invocations (or busy EC2 workers) at once: against the account's 1,000.",
}
