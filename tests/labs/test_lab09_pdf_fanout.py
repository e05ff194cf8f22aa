"""Lab 09 (PDF fan-out): the README's example is what the answer key computes, its grading table
is the checks', and the documents the checks draw keep their promises for many seeds (exact
arithmetic, pages that fit or one that cannot, groups that fill a range exactly)."""

from __future__ import annotations

import doctest
import random
import re
from types import ModuleType

import pytest

from labs.grader import find_lab
from tests.labs.helpers import load_isolated, solution
from tests.labs.readmes import flat, grading_table, public_points, text

LAB = find_lab("lab09")


@pytest.fixture(scope="module")
def checks() -> ModuleType:
    return load_isolated(LAB.folder / "checks.py", "lab09_checks_for_tests")  # type: ignore[return-value]


@pytest.fixture(scope="module")
def key() -> ModuleType:
    return load_isolated(solution(LAB) / "fanout.py", "lab09_key_for_tests")  # type: ignore[return-value]


def test_readme_example_and_table(key: ModuleType) -> None:
    assert text(LAB).splitlines()[2].startswith("**What you build that isn't in `reference/`:**")
    assert grading_table(LAB) == public_points(LAB)
    example = re.search(r"`pack_ranges\((\[[^\]]*\]), (\d+), headroom=([\d.]+), overhead_s=(\d+)\) == (\[[^`]*\])`", flat(text(LAB)))
    assert example, "the README's pack_ranges example"
    pages, timeout, headroom, overhead, result = example.groups()
    got = key.pack_ranges([float(p) for p in pages.strip("[]").split(",")], float(timeout), float(headroom), float(overhead))
    assert str(got) == result
    budget = float(timeout) * float(headroom) - float(overhead)
    assert f"a range may hold {budget:g} s of pages" in flat(text(LAB))


def test_documents_keep_their_promises(checks: ModuleType, key: ModuleType) -> None:
    for seed in range(400):
        rng = random.Random(seed)
        document = checks.draw_document(rng, refuse=seed % 4 == 1, exact=seed % 4 == 2)
        seconds = document["page_seconds"]
        budget = document["headroom"] * document["timeout_s"] - document["overhead_s"]
        assert budget > 0 and all(s > 0 and (s / checks.QUARTER).is_integer() for s in seconds), f"seed {seed}: inexact seconds"
        over = [page for page, s in enumerate(seconds, 1) if s > budget]
        assert len(over) == (seed % 4 == 1), f"seed {seed}: pages over the budget: {over}"
        if not over:
            ranges = key.pack_ranges(seconds, document["timeout_s"], document["headroom"], document["overhead_s"])
            assert checks.fit_problem(ranges, document) == "", f"seed {seed}: the key's ranges do not fit"
        if seed % 4 == 2:  # groups that fill the budget exactly: the key's ranges end exactly at it
            ranges = key.pack_ranges(seconds, document["timeout_s"], document["headroom"], document["overhead_s"])
            assert any(sum(seconds[first - 1 : last]) == budget for first, last in ranges[:-1]), f"seed {seed}"


def test_delivery_plans_repeat_a_range_and_end_the_count(checks: ModuleType) -> None:
    for seed in range(200):
        doc_id, ranges, deliveries = checks._plan(random.Random(seed))
        assert [page for first, last in ranges for page in range(first, last + 1)] == list(range(1, ranges[-1][1] + 1))
        assert set(deliveries) == set(ranges) and len(deliveries) > len(ranges), f"seed {seed}: no duplicate delivery"


def test_docstring_examples_of_the_checks(checks: ModuleType) -> None:
    """The project's doctest run skips lab folders (they hold students' code): the checks' run here."""
    results = doctest.testmod(checks)
    assert results.attempted > 0 and results.failed == 0
