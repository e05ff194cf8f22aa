"""Hidden checks for lab 01: the plan's formulas where the public checks never look.

The public checks draw volumes of 3,000-500 M images/day, whole days and sizes of 50 KB-12 MB.
This one draws tiny and huge volumes (a handful a day, billions a day), sizes down to 1 KB,
fractional days and retention periods, and peaks at exactly the mean. Inputs from ``sub.rng``
(fresh on Gradescope, repeatable with ``--seed``), expected values from the answer key
(``sub.answer``), never hard-coded: the convention of docs/instructors.md, "Hidden checks".
"""

from __future__ import annotations

import math

from labs.grader import Submission, check

ROUNDS = 8


@check(10, hint="Your functions must hold for any volume, object size and duration, not only for plausible ones.")
def any_volume(sub: Submission) -> None:
    """rates, bandwidth, storage, concurrency and the plan's error at extreme volumes match the answer key"""
    plan, key = sub.module("capacity"), sub.answer("capacity")
    for number in range(ROUNDS):
        per_day = sub.rng.choice([sub.rng.randrange(1, 1_000), sub.rng.randrange(1_000_000_000, 20_000_000_000)])
        mb = round(sub.rng.uniform(0.001, 0.05), 4)
        seconds = round(sub.rng.uniform(0.001, 900.0), 3)
        days, retention = round(sub.rng.uniform(0.1, 3000.0), 2), round(sub.rng.uniform(0.1, 400.0), 2)
        calls = [
            ("images_per_second", (per_day,), {}),
            ("ingest_mb_per_second", (per_day, mb), {}),
            ("storage_tb_per_day", (per_day, mb), {}),
            ("stored_tb_after", (per_day, mb, days), {}),
            ("stored_tb_after", (per_day, mb, days), {"retention_days": retention}),
            ("concurrency", (per_day / 86_400, seconds), {}),
            ("understated_by", (per_day, mb, round(sub.rng.uniform(0.01, 1000.0), 2)), {}),
        ]
        for name, args, kwargs in calls:
            got, expected = getattr(plan, name)(*args, **kwargs), getattr(key, name)(*args, **kwargs)
            shown = f"{name}{args}" + (f" with {kwargs}" if kwargs else "")
            assert type(got) in (int, float), f"{shown} returned {type(got).__name__}, not a number"
            assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12), f"{shown} = {got:,.6g}, expected {expected:,.6g}"
        factor = 1.0 if number == 0 else round(sub.rng.uniform(1.0, 10.0), 3)
        exact = key.concurrency(key.images_per_second(per_day) * factor, seconds)
        if abs(exact - round(exact)) < 1e-6:
            continue  # a whole number up to rounding error: correct formulas may round either way
        got, expected = plan.peak_concurrency(per_day, seconds, factor), key.peak_concurrency(per_day, seconds, factor)
        assert got == expected and type(got) is int, f"peak_concurrency({per_day}, {seconds}, {factor}) = {got!r}, expected {expected}"
