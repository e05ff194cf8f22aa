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
storage-duration charges for objects deleted early (the pipeline never deletes); reads of stored
objects are spread evenly over the library; Intelligent-Tiering's opt-in Archive Access and Deep
Archive Access tiers (which need a restore) are not modelled.
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
# Objects under this size are not moved by S3 Intelligent-Tiering (nor charged its monitoring fee)
# and not transitioned by lifecycle rules (S3 Lifecycle's default since September 2024).
SMALL_OBJECT_BYTES = 128 * KB

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
ARCHIVES = ("glacier_flexible", "deep_archive")  # read only after a restore that takes hours
RestoreTier = Literal["bulk", "standard", "expedited"]


@dataclass(frozen=True)
class StorageMonth:
    """Storage used in one month, the lifecycle transitions made during it, and what was read back.

    `gb_months` is keyed by storage class, Intelligent-Tiering by access tier
    (``intelligent_tiering_frequent``, ``_infrequent``, ``_archive_instant``). `read_objects` and
    `read_gb` count the month's reads of stored objects by the class they were read from (a read
    of a Glacier Flexible Retrieval or Deep Archive object is a restore first).
    """

    gb_months: dict[str, float]
    transitions: dict[str, float]  # objects moved into each class this month
    monitored_objects: float = 0.0  # Intelligent-Tiering objects of 128 KB or more, the month's average
    read_objects: dict[str, float] = field(default_factory=dict)
    read_gb: dict[str, float] = field(default_factory=dict)

    def __add__(self, other: StorageMonth) -> StorageMonth:
        """Two buckets' (or two kinds of objects') storage in the same month, e.g. originals + variants."""

        def merged(a: Mapping[str, float], b: Mapping[str, float]) -> dict[str, float]:
            return {key: a.get(key, 0.0) + b.get(key, 0.0) for key in {**a, **b}}

        return StorageMonth(
            merged(self.gb_months, other.gb_months),
            merged(self.transitions, other.transitions),
            self.monitored_objects + other.monitored_objects,
            merged(self.read_objects, other.read_objects),
            merged(self.read_gb, other.read_gb),
        )


def storage_month(
    gb_per_day: float,
    objects_per_day: float,
    month: int,
    *,
    storage_class: StorageClass = "standard",
    transition_after_days: float | None = None,
    transition_to: StorageClass = "glacier_flexible",
    small_gb_per_day: float = 0.0,
    small_objects_per_day: float = 0.0,
    reads_per_month: float = 0.0,
    prices: PriceBook | None = None,
) -> StorageMonth:
    """GB-months stored in `month` (1 = the first) of steady ingestion that started empty.

    Used for S3 (per storage class) and for DynamoDB tables alike. S3 bills the average bytes
    stored over the month, so a bucket that grows linearly costs half its end-of-month size in
    its first month. The integrals below are exact for a constant ingest rate: no day loop.

    * **Lifecycle rule**: objects older than `transition_after_days` sit in `transition_to`.
      Objects under 128 KB (`small_*`, included in the totals) are not transitioned, S3
      Lifecycle's default since September 2024, so Glacier Instant Retrieval's 128 KB minimum
      never applies. Archived objects cost more than their bytes: Glacier Flexible Retrieval and
      Deep Archive add 32 KB per object at their own price and 8 KB at S3 Standard's.
    * **Intelligent-Tiering** moves an object not read for 30 days to Infrequent Access and after
      90 to Archive Instant Access; a read brings it back to Frequent Access. Objects under
      128 KB stay in Frequent Access and are not monitored; the others pay monitoring in every
      tier (`monitored_objects`).
    * **Reads**: each month `reads_per_month` of the stored objects (a share, 0.02 = 2%) are read
      back, each object independently (a Poisson process of rate r per month). An object of
      age a was last read more than x days ago with probability e^(−r·x/30.42) for x ≤ a, which
      puts it in its tier; the month's reads by class are r × the objects (and GB) stored there.

    A year of write-once uploads (no reads) in Intelligent-Tiering: a month in Frequent Access,
    two in Infrequent Access, the rest in Archive Instant Access.

        >>> year = storage_month(1.0, 1.0, 12, storage_class="intelligent_tiering")
        >>> {tier.removeprefix("intelligent_tiering_"): round(gb) for tier, gb in year.gb_months.items()}
        {'frequent': 30, 'infrequent': 60, 'archive_instant': 260}
    """
    book = _book(prices)
    ages = _MonthAges(month, math.inf if transition_after_days is None else transition_after_days)
    big_gb, big_objects = gb_per_day - small_gb_per_day, objects_per_day - small_objects_per_day
    kept_gb = small_gb_per_day * ages.older(0.0) + big_gb * ages.kept(0.0)  # in the class they started in
    kept_objects = small_objects_per_day * ages.older(0.0) + big_objects * ages.kept(0.0)
    if storage_class == "intelligent_tiering":
        gb_months = _access_tiers(ages, small_gb_per_day, big_gb, reads_per_month, book)
        monitored = big_objects * ages.kept(0.0)
    else:
        gb_months, monitored = {storage_class: kept_gb}, 0.0
    read_objects, read_gb = {storage_class: reads_per_month * kept_objects}, {storage_class: reads_per_month * kept_gb}
    transitions: dict[str, float] = {}
    if transition_after_days is not None:
        archived = ages.older(transition_after_days)  # days of ingest past the rule
        gb_months[transition_to] = big_gb * archived
        if transition_to in ARCHIVES:
            objects = big_objects * archived
            gb_months[transition_to] += objects * book["s3.archive_overhead_kb"].flat() * KB / BYTES_PER_GB
            index_gb = objects * book["s3.archive_index_kb"].flat() * KB / BYTES_PER_GB
            gb_months["standard"] = gb_months.get("standard", 0.0) + index_gb
        transitions[transition_to] = big_objects * ages.crossed(transition_after_days)
        read_objects[transition_to] = reads_per_month * big_objects * archived
        read_gb[transition_to] = reads_per_month * big_gb * archived
    if not reads_per_month:
        read_objects, read_gb = {}, {}
    return StorageMonth(gb_months, transitions, monitored, read_objects, read_gb)


