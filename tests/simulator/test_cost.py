"""Cost functions against published worked examples, and against hand arithmetic where AWS
publishes none (each test says which)."""

from __future__ import annotations

import re

import pytest

from simulator import cost
from simulator.cost import PriceBook, default_prices

CENT = 0.005  # "to the cent": within half a cent


def test_every_price_has_a_unit_an_effective_date_and_a_source():
    for key, price in default_prices().entries.items():
        assert price.unit, key
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", price.effective), key
        assert price.source.startswith("https://"), key
        assert (price.value is None) != (not price.tiers), f"{key}: exactly one of value or tiers"


# ---------------------------------------------------------------- AWS's Lambda pricing page
# Every worked example on https://aws.amazon.com/lambda/pricing/ (as published in 2026) that
# these functions can express, to the cent. Not expressible (nothing in the pipeline uses them):
# Lambda Managed Instances ($160.36), durable functions ($490.46), tenant isolation ($368.74),
# HTTP response streaming ($39.04) and Lambda@Edge ($6.63).
PAGE = "https://aws.amazon.com/lambda/pricing/"


def test_pricing_page_mobile_application_backend():
    """Example 1: 3M requests a month of 120 ms at 1,536 MB, x86, free tier: 540,000 GB-s − 400,000
    free = 140,000 × $0.0000166667 = $2.33; 2M billable requests = $0.40; total $2.73."""
    bill = cost.lambda_cost(3_000_000, 3_000_000 * 0.120 * 1536 / 1024, free_tier=True)
    assert bill.items["duration"] == pytest.approx(2.33, abs=CENT)
    assert bill.items["requests"] == pytest.approx(0.40, abs=CENT)
    assert bill.total == pytest.approx(2.73, abs=CENT)


def test_pricing_page_streaming_telemetry():
    """Example 2: 10,000 vehicles × 24 × 31 = 7.44M invocations of 2 s at 1 GB, no free tier:
    14.88M GB-s × $0.0000166667 = $248.00; requests $1.49; total $249.49."""
    bill = cost.lambda_cost(7_440_000, 7_440_000 * 2.0)
    assert bill.items["duration"] == pytest.approx(248.00, abs=CENT)
    assert bill.total == pytest.approx(249.49, abs=CENT)


def test_pricing_page_ephemeral_storage():
    """Example 3 (customer support, BERT): 6M requests of 280 ms at 4,096 MB with 2,048 MB of
    ephemeral storage, free tier: compute $105.33, requests $1.00, 2,520,000 GB-s of storage
    above 512 MB × $0.0000000309 = $0.08; total $106.41."""
    seconds = 6_000_000 * 0.280
    bill = cost.lambda_cost(
        6_000_000, seconds * 4096 / 1024, ephemeral_gb_seconds=seconds * (2048 - 512) / 1024, free_tier=True
    )
    assert bill.items["duration"] == pytest.approx(105.33, abs=CENT)
    assert bill.items["ephemeral storage"] == pytest.approx(0.08, abs=CENT)
    assert bill.total == pytest.approx(106.41, abs=CENT)


def test_pricing_page_provisioned_concurrency_mobile_launch():
    """Provisioned Concurrency Example 1: 100 × 1,536 MB for 8 hours = 4.32M GB-s × $0.0000041667 =
    $18.00; 500,000 requests of 100 ms on it: 75,000 GB-s × $0.0000097222 = $0.73; the other 2.5M
    of 120 ms on demand: 450,000 − 400,000 free = 50,000 × $0.0000166667 = $0.83; 3M − 1M free
    requests = $0.40; total $19.96."""
    gb = 1536 / 1024
    bill = cost.lambda_cost(
        3_000_000,
        2_500_000 * 0.120 * gb,
        provisioned_gb_seconds=100 * gb * 8 * 3600,
        provisioned_duration_gb_seconds=500_000 * 0.100 * gb,
        free_tier=True,
    )
    assert bill.items["provisioned concurrency"] == pytest.approx(18.00, abs=CENT)
    assert bill.items["duration on provisioned concurrency"] == pytest.approx(0.73, abs=CENT)
    assert bill.items["duration"] == pytest.approx(0.83, abs=CENT)
    assert bill.total == pytest.approx(19.96, abs=CENT)


