"""Scaling with the simulator: keep the plan's p95 latency through a spike, at the lowest compute cost.

Every graded run is a spike drawn for that run (volume, size, length and start: ranges below,
seeded: a failure names the seed and `p4lab grade lab06 --seed N` repeats it), simulated with
your settings and with the course plan's on the same uploads. The targets are relative to the
plan's run on the same draw, so they hold whatever the draw and however the simulator is
recalibrated; nothing here is a number to aim at.
"""

from __future__ import annotations

import random
from typing import Any

from labs.grader import Partial, Submission, check
from labs.grader.settings import Simulated, read_choices, scenario_with, simulate

FILES = ["settings.yaml"]
TIME_LIMIT_S = 180

ALLOWED = {
    "function": {"memory_mb", "architecture", "batch_size", "batching_window_s", "maximum_concurrency", "timeout_s"},
    "queue": {"visibility_timeout_s", "max_receive_count"},
}
# The spike each run draws (uniform in these ranges): a quiet pipeline, then a burst.
IMAGES_PER_DAY = (200_000, 400_000)
MULTIPLIER = (8.0, 18.0)  # the arrival rate during the spike, × the day's mean
SPIKE_MINUTES = (4.0, 8.0)
START_MINUTE = (4.0, 7.0)  # minutes into the run; the public checks' mapping is warm by then
AFTER_MINUTES = 5.0  # simulated after the spike ends (it drains within a minute or two)
SAMPLE_S = 30.0

PROCESSED_SHARE = 0.995  # of the uploads, processed by the end of the run (the rest: in flight)
FULL_COST_SAVING = 0.05  # below the plan's bill at arm64 prices, for full cost points
COMPUTE = ("Lambda", "SQS")  # what these settings change (storage and the CDN do not move)


def spike(rng: random.Random, start_minute: tuple[float, float] = START_MINUTE) -> dict[str, Any]:
    """The lab's fixed sections for one drawn spike: workload and run length (the question)."""
    per_day = round(rng.uniform(*IMAGES_PER_DAY), -3)
    multiplier = round(rng.uniform(*MULTIPLIER), 1)
    minutes = round(rng.uniform(*SPIKE_MINUTES), 1)
    start = round(rng.uniform(*start_minute), 1)
    return {
        "name": "lab06",
        "workload": {"images_per_day": per_day, "shape": "spike",
                     "spike": {"multiplier": multiplier, "start_hour": start / 60.0, "duration_minutes": minutes}},
        "simulation": {"hours": (start + minutes + AFTER_MINUTES) / 60.0, "sample_interval_s": SAMPLE_S,
                       "seed": rng.randrange(2**31)},
    }  # fmt: skip


def describe(fixed: dict[str, Any]) -> str:
    """The drawn spike in words, for messages."""
    spike_ = fixed["workload"]["spike"]
    per_day = fixed["workload"]["images_per_day"]
    return (f"{per_day:,.0f} images/day, {spike_['multiplier']:g}× ({per_day * spike_['multiplier'] / 86_400:,.0f}/s) "
            f"for {spike_['duration_minutes']:g} min from minute {spike_['start_hour'] * 60:g}")  # fmt: skip


def choices(sub: Submission) -> dict[str, dict[str, Any]]:
    return read_choices(sub, "settings.yaml", ALLOWED)


def plan_on_arm64() -> dict[str, dict[str, Any]]:
    """The course plan's settings with arm64's price: the saving that needs no simulation."""
    return {"function": {"architecture": "arm64"}}


def runs(sub: Submission, fixed: dict[str, Any]) -> tuple[Simulated, Simulated]:
    """Your settings and the course plan's (1,769 MB x86, batches of 10), on the same uploads."""
    return simulate(scenario_with(fixed, choices(sub))), simulate(scenario_with(fixed, {}))


def problem(mine: Simulated, plan: Simulated) -> str:
    """Empty if the run met the objective (nothing lost, p95 no higher than the plan's), else why not."""
    if mine.failed or mine.lost:
        return f"{mine.failed:,} uploads dead-lettered and {mine.lost:,} lost (the plan: none)"
    if mine.processed < PROCESSED_SHARE * mine.arrived:
        return f"only {mine.processed:,} of {mine.arrived:,} uploads processed by the end of the run (the plan: {plan.processed:,})"
    if mine.latency_s["p95"] > plan.latency_s["p95"]:
        return f"p95 latency {mine.latency_s['p95']:.2f} s is above the plan's {plan.latency_s['p95']:.2f} s"
    return ""


def _public_spike(sub: Submission) -> dict[str, Any]:
    """One drawn spike shared by the objective and the cost check (simulated once: see `simulate`)."""
    return spike(sub.shared_rng("spike"))


@check(10, hint="Only the function and queue fields listed in README.md, with the simulator's names and valid values.")
def valid_settings(sub: Submission) -> None:
    """settings.yaml is valid and changes only what is yours to choose"""
    scenario_with(spike(random.Random(0)), choices(sub))


@check(10, hint="AWS: the queue's visibility timeout at least 6 × the function timeout, or a slow batch is handed out twice.")
def visibility(sub: Submission) -> None:
    """queue visibility timeout ≥ 6 × function timeout"""
    scenario = scenario_with(spike(random.Random(0)), choices(sub))
    ratio = scenario.queue.visibility_timeout_s / scenario.function.timeout_s
    assert ratio >= 6, f"visibility {scenario.queue.visibility_timeout_s:g} s is {ratio:.1f}× the {scenario.function.timeout_s:g} s timeout"


@check(40, timeout_s=90, hint="Where does an upload's time go? The S3 event, the batching window, the messages ahead of it in "
       "its batch, the queue while the mapping adds pollers. Memory buys CPU (1,769 MB = 1 vCPU) and so concurrency; "
       "maximum_concurrency caps how fast a spike drains. Try your settings with `p4lab sim` on a few spikes.")  # fmt: skip
def meets_objective(sub: Submission) -> str:
    """p95 end-to-end latency through the spike no worse than the plan's, nothing lost"""
    fixed = _public_spike(sub)
    mine, plan = runs(sub, fixed)
    why = problem(mine, plan)
    assert not why, f"{why}, on a spike of {describe(fixed)}"
    return f"p95 {mine.latency_s['p95']:.2f} s (the plan: {plan.latency_s['p95']:.2f} s) on {describe(fixed)}"


@check(40, timeout_s=90, hint="arm64's lower price is the saving everybody finds; the points are for what memory and batching "
       "save on top of it. Memory you do not use is billed for every second an image waits on S3 and DynamoDB; "
       "every batch is an invocation and SQS calls. Only settings that meet the objective earn cost points.")  # fmt: skip
def lowest_cost(sub: Submission) -> str | Partial:
    """compute cost: 5% below the plan's bill at arm64 prices for full points, none at or above it"""
    fixed = _public_spike(sub)
    mine, plan = runs(sub, fixed)
    why = problem(mine, plan)
    assert not why, f"cost is graded only when the objective is met: {why}, on a spike of {describe(fixed)}"
    arm64 = simulate(scenario_with(fixed, plan_on_arm64())).monthly(*COMPUTE)
    cost = mine.monthly(*COMPUTE)
    saving = 1.0 - cost / arm64
    message = (f"${cost:,.0f}/month of Lambda + SQS: {saving:.1%} below the plan's settings at arm64 prices (${arm64:,.0f}; "
               f"the plan at x86 prices: ${plan.monthly(*COMPUTE):,.0f}), on {describe(fixed)}")  # fmt: skip
    if saving < FULL_COST_SAVING:
        return Partial(saving / FULL_COST_SAVING, message)
    return message
