"""Large PDFs within Lambda's limits: page-range fan-out sized to the timeout, counted exactly once."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from labs.grader import Submission, check
from labs.grader.submission import unique_name

FILES = ["fanout.py"]
TIME_LIMIT_S = 300


@check(20, hint="Ranges are 1-based and inclusive: 25 pages by 10 is (1, 10), (11, 20), (21, 25).")
def splits_pages(sub: Submission) -> None:
    """page ranges cover every page exactly once, in order, none too long"""
    fanout = sub.module("fanout")
    for pages, per in [(25, 10), (10, 10), (1, 10), (9, 10), (301, 15), (1000, 1)]:
        ranges = [tuple(r) for r in fanout.page_ranges(pages, per)]
        covered = [page for first, last in ranges for page in range(first, last + 1)]
        assert covered == list(range(1, pages + 1)), f"page_ranges({pages}, {per}) covers {covered[:12]}..., not 1..{pages} once each"
        assert all(last - first + 1 <= per for first, last in ranges), f"page_ranges({pages}, {per}) has a range longer than {per}"
        assert len(ranges) == -(-pages // per), f"page_ranges({pages}, {per}) makes {len(ranges)} ranges, expected {-(-pages // per)}"


@check(15, hint="pages × seconds per page must stay within headroom × timeout; round down, never below 1.")
def sized_to_timeout(sub: Submission) -> None:
    """a range is sized to use at most the headroom of the timeout"""
    fanout = sub.module("fanout")
    cases = [((2.0, 60, 0.5), 15), ((0.35, 60, 0.5), 85), ((2.0, 900, 0.5), 225), ((3.0, 60, 0.25), 5), ((120.0, 60, 0.5), 1)]
    for args, expected in cases:
        got = fanout.pages_per_invocation(*args)
        assert got == expected and isinstance(got, int), f"pages_per_invocation{args} = {got!r}, expected {expected}"


@check(15, hint="Plan with pages_per_invocation, split with page_ranges; every range must fit the budget.")
def long_document_fits(sub: Submission) -> None:
    """a 1,000-page document at 2 s/page: no invocation uses more than half its 60 s timeout"""
    fanout = sub.module("fanout")
    per = fanout.pages_per_invocation(2.0, 60, 0.5)
    ranges = fanout.page_ranges(1000, per)
    slowest = max((last - first + 1) * 2.0 for first, last in ranges)
    assert slowest <= 30.0, f"the longest range takes {slowest:.0f} s of a 60 s timeout"
    assert len(ranges) <= 70, f"{len(ranges)} ranges for 1,000 pages: ranges are smaller than they need to be"


def _document(sub: Submission, pages: int) -> tuple[Any, str]:
    """A table with one document item in PROCESSING, as the fan-out leaves it."""
    table = sub.resource("dynamodb").create_table(
        TableName=unique_name("lab09-images"),
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    )
    image_id = f"{random.getrandbits(128):032x}"
    table.put_item(Item={"pk": f"IMAGE#{image_id}", "sk": "META", "image_id": image_id, "status": "PROCESSING",
                         "pages_total": pages, "pages_done": 0})  # fmt: skip
    return table, image_id


def _final(table: Any, image_id: str) -> dict:
    return table.get_item(Key={"pk": f"IMAGE#{image_id}", "sk": "META"}, ConsistentRead=True)["Item"]


@check(15, needs_emulator=True, hint="ADD pages_done, and SET status = DONE when pages_done reaches pages_total.")
def counts_once_each(sub: Submission) -> None:
    """each range delivered once, out of order: the document ends DONE, finished by one call"""
    fanout = sub.module("fanout")
    table, image_id = _document(sub, 47)
    ranges = [(1, 10), (11, 20), (21, 30), (31, 40), (41, 47)]
    random.Random(9).shuffle(ranges)
    finished = [fanout.complete_page_range(table, image_id, first, last) for first, last in ranges]
    item = _final(table, image_id)
    assert int(item.get("pages_done", -1)) == 47, f"pages_done is {item.get('pages_done')}, expected 47"
    assert item.get("status") == "DONE", f"status is {item.get('status')}, expected DONE"
    assert finished.count(True) == 1 and finished[-1] is True, f"returned {finished}: only the last range finishes the document"


@check(20, needs_emulator=True, hint="Remember which ranges were counted (e.g. a string set) and make the update "
       "conditional on the range not being in it.")
def duplicates_not_counted(sub: Submission) -> None:
    """every range delivered twice: pages are still counted once"""
    fanout = sub.module("fanout")
    table, image_id = _document(sub, 30)
    deliveries = [(1, 10), (11, 20), (1, 10), (21, 30), (11, 20), (21, 30)]
    finished = [fanout.complete_page_range(table, image_id, first, last) for first, last in deliveries]
    item = _final(table, image_id)
    assert int(item.get("pages_done", -1)) == 30, f"pages_done is {item.get('pages_done')} after duplicate deliveries, expected 30"
    assert item.get("status") == "DONE", f"status is {item.get('status')}, expected DONE"
    assert finished.count(True) == 1, f"{finished.count(True)} calls reported finishing the document, expected 1"


@check(15, needs_emulator=True, timeout_s=60, hint="Read-then-write races; a single conditional update does not.")
def concurrent_duplicates(sub: Submission) -> None:
    """racing copies of every range: counted once, finished once"""
    fanout = sub.module("fanout")
    table, image_id = _document(sub, 40)
    deliveries = [(first, first + 4) for first in range(1, 41, 5)] * 3
    random.Random(3).shuffle(deliveries)
    with ThreadPoolExecutor(12) as pool:
        finished = list(pool.map(lambda r: fanout.complete_page_range(table, image_id, *r), deliveries))
    item = _final(table, image_id)
    assert int(item.get("pages_done", -1)) == 40, f"pages_done is {item.get('pages_done')} after racing duplicates, expected 40"
    assert finished.count(True) == 1, f"{finished.count(True)} calls reported finishing the document, expected 1"
