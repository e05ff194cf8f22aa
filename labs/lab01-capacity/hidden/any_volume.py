"""Hidden checks for lab 01: the plan's formulas on volumes, sizes and times the public checks never use.

An example of the convention (docs/instructors.md, "Hidden checks"): inputs drawn from
``sub.rng`` (fresh on Gradescope, repeatable with ``--seed``), expected values from the
answer key (``sub.answer``), never hard-coded.
"""

from __future__ import annotations

import math

from labs.grader import Submission, check

ROUNDS = 8


@check(10, hint="Your functions must hold for any volume, object size and duration, not only the course's 10 M/day.")
def any_volume(sub: Submission) -> None:
    """rates, bandwidth, storage and peak concurrency on random volumes match the answer key"""
    plan, key = sub.module("capacity"), sub.answer("capacity")
    for _ in range(ROUNDS):
        per_day = sub.rng.randrange(1_000, 200_000_000)
        mb = round(sub.rng.uniform(0.05, 25.0), 3)
        seconds = round(sub.rng.uniform(0.05, 5.0), 3)
        days, retention = sub.rng.randrange(1, 1000), sub.rng.randrange(1, 400)
        calls = [
            ("images_per_second", (per_day,), {}),
            ("ingest_mb_per_second", (per_day, mb), {}),
            ("storage_tb_per_day", (per_day, mb), {}),
            ("stored_tb_after", (per_day, mb, days), {}),
            ("stored_tb_after", (per_day, mb, days), {"retention_days": retention}),
            ("concurrency", (per_day / 86_400, seconds), {}),
        ]
        for name, args, kwargs in calls:
            got, expected = getattr(plan, name)(*args, **kwargs), getattr(key, name)(*args, **kwargs)
            shown = f"{name}{args}" + (f" with {kwargs}" if kwargs else "")
            assert isinstance(got, (int, float)) and not isinstance(got, bool), f"{shown} returned {type(got).__name__}, not a number"
            assert math.isclose(got, expected, rel_tol=1e-6), f"{shown} = {got:,.6g}, expected {expected:,.6g}"
        peak = round(sub.rng.uniform(1.0, 6.0), 2)
        got, expected = plan.peak_concurrency(per_day, seconds, peak), key.peak_concurrency(per_day, seconds, peak)
        assert got == expected and type(got) is int, f"peak_concurrency({per_day}, {seconds}, {peak}) = {got!r}, expected {expected}"
