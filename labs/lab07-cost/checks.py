"""Cost optimisation: lifecycle, architecture and memory choices that meet a monthly budget."""

from __future__ import annotations

from typing import Any

from labs.grader import Partial, Submission, check
from labs.grader.settings import read_choices, scenario_with

FILES = ["choices.yaml"]
TIME_LIMIT_S = 120

# Targets are relative to the course plan (1,769 MB x86, everything in S3 Standard) priced the
# same way, so they stay meaningful when the price book or the calibration changes.
BUDGET_SHARE = 0.65  # of the plan's bill in month 12 (about $95,000 with the 2026 price book)
MAX_SLOWDOWN = 1.3  # p95 at most this many times the plan's
LAMBDA_SHARE = 0.79  # of the plan's Lambda bill
INSTANT = {"glacier_instant"}  # storage classes whose objects are readable without a restore

FIXED: dict[str, Any] = {
    "name": "lab07",
    "workload": {"images_per_day": 10_000_000, "shape": "flat"},
    "billing": {"month_of_operation": 12},
    "simulation": {"hours": 0.25, "sample_interval_s": 60, "seed": 7},
}
ALLOWED = {
    "function": {"memory_mb", "architecture"},
    "storage": {"storage_class", "transition_after_days", "transition_to"},
}


def _scenario(sub: Submission) -> Any:
    return scenario_with(FIXED, read_choices(sub, "choices.yaml", ALLOWED))


def _run(scenario: Any) -> Any:
    import simulator

    return simulator.run(scenario)


def _plan() -> Any:
    return _run(scenario_with(FIXED, {}))


@check(10, hint="Only function.memory_mb/architecture and storage.storage_class/transition_after_days/transition_to.")
def valid_choices(sub: Submission) -> None:
    """choices.yaml is valid and changes only what is yours to choose"""
    _scenario(sub)


@check(15, hint="Re-processing reads originals at any time: Glacier Flexible Retrieval and Deep Archive need a restore "
       "that takes hours. Which archive class is still readable in milliseconds?")
def originals_readable(sub: Submission) -> None:
    """originals stay readable in milliseconds (no archive tier that needs a restore)"""
    storage = _scenario(sub).storage
    if storage.transition_after_days is not None:
        assert storage.transition_to in INSTANT, f"originals moved to {storage.transition_to} cannot be re-processed without a restore"


@check(15, timeout_s=60, hint="Less memory is less CPU: too little and every image takes longer. Compare p95 in the simulator.")
def still_fast(sub: Submission) -> str:
    """p95 latency at most 30% above the plan's"""
    p95, plan = _run(_scenario(sub)).latency_s["p95"], _plan().latency_s["p95"]
    assert p95 <= MAX_SLOWDOWN * plan, f"p95 latency {p95:.1f} s is more than {MAX_SLOWDOWN:g}× the plan's {plan:.1f} s"
    return f"p95 {p95:.1f} s (the plan: {plan:.1f} s)"


@check(40, timeout_s=60, hint="In month 12 storage dominates: a year of originals at ~10 TB/day. Where can old originals live?")
def within_budget(sub: Submission) -> str | Partial:
    """the 12th month's bill is within budget (65% of the plan's)"""
    total, plan = _run(_scenario(sub)).total_per_month, _plan().total_per_month
    budget = BUDGET_SHARE * plan
    message = f"${total:,.0f}/month (the plan: ${plan:,.0f}; budget ${budget:,.0f})"
    if total > budget:
        return Partial((plan - total) / (plan - budget), message)
    return message


@check(20, timeout_s=60, hint="arm64 costs ~20% less per GB-second, and the single-threaded engine does not use 1,769 MB's full vCPU.")
def lambda_right_sized(sub: Submission) -> str:
    """the Lambda bill is ≤ 79% of the plan's (architecture and memory)"""
    mine = _run(_scenario(sub)).cost_per_month["Lambda"].total
    plan = _plan().cost_per_month["Lambda"].total
    assert mine <= LAMBDA_SHARE * plan, f"Lambda ${mine:,.0f}/month is {mine / plan:.0%} of the plan's ${plan:,.0f}"
    return f"Lambda ${mine:,.0f}/month ({mine / plan:.0%} of the plan's)"
