"""Latency over time (per-interval percentiles) and run()'s progress reports."""

from __future__ import annotations

import json

import numpy as np
import pytest

from simulator import Scenario, load_scenario, run
from simulator.model import PROGRESS_EVERY_S


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def test_latency_series_agrees_with_the_overall_percentiles_on_a_flat_day():
    result = run(
        Scenario.model_validate({"workload": {"images_per_day": 2_000_000}, "simulation": {"sample_interval_s": 30}}),
        hours=0.5,
    )
    series = result.series
    finished = series.completed > 0
    assert finished[1:].all()  # ~700 images finish every 30 s
    assert np.isnan(series.latency_p50_s[~finished]).all()
    assert (series.latency_p95_s[finished] >= series.latency_p50_s[finished]).all()
    assert series.completed.sum() == result.processed
    p50 = weighted_median(series.latency_p50_s[finished], series.completed[finished])
    assert p50 == pytest.approx(result.latency_s["p50"], rel=0.02)
    p95 = weighted_median(series.latency_p95_s[finished], series.completed[finished])
    assert p95 == pytest.approx(result.latency_s["p95"], rel=0.05)


def test_p95_latency_rises_during_a_spike_and_falls_after_it():
    scenario = load_scenario("spike")  # 10x for 15 minutes; moved earlier to keep the test short
    scenario.workload.spike.start_hour = 0.25
    series = run(scenario, hours=1.0).series
    minute = series.t_s / 60.0
    before = np.nanmedian(series.latency_p95_s[minute <= 14])
    during = np.nanmax(series.latency_p95_s[(minute > 15) & (minute <= 35)])
    after = np.nanmedian(series.latency_p95_s[minute > 45])
    assert during > 3 * before
    assert after < 1.3 * before


def test_progress_is_reported_in_increasing_fractions_ending_at_one():
    fractions: list[float] = []
    hours = 0.5
    run(Scenario.model_validate({"workload": {"images_per_day": 100_000}}), hours=hours, progress=fractions.append)
    assert fractions[-1] == 1.0
    assert all(0 < a < b for a, b in zip(fractions, fractions[1:], strict=False))
    assert len(fractions) == int(hours * 3600 / PROGRESS_EVERY_S)  # 300 s, 600 s, ... then 1.0


def test_progress_does_not_change_the_result():
    scenario = Scenario.model_validate({"workload": {"images_per_day": 100_000}})
    quiet, reported = run(scenario, hours=0.2), run(scenario, hours=0.2, progress=lambda _: None)
    assert quiet.to_dict() | {"wall_s": 0, "events": 0} == reported.to_dict() | {"wall_s": 0, "events": 0}


def test_to_dict_is_strict_json_when_intervals_finish_nothing():
    """An interval in which nothing completed has no latency: None in JSON, not NaN."""
    scenario = Scenario.model_validate(
        {"workload": {"images_per_day": 10_000}, "simulation": {"sample_interval_s": 5}}
    )
    result = run(scenario, hours=0.05)
    assert np.isnan(result.series.latency_p50_s).any()
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert None in data["series"]["latency_p95_s"]
