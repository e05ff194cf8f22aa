"""Lab 05 (DynamoDB): every number the README quotes is recomputed here (the checks' load
constants, the simulator's DynamoDB prices), and the run's photos always exercise what the
checks promise (an album over 1 MB, twins, days and tags to read) for many seeds."""

from __future__ import annotations

import doctest
from collections import Counter
from types import ModuleType

import pytest

from labs.grader import find_lab
from simulator import cost
from tests.labs.helpers import load_isolated
from tests.labs.readmes import flat, grading_table, public_points, text

LAB = find_lab("lab05")
SEEDS = range(60)


@pytest.fixture(scope="module")
def checks() -> ModuleType:
    return load_isolated(LAB.folder / "checks.py", "lab05_checks_for_tests")  # type: ignore[return-value]


def test_readme_numbers_are_the_checks_and_the_price_book(checks: ModuleType) -> None:
    body = flat(text(LAB))
    assert text(LAB).splitlines()[2].startswith("**What you build that isn't in `reference/`:**")
    assert grading_table(LAB) == public_points(LAB)
    average = checks.PHOTOS_PER_DAY / 86_400
    assert f"~{average:,.0f} writes/s on average" in body
    assert f"10×: ~{checks.spike_writes_s():,.0f} writes/s" in body and checks.SPIKE == 10
    assert f"about {checks.PARTITION_WRITES_S:,} writes per second" in body
    assert f"more than {checks.max_share():.0%} of a day's writes" in body
    assert f"the run's busiest day ({checks.SPREAD_PHOTOS} photos)" in body
    # the cost note: a 10 KB photo item and two small tag items, at 10 M photos a day for 30 days
    month = checks.PHOTOS_PER_DAY * 30
    lean = cost.write_request_units(10) + 2 * cost.write_request_units(0.2)
    copied = 3 * cost.write_request_units(10)
    assert f"costs {lean} units" in body and f"it is {copied} units" in body
    assert f"${cost.dynamodb_cost(lean * month).total:,.0f} per 30-day month" in body
    assert f"${cost.dynamodb_cost(copied * month).total:,.0f}: keep copies small" in body


def test_readme_says_what_is_true_of_keys() -> None:
    body = flat(text(LAB))
    assert "Table keys are unique; index keys need not be." in body
    assert "must be unique" not in body.replace("A *table* key must be unique", "")


def test_every_run_has_what_the_checks_read(checks: ModuleType) -> None:
    for seed in SEEDS:
        data = checks.photos_of_run(seed)
        photos, big = data["photos"], data["big"]
        assert len({p["photo_id"] for p in photos}) == len(photos)
        album = [p for p in photos if p["album_id"] == big]
        assert sum(len(p["preview"]) for p in album) > 1_048_576, f"seed {seed}: the big album fits one page"
        for name in (big, data["albums"][1]):
            times = Counter(p["created_at"] for p in photos if p["album_id"] == name)
            assert max(times.values()) >= 2, f"seed {seed}: no twins in {name}"
        assert len({p["created_at"][:10] for p in photos}) >= 2, f"seed {seed}: one day only"
        assert sum(bool(p["tags"]) for p in photos) >= 3, f"seed {seed}: hardly any tagged photos"


def test_the_busiest_day_cannot_flag_albums_or_tags(checks: ModuleType) -> None:
    """The partition check must only catch a partition per day: no album or tag of the busiest day
    comes near the limit (so a design keyed by album or tag is never blamed for it)."""
    for seed in SEEDS:
        data = checks.photos_of_run(seed)
        day = [p for p in data["photos"] if p["created_at"][:10] == data["busiest"]]
        assert len(day) == checks.SPREAD_PHOTOS
        albums = Counter(p["album_id"] for p in day)
        tags = Counter(tag for p in day for tag in p["tags"])
        busiest = max(*albums.values(), *tags.values()) / len(day)
        assert busiest < checks.max_share() - 0.1, f"seed {seed}: an album or tag holds {busiest:.0%} of the day"


def test_docstring_examples_of_the_checks(checks: ModuleType) -> None:
    """The project's doctest run skips lab folders (they hold students' code): the checks' run here."""
    results = doctest.testmod(checks)
    assert results.attempted > 0 and results.failed == 0
