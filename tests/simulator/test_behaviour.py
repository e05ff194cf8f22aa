"""Issue 14's findings, one test each: what AWS does, what a bill is for, what latency means."""

from __future__ import annotations

import numpy as np
import pydantic
import pytest

from simulator import Scenario, load_scenario, run
from simulator.cost import HOURS_PER_MONTH


# ---------------------------------------------------------------- 1. bills are for what was simulated
def test_a_night_hour_gives_the_days_bill_not_the_nights():
    """Finding 1: the diurnal preset's first hour is midnight (0.35 of the mean rate). Its daily
    bill must be extrapolated with the day's shape, and land on the 24 h run's."""
    scenario = load_scenario("diurnal")
    scenario.workload.images_per_day = 500_000
    hour, day = run(scenario, hours=1), run(scenario, hours=24)
    assert hour.projection.extrapolated and not day.projection.extrapolated
    assert "daily shape" in hour.projection.basis
    assert hour.total_per_day == pytest.approx(day.total_per_day, rel=0.03)
    assert day.total == pytest.approx(day.total_per_day)  # a simulated day is its own bill
    assert hour.total < day.total / 24  # the midnight hour itself is cheap


def test_a_spike_counts_once_a_day(small):
    """Finding 1: a 3 h run holding the day's one spike must not bill eight spikes a day."""
    scenario = load_scenario("spike")
    scenario.workload.images_per_day = 500_000
    three, day = run(scenario, hours=3), run(scenario, hours=24)
    assert three.total_per_day == pytest.approx(day.total_per_day, rel=0.03)
    flat = run(small(workload={"images_per_day": 500_000}), hours=3)
    assert three.total_per_day < 1.15 * flat.total_per_day  # a 10× quarter hour adds ~10% to the day


def test_time_based_lines_are_prorated_by_hours_and_the_rest_by_uploads(small):
    result = run(small(billing={"month_of_operation": 6}), hours=0.5)
    storage = result.cost["S3"].items["storage standard"]
    assert storage == pytest.approx(result.cost_per_month["S3"].items["storage standard"] * 0.5 / HOURS_PER_MONTH)
    puts = result.cost["S3"].items["PUT requests"]
    assert puts == pytest.approx(result.cost_per_day["S3"].items["PUT requests"] / result.projection.day_factor)


# ---------------------------------------------------------------- 2. one latency definition
def test_latency_is_per_upload_from_upload_to_its_variants_stored(small):
    """Finding 2: in a Lambda batch each message is done when the handler reaches its end, not
    when the invocation returns; so is an EC2 worker's."""
    busy_fleet = {"initial_instances": 1, "min_instances": 1, "max_instances": 1}  # batches of several
    for compute in ("lambda", "ec2"):
        result = run(small(compute=compute, handler={"transient_error_rate": 0}, fleet=busy_fleet), hours=0.05, trace=True)
        trace = result.trace
        done = ~np.isnan(trace.done_s)
        batches = {}
        for received, finished in zip(trace.first_receive_s[done], trace.done_s[done], strict=True):
            batches.setdefault(received, []).append(finished)
        spreads = [max(times) - min(times) for times in batches.values() if len(times) > 1]
        assert spreads and np.median(spreads) > 0.1, compute  # messages of a batch finish at different times
        assert result.latency_s["p50"] == pytest.approx(np.percentile(trace.latency_s, 50), rel=0.011)


def test_bigger_batches_do_not_make_every_message_wait_for_the_last(small):
    small_batches = run(small(function={"batch_size": 10}), hours=0.1)
    big_batches = run(small(function={"batch_size": 100, "batching_window_s": 1}), hours=0.1)
    # A batch of 100 takes ~25 s to process; per upload that is ~12 s on average, not 25.
    assert big_batches.latency_s["p50"] < small_batches.latency_s["p50"] + 20


