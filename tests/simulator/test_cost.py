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


def test_lambda_pricing_page_example_1():
    """aws.amazon.com/lambda/pricing, Example 1: 512 MB, 3 million requests of 1 s in a month,
    free tier applied: compute 1,100,000 GB-s × $0.00001667 = $18.34, requests 2M × $0.20/M =
    $0.40, total $18.74. The page rounds the GB-s price to $0.00001667; with the exact list price
    ($0.0000166667, our price book) the same month costs $18.73."""
    gb_seconds = 3_000_000 * cost.lambda_gb_seconds(1000, 512)
    assert gb_seconds == 1_500_000
    as_on_the_page = default_prices().with_price("lambda.duration_x86_64", value=0.00001667)
    bill = cost.lambda_cost(3_000_000, gb_seconds, free_tier=True, prices=as_on_the_page)
    assert bill.items["duration"] == pytest.approx(18.34, abs=CENT)
    assert bill.items["requests"] == pytest.approx(0.40, abs=CENT)
    assert bill.total == pytest.approx(18.74, abs=CENT)
    assert cost.lambda_cost(3_000_000, gb_seconds, free_tier=True).total == pytest.approx(
        18.73, abs=CENT
    )


def test_lambda_pricing_page_example_2():
    """Same page, Example 2: 128 MB, 30 million requests of 200 ms: 750,000 GB-s − 400,000 free
    = 350,000 × $0.00001667 = $5.83; 29M requests × $0.20/M = $5.80; total $11.63."""
    gb_seconds = 30_000_000 * cost.lambda_gb_seconds(200, 128)
    as_on_the_page = default_prices().with_price("lambda.duration_x86_64", value=0.00001667)
    bill = cost.lambda_cost(30_000_000, gb_seconds, free_tier=True, prices=as_on_the_page)
    assert bill.total == pytest.approx(11.63, abs=CENT)


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
    assert late.gb_months["standard"] == pytest.approx(100.0 * 90)  # a constant 90 days' worth
    total = 100.0 * (11.5 * cost.DAYS_PER_MONTH)  # mean age of the data in month 12, in days
    assert sum(late.gb_months.values()) == pytest.approx(total)
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
