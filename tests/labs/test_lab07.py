"""Lab 07's README quotes only what the project computes (the cost model and the lab's own
pricing of a month), and its grading cannot be gamed with the choices file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from labs.grader import find_lab, grade
from labs.grader.settings import scenario_with
from simulator import cost
from simulator.app.growth import daily_ingest
from simulator.billing import monthly_bill
from simulator.calibration import MB_PER_VCPU
from simulator.cost import default_prices
from simulator.result import Projection, Usage
from tests.labs.helpers import load_isolated

LAB = find_lab("lab07")
CHECKS: Any = load_isolated(LAB.folder / "checks.py", "lab07_checks_for_tests")
KEY = yaml.safe_load((LAB.solution_folder / "choices.yaml").read_text())
EXAMPLE_MONTH, EXAMPLE_SHARE = 12, 0.03  # the README's example month


@pytest.fixture(scope="module")
def readme() -> str:
    return " ".join((LAB.folder / "README.md").read_text().split())


def _thousands(usd: float) -> str:
    return f"${round(usd, -3):,.0f}"


def test_the_plans_month(readme: str) -> None:
    """The course plan's bill and its S3 Standard storage line, for the README's example month."""
    scenario = scenario_with({**CHECKS.FIXED, "billing": {"month_of_operation": EXAMPLE_MONTH}},
                             {"storage": {"reread_share_per_month": EXAMPLE_SHARE}})  # fmt: skip
    run = CHECKS.run({})
    bill = monthly_bill(scenario, Usage(**run.usage), Projection(**run.projection))
    total = sum(c.total for c in bill.values())
    assert total == pytest.approx(CHECKS.month_bill({}, EXAMPLE_MONTH, EXAMPLE_SHARE))
    storage = bill["S3"].items["storage standard"]
    assert f"(month {EXAMPLE_MONTH}), with {EXAMPLE_SHARE:.0%} of the originals re-processed" in readme
    assert f"about **{_thousands(total)} a month, {_thousands(storage)} of it S3 Standard storage**" in readme
    assert storage > total - storage, "the README calls storage the biggest line: it is more than everything else together"


def test_the_price_table(readme: str) -> None:
    book = default_prices()
    handler = scenario_with(CHECKS.FIXED, {}).handler

    def usd(key: str, digits: int) -> str:
        return f"${book[key].flat():.{digits}f}"

    standard = book["s3.standard"].tiers
    quoted = [
        f"${standard[0][1]:.3f} down to ${standard[-1][1]:.3f}",
        f"then {usd('s3.intelligent_tiering_infrequent', 4)}, after "
        f"{book['s3.intelligent_tiering_archive_instant_after_days'].flat():g} days {usd('s3.intelligent_tiering_archive_instant', 3)}",
        f"read (or uploaded) in the last {book['s3.intelligent_tiering_infrequent_after_days'].flat():g} days",
        f"{usd('s3.intelligent_tiering_monitoring', 4)} per 1,000 objects a month",
        f"objects of {cost.SMALL_OBJECT_BYTES // cost.KB} KB or more",
        f"| Glacier Instant Retrieval | {usd('s3.glacier_instant', 3)} | a GET at {usd('s3.glacier_instant_get_requests', 2)} per 1,000 "
        f"and {usd('s3.glacier_instant_retrieval', 2)} per GB retrieved",
        f"{usd('s3.glacier_flexible_restore_requests_standard', 2)} per 1,000 + "
        f"{usd('s3.glacier_flexible_retrieval_standard', 2)} per GB from Flexible Retrieval",
        f"arm64 costs {1 - book['lambda.duration_arm64'].tiers[0][1] / book['lambda.duration_x86_64'].tiers[0][1]:.0%} less",
        f"the variants, about {handler.variants_kb / handler.variants_per_image:.0f} KB each, are too small",
    ]
    assert handler.variants_kb / handler.variants_per_image * cost.KB < cost.SMALL_OBJECT_BYTES
    assert [q for q in quoted if q not in readme] == []


def test_intelligent_tiering_for_originals_nobody_reads(readme: str) -> None:
    """Month 12, the lab's originals (lognormal sizes, the share under 128 KB never tiered)."""
    ingest = daily_ingest(scenario_with(CHECKS.FIXED, {}))
    small = {"small_gb_per_day": ingest["originals_small_gb"], "small_objects_per_day": ingest["originals_small_objects"]}

    def storage_bill(storage_class: str) -> float:
        month = cost.storage_month(ingest["originals_gb"], ingest["originals_objects"], 12, storage_class=storage_class, **small)
        return cost.s3_cost(storage=month).total

    share = storage_bill("intelligent_tiering") / storage_bill("standard")
    assert f"in month 12 it costs **about {share:.0%} of Standard's** storage bill" in readme


