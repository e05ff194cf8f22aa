"""Scenario files: everything a simulation run depends on, validated.

A scenario is a YAML file with one section per box of the pipeline diagram
(workload → queue → function or fleet → handler → delivery/storage → billing). Every field has a
default, so a scenario only states what differs from the course's plan; unknown fields are
rejected so a typo cannot silently fall back to a default.

    >>> from simulator.scenario import Scenario
    >>> s = Scenario.model_validate({"workload": {"images_per_day": 1_000_000}})
    >>> s.workload.images_per_day, s.function.batch_size
    (1000000.0, 10)
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

PRESETS_DIR = Path(__file__).with_name("scenarios")
MAX_SAMPLES = 200_000  # sample intervals per run: more would cost memory, not insight

Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]
Fraction = Annotated[float, Field(ge=0, le=1)]


class Section(BaseModel):
    """Base for every section: reject unknown fields, validate on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Spike(Section):
    """A burst on top of the base shape, e.g. a conference mention."""

    multiplier: Positive = 10.0  # arrival rate × this during the spike
    start_hour: NonNegative = 12.0  # hours after the start of the run
    duration_minutes: Positive = 15.0


# A weekday profile for a consumer photo service: quiet at night, peak in the evening (UTC = local).
DIURNAL_WEIGHTS = [
    0.35, 0.25, 0.2, 0.2, 0.25, 0.4, 0.6, 0.85, 1.05, 1.15, 1.2, 1.25,
    1.3, 1.3, 1.25, 1.25, 1.3, 1.45, 1.6, 1.7, 1.65, 1.4, 1.0, 0.65,
]  # fmt: skip


Kind = Literal["jpeg", "png", "webp", "pdf"]


class Upload(Section):
    """One upload of an explicit trace (e.g. what a load test sent)."""

    at_s: NonNegative  # seconds after the start of the run
    bytes: Annotated[int, Field(gt=0)]
    kind: Kind = "jpeg"
    pages: Annotated[int, Field(ge=1)] = 1  # PDFs only


class Workload(Section):
    """Uploads: how many, when, and what they are — drawn from these settings, or replayed
    from an explicit `trace` (then the rate, shape, sizes and kinds below are not used)."""

    images_per_day: Positive = 10_000_000
    shape: Literal["flat", "diurnal", "spike"] = "flat"
    hourly_weights: list[NonNegative] = Field(
        default_factory=lambda: list(DIURNAL_WEIGHTS), min_length=24, max_length=24
    )  # relative rate per hour of day for "diurnal"; normalised to mean 1
    spike: Spike = Field(default_factory=Spike)
    size_median_mb: Positive = 1.0  # lognormal object size
    size_sigma: NonNegative = 0.6  # lognormal shape (σ of ln size)
    png_share: Fraction = 0.1  # the rest of the images are JPEG
    webp_share: Fraction = 0.0
    pdf_share: Fraction = 0.0
    pdf_pages_mean: Annotated[float, Field(ge=1)] = 4.0  # pages ~ 1 + geometric
    pdf_page_megapixels: Positive = 2.17  # a rendered page: A4 at 150 dpi is 1240 × 1754 px
    s3_event_delay_median_s: NonNegative = 1.0  # S3 → SQS notification latency, lognormal
    s3_event_delay_sigma: NonNegative = 1.0  # σ = 1 puts p99 near 10× the median
    trace: list[Upload] | None = None  # explicit uploads, sorted or not, instead of the rate

    @model_validator(mode="after")
    def _shares(self) -> Workload:
        if self.png_share + self.webp_share + self.pdf_share > 1:
            raise ValueError("png_share + webp_share + pdf_share must not exceed 1 (the rest is JPEG)")
        return self


class Queue(Section):
    """The SQS standard queue between S3 and the consumers, with its dead-letter queue."""

    visibility_timeout_s: Annotated[float, Field(ge=0, le=43_200)] = 180.0  # AWS: 6 × the function timeout
    max_receive_count: Annotated[int, Field(ge=1, le=1000)] = 5  # then the DLQ
    retention_s: Annotated[float, Field(ge=60, le=1_209_600)] = 345_600.0  # 4 days
    long_poll_s: Annotated[float, Field(ge=0, le=20)] = 20.0  # an idle poll costs 1 request
    message_kb: Positive = 2.0  # an S3 event notification


INIT_LIMIT_S = 10.0  # AWS gives the INIT phase its own 10 s (on-demand functions)
POLLER_INVOKES = 10  # concurrent invokes one provisioned-mode SQS event poller supports


