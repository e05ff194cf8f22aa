"""Cost functions against published worked examples, and against hand arithmetic where AWS
publishes none (each test says which)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
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
    storage = cost.StorageMonth({}, {"glacier_flexible": 1_000_000}, monitored_objects=1_000_000)
    bill = cost.s3_cost(put_requests=1_000_000, get_requests=10_000_000, storage=storage)
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
    and 8 KB at S3 Standard's. A million 200 KB objects archived after a day: 16% more bytes in
    the archive, and 4% of them again at Standard's price."""
    big = cost.storage_month(1e6 * 200 / 2**20, 1e6, 12, transition_after_days=1, transition_to="glacier_flexible")
    data = big.gb_months["glacier_flexible"] / (1 + 32 / 200)  # the share that is the data itself
    assert big.gb_months["standard"] == pytest.approx(data * 8 / 200 + 1e6 * 200 / 2**20, rel=1e-9)  # + the day in Standard
    assert big.transitions["glacier_flexible"] == pytest.approx(1e6 * cost.DAYS_PER_MONTH)


def test_lifecycle_rules_leave_objects_under_128_kb_where_they_are():
    """S3 Lifecycle's default since September 2024 (TransitionDefaultMinimumObjectSize
    all_storage_classes_128K): objects under 128 KB do not transition, so Glacier Instant
    Retrieval's 128 KB minimum billable size never applies to them."""
    gb = 1e6 * 16 / 2**20  # a million 16 KB objects a day
    tiny = cost.storage_month(gb, 1e6, 12, transition_after_days=30, transition_to="glacier_instant",
                              small_gb_per_day=gb, small_objects_per_day=1e6)  # fmt: skip
    assert tiny.gb_months == pytest.approx({"standard": gb * 11.5 * cost.DAYS_PER_MONTH, "glacier_instant": 0.0})
    assert tiny.transitions == {"glacier_instant": 0.0}


# ---------------------------------------------------------------- Intelligent-Tiering
# The S3 pricing page publishes no Intelligent-Tiering worked example; AWS states the savings of
# its tiers (S3 storage classes page, Well-Architected Labs "200 S3 Intelligent-Tiering"), and
# the rest is hand arithmetic from the tier rules (intelligent-tiering-overview in the S3 guide).
def test_intelligent_tiering_savings_as_aws_states_them():
    """"moves objects that have not been accessed for 30 consecutive days to the Infrequent Access
    tier for savings of 40%; and after 90 days of no access ... to the Archive Instant Access
    tier with savings of 68%" — against the Frequent Access tier's price over 500 TB, and
    against Infrequent Access."""
    book = default_prices()
    frequent = book["s3.intelligent_tiering_frequent"].tiers[-1][1]
    infrequent = book["s3.intelligent_tiering_infrequent"].flat()
    archive = book["s3.intelligent_tiering_archive_instant"].flat()
    assert round(1 - infrequent / frequent, 2) == 0.40
    assert round(1 - archive / infrequent, 2) == 0.68


