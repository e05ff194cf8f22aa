"""What the pipeline costs: one function per AWS service, priced from `prices.yaml`.

Every function takes *monthly* quantities, because AWS applies tiers and free allowances per
calendar month and per account: pricing a day and multiplying by 30 would give the wrong tier.
Each returns a `Cost` whose line items name what is charged, so a lab can print the bill and a
student can see where the money goes.

    >>> from simulator.cost import lambda_cost
    >>> bill = lambda_cost(requests=3_000_000, gb_seconds=540_000, free_tier=True)
    >>> round(bill.total, 2)  # AWS's Lambda pricing page, Example 1 (mobile application backend)
    2.73

Every example on AWS's Lambda pricing page that these functions can express is reproduced to
the cent in `tests/simulator/test_cost.py` (docs/cost-model.md lists them).

Limitations: us-east-1 list prices only; no data transfer other than CloudFront's; no minimum
storage-duration charges for objects deleted early (the pipeline never deletes); the
Intelligent-Tiering storage price assumes objects stay in the Frequent Access tier.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Literal

import yaml

PRICE_BOOK_PATH = Path(__file__).with_name("prices.yaml")
HOURS_PER_MONTH = 730.0  # AWS's convention for monthly estimates
DAYS_PER_MONTH = HOURS_PER_MONTH / 24.0  # 30.42 days
BYTES_PER_GB = 2**30  # AWS meters storage and transfer in binary gigabytes
KB = 1024
INTELLIGENT_TIERING_MIN_BYTES = 128 * KB  # smaller objects are not monitored (nor charged)

Architecture = Literal["x86_64", "arm64"]
StorageClass = Literal[
    "standard", "intelligent_tiering", "glacier_instant", "glacier_flexible", "deep_archive"
]
ReadConsistency = Literal["eventual", "strong", "transactional"]


@dataclass(frozen=True)
class Price:
    """One entry of the price book: a flat value or tiers, with its provenance."""

    unit: str
    effective: str
    source: str
    value: float | None = None
    tiers: tuple[tuple[float, float], ...] = ()  # (cumulative upper bound, price); inf = above
    note: str = ""

    def flat(self) -> float:
        if self.value is None:
            raise ValueError(f"price is tiered, not flat ({self.unit})")
        return self.value

    def tiered(self, quantity: float) -> float:
        """Charge for `quantity` units in one month, walking the tiers (or the flat price)."""
        if not self.tiers:
            return quantity * self.flat()
        charge, lower = 0.0, 0.0
        for upper, price in self.tiers:
            if quantity <= lower:
                break
            charge += (min(quantity, upper) - lower) * price
            lower = upper
        return charge


@dataclass(frozen=True)
class PriceBook:
    """All prices, addressed as "service.item" (e.g. ``"lambda.requests"``).

    Immutable; `with_price` returns a copy for what-if questions ("what if spot is 70% off?")
    and for reproducing published examples that round a price.
    """

    entries: Mapping[str, Price]

    @classmethod
    def load(cls, path: Path = PRICE_BOOK_PATH) -> PriceBook:
        raw = yaml.safe_load(path.read_text())
        entries: dict[str, Price] = {}
        for service, items in raw.items():
            for name, spec in items.items():
                tiers = tuple(
                    (math.inf if upper is None else float(upper), float(price))
                    for upper, price in spec.get("tiers", [])
                )
                value = spec.get("value")
                entries[f"{service}.{name}"] = Price(
                    unit=spec["unit"],
                    effective=str(spec["effective"]),
                    source=spec["source"],
                    value=None if value is None else float(value),
                    tiers=tiers,
                    note=spec.get("note", ""),
                )
        return cls(entries)

    def __getitem__(self, key: str) -> Price:
        try:
            return self.entries[key]
        except KeyError:
            raise KeyError(f"no price {key!r} in the price book {PRICE_BOOK_PATH}") from None

    def with_price(
        self, key: str, value: float | None = None, tiers: Sequence[tuple[float, float]] = ()
    ) -> PriceBook:
        """A copy with one price replaced (flat `value` or `tiers`)."""
        changed = replace(self[key], value=value, tiers=tuple(tiers))
        return PriceBook({**self.entries, key: changed})


@cache
def default_prices() -> PriceBook:
    """The shipped price book, read once."""
    return PriceBook.load()


@dataclass
class Cost:
    """A bill for one service: named line items in USD."""

    service: str
    items: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.items.values())

    def scaled(self, factor: float) -> Cost:
        """The same bill multiplied by `factor` (e.g. a month's bill per day)."""
        return Cost(self.service, {k: v * factor for k, v in self.items.items()})


def _book(prices: PriceBook | None) -> PriceBook:
    return default_prices() if prices is None else prices


# ---------------------------------------------------------------- Lambda
def billed_ms(duration_s: float) -> int:
    """Lambda bills duration in whole milliseconds, rounded up."""
    return math.ceil(duration_s * 1000.0 - 1e-9)


def lambda_gb_seconds(total_billed_ms: float, memory_mb: int) -> float:
    """GB-seconds for `total_billed_ms` of duration at `memory_mb`."""
    return total_billed_ms / 1000.0 * memory_mb / 1024.0


def lambda_cost(
    requests: float,
    gb_seconds: float,
    *,
    architecture: Architecture = "x86_64",
    init_gb_seconds: float = 0.0,
    ephemeral_gb_seconds: float = 0.0,
    provisioned_gb_seconds: float = 0.0,
    provisioned_duration_gb_seconds: float = 0.0,
    snapstart_cache_gb_seconds: float = 0.0,
    snapstart_restore_gb: float = 0.0,
    event_poller_unit_hours: float = 0.0,
    event_poller: Literal["sqs", "kafka"] = "sqs",
    free_tier: bool = False,
    savings_plan_discount: float = 0.0,
    prices: PriceBook | None = None,
) -> Cost:
    """Lambda's monthly bill: requests, tiered on-demand duration, and the options.

    `gb_seconds` is on-demand duration. `init_gb_seconds` is the INIT phase of cold starts,
    billed as duration since 2025-08-01; it is a separate line so the price of cold starts is
    visible, but it shares the tiers and the free allowance with `gb_seconds`.
    `ephemeral_gb_seconds` counts only storage above 512 MB.

    Provisioned concurrency: `provisioned_gb_seconds` is configured concurrency × memory × the
    time it is enabled; invocations it serves are billed at the (lower) provisioned duration
    price, `provisioned_duration_gb_seconds`. SnapStart (Python, .NET): the snapshot's cache,
    `snapstart_cache_gb_seconds` (memory × the time the version is active, at least 3 hours),
    and every restore, `snapstart_restore_gb` (memory × restores). Provisioned mode of an event
    source mapping: `event_poller_unit_hours` at the SQS or Kafka EPU price.

    The free tier, as AWS's examples apply it, covers requests and on-demand duration only. A
    Compute Savings Plan (up to 17% for Lambda) discounts duration and provisioned concurrency,
    not requests.
    """
    book = _book(prices)
    free_requests = book["lambda.free_requests"].flat() if free_tier else 0.0
    free_gb_s = book["lambda.free_gb_seconds"].flat() if free_tier else 0.0
    duration = book[f"lambda.duration_{architecture}"]
    total_gb_s = gb_seconds + init_gb_seconds
    billable = max(0.0, total_gb_s - free_gb_s)
    keep = 1.0 - savings_plan_discount
    duration_charge = duration.tiered(billable) * keep
    init_share = init_gb_seconds / total_gb_s if total_gb_s else 0.0
    items = {
        "requests": max(0.0, requests - free_requests) / 1e6 * book["lambda.requests"].flat(),
        "duration": duration_charge * (1.0 - init_share),
        "init duration (cold starts)": duration_charge * init_share,
        "ephemeral storage": ephemeral_gb_seconds * book["lambda.ephemeral_storage"].flat(),
    }
    if provisioned_gb_seconds or provisioned_duration_gb_seconds:
        items["provisioned concurrency"] = (
            provisioned_gb_seconds * book[f"lambda.provisioned_concurrency_{architecture}"].flat() * keep
        )
        items["duration on provisioned concurrency"] = (
            provisioned_duration_gb_seconds * book[f"lambda.provisioned_duration_{architecture}"].flat() * keep
        )
    if snapstart_cache_gb_seconds or snapstart_restore_gb:
        items["SnapStart cache"] = snapstart_cache_gb_seconds * book["lambda.snapstart_cache"].flat()
        items["SnapStart restores"] = snapstart_restore_gb * book["lambda.snapstart_restore"].flat()
    if event_poller_unit_hours:
        items["event poller units"] = event_poller_unit_hours * book[f"lambda.event_poller_unit_{event_poller}"].flat()
    return Cost("Lambda", items)


# ---------------------------------------------------------------- S3
@dataclass(frozen=True)
class StorageMonth:
    """Storage used in one month, and the lifecycle transitions made during it."""

    gb_months: dict[str, float]
    transitions: dict[str, float]  # objects moved into each class this month


def storage_month(
    gb_per_day: float,
    objects_per_day: float,
    month: int,
    *,
    storage_class: StorageClass = "standard",
    transition_after_days: float | None = None,
    transition_to: StorageClass = "glacier_flexible",
    undersize_gb_per_day: float = 0.0,
    prices: PriceBook | None = None,
) -> StorageMonth:
    """GB-months stored in `month` (1 = the first) of steady ingestion that started empty.

    Used for S3 (per storage class) and for DynamoDB tables alike. S3 bills the average bytes
    stored over the month, so a bucket that grows linearly costs half its end-of-month size in
    its first month. With a lifecycle rule, data older than `transition_after_days` sits in
    `transition_to`; the integrals below are exact for a constant ingest rate, so no day-by-day
    loop is needed. Archived objects cost more than their bytes: Glacier Flexible Retrieval and
    Deep Archive add 32 KB per object at their own price and 8 KB at S3 Standard's (index and
    metadata); Glacier Instant Retrieval bills objects under 128 KB as 128 KB
    (`undersize_gb_per_day`: the GB a day's uploads fall short of that, summed).

        >>> deep = storage_month(0.0, 1e6, 12, transition_after_days=90, transition_to="deep_archive")
        >>> round(deep.gb_months["deep_archive"]), round(deep.gb_months["standard"])  # empty objects
        (7928, 1982)
    """
    start, end = (month - 1) * DAYS_PER_MONTH, month * DAYS_PER_MONTH

    def integral_young(t: float, age: float) -> float:
        """∫₀ᵗ min(s, age) ds: data-days younger than `age` (in day units of ingest)."""
        return t * t / 2.0 if t <= age else age * age / 2.0 + (t - age) * age

    if transition_after_days is None:
        young = (end * end - start * start) / 2.0
        return StorageMonth({storage_class: gb_per_day * young / DAYS_PER_MONTH}, {})
    age = transition_after_days
    young = integral_young(end, age) - integral_young(start, age)
    total = (end * end - start * start) / 2.0
    crossed = max(0.0, end - age) - max(0.0, start - age)  # days of ingest that aged out
    archived_days = (total - young) / DAYS_PER_MONTH  # × a day's ingest = the month's average in the archive
    gb_months = {storage_class: gb_per_day * young / DAYS_PER_MONTH, transition_to: gb_per_day * archived_days}
    book = _book(prices)
    if transition_to in ("glacier_flexible", "deep_archive"):
        objects = objects_per_day * archived_days
        gb_months[transition_to] += objects * book["s3.archive_overhead_kb"].flat() * KB / BYTES_PER_GB
        standard = objects * book["s3.archive_index_kb"].flat() * KB / BYTES_PER_GB
        gb_months["standard"] = gb_months.get("standard", 0.0) + standard
    elif transition_to == "glacier_instant":
        gb_months[transition_to] += undersize_gb_per_day * archived_days
    return StorageMonth(gb_months, {transition_to: objects_per_day * crossed})


def s3_cost(
    *,
    put_requests: float = 0.0,
    get_requests: float = 0.0,
    cdn_get_requests: float = 0.0,
    storage: StorageMonth | None = None,
    monitored_objects: float = 0.0,
    prices: PriceBook | None = None,
) -> Cost:
    """S3's monthly bill: requests, storage per class, lifecycle transitions, monitoring.

    `get_requests` are the pipeline's reads, `cdn_get_requests` CloudFront's cache misses
    (shown apart: they follow the views of the library, not the uploads). `monitored_objects` is
    the number of Intelligent-Tiering objects over 128 KB (the only ones charged the monitoring
    fee). Storage tiers apply per class across all buckets.
    """
    book = _book(prices)
    items = {
        "PUT requests": put_requests / 1000.0 * book["s3.put_requests"].flat(),
        "GET requests": get_requests / 1000.0 * book["s3.get_requests"].flat(),
    }
    if cdn_get_requests:
        items["GET requests from CloudFront"] = cdn_get_requests / 1000.0 * book["s3.get_requests"].flat()
    if storage is not None:
        for storage_class, gb_months in storage.gb_months.items():
            items[f"storage {storage_class}"] = book[f"s3.{storage_class}"].tiered(gb_months)
        for storage_class, objects in storage.transitions.items():
            price = book[f"s3.transition_{storage_class}"].flat()
            items[f"transitions to {storage_class}"] = objects / 1000.0 * price
    if monitored_objects:
        items["Intelligent-Tiering monitoring"] = (
            monitored_objects / 1000.0 * book["s3.monitoring"].flat()
        )
    return Cost("S3", items)


# ---------------------------------------------------------------- SQS
def sqs_billed_requests(api_calls: float, payload_kb: float, prices: PriceBook | None = None) -> float:
    """Requests as billed: each API call counts once per started 64 KB chunk of its payload."""
    chunk_kb = _book(prices)["sqs.chunk_kb"].flat()
    return api_calls * max(1, math.ceil(payload_kb / chunk_kb))


def sqs_cost(
    requests: float,
    *,
    fifo: bool = False,
    free_tier: bool = False,
    prices: PriceBook | None = None,
) -> Cost:
    """SQS's monthly bill. `requests` are billed requests (see `sqs_billed_requests`),
    including empty receives, which are billed like any other."""
    book = _book(prices)
    free = book["sqs.free_requests"].flat() if free_tier else 0.0
    price = book["sqs.fifo_requests" if fifo else "sqs.standard_requests"]
    # Tier bounds are in requests, prices per million requests.
    return Cost("SQS", {"requests": price.tiered(max(0.0, requests - free)) / 1e6})


# ---------------------------------------------------------------- DynamoDB
def write_request_units(item_kb: float, transactional: bool = False) -> int:
    """WRUs for one write: one per started KB, doubled for a transactional write."""
    return max(1, math.ceil(item_kb)) * (2 if transactional else 1)


def read_request_units(item_kb: float, consistency: ReadConsistency = "eventual") -> float:
    """RRUs for one read: one per started 4 KB, half for eventual consistency, two for a
    transaction."""
    factor = {"eventual": 0.5, "strong": 1.0, "transactional": 2.0}[consistency]
    return max(1, math.ceil(item_kb / 4.0)) * factor


def dynamodb_cost(
    write_units: float,
    read_units: float = 0.0,
    storage_gb_months: float = 0.0,
    *,
    free_tier: bool = False,
    prices: PriceBook | None = None,
) -> Cost:
    """DynamoDB on-demand monthly bill: request units plus storage (25 GB free if
    `free_tier`)."""
    book = _book(prices)
    free_gb = book["dynamodb.free_storage_gb"].flat() if free_tier else 0.0
    return Cost(
        "DynamoDB",
        {
            "write request units": write_units / 1e6 * book["dynamodb.write_request_units"].flat(),
            "read request units": read_units / 1e6 * book["dynamodb.read_request_units"].flat(),
            "storage": max(0.0, storage_gb_months - free_gb) * book["dynamodb.storage"].flat(),
        },
    )


# ---------------------------------------------------------------- CloudFront
def views_month(images_per_day: float, month: int, views_per_image: float, half_life_days: float | None) -> float:
    """Views in `month` of a library that grows by `images_per_day` from empty: each image is
    viewed `views_per_image` times a month while new, and half as often every
    `half_life_days` of age (None: never less).

    Exact integrals: an image of age a is viewed v·2^(−a/h) times a day (v = views per image
    per day when new), so the library's views per day at time t are R·v·∫₀ᵗ 2^(−a/h) da.

        >>> views_month(1.0, 1, 10.0, None)  # half the month's uploads' exposure, on average
        152.08333333333334
        >>> round(views_month(1.0, 120, 10.0, 30.0))  # settles at R·v·h/ln 2 a day, for a month
        433
    """
    start, end = (month - 1) * DAYS_PER_MONTH, month * DAYS_PER_MONTH
    per_day = views_per_image / DAYS_PER_MONTH
    if half_life_days is None:
        return images_per_day * per_day * (end * end - start * start) / 2.0
    tau = half_life_days / math.log(2.0)  # e-folding age

    def exposure(t: float) -> float:
        """∫₀ᵗ ∫₀ˢ e^(−a/τ) da ds."""
        return tau * (t - tau * (1.0 - math.exp(-t / tau)))

    return images_per_day * per_day * (exposure(end) - exposure(start))


def cloudfront_origin_fetches(requests: float, cache_hit_ratio: float) -> float:
    """Viewer requests that miss the cache and become S3 GETs (the transfer itself is free)."""
    return requests * (1.0 - cache_hit_ratio)


def cloudfront_cost(
    egress_gb: float,
    https_requests: float,
    *,
    invalidation_paths: float = 0.0,
    free_tier: bool = False,
    prices: PriceBook | None = None,
) -> Cost:
    """CloudFront's monthly bill for US/Europe viewers: tiered data out, HTTPS requests,
    invalidations. The always-free tier (1 TB, 10 M requests) comes off the first tier."""
    book = _book(prices)
    free_gb = book["cloudfront.free_data_transfer_gb"].flat() if free_tier else 0.0
    free_requests = book["cloudfront.free_requests"].flat() if free_tier else 0.0
    free_paths = book["cloudfront.free_invalidation_paths"].flat()
    return Cost(
        "CloudFront",
        {
            "data transfer out": book["cloudfront.data_transfer_out"].tiered(
                max(0.0, egress_gb - free_gb)
            ),
            "HTTPS requests": max(0.0, https_requests - free_requests) / 10_000.0
            * book["cloudfront.https_requests"].flat(),
            "invalidations": max(0.0, invalidation_paths - free_paths)
            * book["cloudfront.invalidation_paths"].flat(),
        },
    )


# ---------------------------------------------------------------- EC2
def ec2_cost(
    instance_hours: float,
    *,
    instance_type: str = "c7g.xlarge",
    spot_discount: float = 0.0,
    prices: PriceBook | None = None,
) -> Cost:
    """EC2 compute: instance-hours at the on-demand price, less `spot_discount` (0.7 = 70% off)
    for spot. Per-second billing is the caller's business: pass exact hours."""
    hourly = _book(prices)[f"ec2.{instance_type}"].flat()
    label = "spot instance-hours" if spot_discount else "on-demand instance-hours"
    return Cost("EC2", {label: instance_hours * hourly * (1.0 - spot_discount)})
