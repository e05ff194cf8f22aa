"""Scaling with the simulator: keep the plan's p95 latency through a spike, at the lowest compute cost."""

from __future__ import annotations

from typing import Any

from labs.grader import Partial, Submission, check
from labs.grader.settings import read_choices, scenario_with

FILES = ["settings.yaml"]
TIME_LIMIT_S = 180

# Objectives are relative to the course plan (1,769 MB x86, batches of 10) simulated on the same
# load, so they stay meaningful when the simulator is recalibrated.
TARGET_COST_SHARE = 0.80  # of the plan's compute bill, for full cost points

# The question: fixed. 2 M images/day, 8× for 15 minutes half an hour in, 90 minutes simulated.
FIXED: dict[str, Any] = {
    "name": "lab06",
    "workload": {"images_per_day": 2_000_000, "shape": "spike", "spike": {"multiplier": 8, "start_hour": 0.5, "duration_minutes": 15}},
    "simulation": {"hours": 1.5, "sample_interval_s": 30, "seed": 6},
}
ALLOWED = {
    "function": {"memory_mb", "architecture", "batch_size", "batching_window_s", "maximum_concurrency", "timeout_s"},
    "queue": {"visibility_timeout_s", "max_receive_count"},
}


def _scenario(sub: Submission) -> Any:
    return scenario_with(FIXED, read_choices(sub, "settings.yaml", ALLOWED))


def _compute_cost(result: Any) -> float:
    """Lambda + SQS per month: what these settings change (storage and CDN do not move)."""
    return sum(result.cost_per_month[service].total for service in ("Lambda", "SQS") if service in result.cost_per_month)


def _plan() -> Any:
    """The course plan's settings on the lab's load: the baseline for latency and cost."""
    import simulator

    return simulator.run(scenario_with(FIXED, {}))


def _meets_objective(result: Any, plan: Any) -> str:
    """Empty if the run met the objective (no loss, p95 no worse than the plan's), else why not."""
    if result.failed or result.lost:
        return f"{result.failed} uploads dead-lettered and {result.lost} lost"
    if result.processed < 0.995 * result.arrived:
        return f"only {result.processed:,} of {result.arrived:,} uploads processed by the end"
    if result.latency_s["p95"] > plan.latency_s["p95"]:
        return f"p95 latency {result.latency_s['p95']:.1f} s is above the plan's {plan.latency_s['p95']:.1f} s"
    return ""


@check(10, hint="Only the function and queue sections, with the simulator's field names and valid values.")
def valid_settings(sub: Submission) -> None:
    """settings.yaml is valid and changes only what is yours to choose"""
    _scenario(sub)


@check(10, hint="AWS: visibility timeout ≥ 6 × function timeout, or messages are handed out twice.")
def visibility(sub: Submission) -> None:
    """queue visibility timeout ≥ 6 × function timeout"""
    scenario = _scenario(sub)
    ratio = scenario.queue.visibility_timeout_s / scenario.function.timeout_s
    assert ratio >= 6, f"visibility {scenario.queue.visibility_timeout_s:g} s is {ratio:.1f}× the {scenario.function.timeout_s:g} s timeout"


@check(40, timeout_s=90, hint="Memory buys CPU (1,769 MB = 1 vCPU); a batch is processed one message after another; "
       "maximum_concurrency caps how fast the spike drains. Try `p4lab sim` with your settings.")
def meets_objective(sub: Submission) -> str:
    """p95 end-to-end latency through the spike no worse than the plan's, nothing lost"""
    import simulator

    result, plan = simulator.run(_scenario(sub)), _plan()
    problem = _meets_objective(result, plan)
    assert not problem, problem
    return f"p95 {result.latency_s['p95']:.1f} s (the plan: {plan.latency_s['p95']:.1f} s)"


@check(40, timeout_s=120, hint="arm64 is ~20% cheaper per GB-s; memory you do not use is billed anyway. "
       "Only settings that meet the objective earn cost points.")
def lowest_cost(sub: Submission) -> str | Partial:
    """compute cost ≤ 80% of the course plan's (1,769 MB x86, batches of 10), objective met"""
    import simulator

    result, plan = simulator.run(_scenario(sub)), _plan()
    problem = _meets_objective(result, plan)
    assert not problem, f"cost is graded only when the objective is met: {problem}"
    share = _compute_cost(result) / _compute_cost(plan)
    message = f"${_compute_cost(result):,.0f}/month = {share:.0%} of the plan's ${_compute_cost(plan):,.0f}"
    if share > TARGET_COST_SHARE:
        return Partial((1.0 - share) / (1.0 - TARGET_COST_SHARE), message)
    return message
