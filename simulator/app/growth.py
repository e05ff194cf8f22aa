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
    """GB and objects added per day: originals (lognormal sizes, so mean = median·e^(σ²/2)), the
    share of them under 128 KB (the lognormal's partial expectation), and the variants the
    handler writes for each image."""
    workload, handler = scenario.workload, scenario.handler
    median, sigma = workload.size_median_mb * 1e6, workload.size_sigma
    mean_bytes = median * math.exp(sigma**2 / 2.0)
    images = workload.images_per_day
    below = math.log(cost.SMALL_OBJECT_BYTES / median)
    small_share = _normal_cdf(below / sigma) if sigma else float(below > 0)
    small_bytes_share = _normal_cdf(below / sigma - sigma) if sigma else float(below > 0)
    return {
        "originals_gb": images * mean_bytes / BYTES_PER_GB,
        "originals_objects": images,
        "originals_small_gb": images * mean_bytes * small_bytes_share / BYTES_PER_GB,
        "originals_small_objects": images * small_share,
        "variants_gb": images * handler.variants_kb * 1024 / BYTES_PER_GB,
        "variants_objects": images * handler.variants_per_image,
    }


def _normal_cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def _storage_bill(scenario: Scenario, month: int, after_days: float | None, to: str) -> tuple[float, float]:
    """(S3 storage, transition, monitoring and re-read charges in USD, GB stored at the end of `month`)."""
    ingest = daily_ingest(scenario)
    storage = scenario.storage
    originals = cost.storage_month(
        ingest["originals_gb"], ingest["originals_objects"], month, storage_class=storage.storage_class,
        transition_after_days=after_days, transition_to=to, reads_per_month=storage.reread_share_per_month,
        small_gb_per_day=ingest["originals_small_gb"], small_objects_per_day=ingest["originals_small_objects"],
    )  # fmt: skip
    small = ingest["variants_gb"] * cost.BYTES_PER_GB < cost.SMALL_OBJECT_BYTES * ingest["variants_objects"]
    variants = cost.storage_month(
        ingest["variants_gb"], ingest["variants_objects"], month, storage_class=storage.storage_class,
        small_gb_per_day=ingest["variants_gb"] * small, small_objects_per_day=ingest["variants_objects"] * small,
    )  # fmt: skip
    bill = cost.s3_cost(storage=originals + variants)
    stored_gb = (ingest["originals_gb"] + ingest["variants_gb"]) * month * cost.DAYS_PER_MONTH
    return bill.total, stored_gb


def storage_growth(scenario: Scenario, months: int = 12) -> pd.DataFrame:
    """One row per month and policy: the month's S3 storage bill and the TB stored.

    Policies: no rule, and the scenario's own rule (or a 90-day rule to Glacier Flexible
    Retrieval as an example when it has none). Limitations: requests of new uploads are not
    storage and are left out (they are in the run's bill).
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
