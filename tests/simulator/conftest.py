"""Shared builders for the simulator's tests."""

from __future__ import annotations

import pytest

from simulator.scenario import Scenario


def mmc_scenario(arrival_rate: float, service_rate: float, servers: int, seed: int = 1) -> Scenario:
    """The pipeline reduced to M/M/c: Poisson arrivals at `arrival_rate` per second straight
    into the queue, exponential service at `service_rate`, exactly `servers` concurrent
    invocations of one message each, no cold starts, failures or batching window."""
    return Scenario.model_validate(
        {
            "name": f"M/M/{servers}",
            "workload": {"images_per_day": arrival_rate * 86_400, "s3_event_delay_median_s": 0},
            "handler": {
                "service_model": "exponential",
                "exponential_mean_s": 1.0 / service_rate,
                "transient_error_rate": 0,
            },
            "function": {
                "batch_size": 1,
                "batching_window_s": 0,
                "esm_initial": servers,
                "esm_floor": servers,
                "esm_ceiling": servers,
                "init_s": 0,
                "idle_expiry_s": 1e9,
                "timeout_s": 900,
            },
            "queue": {"visibility_timeout_s": 43_200},
            "simulation": {"seed": seed, "sample_interval_s": 1},
        }
    )


@pytest.fixture
def mmc():
    """The M/M/c scenario builder (a fixture, because tests/ is not a package)."""
    return mmc_scenario


def small_scenario(**sections) -> Scenario:
    """A plan-like scenario at 1/10 the load (1 M images a day), sampled every 10 s; `sections`
    override fields by section (e.g. ``function={"memory_mb": 512}``, ``compute="ec2"``)."""
    base = {"workload": {"images_per_day": 1_000_000}, "simulation": {"sample_interval_s": 10}}
    for section, fields in sections.items():
        base[section] = {**base.get(section, {}), **fields} if isinstance(fields, dict) else fields
    return Scenario.model_validate(base)


def accounted_for(result) -> int:
    """Every upload ends in exactly one of these."""
    return result.processed + result.failed + result.lost + result.pending


@pytest.fixture
def small():
    """The small-scenario builder (a fixture, because tests/ is not a package)."""
    return small_scenario


@pytest.fixture
def accounted():
    return accounted_for