# ---------------------------------------------------------------- 3. SQS requests per call
def test_sqs_bills_each_call_by_its_own_payload(small):
    """Finding 3: a batch of 100 is ten ReceiveMessage calls of ten 2 KB messages (one 64 KB chunk
    each) and ten DeleteMessageBatch calls — not one receive of 200 KB billed 4 chunks for every
    call. With 20 KB messages a full receive is 200 KB: 4 chunks."""
    result = run(small(function={"batch_size": 100, "batching_window_s": 1}), hours=0.1)
    counters = result.counters
    sends = result.usage.uploads
    assert counters["receive_calls"] >= counters["received"] / 10
    assert result.usage.sqs_requests == pytest.approx(sends + counters["receive_calls"] + counters["delete_calls"], rel=0.01)
    heavy = run(small(queue={"message_kb": 20}), hours=0.05)
    c = heavy.counters
    assert heavy.usage.sqs_requests == pytest.approx(heavy.usage.uploads + 4 * c["receive_calls"] + c["delete_calls"], rel=0.02)


# ---------------------------------------------------------------- 5. what AWS does
def test_without_partial_batch_responses_one_failure_sends_the_whole_batch_back(small, accounted):
    partial = run(small(handler={"transient_error_rate": 0.01}), hours=0.1)
    whole = run(small(handler={"transient_error_rate": 0.01}, function={"report_batch_item_failures": False}), hours=0.1)
    assert partial.counters["duplicates"] == 0
    assert whole.counters["duplicates"] > 5 * whole.errors / 10 / 2  # the successes of failed batches, again
    assert whole.counters["redeliveries"] > 5 * partial.counters["redeliveries"]
    assert accounted(whole) == whole.arrived


def test_init_has_its_own_10_seconds(small):
    """An 8 s INIT does not count against a 5 s timeout (AWS gives INIT its own 10 s); a 12 s
    one fails at 10 s and runs again inside the invocation, where it does count: with a 12 s
    timeout every cold start then times out."""
    quick = {"batch_size": 1, "batching_window_s": 0, "timeout_s": 5}
    ok = run(small(function={**quick, "init_s": 8}, queue={"visibility_timeout_s": 60}), hours=0.05)
    assert ok.cold_starts > 0 and ok.counters["timeouts"] == 0
    slow = run(small(function={**quick, "init_s": 12, "timeout_s": 12}, queue={"visibility_timeout_s": 90}), hours=0.05)
    assert slow.counters["timeouts"] == slow.cold_starts > 0


def test_a_visibility_timeout_shorter_than_the_function_timeout_is_rejected():
    with pytest.raises(pydantic.ValidationError, match="AWS rejects such an event source mapping"):
        Scenario.model_validate({"queue": {"visibility_timeout_s": 20}, "function": {"timeout_s": 30}})
    Scenario.model_validate({"compute": "ec2", "queue": {"visibility_timeout_s": 20}})  # EC2 workers: allowed


def test_a_batch_that_outlives_its_visibility_timeout_is_delivered_twice(small, accounted):
    """EC2 workers have no function timeout: a batch of ten that takes longer than the visibility
    timeout becomes visible again while it is being worked on, and another worker processes it
    too. Every upload is still counted once."""
    result = run(
        small(compute="ec2", queue={"visibility_timeout_s": 2}, handler={"io_s": 0.5, "transient_error_rate": 0},
              fleet={"initial_instances": 2, "min_instances": 2, "max_instances": 2}),
        hours=0.05,
    )  # fmt: skip
    assert result.counters["visibility_expired"] > 0
    assert result.counters["duplicates"] > 0
    assert accounted(result) == result.arrived


def test_oldest_age_leaves_out_messages_received_three_times(small):
    """Poison messages go round the queue until the DLQ: with maxReceiveCount 10 and a 30 s
    visibility timeout they are 300 s old by then, but AWS's metric skips them after the third
    receive, so it stays near 3 × 30 s."""
    result = run(
        small(handler={"poison_rate": 0.01, "transient_error_rate": 0}, queue={"visibility_timeout_s": 30, "max_receive_count": 10}),
        hours=0.25,
    )
    assert result.failed > 0
    assert result.series.oldest_age_s.max() < 4 * 30


