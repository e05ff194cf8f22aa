"""Capacity planning: rates, bandwidth, storage growth and concurrency from images per day.

Every check draws its inputs at random (seeded: a failure names the seed, and
`p4lab grade lab01 --seed N` repeats it) and compares with the answer key, so the only way to
pass is to compute. The course's own numbers (10 M images/day at 1 MB) are in the README; the
checks use any volume, size and duration.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

from labs.grader import Submission, check

FILES = ["capacity.py"]
TIME_LIMIT_S = 60

ROUNDS = 6  # random inputs per check
REL = 1e-9  # the same formula in another order differs in the last bits only


def _volume(rng: random.Random) -> int:
    """Images per day, spread over five orders of magnitude (log-uniform)."""
    return round(10 ** rng.uniform(3.5, 8.7))


def _size_mb(rng: random.Random) -> float:
    return round(rng.uniform(0.05, 12.0), 3)


def _seconds(rng: random.Random) -> float:
    return round(rng.uniform(0.05, 6.0), 3)


def _compare(plan: Any, key: Any, name: str, *args: Any, **kwargs: Any) -> None:
    """The student's ``name(*args)`` is a number within ``REL`` of the answer key's."""
    got, expected = getattr(plan, name)(*args, **kwargs), getattr(key, name)(*args, **kwargs)
    call = f"{name}({', '.join([*map(repr, args), *(f'{k}={v!r}' for k, v in kwargs.items())])})"
    assert type(got) in (int, float), f"{call} returned {type(got).__name__}, not a number (return a Python float)"
    assert math.isclose(got, expected, rel_tol=REL, abs_tol=1e-12), f"{call} = {got:,.6g}; expected {expected:,.6g}"


def _rounds(sub: Submission, module: str, draw: Callable[[random.Random], tuple[str, tuple, dict]]) -> None:
    plan, key = sub.module(module), sub.answer(module)
    for _ in range(ROUNDS):
        name, args, kwargs = draw(sub.rng)
        _compare(plan, key, name, *args, **kwargs)


@check(15, hint="A day has 24 × 60 × 60 seconds. Keep full precision: round only for display.")
def arrival_rate(sub: Submission) -> None:
    """images per second, for volumes you have not seen"""
    _rounds(sub, "capacity", lambda rng: ("images_per_second", (_volume(rng),), {}))


@check(15, hint="Bandwidth is a rate times a size. Is the course's 60 MB/s what its own numbers give?")
def bandwidth(sub: Submission) -> None:
    """ingest bandwidth in MB/s"""
    _rounds(sub, "capacity", lambda rng: ("ingest_mb_per_second", (_volume(rng), _size_mb(rng)), {}))


@check(15, hint="Which unit does AWS bill storage in, and how many MB make one of them there?")
def daily_growth(sub: Submission) -> None:
    """storage growth per day in TB"""
    _rounds(sub, "capacity", lambda rng: ("storage_tb_per_day", (_volume(rng), _size_mb(rng)), {}))


def _lifecycle_case(rng: random.Random, case: int) -> tuple[str, tuple, dict]:
    """Before, exactly at, and after the retention period, and with no rule at all."""
    retention = rng.randrange(2, 400)
    days = [rng.randrange(1, retention), retention, rng.randrange(retention + 1, 3 * retention + 2), rng.randrange(1, 2000)][case % 4]
    kwargs = {} if case % 4 == 3 else {"retention_days": retention}
    return "stored_tb_after", (_volume(rng), _size_mb(rng), days), kwargs


@check(15, hint="Draw stored data against time, with and without the rule: when does the first object expire, "
                "and what is stored from then on?")  # fmt: skip
def growth_with_lifecycle(sub: Submission) -> None:
    """stored TB before, at and after a lifecycle rule's retention period, and without one"""
    plan, key = sub.module("capacity"), sub.answer("capacity")
    for case in (3, 0, 1, 2, 7, 4, 5, 6):  # without a rule first: its error is daily growth's, not the rule's
        name, args, kwargs = _lifecycle_case(sub.rng, case)
        try:
            _compare(plan, key, name, *args, **kwargs)
        except AssertionError as error:
            cause = "" if kwargs else "\nWithout a rule this is daily growth × days: check storage_tb_per_day first."
            raise AssertionError(f"{error}{cause}") from None


@check(15, hint="Little's law relates three quantities: how many are inside, how fast they arrive, how long each stays.")
def littles_law(sub: Submission) -> None:
    """mean concurrency by Little's law"""
    _rounds(sub, "capacity", lambda rng: ("concurrency", (round(rng.uniform(0.1, 5000.0), 3), _seconds(rng)), {}))


def _peak_inputs(sub: Submission, key: Any, below_half: bool) -> tuple[int, float, float, float, float]:
    """Inputs, the peak rate and its exact concurrency, which is not within 1e-6 of a whole number
    (so every correct order of operations rounds alike); ``below_half``: its fraction is under
    .5, where rounding to nearest and rounding up disagree."""
    while True:
        per_day, seconds, peak = _volume(sub.rng), _seconds(sub.rng), round(sub.rng.uniform(1.0, 6.0), 2)
        rate = key.images_per_second(per_day) * peak
        exact = key.concurrency(rate, seconds)
        fraction = exact - math.floor(exact)
        if 1e-6 < fraction < 1 - 1e-6 and (fraction < 0.5 or not below_half):
            return per_day, seconds, peak, rate, exact


@check(10, hint="An execution environment is indivisible, and provisioning fewer than the load needs is not a plan.")
def peak(sub: Submission) -> None:
    """peak concurrency, in whole executions"""
    plan, key = sub.module("capacity"), sub.answer("capacity")
    for number in range(ROUNDS):
        per_day, seconds, factor, rate, exact = _peak_inputs(sub, key, below_half=number == 0)
        got, expected = plan.peak_concurrency(per_day, seconds, factor), key.peak_concurrency(per_day, seconds, factor)
        call = f"peak_concurrency({per_day}, {seconds}, {factor})"
        assert type(got) is int, f"{call} returned {type(got).__name__} {got!r}: provision a whole number (an int)"
        if got != expected:
            mean = plan.concurrency(rate, seconds)
            off = type(mean) not in (int, float) or not math.isclose(mean, exact, rel_tol=REL)
            first = f"; and concurrency({rate:.6g}, {seconds}) = {mean!r} is off: fix Little's law first" if off else ""
            raise AssertionError(f"{call} = {got}; expected {expected}{first}")


@check(15, hint="Compute the real bandwidth from the plan's own volume and size, then compare it with the claim.")
def course_error(sub: Submission) -> None:
    """how many times a plan's claimed bandwidth understates the real one"""
    _rounds(sub, "capacity", lambda rng: ("understated_by", (_volume(rng), _size_mb(rng), round(rng.uniform(1.0, 500.0), 1)), {}))