def test_pricing_page_provisioned_concurrency_cyber_monday():
    """Provisioned Concurrency Example 2: 7 × 4,096 MB for 24 h = 2,419,200 GB-s = $10.08; 2M
    requests of 280 ms on it: 2,240,000 GB-s × $0.0000097222 = $21.78; requests $0.40; $32.26."""
    bill = cost.lambda_cost(
        2_000_000, 0.0, provisioned_gb_seconds=7 * 4 * 86_400, provisioned_duration_gb_seconds=2_000_000 * 0.280 * 4
    )
    assert bill.items["provisioned concurrency"] == pytest.approx(10.08, abs=CENT)
    assert bill.items["duration on provisioned concurrency"] == pytest.approx(21.78, abs=CENT)
    assert bill.total == pytest.approx(32.26, abs=CENT)


def test_pricing_page_snapstart():
    """SnapStart example (telemetry again): requests $1.49 + compute $248.00; cache 1 GB × 31 days
    = 2,678,400 GB-s × $0.0000015046 = $4.03; 1% of 7.44M invocations restore 1 GB: 74,400 GB ×
    $0.0001397998 = $10.40; total $263.92."""
    bill = cost.lambda_cost(
        7_440_000, 7_440_000 * 2.0, snapstart_cache_gb_seconds=1.0 * 31 * 86_400, snapstart_restore_gb=74_400 * 1.0
    )
    assert bill.items["SnapStart cache"] == pytest.approx(4.03, abs=CENT)
    assert bill.items["SnapStart restores"] == pytest.approx(10.40, abs=CENT)
    assert bill.total == pytest.approx(263.92, abs=CENT)


@pytest.mark.parametrize(
    ("invocations_per_day", "seconds", "epu_hours", "poller", "free_tier", "expected"),
    [
        # Example 2, SQS: 1M a day × 30 days of 1 s at 1 GB, no free tier: $500 + $6 + 8,000
        # EPU-hours × $0.00925 = $74; total $580.
        (1_000_000, 1.0, 8000, "sqs", False, 580.00),
        # Example 3, 10 Kafka ESMs in one poller group: $1,000 + $60 + 720 × $0.185 = $133.20;
        # total $1,193.20 (no free tier).
        (10_000_000, 0.2, 720, "kafka", False, 1193.20),
    ],
)
def test_pricing_page_provisioned_mode_event_source_mapping(invocations_per_day, seconds, epu_hours, poller, free_tier, expected):
    requests = invocations_per_day * 30
    bill = cost.lambda_cost(
        requests, requests * seconds, event_poller_unit_hours=epu_hours, event_poller=poller, free_tier=free_tier
    )
    assert bill.total == pytest.approx(expected, abs=CENT)


def test_pricing_page_provisioned_mode_kafka_example_1_as_far_as_it_is_consistent():
    """Example 1, Kafka: 1M invocations a day × 30 of 2 s at 1 GB, free tier: 60M GB-s − 400,000
    free = $993.34 (the page gives $993.3) and 800 EPU-hours × $0.185 = $148.00. The page then charges
    "60M requests × $0.20 = $12.00" for the 30M invocations (and no free requests), for a total of
    $1,153.3; the 30M requests less the free million are $5.80 here, so our total is $1,147.14."""
    bill = cost.lambda_cost(30_000_000, 60_000_000, event_poller_unit_hours=800, event_poller="kafka", free_tier=True)
    assert round(bill.items["duration"], 1) == 993.3
    assert bill.items["event poller units"] == pytest.approx(148.00, abs=CENT)
    assert bill.items["requests"] == pytest.approx(5.80, abs=CENT)
    assert round(bill.total - bill.items["requests"] + 12.00, 1) == 1153.3


