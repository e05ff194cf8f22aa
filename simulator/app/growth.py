"""Storage growth month by month, with and without a lifecycle rule for the originals.

The pipeline never deletes: at 10 M images a day of ~1 MB, S3 grows by ~10 TB a day and storage
soon dominates the bill unless originals move to a colder class. This is computed from the
scenario's workload and storage settings with the simulator's own price functions
(`simulator.cost.storage_month` and `s3_cost`), not from a run: storage depends on months of
ingestion, which no simulation of a few hours covers.

    >>> from simulator import load_scenario
    >>> table = storage_growth(load_scenario("plan"), months=3)
    >>> sorted(table["policy"].unique())
    ['lifecycle: after 90 days → glacier_flexible', 'no lifecycle rule']
"""

from __future__ import annotations

import math

import pandas as pd

from simulator import cost
from simulator.cost import BYTES_PER_GB
from simulator.scenario import Scenario

EXAMPLE_RULE_DAYS = 90.0  # shown when the scenario has no rule of its own
EXAMPLE_RULE_CLASS = "glacier_flexible"


def daily_ingest(scenario: Scenario) -> dict[str, float]:
    """GB and objects added per day: originals (lognormal sizes, so mean = median·e^(σ²/2)) and
    the variants the handler writes for each image."""
    workload, handler = scenario.workload, scenario.handler
    mean_bytes = workload.size_median_mb * 1e6 * math.exp(workload.size_sigma**2 / 2.0)
    images = workload.images_per_day
    return {
        "originals_gb": images * mean_bytes / BYTES_PER_GB,
        "originals_objects": images,
        "variants_gb": images * handler.variants_kb * 1024 / BYTES_PER_GB,
        "variants_objects": images * handler.variants_per_image,
    }


def _storage_bill(scenario: Scenario, month: int, after_days: float | None, to: str) -> tuple[float, float]:
    """(S3 storage + transition charges in USD, GB stored at the end of `month`)."""
    ingest = daily_ingest(scenario)
    storage_class = scenario.storage.storage_class
    originals = cost.storage_month(
        ingest["originals_gb"], ingest["originals_objects"], month,
        storage_class=storage_class, transition_after_days=after_days, transition_to=to,
    )  # fmt: skip
    variants = cost.storage_month(ingest["variants_gb"], ingest["variants_objects"], month, storage_class=storage_class)
    gb_months = dict(originals.gb_months)
    for name, amount in variants.gb_months.items():
        gb_months[name] = gb_months.get(name, 0.0) + amount
    bill = cost.s3_cost(storage=cost.StorageMonth(gb_months, originals.transitions))
    stored_gb = (ingest["originals_gb"] + ingest["variants_gb"]) * month * cost.DAYS_PER_MONTH
    return bill.total, stored_gb


def storage_growth(scenario: Scenario, months: int = 12) -> pd.DataFrame:
    """One row per month and policy: the month's S3 storage bill and the TB stored.

    Policies: no rule, and the scenario's own rule (or a 90-day rule to Glacier Flexible
    Retrieval as an example when it has none). Limitations: Intelligent-Tiering is priced as
    Frequent Access and its monitoring fee is left out; requests are not storage and are left
    out too (they are in the run's bill).
    """
    storage = scenario.storage
    if storage.transition_after_days is not None:
        rule = (storage.transition_after_days, storage.transition_to)
        rule_name = f"lifecycle: after {rule[0]:g} days → {rule[1]}"
    else:
        rule = (EXAMPLE_RULE_DAYS, EXAMPLE_RULE_CLASS)
        rule_name = f"lifecycle: after {rule[0]:g} days → {rule[1]}"
    rows = []
    for policy, after_days, to in (("no lifecycle rule", None, EXAMPLE_RULE_CLASS), (rule_name, *rule)):
        for month in range(1, months + 1):
            usd, stored_gb = _storage_bill(scenario, month, after_days, to)
            rows.append({"month": month, "policy": policy, "usd": usd, "stored_tb": stored_gb / 1024})
    return pd.DataFrame(rows)
