"""A plausible wrong lab 01: binary units (TiB) and a peak that is rounded, not rounded up."""

from __future__ import annotations

SECONDS_PER_DAY = 86_400


def images_per_second(images_per_day: float) -> float:
    return images_per_day / SECONDS_PER_DAY


def ingest_mb_per_second(images_per_day: float, mean_mb: float) -> float:
    return images_per_second(images_per_day) * mean_mb


def storage_tb_per_day(images_per_day: float, mean_mb: float) -> float:
    return images_per_day * mean_mb / 1024**2  # wrong: AWS bills decimal TB


def stored_tb_after(
    images_per_day: float, mean_mb: float, days: float, retention_days: float | None = None
) -> float:
    kept = days if retention_days is None else min(days, retention_days)
    return storage_tb_per_day(images_per_day, mean_mb) * kept


def concurrency(arrival_per_second: float, seconds_each: float) -> float:
    return arrival_per_second * seconds_each


def peak_concurrency(images_per_day: float, seconds_each: float, peak_to_mean: float) -> int:
    return round(
        images_per_second(images_per_day) * peak_to_mean * seconds_each
    )  # wrong: round, not ceil


def understated_by(images_per_day: float, mean_mb: float, claimed_mb_per_second: float) -> float:
    return ingest_mb_per_second(images_per_day, mean_mb) / claimed_mb_per_second