def test_an_older_version_of_the_pricing_page():
    """The 2020 page's Example 1 (512 MB, 3M requests of 1 s, free tier: $18.74, with the GB-s
    price rounded to $0.00001667; $18.73 at the exact price) and Example 2 (128 MB, 30M requests
    of 200 ms: $11.63)."""
    as_on_the_page = default_prices().with_price("lambda.duration_x86_64", value=0.00001667)
    gb_seconds = 3_000_000 * cost.lambda_gb_seconds(1000, 512)
    assert cost.lambda_cost(3_000_000, gb_seconds, free_tier=True, prices=as_on_the_page).total == pytest.approx(18.74, abs=CENT)
    assert cost.lambda_cost(3_000_000, gb_seconds, free_tier=True).total == pytest.approx(18.73, abs=CENT)
    gb_seconds = 30_000_000 * cost.lambda_gb_seconds(200, 128)
    assert cost.lambda_cost(30_000_000, gb_seconds, free_tier=True, prices=as_on_the_page).total == pytest.approx(11.63, abs=CENT)


def test_lambda_duration_tiers_and_architectures():
    """Hand arithmetic from the price book (AWS publishes no tier-crossing example):
    x86 7 billion GB-s = 6B × $0.0000166667 + 1B × $0.000015 = $100,000.20 + $15,000."""
    assert cost.lambda_cost(0, 7e9).items["duration"] == pytest.approx(115_000.20, abs=CENT)
    # arm64 stays in its first tier up to 7.5B GB-s: 20% cheaper than x86 there.
    assert cost.lambda_cost(0, 1e6, architecture="arm64").total == pytest.approx(13.33, abs=CENT)


def test_lambda_init_and_savings_plan():
    """Billed INIT shares the duration price; a 17% savings plan discounts duration only."""
    bill = cost.lambda_cost(1_000_000, 900_000, init_gb_seconds=100_000, savings_plan_discount=0.17)
    assert bill.items["duration"] + bill.items["init duration (cold starts)"] == pytest.approx(
        1_000_000 * 0.0000166667 * 0.83
    )
    assert bill.items["init duration (cold starts)"] == pytest.approx(100_000 * 0.0000166667 * 0.83)
    assert bill.items["requests"] == pytest.approx(0.20)


def test_lambda_billing_rounds_each_invocation_up_to_the_millisecond():
    assert cost.billed_ms(0.0012) == 2
    assert cost.billed_ms(0.002) == 2


def test_s3_storage_example_from_the_s3_faq():
    """aws.amazon.com/s3/faqs (billing): 100 GB for 15 days and 100 TB for 16 days of March are
    42,259,901,212,262,400 byte-hours = 52,900 GB-months, which crosses the first tier:
    51,200 GB × $0.023 + 1,700 GB × $0.022 = $1,177.60 + $37.40 = $1,215.00."""
    byte_hours = 107_374_182_400 * 15 * 24 + 109_951_162_777_600 * 16 * 24
    gb_months = byte_hours / 2**30 / (31 * 24)
    assert gb_months == pytest.approx(52_900)
    bill = cost.s3_cost(storage=cost.StorageMonth({"standard": gb_months}, {}))
    assert bill.total == pytest.approx(1_215.00, abs=CENT)


def test_s3_requests_monitoring_and_transitions():
    """Hand arithmetic from the price book: 1M PUTs × $0.005/1,000 = $5.00; 10M GETs ×
    $0.0004/1,000 = $4.00; 1M monitored objects × $0.0025/1,000 = $2.50; 1M transitions to
    Glacier Flexible Retrieval × $0.03/1,000 = $30.00."""
    storage = cost.StorageMonth({}, {"glacier_flexible": 1_000_000})
    bill = cost.s3_cost(
        put_requests=1_000_000,
        get_requests=10_000_000,
        storage=storage,
        monitored_objects=1_000_000,
    )
    assert bill.items == pytest.approx(
        {
            "PUT requests": 5.00,
            "GET requests": 4.00,
            "transitions to glacier_flexible": 30.00,
            "Intelligent-Tiering monitoring": 2.50,
        }
    )