class Function(Section):
    """The Lambda function and its SQS event source mapping (ESM)."""

    memory_mb: Annotated[int, Field(ge=128, le=10_240)] = 1769  # 1769 MB = 1 vCPU
    architecture: Literal["x86_64", "arm64"] = "x86_64"
    cpu_speed: Positive = 1.0  # per-vCPU speed relative to the machine the table was measured on
    timeout_s: Annotated[float, Field(gt=0, le=900)] = 30.0
    batch_size: Annotated[int, Field(ge=1, le=10_000)] = 10
    batching_window_s: Annotated[float, Field(ge=0, le=300)] = 1.0
    report_batch_item_failures: bool = True  # FunctionResponseTypes: off, one failure fails the batch
    maximum_concurrency: Annotated[int, Field(ge=2, le=1000)] | None = None  # ScalingConfig
    esm_mode: Literal["on_demand", "provisioned"] = "on_demand"  # ProvisionedPollerConfig
    esm_min_pollers: Annotated[int, Field(ge=2, le=200)] = 2  # provisioned mode
    esm_max_pollers: Annotated[int, Field(ge=2, le=2000)] = 200  # provisioned mode
    esm_ceiling: Annotated[int, Field(ge=1)] = 1000  # concurrent batches per mapping (docs)
    esm_initial: Annotated[int, Field(ge=1)] = 5  # concurrent batches when the mapping starts
    esm_floor: Annotated[int, Field(ge=1)] = 5  # scale-down stops here (AWS: 5, sometimes 2)
    esm_scale_up_per_minute: NonNegative = 300.0  # since Nov 2023 (provisioned mode: 1,000)
    account_concurrency: Annotated[int, Field(ge=1)] = 1000  # per Region, default quota
    other_functions_concurrency: Annotated[int, Field(ge=0)] = 0  # used by the rest of the account
    reserved_concurrency: Annotated[int, Field(ge=0)] | None = None
    scaling_rate_per_10s: Annotated[int, Field(ge=1)] = 1000  # new environments per function
    provisioned_concurrency: Annotated[int, Field(ge=0)] = 0  # environments kept initialised
    init_s: NonNegative = 0.8  # cold start: runtime + Pillow + boto3 imports
    snapstart: bool = False  # cold starts restore a snapshot instead of running INIT
    snapstart_restore_s: NonNegative = 0.3  # resuming from the snapshot
    idle_expiry_s: Positive = 600.0  # an idle environment is reclaimed after this (undocumented)
    throttle_backoff_s: Positive = 1.0  # ESM retry delay after a throttled invoke

    @model_validator(mode="after")
    def _consistent(self) -> Function:
        if self.batch_size > 10 and self.batching_window_s < 1:
            raise ValueError("batch_size above 10 needs batching_window_s of at least 1 s (AWS)")
        if self.esm_mode == "provisioned" and self.esm_min_pollers > self.esm_max_pollers:
            raise ValueError("esm_min_pollers is above esm_max_pollers")
        if self.esm_floor > self.concurrency_cap:
            raise ValueError("esm_floor is above the ESM ceiling / maximum_concurrency")
        if self.provisioned_concurrency > self.concurrency_available:
            raise ValueError(
                f"provisioned_concurrency {self.provisioned_concurrency} is above the concurrency the "
                f"function may use ({self.concurrency_available}: account, other functions, reserved)"
            )
        if self.snapstart and self.provisioned_concurrency:
            raise ValueError("SnapStart and provisioned concurrency cannot be combined (AWS)")
        return self

    @property
    def concurrency_cap(self) -> int:
        """Most concurrent batches this mapping will run."""
        if self.esm_mode == "provisioned":
            cap = self.esm_max_pollers * POLLER_INVOKES
        else:
            cap = self.esm_ceiling
        if self.maximum_concurrency is not None:
            cap = min(cap, self.maximum_concurrency)
        return cap

    @property
    def concurrency_available(self) -> int:
        """Execution environments the account lets this function run at once."""
        free = max(0, self.account_concurrency - self.other_functions_concurrency)
        if self.reserved_concurrency is not None:
            free = min(free, self.reserved_concurrency)
        return free


class Fleet(Section):
    """The alternative: EC2 workers polling the queue, scaled on backlog per worker."""

    instance_type: str = "c7g.xlarge"
    workers_per_instance: Annotated[int, Field(ge=1)] = 4  # one per vCPU
    cpu_speed: Positive = 1.0  # per-vCPU speed relative to the calibration machine
    purchase: Literal["on_demand", "spot"] = "on_demand"
    spot_discount: Fraction = 0.65  # spot price = on-demand × (1 − this)
    interruptions_per_instance_hour: NonNegative = 0.0  # spot reclaim rate
    boot_s: NonNegative = 90.0  # launch → first receive
    min_instances: Annotated[int, Field(ge=0)] = 1
    max_instances: Annotated[int, Field(ge=1)] = 200
    initial_instances: Annotated[int, Field(ge=0)] = 10
    target_utilisation: Annotated[float, Field(gt=0, le=1)] = 0.8  # busy share of workers at the arrival rate
    target_drain_s: Positive = 60.0  # a backlog is worked off within this, on top
    scale_interval_s: Positive = 60.0  # how often the rule is evaluated (CloudWatch period)
    scale_down_cooldown_s: NonNegative = 300.0  # scale down slowly ...
    scale_down_step: Fraction = 0.1  # ... by at most this share of the fleet each time
    batch_size: Annotated[int, Field(ge=1, le=10)] = 10  # ReceiveMessage MaxNumberOfMessages


