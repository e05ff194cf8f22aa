"""Cost optimisation: a storage plan and a function size for the pipeline's month, at the lowest bill.

The pipeline runs the course's 10 M images a day; each grading run draws the month of operation
and how much of the stored originals the product re-processes that month (ranges below,
seeded: a failure names the seed, `p4lab grade lab07 --seed N` repeats it). Your choices are
priced by the simulator's cost model on that draw, beside the course plan's (everything in S3
Standard, 1,769 MB x86) and the answer key's: the bill to beat moves with the draw, so there is
no number to aim at, only a plan to find.
"""

from __future__ import annotations

import random
from typing import Any

from labs.grader import Partial, Submission, check
from labs.grader.settings import Simulated, read_choices, scenario_with, simulate

FILES = ["choices.yaml"]
TIME_LIMIT_S = 120

ALLOWED = {
    "function": {"memory_mb", "architecture"},
    "storage": {"storage_class", "transition_after_days", "transition_to"},
}
# The pipeline as the course plans it; the simulated quarter hour gives the bill's per-image part.
FIXED: dict[str, Any] = {
    "name": "lab07",
    "workload": {"images_per_day": 10_000_000, "shape": "flat"},
    "simulation": {"hours": 0.25, "sample_interval_s": 60, "seed": 7},
}
MONTHS = (10, 18)  # month of operation, drawn per run (storage grows every month)
REREAD_SHARE = (0.01, 0.06)  # of the stored originals re-processed that month, drawn per run
RESTORE_FIRST = {"glacier_flexible", "deep_archive"}  # read only after a restore that takes hours
MAX_SLOWDOWN = 1.3  # p95 at most this many times the plan's
FULL_LAMBDA_SAVING = 0.10  # below the plan's Lambda bill at arm64 prices, for full points
FULL_SAVING_SHARE = 0.98  # of the answer key's saving on the same draw, for full points ...
NO_SAVING_SHARE = 0.6  # ... and none at or below this share


def draw(rng: random.Random, months: tuple[int, int] = MONTHS, shares: tuple[float, float] = REREAD_SHARE) -> tuple[int, float]:
    """(month of operation, share of the stored originals re-processed that month)."""
    return rng.randint(*months), round(rng.uniform(*shares), 3)


def choices(sub: Submission) -> dict[str, dict[str, Any]]:
    """The student's choices; AssertionError for anything the lab does not allow."""
    chosen = read_choices(sub, "choices.yaml", ALLOWED)
    days = chosen.get("storage", {}).get("transition_after_days")
    if days is not None:
        whole = isinstance(days, int | float) and not isinstance(days, bool) and float(days).is_integer()
        assert whole and days >= 1, f"choices.yaml: transition_after_days is {days!r}; S3 lifecycle rules count whole days, at least 1"
    return chosen


def run(chosen: dict[str, dict[str, Any]]) -> Simulated:
    """A quarter hour of the pipeline with these choices (simulated once: see `simulate`)."""
    return simulate(scenario_with(FIXED, chosen))


def month_bill(chosen: dict[str, dict[str, Any]], month: int, reread_share: float) -> float:
    """The whole pipeline's bill for `month` of operation with `reread_share` of the stored
    originals read back: the simulated run, billed for that month (storage, reads and the
    library's views depend on the month; the run does not)."""
    from simulator.billing import monthly_bill
    from simulator.result import Projection, Usage

    storage = {**chosen.get("storage", {}), "reread_share_per_month": reread_share}
    scenario = scenario_with({**FIXED, "billing": {"month_of_operation": month}}, {**chosen, "storage": storage})
    simulated = run(chosen)
    bill = monthly_bill(scenario, Usage(**simulated.usage), Projection(**simulated.projection))
    return sum(cost.total for cost in bill.values())


def unreadable(chosen: dict[str, dict[str, Any]]) -> str:
    """Why re-processing could not read every original in milliseconds ('' if it can)."""
    storage = scenario_with(FIXED, chosen).storage
    if storage.transition_after_days is not None and storage.transition_to in RESTORE_FIRST:
        return (f"originals moved to {storage.transition_to} after {storage.transition_after_days:g} days can only be read "
                "after a restore that takes hours")  # fmt: skip
    return ""