def test_storage_growth_and_lifecycle():
    """Linear growth from empty: the first month averages half the month's data; with a 90-day
    rule nothing moves in month 1, and by month 12 everything older than 90 days has moved."""
    first = cost.storage_month(100.0, 1000.0, 1)
    assert first.gb_months["standard"] == pytest.approx(100.0 * cost.DAYS_PER_MONTH / 2)
    late = cost.storage_month(
        100.0, 1000.0, 12, transition_after_days=90, transition_to="deep_archive"
    )
    archived_objects = 1000.0 * (11.5 * cost.DAYS_PER_MONTH - 90)  # average objects older than 90 days
    index_gb = archived_objects * 8 / 2**20  # 8 KB each at S3 Standard's price
    assert late.gb_months["standard"] == pytest.approx(100.0 * 90 + index_gb)  # a constant 90 days' worth
    total = 100.0 * (11.5 * cost.DAYS_PER_MONTH)  # mean age of the data in month 12, in days
    assert sum(late.gb_months.values()) == pytest.approx(total + archived_objects * 40 / 2**20)
    assert late.transitions["deep_archive"] == pytest.approx(1000.0 * cost.DAYS_PER_MONTH)
    assert cost.storage_month(100.0, 1000.0, 2, transition_after_days=90).transitions == {
        "glacier_flexible": 0.0
    }


def test_sqs_requests_chunks_and_free_tier():
    """A 256 KB message is 4 billed requests (SQS pricing page: each 64 KB chunk is one
    request). Third-party worked example (adhdecode, SQS cost per million messages): 6.3M
    requests in a month at $0.40/M = $2.52 (no free tier)."""
    assert cost.sqs_billed_requests(1, 256) == 4
    assert cost.sqs_billed_requests(10, 20) == 10
    assert cost.sqs_cost(6_300_000).total == pytest.approx(2.52, abs=CENT)
    assert cost.sqs_cost(6_300_000, free_tier=True).total == pytest.approx(2.12, abs=CENT)
    # Tiers (hand arithmetic): 150B requests = 100B × $0.40/M + 50B × $0.30/M.
    assert cost.sqs_cost(150e9).total == pytest.approx(40_000 + 15_000)


def test_dynamodb_request_units_follow_the_aws_examples():
    """DynamoDB developer guide: a 3 KB standard write is 3 WCUs, transactional 6; an 8 KB
    read is 2 RCUs strongly consistent, 1 eventually consistent, 4 transactional."""
    assert cost.write_request_units(3) == 3
    assert cost.write_request_units(3, transactional=True) == 6
    assert cost.read_request_units(8, "strong") == 2
    assert cost.read_request_units(8, "eventual") == 1
    assert cost.read_request_units(8, "transactional") == 4


def test_dynamodb_on_demand_example():
    """Third-party worked example (Airbyte, DynamoDB pricing): 650,000 writes and 550,000 reads
    of small items in a month, storage within the free 25 GB: $0.41 + $0.07 = $0.48."""
    bill = cost.dynamodb_cost(650_000, 550_000, storage_gb_months=20, free_tier=True)
    assert bill.items["write request units"] == pytest.approx(0.41, abs=CENT)
    assert bill.items["read request units"] == pytest.approx(0.07, abs=CENT)
    assert bill.total == pytest.approx(0.48, abs=0.01)
    assert cost.dynamodb_cost(0, 0, storage_gb_months=125).total == pytest.approx(31.25)