def test_where_intelligent_tiering_overtakes_glacier_instant_retrieval(readme: str) -> None:
    """The re-read share at which Intelligent-Tiering (no rule) and the answer key's rule cost the
    same, in the README's example month, by bisection; quoted to the nearest 5%."""
    tiering = {**KEY, "storage": {"storage_class": "intelligent_tiering"}}

    def tiering_dearer(share: float) -> bool:
        return CHECKS.month_bill(tiering, EXAMPLE_MONTH, share) > CHECKS.month_bill(KEY, EXAMPLE_MONTH, share)

    low, high = 0.01, 1.0
    assert tiering_dearer(low) and not tiering_dearer(high)
    for _ in range(30):
        middle = (low + high) / 2
        low, high = (middle, high) if tiering_dearer(middle) else (low, middle)
    assert f"about **{5 * round(20 * low):.0f}%** of the library is re-processed every month" in readme
    assert low > CHECKS.REREAD_SHARE[1], "the draws must stay where the answer key's plan is the cheaper"


def test_how_it_is_graded(readme: str) -> None:
    quoted = [
        f"a month of operation from {CHECKS.MONTHS[0]} to {CHECKS.MONTHS[1]}",
        f"with {CHECKS.REREAD_SHARE[0]:.0%} to {CHECKS.REREAD_SHARE[1]:.0%} of the stored originals re-processed",
        f"p95 latency at most {CHECKS.MAX_SLOWDOWN:g}× the course plan's",
        f"full points at {CHECKS.FULL_LAMBDA_SAVING:.0%} below it",
        f"full points at {CHECKS.FULL_SAVING_SHARE:.0%} of it, none at {CHECKS.NO_SAVING_SHARE:.0%} or less",
        f"`p4lab grade lab07` ({sum(c.points for c in LAB.checks(public_only=True)):g} points)",
    ]
    assert [q for q in quoted if q not in readme] == []
    assert [c.points for c in LAB.checks(public_only=True)] == [10, 15, 15, 20, 40]
    plan = scenario_with(CHECKS.FIXED, {})
    goal = [
        f"at {plan.workload.images_per_day / 1e6:g} M images a day",
        f"within {CHECKS.MAX_SLOWDOWN - 1:.0%} of the course plan's",
        f"the course plan's ({plan.function.memory_mb:,} MB x86)" if plan.function.architecture == "x86_64" else "",
        f"memory above {MB_PER_VCPU:,} MB (one vCPU) buys nothing",
    ]
    assert [q for q in goal if q not in readme] == []


CHEATS = {
    "no re-processing": "storage:\n  reread_share_per_month: 0\n",
    "another workload": "workload:\n  images_per_day: 1000\n",
    "the first month": "billing:\n  month_of_operation: 1\n",
    "a free tier": "billing:\n  free_tier: true\n",
    "a faster CPU": "function:\n  memory_mb: 512\n  cpu_speed: 4\n",
    "an hour in Standard": "storage:\n  transition_after_days: 0.04\n  transition_to: glacier_instant\n",
    "a boolean day": "storage:\n  transition_after_days: true\n  transition_to: glacier_instant\n",
    "not a number": "function:\n  memory_mb: .nan\n",
    "a Python object": "storage: !!python/object/apply:os.getcwd []\n",
}


@pytest.mark.parametrize("choices", CHEATS.values(), ids=CHEATS.keys())
def test_choices_outside_the_lab_earn_nothing(choices: str, tmp_path: Path) -> None:
    (tmp_path / "choices.yaml").write_text(choices)
    report = grade(LAB, tmp_path, seed=7)
    assert report.score == 0, [(o.name, o.score) for o in report.outcomes if o.score]
