"""From simulated counts to a monthly bill.

The run counts what AWS meters (invocations, GB-seconds including billed INIT, SQS calls
including empty receives, instance-hours); the rest follows from processed images and the
scenario's per-image figures (variant PUTs, DynamoDB writes, CloudFront views). The simulated
period is assumed to repeat for a whole month (730 hours), because tiers and free allowances
apply per month; the daily figure is the month divided by its 30.42 days. Storage is different:
it accumulates, so its bill depends on `billing.month_of_operation`.
"""

from __future__ import annotations

from simulator import cost
from simulator.result import Usage
from simulator.scenario import Scenario

BYTES_PER_GB = 2**30  # AWS meters storage and transfer in binary gigabytes
KB = 1024
INTELLIGENT_TIERING_MIN_BYTES = 128 * KB  # smaller objects are not monitored (nor charged)


def monthly_bill(scenario: Scenario, usage: Usage, hours: float, big_share: float) -> dict[str, cost.Cost]:
    """The month's bill per service, from `usage` over `hours` of simulation.

    `big_share` is the share of uploads over 128 KB (the Intelligent-Tiering threshold).
    """
    per_month = cost.HOURS_PER_MONTH / hours
    per_day = 24.0 / hours
    handler, delivery, billing = scenario.handler, scenario.delivery, scenario.billing
    processed = usage.processed * per_month
    views = processed * delivery.views_per_image

    bill = {
        "S3": _s3(scenario, usage, per_month, per_day, views, big_share),
        "SQS": cost.sqs_cost(
            cost.sqs_billed_requests(usage.sqs_api_calls, usage.sqs_receive_payload_kb) * per_month,
            free_tier=billing.free_tier,
        ),
        "DynamoDB": cost.dynamodb_cost(
            write_units=processed
            * handler.dynamodb_writes
            * cost.write_request_units(handler.dynamodb_item_kb),
            storage_gb_months=cost.storage_month(
                usage.processed * per_day * handler.dynamodb_item_kb * KB / BYTES_PER_GB,
                usage.processed * per_day,
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
    if scenario.compute == "lambda":
        bill["Lambda"] = cost.lambda_cost(
            requests=usage.invocations * per_month,
            gb_seconds=usage.lambda_gb_seconds * per_month,
            init_gb_seconds=usage.lambda_init_gb_seconds * per_month,
            architecture=scenario.function.architecture,
            free_tier=billing.free_tier,
            savings_plan_discount=billing.savings_plan_discount,
        )
    else:
        fleet = scenario.fleet
        bill["EC2"] = cost.ec2_cost(
            usage.instance_hours * per_month,
            instance_type=fleet.instance_type,
            spot_discount=fleet.spot_discount if fleet.purchase == "spot" else 0.0,
        )
    return bill


def _s3(
    scenario: Scenario, usage: Usage, per_month: float, per_day: float, views: float, big_share: float
) -> cost.Cost:
    """Originals (with the lifecycle rule) and variants (kept hot for CloudFront)."""
    handler, storage = scenario.handler, scenario.storage
    month = scenario.billing.month_of_operation
    originals = cost.storage_month(
        usage.uploaded_bytes * per_day / BYTES_PER_GB,
        usage.uploads * per_day,
        month,
        storage_class=storage.storage_class,
        transition_after_days=storage.transition_after_days,
        transition_to=storage.transition_to,
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
        big_variants = handler.variants_kb * KB / max(handler.variants_per_image, 1) >= INTELLIGENT_TIERING_MIN_BYTES
        average_days = (month - 0.5) * cost.DAYS_PER_MONTH
        monitored = average_days * usage.uploads * per_day * big_share * hot_share
        monitored += average_days * variant_objects_per_day * big_variants
    processed = usage.processed * per_month
    return cost.s3_cost(
        put_requests=usage.uploads * per_month + processed * handler.variants_per_image,
        get_requests=processed
        + cost.cloudfront_origin_fetches(views, scenario.delivery.cache_hit_ratio),
        storage=cost.StorageMonth(gb_months, originals.transitions),
        monitored_objects=monitored,
    )
