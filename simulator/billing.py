"""From simulated counts to bills: the simulated hours, and a day and a month extrapolated.

The run counts what AWS meters (invocations, GB-seconds including billed INIT, SQS requests in
64 KB chunks, instance-hours, event-poller-hours); the rest follows from processed images and
the scenario's per-image figures (variant PUTs, DynamoDB writes). Three bills come out:

* **simulated** — what the simulated hours cost;
* **per day** and **per month** — extrapolated, and labelled so (`Projection.basis`).

Extrapolation uses the workload's daily shape, not "the window repeats": a quantity that
follows the uploads (requests, duration, PUTs, writes, instance-hours) is scaled by the day's
expected uploads over the simulated hours' expected uploads — so a 1-hour run of the quiet
night hour, or a 3-hour run that holds the day's one spike, still gives the day's bill. What
accrues with time is prorated by hours instead: storage and CloudFront (both follow the whole
library in the chosen month of operation, not the run), provisioned concurrency, SnapStart's
cache, event pollers and idle polling. A run of 24 hours or more needs no extrapolation: its
day is the simulated day (or the average of the simulated days).

Tiers and free allowances apply to the month, as AWS applies them; the day is the month over
its 30.42 days, and the simulated bill is each line of the month scaled back to the run.

    >>> from simulator.cost import Cost
    >>> month = {"S3": Cost("S3", {"PUT requests": 300.0, "storage standard": 730.0})}
    >>> simulated = scaled_bill(month, by_load=1 / 300, by_time=1 / 730)
    >>> simulated["S3"].items
    {'PUT requests': 1.0, 'storage standard': 1.0}
"""

from __future__ import annotations

from simulator import cost
from simulator.compute import kind
from simulator.cost import BYTES_PER_GB, DAYS_PER_MONTH, INTELLIGENT_TIERING_MIN_BYTES, KB
from simulator.result import Projection, Usage
from simulator.scenario import Scenario

Bill = dict[str, cost.Cost]


def projection(hours: float, simulated_expected: float, day_expected: float, from_trace: bool) -> Projection:
    """The projection for a run of `hours` whose workload expects `simulated_expected` uploads
    in those hours and `day_expected` in its first day.

        >>> projection(3.0, 2.19e6, 10.94e6, from_trace=False).day_factor
        4.995433789954338
        >>> projection(48.0, 2.0e7, 1.0e7, from_trace=False).basis
        'per day: the average of the 2 simulated days'
    """
    if hours >= 24.0:
        days = hours / 24.0
        basis = "per day: the simulated day" if hours == 24.0 else f"per day: the average of the {days:g} simulated days"
        return Projection(hours, 1.0 / days, extrapolated=False, basis=basis)
    if from_trace or simulated_expected <= 0:
        factor = 24.0 / hours
        why = "the trace repeated" if from_trace else "no uploads expected in the run"
        return Projection(hours, factor, True, f"per day: extrapolated from {hours:g} h × {factor:.3g} ({why})")
    factor = day_expected / simulated_expected
    return Projection(
        hours,
        factor,
        True,
        f"per day: extrapolated from {hours:g} h that hold {simulated_expected / 1e6:,.3g} M of the day's "
        f"{day_expected / 1e6:,.3g} M expected uploads (the workload's daily shape), at the simulated cost per upload",
    )


TIME_BASED_PREFIXES = ("storage", "transitions", "Intelligent-Tiering monitoring")
TIME_BASED_ITEMS = {
    "GET requests from CloudFront",
    "provisioned concurrency",
    "SnapStart cache",
    "event poller units",
    "empty receives (idle polling)",
}


def accrues_with_time(service: str, item: str) -> bool:
    """Whether a line item follows the clock (or the library) rather than the uploads."""
    return service == "CloudFront" or item in TIME_BASED_ITEMS or item.startswith(TIME_BASED_PREFIXES)


def scaled_bill(bill: Bill, by_load: float, by_time: float) -> Bill:
    """`bill` with every line multiplied by `by_time` if it accrues with time, else `by_load`."""
    return {
        service: cost.Cost(
            service, {item: usd * (by_time if accrues_with_time(service, item) else by_load) for item, usd in c.items.items()}
        )
        for service, c in bill.items()
    }


