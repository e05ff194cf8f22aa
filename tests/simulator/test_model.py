"""The pipeline model: conservation of messages, failure paths, scaling, reproducibility."""

from __future__ import annotations

import numpy as np
import pytest

from simulator import load_scenario, preset_names, run


def test_every_message_is_accounted_for_and_none_lost(small, accounted):
    result = run(small(), hours=0.25)
    assert accounted(result) == result.arrived
    assert result.lost == 0
    assert result.processed > 0.98 * result.arrived


def test_same_seed_same_result_other_seed_other_result(small):
    first, again = run(small(), hours=0.1), run(small(), hours=0.1)
    assert first.to_dict() | {"wall_s": 0} == again.to_dict() | {"wall_s": 0}
    other = run(small(simulation={"seed": 2}), hours=0.1)
    assert other.arrived != first.arrived


def test_poison_messages_end_in_the_dead_letter_queue(small, accounted):
    result = run(
        small(
            handler={"poison_rate": 0.01, "transient_error_rate": 0},
            queue={"visibility_timeout_s": 30, "max_receive_count": 3},
        ),
        hours=0.25,
    )
    # Poison messages fail 3 times, 30 s apart: those that arrived before the last 90 s are in
    # the DLQ (1% of them: ~94 ± 10 at this load), and nothing else is.
    assert result.failed == pytest.approx(0.01 * result.arrived * (900 - 90) / 900, rel=0.2)
    assert result.errors >= 3 * result.failed
    assert result.counters["redeliveries"] >= 2 * result.failed
    assert result.series.dlq.sum() == result.failed
    assert accounted(result) == result.arrived


def test_messages_past_the_retention_period_are_lost_on_purpose(small, accounted):
    """Too little capacity and a 60-second retention: SQS deletes what waits too long."""
    result = run(
        small(
            function={"maximum_concurrency": 2, "esm_floor": 2, "esm_initial": 2},
            queue={"retention_s": 60},
        ),
        hours=0.1,
    )
    assert result.lost > 0
    assert accounted(result) == result.arrived


def test_account_concurrency_limit_throttles_a_spike(small):
    scenario = small(
        workload={
            "shape": "spike",
            "spike": {"multiplier": 20, "start_hour": 0.05, "duration_minutes": 5},
        },
        function={"account_concurrency": 50},
    )
    result = run(scenario, hours=0.25)
    assert result.throttles > 0
    assert result.series.concurrency.max() <= 50
    assert result.lost == 0


def test_event_source_mapping_scales_up_at_most_300_per_minute(small):
    spike = {"multiplier": 50, "start_hour": 0.02, "duration_minutes": 10}
    scenario = small(workload={"shape": "spike", "spike": spike})
    series = run(scenario, hours=0.2).series
    growth_per_minute = np.diff(series.capacity) * 60 / np.diff(series.t_s)
    assert growth_per_minute.max() <= 300 + 1e-9
    assert series.capacity.max() > 100


def test_cold_starts_when_scaling_and_billed_init(small):
    result = run(small(function={"init_s": 1.0}), hours=0.1)
    assert result.cold_starts >= 5  # the mapping's first pollers all start cold
    one_init_gb_s = 1.0 * 1769 / 1024  # 1 s at 1,769 MB
    assert result.usage.lambda_init_gb_seconds == pytest.approx(result.cold_starts * one_init_gb_s)
    assert result.cost_per_month["Lambda"].items["init duration (cold starts)"] > 0


def test_memory_below_one_vcpu_slows_the_handler_down(small):
    """512 MB is 0.29 vCPU: the CPU-bound part of every message takes 3.45 times as long (the
    80 ms of I/O does not), so an invocation lasts well over twice as long."""
    fast = run(small(function={"memory_mb": 1769}), hours=0.1)
    slow = run(small(function={"memory_mb": 512}), hours=0.1)
    seconds_per_invocation = [r.usage.lambda_gb_seconds * 1024 / mb / r.usage.invocations for r, mb in ((fast, 1769), (slow, 512))]
    assert seconds_per_invocation[1] > 2.5 * seconds_per_invocation[0]
    assert slow.latency_s["p50"] > 1.5 * fast.latency_s["p50"]


def test_ec2_fleet_scales_on_backlog_and_survives_spot_interruptions(small, accounted):
    scenario = small(
        compute="ec2",
        fleet={
            "purchase": "spot",
            "interruptions_per_instance_hour": 2.0,
            "initial_instances": 2,
            "boot_s": 30,
        },
    )
    result = run(scenario, hours=0.5)
    assert result.lost == 0
    assert accounted(result) == result.arrived
    assert result.processed > 0.9 * result.arrived
    assert result.usage.instance_hours > 0
    assert result.counters["interruptions"] > 0
    assert "EC2" in result.cost_per_month and "Lambda" not in result.cost_per_month


def test_cost_comes_from_the_simulated_counts(small):
    result = run(small(), hours=0.1)
    usage = result.usage
    assert usage.invocations > 0 and usage.lambda_gb_seconds > 0
    # Sends, one receive and one delete per batch of ten: 2 KB messages are one 64 KB chunk each.
    assert usage.sqs_requests == pytest.approx(usage.uploads + 2 * usage.invocations, rel=0.02)
    assert set(result.cost_per_day) == {"Lambda", "SQS", "S3", "DynamoDB", "CloudFront"}
    assert result.total_per_month == pytest.approx(result.total_per_day * 730 / 24)


def test_time_series_line_up_and_arrivals_add_up(small):
    result = run(small(), hours=0.1)
    columns = result.series.as_dict()
    assert len({len(v) for v in columns.values()}) == 1
    assert result.series.arrivals.sum() <= result.arrived
    assert result.series.arrivals.sum() >= 0.99 * result.arrived


@pytest.mark.parametrize("name", preset_names())
def test_presets_run_without_losing_messages(name, accounted):
    result = run(load_scenario(name), hours=0.05)
    assert result.lost == 0
    assert accounted(result) == result.arrived