def test_intelligent_tiering_moves_write_once_objects_down():
    """10,000 objects of 1 GB uploaded a day and never read, in month 12 (days 334.6-365):
    30 days' worth in Frequent Access (300,000 GB at its tiers: 51,200 × $0.023 + 248,800 ×
    $0.022 = $6,651.20), 60 days' in Infrequent Access (600,000 GB × $0.0125 = $7,500), the
    remaining 259.8 days' in Archive Instant Access (2,597,917 GB × $0.004 = $10,391.67);
    monitoring on the 3,497,917 objects stored on average × $0.0025/1,000 = $8.74. Month 12
    costs a third of S3 Standard's $74,019.45 for the same bytes: the finding "Intelligent-Tiering looks
    dearer than Standard" came from a model that kept every object in Frequent Access."""
    it = cost.storage_month(10_000.0, 10_000.0, 12, storage_class="intelligent_tiering")
    days = 11.5 * cost.DAYS_PER_MONTH  # the month's average of days of ingest stored
    assert it.gb_months == pytest.approx(
        {"intelligent_tiering_frequent": 300_000, "intelligent_tiering_infrequent": 600_000,
         "intelligent_tiering_archive_instant": 10_000 * (days - 90)}  # fmt: skip
    )
    assert it.monitored_objects == pytest.approx(10_000 * days)
    bill = cost.s3_cost(storage=it)
    assert bill.items["storage intelligent_tiering_frequent"] == pytest.approx(6_651.20)
    assert bill.items["storage intelligent_tiering_infrequent"] == pytest.approx(7_500.00)
    assert bill.items["storage intelligent_tiering_archive_instant"] == pytest.approx(10_391.67, abs=CENT)
    assert bill.items["Intelligent-Tiering monitoring"] == pytest.approx(8.74, abs=CENT)
    standard = cost.s3_cost(storage=cost.storage_month(10_000.0, 10_000.0, 12)).total
    assert standard == pytest.approx(74_019.45, abs=CENT)
    assert bill.total / standard == pytest.approx(1 / 3, abs=0.01)
    # In its first month everything is in Frequent Access and the monitoring fee is on top.
    first = cost.s3_cost(storage=cost.storage_month(10_000.0, 10_000.0, 1, storage_class="intelligent_tiering")).total
    assert first > cost.s3_cost(storage=cost.storage_month(10_000.0, 10_000.0, 1)).total


def test_intelligent_tiering_leaves_small_objects_in_frequent_access_unmonitored():
    """S3 pricing page: objects under 128 KB "will always be charged at the Frequent Access tier
    rates, with no monitoring and automation charge" — the pipeline's variants (~67 KB each)
    cost in Intelligent-Tiering exactly what they cost in Standard."""
    gb = 6e6 * 67 / 2**20
    small = cost.storage_month(gb, 6e6, 12, storage_class="intelligent_tiering", small_gb_per_day=gb, small_objects_per_day=6e6)
    assert small.monitored_objects == 0
    assert small.gb_months["intelligent_tiering_frequent"] == pytest.approx(gb * 11.5 * cost.DAYS_PER_MONTH)
    assert cost.s3_cost(storage=small).total == pytest.approx(cost.s3_cost(storage=cost.storage_month(gb, 6e6, 12)).total)


def test_intelligent_tiering_tiers_match_a_simulation_of_reads():
    """The closed form (an object is in Frequent Access if read in the last 30 days, Infrequent
    if last read 30-90 days ago, else Archive Instant Access; reads are a Poisson process)
    against a simulation: 100,000 objects uploaded evenly over a year and read at random, each
    looked at on a random day of month 12."""
    rng = np.random.default_rng(7)
    share = 0.25  # of the stored objects read back each month
    month_start, month_end = 11 * cost.DAYS_PER_MONTH, 12 * cost.DAYS_PER_MONTH
    n = 100_000
    uploaded = rng.uniform(0.0, month_end, n)
    reads = uploaded[:, None] + np.cumsum(rng.exponential(cost.DAYS_PER_MONTH / share, (n, 20)), axis=1)
    day = rng.uniform(month_start, month_end, n)
    last = np.where(reads <= day[:, None], reads, -np.inf).max(axis=1)
    idle = day - np.maximum(uploaded, last)
    alive = uploaded <= day
    counts = [np.sum(alive & (idle < 30)), np.sum(alive & (idle >= 30) & (idle < 90)), np.sum(alive & (idle >= 90))]
    simulated = np.array(counts) / (n / month_end)  # objects on an average day, in days of ingest
    month = cost.storage_month(1.0, 1.0, 12, storage_class="intelligent_tiering", reads_per_month=share)
    closed = [month.gb_months[f"intelligent_tiering_{t}"] for t in ("frequent", "infrequent", "archive_instant")]
    assert simulated == pytest.approx(closed, rel=0.03)
    assert month.read_objects == pytest.approx({"intelligent_tiering": share * sum(closed)})