@dataclass(frozen=True)
class _MonthAges:
    """How much of a steadily fed store has a given age, on average over month `month` (days
    [start, end)), in days of ingest. Exact integrals for a constant ingest rate."""

    month: int
    rule: float  # the lifecycle rule's age (inf: none): older data has left its starting class

    @property
    def start(self) -> float:
        return (self.month - 1) * DAYS_PER_MONTH

    @property
    def end(self) -> float:
        return self.month * DAYS_PER_MONTH

    def older(self, age: float) -> float:
        """Data older than `age`: (1/D) ∫ max(0, t − age) dt over the month."""
        if math.isinf(age):
            return 0.0
        return (max(0.0, self.end - age) ** 2 - max(0.0, self.start - age) ** 2) / 2.0 / DAYS_PER_MONTH

    def kept(self, low: float, high: float = math.inf) -> float:
        """Data aged in [low, high) that the lifecycle rule has not moved yet."""
        low, high = min(low, self.rule), min(high, self.rule)
        return self.older(low) - self.older(high) if low < high else 0.0

    def crossed(self, age: float) -> float:
        """Days of ingest that reach `age` during the month."""
        return max(0.0, self.end - age) - max(0.0, self.start - age)


def _access_tiers(ages: _MonthAges, small_gb: float, big_gb: float, reads_per_month: float, book: PriceBook) -> dict[str, float]:
    """Intelligent-Tiering GB-months by access tier. An object is in Frequent Access if read
    (or uploaded) in the last 30 days, Infrequent Access if 30-90, Archive Instant Access after;
    with reads at rate r a month, it has gone unread x days (x ≤ its age) with probability
    e^(−r·x/30.42). Objects under 128 KB stay in Frequent Access."""
    per_day = reads_per_month / DAYS_PER_MONTH
    to_infrequent = book["s3.intelligent_tiering_infrequent_after_days"].flat()
    to_archive = book["s3.intelligent_tiering_archive_instant_after_days"].flat()
    unread_infrequent, unread_archive = math.exp(-per_day * to_infrequent), math.exp(-per_day * to_archive)
    past_infrequent, past_archive = ages.kept(to_infrequent), ages.kept(to_archive)
    frequent = ages.kept(0.0, to_infrequent) + (1.0 - unread_infrequent) * past_infrequent
    return {
        "intelligent_tiering_frequent": small_gb * ages.older(0.0) + big_gb * frequent,
        "intelligent_tiering_infrequent": big_gb * (unread_infrequent * past_infrequent - unread_archive * past_archive),
        "intelligent_tiering_archive_instant": big_gb * unread_archive * past_archive,
    }


