"""Lab 01's README quotes only numbers the project computes: the answer key's formulas for the
course's plan, and the cost model (``simulator.cost``) for what storing it costs."""

from __future__ import annotations

import math
from typing import Any

import pytest

from labs.grader import find_lab
from simulator.cost import DAYS_PER_MONTH, StorageMonth, s3_cost, storage_month
from tests.labs.helpers import load_isolated, solution

LAB = find_lab("lab01")
PER_DAY, MB, CLAIMED = 10_000_000, 1.0, 60.0  # the course's plan


@pytest.fixture(scope="module")
def readme() -> str:
    return " ".join((LAB.folder / "README.md").read_text().split())  # line breaks as spaces


@pytest.fixture(scope="module")
def plan() -> Any:
    return load_isolated(solution(LAB) / "capacity.py", "lab01_key_capacity")


def _dollars(amount: float) -> str:
    """Rounded to the hundred, as the README writes it: $3,400."""
    return f"${round(amount, -2):,.0f}"


def test_the_plan_figures(readme: str, plan: Any) -> None:
    rate = plan.images_per_second(PER_DAY)
    factor = plan.understated_by(PER_DAY, MB, CLAIMED)
    quoted = [
        f"{rate:.1f} images/s",
        f"{plan.ingest_mb_per_second(PER_DAY, MB):.1f} MB/s, not 60",
        f"**{factor:.2f}×**",
        f"{PER_DAY / factor / 1e6:.1f} M images/day would need",
        f"{plan.storage_tb_per_day(PER_DAY, MB):.0f} TB/day",
        f"{plan.stored_tb_after(PER_DAY, MB, 365) / 1000:.2f} PB",
        f"understates every storage figure by {100 * (1 - plan.MB_PER_TB / 1024**2):.1f}%",
    ]
    assert [q for q in quoted if q not in readme] == []


def test_the_storage_bill(readme: str, plan: Any) -> None:
    gb_per_day = plan.storage_tb_per_day(PER_DAY, MB) * 1000
    month = [s3_cost(storage=storage_month(gb_per_day, PER_DAY, n)).total for n in (1, 2, 12)]
    level = s3_cost(storage=StorageMonth({"standard": plan.stored_tb_after(PER_DAY, MB, 10_000, retention_days=30) * 1000}, {})).total
    quoted = [
        f"about **{_dollars(month[0])} in the first month**",
        f"empty to {plan.storage_tb_per_day(PER_DAY, MB) * DAYS_PER_MONTH:.0f} TB",
        f"about {_dollars(month[1])} in the second month",
        f"about {_dollars(month[2])} in the twelfth",
        f"after 30 days holds the bill at about {_dollars(level)} a month",
    ]
    assert [q for q in quoted if q not in readme] == []
    assert math.isclose(month[0] / level, 0.5, rel_tol=0.05), "the first month should be about half a full month's storage"


def test_how_it_is_graded(readme: str) -> None:
    checks = LAB.checks(public_only=True)
    assert f"runs {len(checks)} checks ({sum(c.points for c in checks):g} points)" in readme