def bills(scenario: Scenario, usage: Usage, projection: Projection) -> tuple[Bill, Bill, Bill]:
    """(simulated, per day, per month) bills for `usage` over the simulated hours."""
    month = monthly_bill(scenario, usage, projection)
    simulated = scaled_bill(month, 1.0 / projection.month_by_load, 1.0 / projection.month_by_time)
    day = {service: c.scaled(1.0 / DAYS_PER_MONTH) for service, c in month.items()}
    return simulated, day, month


def monthly_bill(scenario: Scenario, usage: Usage, projection: Projection) -> Bill:
    """The month's bill per service (month `billing.month_of_operation` for what accumulates)."""
    by_load, by_time = projection.month_by_load, projection.month_by_time
    handler, delivery, billing = scenario.handler, scenario.delivery, scenario.billing
    processed = usage.processed * by_load
    processed_per_day = usage.processed * projection.day_factor
    views = cost.views_month(
        processed_per_day, billing.month_of_operation, delivery.views_per_image, delivery.views_half_life_days
    )
    empty_receives = usage.sqs_empty_receives * by_time
    sqs = cost.sqs_cost(usage.sqs_requests * by_load + empty_receives, free_tier=billing.free_tier)
    share_idle = empty_receives / max(usage.sqs_requests * by_load + empty_receives, 1.0)
    bill = {
        "S3": _s3(scenario, usage, projection, views),
        "SQS": cost.Cost(
            "SQS",
            {"requests": sqs.total * (1 - share_idle), "empty receives (idle polling)": sqs.total * share_idle},
        ),
        "DynamoDB": cost.dynamodb_cost(
            write_units=processed * handler.dynamodb_writes * cost.write_request_units(handler.dynamodb_item_kb),
            storage_gb_months=cost.storage_month(
                processed_per_day * handler.dynamodb_item_kb * KB / BYTES_PER_GB,
                processed_per_day,
                billing.month_of_operation,
            ).gb_months["standard"],
            free_tier=billing.free_tier,
        ),
        "CloudFront": cost.cloudfront_cost(
            egress_gb=views * delivery.view_kb * KB / BYTES_PER_GB,
            https_requests=views,
            free_tier=billing.free_tier,
        ),
    }
    compute = kind(scenario)
    bill[compute.service] = compute.monthly_cost(scenario, usage, projection)
    return bill


def _s3(scenario: Scenario, usage: Usage, projection: Projection, views: float) -> cost.Cost:
    """Originals (with the lifecycle rule) and variants (kept hot for CloudFront)."""
    handler, storage = scenario.handler, scenario.storage
    month = scenario.billing.month_of_operation
    per_day = projection.day_factor
    originals = cost.storage_month(
        usage.uploaded_bytes * per_day / BYTES_PER_GB,
        usage.uploads * per_day,
        month,
        storage_class=storage.storage_class,
        transition_after_days=storage.transition_after_days,
        transition_to=storage.transition_to,
        undersize_gb_per_day=usage.undersize_bytes * per_day / BYTES_PER_GB,
    )
    variant_objects_per_day = usage.processed * per_day * handler.variants_per_image
    variants = cost.storage_month(
        usage.processed * per_day * handler.variants_kb * KB / BYTES_PER_GB,
        variant_objects_per_day,
        month,
        storage_class=storage.storage_class,
    )
    gb_months = dict(originals.gb_months)
    for storage_class, amount in variants.gb_months.items():
        gb_months[storage_class] = gb_months.get(storage_class, 0.0) + amount
    monitored = 0.0
    if storage.storage_class == "intelligent_tiering":
        # Objects are billed for monitoring on the count stored; use the month's average count.
        hot_share = originals.gb_months[storage.storage_class] / max(sum(originals.gb_months.values()), 1e-12)
        big_share = usage.big_objects / max(usage.uploads, 1)
        big_variants = handler.variants_kb * KB / max(handler.variants_per_image, 1) >= INTELLIGENT_TIERING_MIN_BYTES
        average_days = (month - 0.5) * DAYS_PER_MONTH
        monitored = average_days * usage.uploads * per_day * big_share * hot_share
        monitored += average_days * variant_objects_per_day * big_variants
    processed = usage.processed * projection.month_by_load
    return cost.s3_cost(
        put_requests=usage.uploads * projection.month_by_load + processed * handler.variants_per_image,
        get_requests=processed,
        cdn_get_requests=cost.cloudfront_origin_fetches(views, scenario.delivery.cache_hit_ratio),
        storage=cost.StorageMonth(gb_months, originals.transitions),
        monitored_objects=monitored,
    )
