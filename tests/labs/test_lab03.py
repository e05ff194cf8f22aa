"""Lab 03's message builders and answer key agree with the facts each message was built from,
and its README's numbers come from the code (the checks and the cost model)."""

from __future__ import annotations

import doctest
import random
import re
from typing import Any

import pytest

from labs.grader import find_lab
from simulator.cost import DAYS_PER_MONTH, dynamodb_cost, read_request_units, write_request_units
from tests.labs.helpers import load_isolated, solution

LAB = find_lab("lab03")
PER_DAY = 10_000_000  # the course's plan


@pytest.fixture(scope="module")
def messages() -> Any:
    return load_isolated(LAB.folder / "messages.py", "lab03_messages_test")


@pytest.fixture(scope="module")
def key() -> Any:
    return load_isolated(solution(LAB) / "events.py", "lab03_key_events")


def test_every_route_gives_back_the_upload_it_was_built_from(messages: Any, key: Any) -> None:
    rng = random.Random(11)
    for _ in range(50):
        facts = [messages.upload(rng) for _ in range(rng.randrange(1, 4))]
        expected = [(f["bucket"], f["key"], f["version_id"], f["size"], f["event_time"]) for f in facts]
        for body in (messages.s3_event(facts), messages.sns(messages.s3_event(facts), rng)):
            assert [(u.bucket, u.key, u.version_id, u.size, u.event_time) for u in key.parse(body)] == expected
        (upload,) = key.parse(messages.eventbridge(facts[0]))
        assert (upload.bucket, upload.key, upload.version_id, upload.size) == expected[0][:4]
        assert upload.event_time == facts[0]["event_time"][:19] + "Z"
    assert key.parse(messages.sns(messages.s3_test_event("b"), rng)) == []


def test_message_doctests(messages: Any) -> None:
    assert doctest.testmod(messages).failed == 0


def test_readme_numbers() -> None:
    readme = " ".join((LAB.folder / "README.md").read_text().split())
    checks_module = load_isolated(LAB.folder / "checks.py", "lab03_checks_test")
    claims = PER_DAY * DAYS_PER_MONTH
    writes = dynamodb_cost(claims * write_request_units(0.1)).total
    reads = dynamodb_cost(0, claims * read_request_units(0.1, "strong")).total
    quoted = [
        f"at the course's 10 M uploads a day, ${writes:,.0f} a month on demand",
        f"Reading first would add ${reads:,.0f} a month",
        f"a race of {checks_module.RACERS[0]}-{checks_module.RACERS[-1]} simultaneous deliveries",
    ]
    assert [q for q in quoted if q not in readme] == []
    checks = LAB.checks(public_only=True)
    assert f"runs {len(checks)} checks ({sum(c.points for c in checks):g} points)" in readme
    table = [float(points) for points in re.findall(r"^\|[^|]+\| (\d+) \|$", (LAB.folder / "README.md").read_text(), re.M)]
    assert table == [c.points for c in checks], "the README's table of checks and points"
