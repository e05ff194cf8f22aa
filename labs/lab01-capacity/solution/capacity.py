"""Capacity plan for the image pipeline: from images per day to rates, storage and concurrency.

Units: MB and TB are decimal (1 TB = 1,000,000 MB), as AWS bills them; a day is 86,400 s and
a month is AWS's 730 hours.
"""

from __future__ import annotations

import math

SECONDS_PER_DAY = 86_400
DAYS_PER_MONTH = 730 / 24  # AWS's convention for monthly estimates (30.42 days)
MB_PER_TB = 1_000_000


def images_per_second(images_per_day: float) -> float:
    """Mean arrival rate λ in images per second (a float, unrounded)."""
    return images_per_day / SECONDS_PER_DAY


def ingest_mb_per_second(images_per_day: float, mean_mb: float) -> float:
    """Mean upload bandwidth into S3, MB/s: the rate times the mean object size."""
    return images_per_second(images_per_day) * mean_mb


def storage_tb_per_day(images_per_day: float, mean_mb: float) -> float:
    """How much the ingest bucket grows per day (originals only), TB."""
    return images_per_day * mean_mb / MB_PER_TB


def stored_tb_after(images_per_day: float, mean_mb: float, days: float, retention_days: float | None = None) -> float:
    """Originals stored after ``days`` days of steady ingest (TB). A lifecycle rule deleting
    each original ``retention_days`` days after its upload keeps at most that many days' worth."""
    kept_days = days if retention_days is None else min(days, retention_days)
    return storage_tb_per_day(images_per_day, mean_mb) * kept_days


def concurrency(arrival_per_second: float, seconds_each: float) -> float:
    """Little's law, L = λ·W: how many images are being processed at any moment on average."""
    return arrival_per_second * seconds_each


def peak_concurrency(images_per_day: float, seconds_each: float, peak_to_mean: float) -> int:
    """Concurrent executions to provision at the peak (the mean rate times ``peak_to_mean``),
    as a whole number (an ``int``) that is never below the load."""
    return math.ceil(concurrency(images_per_second(images_per_day) * peak_to_mean, seconds_each))


def understated_by(images_per_day: float, mean_mb: float, claimed_mb_per_second: float) -> float:
    """How many times the real ingest bandwidth exceeds a plan's claimed figure."""
    return ingest_mb_per_second(images_per_day, mean_mb) / claimed_mb_per_second