# ---------------------------------------------------------------- reading originals back
def test_restores_follow_the_aws_example():
    """AWS re:Post (knowledge center, s3-manage-data-retrieval): 15,000,000 objects, 100 TB
    (102,400 GB) retrieved from Glacier Flexible Retrieval. Standard: 15,000,000 / 1,000 × $0.05
    = $750 in requests and 102,400 × $0.01 = $1,024, total $1,774. Expedited: requests
    15,000,000 / 1,000 × $10 = $150,000 (and 102,400 GB × $0.03 = $3,072). The restored copies
    are extra: kept one day at S3 Standard's price, 102,400 GB / 30.42 days = 3,366 GB-months."""
    restored = cost.StorageMonth({}, {}, read_objects={"glacier_flexible": 15e6}, read_gb={"glacier_flexible": 102_400})
    standard = cost.s3_cost(storage=restored).items
    assert standard["reads: restore requests glacier_flexible"] == pytest.approx(750.00)
    assert standard["reads: retrieval glacier_flexible"] == pytest.approx(1_024.00)
    assert standard["reads: restored copies (S3 Standard)"] == pytest.approx(102_400 / cost.DAYS_PER_MONTH * 0.023)
    expedited = cost.s3_cost(storage=restored, restore_tier="expedited").items
    assert expedited["reads: restore requests glacier_flexible"] == pytest.approx(150_000.00)
    assert expedited["reads: retrieval glacier_flexible"] == pytest.approx(3_072.00)
    bulk = cost.s3_cost(storage=restored, restore_tier="bulk").items  # free from Flexible Retrieval
    assert bulk["reads: restore requests glacier_flexible"] == bulk["reads: retrieval glacier_flexible"] == 0
    deep = cost.StorageMonth({}, {}, read_objects={"deep_archive": 15e6}, read_gb={"deep_archive": 102_400})
    with pytest.raises(ValueError, match="no expedited retrieval"):
        cost.s3_cost(storage=deep, restore_tier="expedited")


def test_reads_by_class_and_what_they_cost():
    """2% of a year of originals read back in month 12, 1,000 objects of 1 MB a day, a 30-day
    rule to Glacier Instant Retrieval: 30 days' worth in Standard (free to read but for the GET)
    and the rest in Glacier Instant Retrieval at $0.01 per 1,000 GETs and $0.03 per GB."""
    gb = 1000 / 1024
    month = cost.storage_month(gb, 1000.0, 12, transition_after_days=30, transition_to="glacier_instant", reads_per_month=0.02)
    days = 11.5 * cost.DAYS_PER_MONTH
    assert month.read_objects == pytest.approx({"standard": 0.02 * 1000 * 30, "glacier_instant": 0.02 * 1000 * (days - 30)})
    items = cost.s3_cost(storage=month).items
    gets = 0.02 * 30 * 0.0004 + 0.02 * (days - 30) * 0.01
    assert items["reads: GET requests"] == pytest.approx(gets)
    assert items["reads: retrieval glacier_instant"] == pytest.approx(0.02 * gb * (days - 30) * 0.03)
    assert "reads: GET requests" not in cost.s3_cost(storage=cost.storage_month(gb, 1000.0, 12)).items


def test_cloudfront_views_follow_the_library():
    """Views come from every image stored, not only from this month's uploads: without decay a
    library twelve months old is viewed 23 times as much as in its first month (11.5 months of
    uploads on average against half of one); with a 30-day half-life it settles."""
    first, twelfth = (cost.views_month(1.0, m, 10.0, None) for m in (1, 12))
    assert twelfth == pytest.approx(23 * first)
    settled = [cost.views_month(1.0, m, 10.0, 30.0) for m in (24, 36)]
    assert settled[0] == pytest.approx(settled[1], rel=1e-3)


def test_the_cost_model_page_quotes_what_the_functions_compute():
    """docs/cost-model.md's Intelligent-Tiering example, recomputed."""
    page = " ".join((Path(__file__).parents[2] / "docs" / "cost-model.md").read_text().split())
    it = cost.s3_cost(storage=cost.storage_month(1e4, 1e4, 12, storage_class="intelligent_tiering"))
    standard = cost.s3_cost(storage=cost.storage_month(1e4, 1e4, 12)).total
    quoted = [f"S3 Standard ${standard:,.2f}", f"Intelligent-Tiering ${it.total:,.2f}",
              f"${it.items['Intelligent-Tiering monitoring']:,.2f} of monitoring", f"# ${it.total:,.2f}"]  # fmt: skip
    assert [q for q in quoted if q not in page] == []
