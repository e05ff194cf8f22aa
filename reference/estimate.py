"""What a number of uploads costs on AWS, before deploying: `p4lab estimate`.

The prices and the billing rules (tiers, free allowances, 64 KB SQS chunks, request units)
are the simulator's (`simulator.cost`, priced from `simulator/prices.yaml`); this module only
turns "N uploads, kept for H hours" into the monthly quantities those functions take.

The scenario is deliberately pessimistic, so a sandbox is never surprised:

* every upload arrives at the start and everything is kept until `p4lab destroy` after
  ``hours`` (storage is billed for the whole time);
* every upload is its own Lambda invocation (a trickle of uploads rarely fills a batch);
* the SQS event source mapping's five pollers long-poll the empty queue for as long as the
  stack exists: ~15 billed requests a minute, whether anyone uploads or not.

    >>> from reference.estimate import Workload, estimate
    >>> bills = estimate(Workload(uploads=10, hours=1.0))
    >>> round(sum(bill.total for bill in bills), 4) < 0.01
    True

Limitations: us-east-1 list prices; not priced (not in the price book): CloudWatch Logs
ingestion ($0.50/GB in us-east-1; a few KB per upload), the two CloudWatch alarms ($0.10 per
alarm-month each, prorated), data transfer other than CloudFront's, taxes.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

from rich.table import Table

from reference.errors import UserError

if TYPE_CHECKING:
    from simulator.cost import Cost

KB_PER_GB = 1024 * 1024
HOURS_PER_MONTH = 730.0  # AWS's convention, as in simulator.cost

# Per-upload activity of this pipeline (see reference/handler and reference/upload.py).
VARIANTS_PER_UPLOAD = 6  # demo: 6 variants per image (3 sizes x JPEG + WebP)
S3_PUTS_PER_UPLOAD = 1 + VARIANTS_PER_UPLOAD  # the presigned POST + the variants
S3_GETS_PER_UPLOAD = 1  # the function reads the original once
SQS_REQUESTS_PER_UPLOAD = 3  # S3's SendMessage, the poller's ReceiveMessage, DeleteMessage
DYNAMODB_WRITES_PER_UPLOAD = 6  # PENDING put, PROCESSING + DONE updates (~2 KB), idempotency put + update
DYNAMODB_READS_PER_UPLOAD = 5  # status polls by the CLI or the upload page (eventually consistent)
IDLE_POLLS_PER_HOUR = 5 * 3 * 60  # 5 pollers x one 20 s long poll each, per minute


@dataclass(frozen=True)
class Workload:
    """N uploads and how the pipeline is configured and used."""

    uploads: int
    hours: float = HOURS_PER_MONTH  # how long the stack (and the data) exists, at most a month
    size_mb: float = 2.0  # average original
    variants_kb: float = 250.0  # all variants of one upload together
    served_kb: float = 50.0  # one variant as a browser gets it (WebP large)
    views_per_upload: float = 10.0
    cache_hit_ratio: float = 0.5
    seconds_per_upload: float = 0.7  # handler duration at `memory_mb`
    memory_mb: int = 1024
    architecture: str = "arm64"
    cold_starts: int = 5
    init_seconds: float = 1.0  # INIT phase per cold start (billed since 2025-08-01)
    free_tier: bool = False

    def check(self) -> None:
        if self.uploads < 0:
            raise UserError("The number of uploads cannot be negative.", 2)
        if not 0 < self.hours <= HOURS_PER_MONTH:
            raise UserError(f"--hours must be in (0, {HOURS_PER_MONTH:.0f}]: the estimate is for one month.", 2)
        if not 0 <= self.cache_hit_ratio <= 1:
            raise UserError("--cache-hit-ratio must be between 0 and 1.", 2)
        if self.architecture not in ("arm64", "x86_64"):
            raise UserError("--architecture must be arm64 or x86_64.", 2)


def _cost_model() -> ModuleType:
    """The simulator's cost functions; a clear message if that package is missing."""
    try:
        from simulator import cost
    except ImportError as error:
        raise UserError(f"The simulator's cost model (simulator/cost.py) is not available: {error}.") from None
    return cost


def estimate(workload: Workload) -> list[Cost]:
    """One bill per service for the workload, in USD, using the simulator's cost model."""
    workload.check()
    cost = _cost_model()
    n = workload.uploads
    month_share = workload.hours / HOURS_PER_MONTH
    stored_gb = n * (workload.size_mb + workload.variants_kb / 1024) / 1024
    gb_seconds = cost.lambda_gb_seconds(n * workload.seconds_per_upload * 1000, workload.memory_mb)
    init_gb_seconds = cost.lambda_gb_seconds(workload.cold_starts * workload.init_seconds * 1000, workload.memory_mb)
    views = n * workload.views_per_upload
    sqs_requests = n * SQS_REQUESTS_PER_UPLOAD + IDLE_POLLS_PER_HOUR * workload.hours
    storage = cost.StorageMonth({"standard": stored_gb * month_share}, {})
    return [
        cost.s3_cost(
            put_requests=n * S3_PUTS_PER_UPLOAD,
            get_requests=n * S3_GETS_PER_UPLOAD + cost.cloudfront_origin_fetches(views, workload.cache_hit_ratio),
            storage=storage,
        ),
        cost.sqs_cost(sqs_requests, free_tier=workload.free_tier),
        cost.lambda_cost(
            requests=n,
            gb_seconds=gb_seconds,
            init_gb_seconds=init_gb_seconds,
            architecture=workload.architecture,
            free_tier=workload.free_tier,
        ),
        cost.dynamodb_cost(
            write_units=n * DYNAMODB_WRITES_PER_UPLOAD,
            read_units=n * DYNAMODB_READS_PER_UPLOAD * 0.5,
            storage_gb_months=n * 2 / KB_PER_GB * month_share,  # ~2 KB per item
            free_tier=workload.free_tier,
        ),
        cost.cloudfront_cost(
            egress_gb=views * workload.served_kb / KB_PER_GB, https_requests=views, free_tier=workload.free_tier
        ),
    ]


def table(bills: list[Cost], workload: Workload) -> Table:
    """A rich table: one row per line item, a total, and what is not priced."""
    free = "with" if workload.free_tier else "without"
    view = Table(
        title=f"{workload.uploads:,} uploads, stack kept {workload.hours:g} h, {free} the always-free tier (us-east-1)",
        caption="Not priced: CloudWatch Logs ingestion ($0.50/GB), 2 alarms ($0.10/alarm-month each), taxes.",
    )
    view.add_column("service")
    view.add_column("item")
    view.add_column("USD", justify="right")
    for bill in bills:
        for item, usd in bill.items.items():
            if usd:
                view.add_row(bill.service, item, f"{usd:.6f}")
    total = sum(bill.total for bill in bills)
    view.add_section()
    view.add_row("total", "", f"{total:.4f}", style="bold")
    return view