def test_cloudfront_tiers_requests_and_free_tier():
    """Hand arithmetic from the price book (no AWS example with these tiers): 60 TB to US/EU
    viewers = 10 TB × $0.085 + 40 TB × $0.080 + 10 TB × $0.060 = $870.40 + $3,276.80 + $614.40;
    100M HTTPS requests × $0.01/10,000 = $100.00; 2,000 invalidation paths = 1,000 × $0.005."""
    bill = cost.cloudfront_cost(60 * 1024, 100_000_000, invalidation_paths=2000)
    assert bill.items["data transfer out"] == pytest.approx(4_761.60, abs=CENT)
    assert bill.items["HTTPS requests"] == pytest.approx(100.00, abs=CENT)
    assert bill.items["invalidations"] == pytest.approx(5.00, abs=CENT)
    free = cost.cloudfront_cost(1024, 10_000_000, free_tier=True)
    assert free.total == 0
    assert cost.cloudfront_origin_fetches(1000, 0.9) == pytest.approx(100)


def test_ec2_on_demand_and_spot():
    """730 hours of c7g.xlarge at $0.145 = $105.85; with a 65% spot discount $37.05."""
    assert cost.ec2_cost(730).total == pytest.approx(105.85, abs=CENT)
    assert cost.ec2_cost(730, spot_discount=0.65).total == pytest.approx(37.05, abs=CENT)


def test_price_book_what_if_leaves_the_original_alone():
    book = default_prices()
    cheaper = book.with_price("ec2.c7g.xlarge", value=0.1)
    assert cost.ec2_cost(10, prices=cheaper).total == pytest.approx(1.0)
    assert book["ec2.c7g.xlarge"].value == 0.145
    with pytest.raises(KeyError, match="no price"):
        book["lambda.nothing"]


def test_price_book_loads_from_any_path(tmp_path):
    path = tmp_path / "prices.yaml"
    path.write_text(
        "lambda:\n  requests:\n    value: 1.0\n    unit: USD per 1,000,000 requests\n"
        "    effective: '2026-01-01'\n    source: https://example.com\n"
    )
    assert PriceBook.load(path)["lambda.requests"].value == 1.0


def test_archived_objects_cost_more_than_their_bytes():
    """S3 pricing: Glacier Flexible Retrieval and Deep Archive add 32 KB per object at their price
    and 8 KB at S3 Standard's; Glacier Instant Retrieval bills objects under 128 KB as 128 KB.
    A million 16 KB objects archived a year ago: 15.26 GB of data, 30.52 GB more of index."""
    tiny = cost.storage_month(1e6 * 16 / 2**20, 1e6, 12, transition_after_days=1, transition_to="glacier_flexible")
    data = tiny.gb_months["glacier_flexible"] / (1 + 32 / 16)  # the share that is the data itself
    assert tiny.gb_months["glacier_flexible"] == pytest.approx(3 * data)
    assert tiny.gb_months["standard"] == pytest.approx(data * 8 / 16, rel=0.02)  # + one day of young data
    instant = cost.storage_month(
        1e6 * 16 / 2**20, 1e6, 12, transition_after_days=1, transition_to="glacier_instant", undersize_gb_per_day=1e6 * 112 / 2**20
    )
    assert instant.gb_months["glacier_instant"] == pytest.approx(8 * data)  # 128 KB each


def test_cloudfront_views_follow_the_library():
    """Views come from every image stored, not only from this month's uploads: without decay a
    library twelve months old is viewed 23 times as much as in its first month (11.5 months of
    uploads on average against half of one); with a 30-day half-life it settles."""
    first, twelfth = (cost.views_month(1.0, m, 10.0, None) for m in (1, 12))
    assert twelfth == pytest.approx(23 * first)
    settled = [cost.views_month(1.0, m, 10.0, 30.0) for m in (24, 36)]
    assert settled[0] == pytest.approx(settled[1], rel=1e-3)