def s3_cost(
    *,
    put_requests: float = 0.0,
    get_requests: float = 0.0,
    cdn_get_requests: float = 0.0,
    storage: StorageMonth | None = None,
    restore_tier: RestoreTier = "standard",
    restore_days: float = 1.0,
    prices: PriceBook | None = None,
) -> Cost:
    """S3's monthly bill: requests, storage per class, lifecycle transitions, Intelligent-Tiering
    monitoring, and reads of stored objects.

    `get_requests` are the pipeline's reads of new uploads, `cdn_get_requests` CloudFront's cache
    misses (shown apart: they follow the views of the library, not the uploads). Storage tiers
    apply per class across all buckets. Reads of stored objects (`storage.read_objects`) cost a
    GET each (Glacier Instant Retrieval's GET is dearer) plus, per GB: nothing from Standard
    and Intelligent-Tiering, a retrieval charge from Glacier Instant Retrieval, and from Glacier
    Flexible Retrieval or Deep Archive a restore (`restore_tier`: a request and a GB charge,
    and a temporary copy kept `restore_days` at S3 Standard's price; Deep Archive has no
    expedited tier).

        >>> read = StorageMonth({}, {}, read_objects={"glacier_instant": 1e6}, read_gb={"glacier_instant": 1024})
        >>> s3_cost(storage=read).items  # a million 1 MB originals read back: $10 of GETs, $30.72 retrieval
        {'PUT requests': 0.0, 'GET requests': 0.0, 'reads: GET requests': 10.0, 'reads: retrieval glacier_instant': 30.72}
    """
    book = _book(prices)
    items = {
        "PUT requests": put_requests / 1000.0 * book["s3.put_requests"].flat(),
        "GET requests": get_requests / 1000.0 * book["s3.get_requests"].flat(),
    }
    if cdn_get_requests:
        items["GET requests from CloudFront"] = cdn_get_requests / 1000.0 * book["s3.get_requests"].flat()
    if storage is None:
        return Cost("S3", items)
    for storage_class, gb_months in storage.gb_months.items():
        items[f"storage {storage_class}"] = book[f"s3.{storage_class}"].tiered(gb_months)
    for storage_class, objects in storage.transitions.items():
        items[f"transitions to {storage_class}"] = objects / 1000.0 * book[f"s3.transition_{storage_class}"].flat()
    if storage.monitored_objects:
        items["Intelligent-Tiering monitoring"] = storage.monitored_objects / 1000.0 * book["s3.intelligent_tiering_monitoring"].flat()
    items.update(_reads(storage, restore_tier, restore_days, book))
    return Cost("S3", items)


def _reads(storage: StorageMonth, tier: RestoreTier, restore_days: float, book: PriceBook) -> dict[str, float]:
    """Line items for the month's reads of stored objects (see `s3_cost`)."""
    if not any(storage.read_objects.values()):
        return {}
    items = {"reads: GET requests": 0.0}
    copies_gb_months = 0.0
    for storage_class, objects in storage.read_objects.items():
        gb = storage.read_gb.get(storage_class, 0.0)
        get = "s3.glacier_instant_get_requests" if storage_class == "glacier_instant" else "s3.get_requests"
        items["reads: GET requests"] += objects / 1000.0 * book[get].flat()
        if storage_class == "glacier_instant":
            items["reads: retrieval glacier_instant"] = gb * book["s3.glacier_instant_retrieval"].flat()
        elif storage_class in ARCHIVES:
            if f"s3.{storage_class}_retrieval_{tier}" not in book.entries:
                raise ValueError(f"{storage_class} has no {tier} retrieval (Deep Archive: standard or bulk)")
            requests = book[f"s3.{storage_class}_restore_requests_{tier}"].flat()
            items[f"reads: restore requests {storage_class}"] = objects / 1000.0 * requests
            items[f"reads: retrieval {storage_class}"] = gb * book[f"s3.{storage_class}_retrieval_{tier}"].flat()
            copies_gb_months += gb * restore_days / DAYS_PER_MONTH
    if copies_gb_months:
        standard = book["s3.standard"]
        stored = storage.gb_months.get("standard", 0.0)
        items["reads: restored copies (S3 Standard)"] = standard.tiered(stored + copies_gb_months) - standard.tiered(stored)
    return items


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
