"""Capacity plan for the image pipeline: from images per day to rates, storage and concurrency.

Units: MB and TB are decimal (1 TB = 1,000,000 MB), as AWS bills them; a day is 86,400 s and
a month is AWS's 730 hours.

Lab 01: replace every ``raise NotImplementedError`` with the formula; `p4lab grade lab01`.
"""

from __future__ import annotations

import math  # noqa: F401  (you will need it)

SECONDS_PER_DAY = 86_400
DAYS_PER_MONTH = 730 / 24  # AWS's convention for monthly estimates (30.42 days)
MB_PER_TB = 1_000_000


def images_per_second(images_per_day: float) -> float:
    """Mean arrival rate λ in images per second (a float, unrounded)."""
    raise NotImplementedError("TODO: images per day -> images per second")


def ingest_mb_per_second(images_per_day: float, mean_mb: float) -> float:
    """Mean upload bandwidth into S3, MB/s: the rate times the mean object size."""
    raise NotImplementedError("TODO: rate x size")


def storage_tb_per_day(images_per_day: float, mean_mb: float) -> float:
    """How much the ingest bucket grows per day (originals only), TB."""
    raise NotImplementedError("TODO: daily growth in TB")


def stored_tb_after(images_per_day: float, mean_mb: float, days: float, retention_days: float | None = None) -> float:
    """Originals stored after ``days`` days of steady ingest (TB). A lifecycle rule deleting
    each original ``retention_days`` days after its upload keeps at most that many days' worth."""
    raise NotImplementedError("TODO: growth over time, with and without a lifecycle rule")


def concurrency(arrival_per_second: float, seconds_each: float) -> float:
    """Little's law, L = λ·W: how many images are being processed at any moment on average."""
    raise NotImplementedError("TODO: Little's law")


def peak_concurrency(images_per_day: float, seconds_each: float, peak_to_mean: float) -> int:
    """Concurrent executions to provision at the peak (the mean rate times ``peak_to_mean``),
    as a whole number (an ``int``) that is never below the load."""
    raise NotImplementedError("TODO: concurrency at the peak rate")


def understated_by(images_per_day: float, mean_mb: float, claimed_mb_per_second: float) -> float:
    """How many times the real ingest bandwidth exceeds a plan's claimed figure."""
    raise NotImplementedError("TODO: compare with the course's 60 MB/s")