def saving_points(sub: Submission, chosen: dict[str, dict[str, Any]], month: int, share: float) -> str | Partial:
    """Points for the share of the answer key's saving (against the plan) this plan makes."""
    why = unreadable(chosen)
    assert not why, f"a plan that breaks re-processing saves nothing: {why}"
    mine, plan = month_bill(chosen, month, share), month_bill({}, month, share)
    best = sub.answer("bill").month_bill(month, share)
    saved = (plan - mine) / (plan - best)
    message = (f"month {month}, {share:.1%} of the originals re-processed: ${mine:,.0f} (the plan: ${plan:,.0f}; the best plan "
               f"we know: ${best:,.0f}): {saved:.0%} of its saving")  # fmt: skip
    if saved < FULL_SAVING_SHARE:
        return Partial((saved - NO_SAVING_SHARE) / (FULL_SAVING_SHARE - NO_SAVING_SHARE), message)
    return message


@check(10, hint="Only function.memory_mb/architecture and storage.storage_class/transition_after_days/transition_to.")
def valid_choices(sub: Submission) -> None:
    """choices.yaml is valid and changes only what is yours to choose"""
    scenario_with(FIXED, choices(sub))


@check(15, hint="Re-processing reads originals whenever the engine improves. Which archive classes serve a GET as it comes, "
       "and which only after a restore request?")  # fmt: skip
def originals_readable(sub: Submission) -> None:
    """originals stay readable in milliseconds (no class that needs a restore)"""
    why = unreadable(choices(sub))
    assert not why, why


@check(15, timeout_s=60, hint="Less memory is a smaller share of a vCPU: every image takes longer. Compare p95 in the simulator.")
def still_fast(sub: Submission) -> str:
    """p95 latency at most 30% above the plan's"""
    p95, plan = run(choices(sub)).latency_s["p95"], run({}).latency_s["p95"]
    assert p95 <= MAX_SLOWDOWN * plan, f"p95 latency {p95:.2f} s is more than {MAX_SLOWDOWN:g}× the plan's {plan:.2f} s"
    return f"p95 {p95:.2f} s (the plan: {plan:.2f} s)"


@check(20, timeout_s=60, hint="arm64's lower price is the first saving, not the last: the engine uses one vCPU at most, and "
       "memory is billed for every second an image waits on S3 and DynamoDB.")  # fmt: skip
def lambda_right_sized(sub: Submission) -> str | Partial:
    """Lambda bill: 10% below the plan's at arm64 prices for full points, none at or above it, p95 within 30%"""
    chosen = choices(sub)
    mine, plan = run(chosen), run({})
    assert mine.latency_s["p95"] <= MAX_SLOWDOWN * plan.latency_s["p95"], "graded only when p95 is within 30% of the plan's"
    arm64 = run({"function": {"architecture": "arm64"}}).monthly("Lambda")
    saving = 1.0 - mine.monthly("Lambda") / arm64
    message = (f"Lambda ${mine.monthly('Lambda'):,.0f}/month: {saving:.1%} below the plan's settings at arm64 prices "
               f"(${arm64:,.0f}; at x86 prices ${plan.monthly('Lambda'):,.0f})")  # fmt: skip
    if saving < FULL_LAMBDA_SAVING:
        return Partial(saving / FULL_LAMBDA_SAVING, message)
    return message


@check(40, timeout_s=60, hint="Price every line of the month: storage per class, transitions, what re-processing reads cost "
       "(GETs, retrieval fees), Intelligent-Tiering's monitoring. How long does an original need to stay in S3 Standard?")  # fmt: skip
def lowest_bill(sub: Submission) -> str | Partial:
    """the month's bill makes the saving the best plan makes (98% of it for full points, none at 60%)"""
    month, share = draw(sub.rng)
    return saving_points(sub, choices(sub), month, share)