def test_the_ec2_fleet_keeps_no_standing_backlog():
    """Finding 5: sized on arrivals as well as backlog, the fleet keeps up at the arrival rate;
    the backlog-only rule settled at thousands of messages and a minute of waiting."""
    scenario = load_scenario("ec2-spot")
    scenario.workload.images_per_day = 2_000_000  # a smaller fleet, the same rule
    scenario.fleet.initial_instances = 2
    result = run(scenario, hours=0.5)
    settled = result.series.t_s > 900
    assert result.series.queue_visible[settled].mean() < 200
    assert result.latency_s["p50"] < 10


def test_provisioned_concurrency_removes_cold_starts_and_is_billed_by_the_hour(small):
    result = run(small(function={"provisioned_concurrency": 20}), hours=0.1)
    assert result.cold_starts == 0
    assert result.usage.provisioned_duration_gb_seconds > 0 and result.usage.lambda_gb_seconds == 0
    expected = 20 * 1769 / 1024 * 0.1 * 3600 * 0.0000041667
    assert result.cost["Lambda"].items["provisioned concurrency"] == pytest.approx(expected, rel=1e-6)
    assert result.instances["idle_mean"] >= 20 - result.instances["busy_mean"] - 1


def test_snapstart_restores_instead_of_init(small):
    cold = run(small(function={"init_s": 3.0}), hours=0.05)
    snap = run(small(function={"init_s": 3.0, "snapstart": True, "snapstart_restore_s": 0.3}), hours=0.05)
    assert snap.counters["restores"] == snap.cold_starts > 0
    assert snap.usage.lambda_init_gb_seconds == 0 and snap.cost["Lambda"].items["SnapStart restores"] > 0
    assert snap.latency_s["mean"] < cold.latency_s["mean"]


def test_provisioned_mode_keeps_its_minimum_pollers_and_bills_them(small):
    result = run(small(function={"esm_mode": "provisioned", "esm_min_pollers": 4}), hours=0.1)
    assert result.series.capacity.min() >= 40  # 4 pollers × 10 concurrent invokes
    assert result.usage.event_poller_unit_hours == pytest.approx(4 * 0.1, rel=0.01)
    assert result.cost["Lambda"].items["event poller units"] == pytest.approx(4 * 0.1 * 0.00925, rel=0.01)


def test_instance_counts_add_up(small):
    """Finding 8: busy and idle environments are reported (what SimFaaS calls running and idle
    instances), and busy ones obey Little's law: arrival rate × seconds per message."""
    result = run(small(handler={"transient_error_rate": 0}), hours=0.25)
    series = result.series
    assert (series.idle >= 0).all() and series.idle.max() > 0
    rate = result.arrived / (0.25 * 3600)
    per_message = result.usage.lambda_gb_seconds * 1024 / 1769 / result.processed
    assert result.instances["busy_mean"] == pytest.approx(rate * per_message, rel=0.1)


# ---------------------------------------------------------------- explicit uploads (issue 13)
def test_a_scenario_can_replay_explicit_uploads():
    uploads = [{"at_s": 0.5 * i, "bytes": 1_000_000 + 1000 * i, "kind": "png" if i % 2 else "jpeg"} for i in range(200)]
    uploads.append({"at_s": 10.0, "bytes": 2_000_000, "kind": "pdf", "pages": 3})
    scenario = Scenario.model_validate({"workload": {"trace": uploads}, "simulation": {"sample_interval_s": 10}})
    result = run(scenario, hours=0.1, trace=True)
    assert result.arrived == 201 == result.processed
    assert np.sort(result.trace.upload_s)[:3].tolist() == [0.0, 0.5, 1.0]
    assert result.projection.extrapolated and "trace repeated" in result.projection.basis
