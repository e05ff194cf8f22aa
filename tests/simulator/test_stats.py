"""Latency percentiles from log histograms: within the stated bound of the exact ones."""

from __future__ import annotations

import numpy as np
import pytest

from simulator import Scenario, run
from simulator.stats import LOW_S, RATIO, LatencyHistograms

PERCENTILES = (1, 10, 50, 90, 95, 99, 99.9)


def assert_within_bound(values: np.ndarray, estimate: float, q: float) -> None:
    """The documented bound: |estimate − numpy.percentile| ≤ (RATIO − 1) · x₍⌈h⌉₎ (or LOW_S)."""
    ordered = np.sort(values)
    h = (len(values) - 1) * q / 100
    upper = ordered[int(np.ceil(h))]
    exact = np.percentile(values, q)
    assert abs(estimate - exact) <= max((RATIO - 1) * upper, LOW_S) + 1e-12, (q, estimate, exact)


@pytest.mark.parametrize("n", [7, 1_000, 200_000])
def test_percentiles_are_within_the_bound_on_random_data(n):
    rng = np.random.default_rng(n)
    values = np.concatenate((rng.lognormal(1.0, 1.2, n), rng.uniform(0, 0.002, n // 10)))  # some below LOW_S
    histograms = LatencyHistograms(np.array([50.0, 100.0]))
    times = rng.uniform(0, 100, len(values))
    for part in np.array_split(np.arange(len(values)), 5):  # added in pieces, in any order
        histograms.add(times[part], values[part])
    for q in PERCENTILES:
        assert_within_bound(values, histograms.percentile(q), q)
    counts, per_interval = histograms.per_interval((50, 95))
    for interval, (start, end) in enumerate([(-1, 50), (50, 100)]):
        inside = values[(times > start) & (times <= end)]
        assert counts[interval] == len(inside)
        assert_within_bound(inside, per_interval[interval, 0], 50)
    assert histograms.mean == pytest.approx(values.mean()) and histograms.max == values.max()


def test_a_runs_percentiles_are_within_the_bound_of_its_trace():
    """Against the exact percentiles of every upload's latency in a run (its trace), for the run
    and for each sample interval."""
    scenario = Scenario.model_validate({"workload": {"images_per_day": 2_000_000}, "simulation": {"sample_interval_s": 60}})
    result = run(scenario, hours=0.25, trace=True)
    latencies = result.trace.latency_s
    assert len(latencies) == result.processed
    for q, key in ((50, "p50"), (95, "p95"), (99, "p99")):
        assert_within_bound(latencies, result.latency_s[key], q)
    done = result.trace.done_s[~np.isnan(result.trace.done_s)]
    ends = result.series.t_s
    interval = np.searchsorted(ends, done, side="left")
    for i in range(1, len(ends)):
        mine = latencies[interval == i]
        assert result.series.completed[i] == len(mine)
        assert_within_bound(mine, result.series.latency_p95_s[i], 95)