class Handler(Section):
    """The work done per message, and how it fails."""

    service_model: Literal["calibrated", "exponential"] = "calibrated"
    exponential_mean_s: Positive = 1.0  # mean service time when service_model is exponential
    service_cv: NonNegative = 0.2  # lognormal noise around the calibrated time
    io_s: NonNegative = 0.08  # S3 GET + PUTs + DynamoDB per message (not CPU-bound)
    engine_threads: Annotated[int, Field(ge=1)] = 1  # vCPUs above 1 only help if > 1
    transient_error_rate: Fraction = 0.001  # per attempt
    poison_rate: Fraction = 0.0  # per message: fails every attempt, ends in the DLQ
    variants_per_image: Annotated[int, Field(ge=0)] = 6  # S3 PUTs per image: 3 sizes × JPEG + WebP
    variants_kb: NonNegative = 400.0  # bytes of all variants of one image
    dynamodb_writes: Annotated[int, Field(ge=0)] = 2  # metadata + idempotency record
    dynamodb_item_kb: Positive = 1.0


class Delivery(Section):
    """CloudFront in front of the variants bucket. Every image in the library is viewed: a new
    one `views_per_image` times a month, fewer as it ages (halving every `views_half_life_days`)."""

    views_per_image: NonNegative = 10.0  # per month, for a new image
    views_half_life_days: Positive | None = 30.0  # None: old images are viewed as much as new ones
    view_kb: NonNegative = 120.0  # bytes served per view
    cache_hit_ratio: Fraction = 0.9


class Storage(Section):
    """Where originals and variants live, and the lifecycle rule for originals."""

    storage_class: Literal["standard", "intelligent_tiering"] = "standard"
    transition_after_days: Positive | None = None  # lifecycle rule for originals
    transition_to: Literal[
        "glacier_instant", "glacier_flexible", "deep_archive"
    ] = "glacier_flexible"


class Billing(Section):
    """How the simulated period is turned into a monthly bill."""

    month_of_operation: Annotated[int, Field(ge=1, le=120)] = 1  # storage grows every month
    free_tier: bool = False
    savings_plan_discount: Annotated[float, Field(ge=0, le=0.17)] = 0.0  # on Lambda duration


class Simulation(Section):
    """Run length and reproducibility."""

    hours: Annotated[float, Field(gt=0, le=24 * 7)] = 24.0
    seed: int = 1
    sample_interval_s: Positive = 60.0


class Scenario(Section):
    """One what-if, from uploads to the monthly bill."""

    name: str = "unnamed"
    description: str = ""
    compute: Literal["lambda", "ec2"] = "lambda"
    workload: Workload = Field(default_factory=Workload)
    queue: Queue = Field(default_factory=Queue)
    function: Function = Field(default_factory=Function)
    fleet: Fleet = Field(default_factory=Fleet)
    handler: Handler = Field(default_factory=Handler)
    delivery: Delivery = Field(default_factory=Delivery)
    storage: Storage = Field(default_factory=Storage)
    billing: Billing = Field(default_factory=Billing)
    simulation: Simulation = Field(default_factory=Simulation)

    @model_validator(mode="after")
    def _mapping_accepted(self) -> Scenario:
        if self.compute == "lambda" and self.queue.visibility_timeout_s < self.function.timeout_s:
            raise ValueError(
                f"queue.visibility_timeout_s ({self.queue.visibility_timeout_s:g} s) is shorter than "
                f"function.timeout_s ({self.function.timeout_s:g} s): AWS rejects such an event source "
                "mapping. Make it at least the timeout (AWS recommends 6 ×)"
            )
        return self

    def to_yaml(self) -> str:
        """The scenario as YAML that `load_scenario` reads back unchanged."""
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False)

    def changes_yaml(self) -> str:
        """Only what differs from the defaults (the course's plan), as YAML: what a person reads."""
        return yaml.safe_dump(self.model_dump(mode="json", exclude_defaults=True), sort_keys=False)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; a bare name such as ``plan`` means a preset.

    Raises `FileNotFoundError`, `yaml.YAMLError` or `pydantic.ValidationError`; the CLI turns
    them into one-paragraph messages.
    """
    path = Path(path)
    if not path.exists() and (PRESETS_DIR / f"{path.name}.yaml").exists():
        path = PRESETS_DIR / f"{path.name}.yaml"
    data = yaml.safe_load(path.read_text()) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a scenario must be a YAML mapping, got {type(data).__name__}")
    return Scenario.model_validate(data)


def preset_names() -> list[str]:
    """Names of the shipped scenarios (`simulator/scenarios/*.yaml`)."""
    return sorted(p.stem for p in PRESETS_DIR.glob("*.yaml"))
