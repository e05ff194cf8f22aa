"""`p4lab estimate`: the guide's numbers come from the simulator's cost model."""

from __future__ import annotations

import json

import pytest

from reference.errors import UserError
from reference.estimate import IDLE_POLLS_PER_HOUR, Workload, estimate

cost = pytest.importorskip("simulator.cost")


def _total(workload: Workload) -> float:
    return sum(bill.total for bill in estimate(workload))


def test_the_guide_costs_less_than_a_cent() -> None:
    """docs/aws-sandbox.md promises: 10 uploads, stack kept 2 hours, < $0.01 without free tier."""
    assert _total(Workload(uploads=10, hours=2)) < 0.01


def test_lines_match_the_simulator_functions() -> None:
    workload = Workload(uploads=1000, hours=730, memory_mb=1024, seconds_per_upload=0.5, cold_starts=0)
    bills = {bill.service: bill for bill in estimate(workload)}
    expected = cost.lambda_cost(1000, 1000 * 0.5 * 1.0, architecture="arm64")
    assert bills["Lambda"].total == pytest.approx(expected.total)
    assert bills["SQS"].total == pytest.approx(cost.sqs_cost(1000 * 3 + IDLE_POLLS_PER_HOUR * 730).total)


def test_free_tier_arm64_and_idle_time_move_the_total_the_right_way() -> None:
    base = Workload(uploads=100_000)
    assert _total(Workload(uploads=100_000, free_tier=True)) < _total(base)
    assert _total(Workload(uploads=100_000, architecture="x86_64")) > _total(base)
    assert _total(Workload(uploads=0, hours=730)) > _total(Workload(uploads=0, hours=1)) > 0  # pollers bill while idle


@pytest.mark.parametrize("bad", [Workload(uploads=-1), Workload(uploads=1, hours=0), Workload(uploads=1, architecture="sparc")])
def test_bad_inputs_are_user_errors(bad: Workload) -> None:
    with pytest.raises(UserError):
        estimate(bad)


def test_cli_prints_json_with_a_total(p4lab) -> None:
    result = p4lab("estimate", "10", "--hours", "2", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total"] < 0.01
