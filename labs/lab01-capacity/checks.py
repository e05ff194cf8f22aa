"""Capacity planning: rates, bandwidth, storage growth and concurrency from 10 M images/day."""

from __future__ import annotations

import math

from labs.grader import Submission, check

FILES = ["capacity.py"]
TIME_LIMIT_S = 60

DAY = 10_000_000  # images per day, the course's plan


def _close(actual: float, expected: float, what: str, rel: float = 1e-3) -> None:
    assert isinstance(actual, (int, float)), f"{what} should be a number, got {type(actual).__name__}"
    assert math.isclose(actual, expected, rel_tol=rel), f"{what}: got {actual:,.4g}, expected {expected:,.4g}"


@check(15, hint="A day has 24 × 60 × 60 seconds; do not round until the end.")
def arrival_rate(sub: Submission) -> None:
    """images per second at 10 M/day (and other volumes)"""
    plan = sub.module("capacity")
    _close(plan.images_per_second(DAY), 115.7407, "images_per_second(10_000_000)")
    _close(plan.images_per_second(864_000), 10.0, "images_per_second(864_000)")


@check(15, hint="Bandwidth = rate × size. Is the course's 60 MB/s what you get?")
def bandwidth(sub: Submission) -> None:
    """ingest bandwidth in MB/s"""
    plan = sub.module("capacity")
    _close(plan.ingest_mb_per_second(DAY, 1.0), 115.7407, "ingest_mb_per_second(10 M, 1 MB)")
    _close(plan.ingest_mb_per_second(DAY, 2.5), 289.352, "ingest_mb_per_second(10 M, 2.5 MB)")


@check(15, hint="AWS bills decimal units: 1 TB = 1,000,000 MB, not 1024².")
def daily_growth(sub: Submission) -> None:
    """storage growth per day in TB"""
    plan = sub.module("capacity")
    _close(plan.storage_tb_per_day(DAY, 1.0), 10.0, "storage_tb_per_day(10 M, 1 MB)")


@check(15, hint="With a lifecycle rule, what is stored stops growing once the first objects expire.")
def growth_with_lifecycle(sub: Submission) -> None:
    """stored TB after a year, with and without a 30-day lifecycle rule"""
    plan = sub.module("capacity")
    _close(plan.stored_tb_after(DAY, 1.0, 365), 3650.0, "stored_tb_after(10 M, 1 MB, 365 days)")
    _close(plan.stored_tb_after(DAY, 1.0, 365, retention_days=30), 300.0, "... with retention_days=30")
    _close(plan.stored_tb_after(DAY, 1.0, 10, retention_days=30), 100.0, "... after 10 days with retention_days=30")


@check(15, hint="Little's law: L = λ × W (arrival rate × time in the system).")
def littles_law(sub: Submission) -> None:
    """mean concurrency by Little's law"""
    plan = sub.module("capacity")
    _close(plan.concurrency(115.74, 0.7), 81.018, "concurrency(115.74/s, 0.7 s)")
    _close(plan.concurrency(10.0, 2.0), 20.0, "concurrency(10/s, 2 s)")


@check(10, hint="You cannot run 243.1 executions: provision whole ones, and never fewer than needed.")
def peak(sub: Submission) -> None:
    """peak concurrency, rounded up to whole executions"""
    plan = sub.module("capacity")
    value = plan.peak_concurrency(DAY, 0.7, 3.0)
    assert value == 244 and isinstance(value, int), f"peak_concurrency(10 M, 0.7 s, 3×) = {value!r}, expected the integer 244"


@check(15, hint="Compute the real bandwidth at 1 MB and divide by the plan's figure.")
def course_error(sub: Submission) -> None:
    """the course's "60 MB/second" understates ingest by ~1.93×"""
    plan = sub.module("capacity")
    _close(plan.understated_by(DAY, 1.0, 60.0), 1.929, "understated_by(10 M, 1 MB, 60 MB/s)")
