"""Lab 06's README quotes only what the project computes, and its grading cannot be gamed with
the settings file: fields outside the lab's, another workload, values the simulator rejects."""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode_str

from labs.grader import find_lab, grade
from labs.grader.settings import scenario_with, simulate
from reference.deploy import TEMPLATE_PATH
from simulator.calibration import MB_PER_VCPU
from simulator.compute.lambda_esm import SCALER_TICK_S
from simulator.cost import default_prices
from simulator.scenario import Scenario
from tests.labs.helpers import load_isolated

LAB = find_lab("lab06")
CHECKS: Any = load_isolated(LAB.folder / "checks.py", "lab06_checks_for_tests")
DRAWS = [CHECKS.spike(random.Random(seed)) for seed in range(3)]


@pytest.fixture(scope="module")
def readme() -> str:
    return " ".join((LAB.folder / "README.md").read_text().split())


def _percent(share: float) -> str:
    return f"{100 * share:.0f}%"


def test_the_background_figures(readme: str) -> None:
    defaults = Scenario()
    function, workload = defaults.function, defaults.workload
    book = default_prices()
    arm64_cut = 1 - book["lambda.duration_arm64"].tiers[0][1] / book["lambda.duration_x86_64"].tiers[0][1]
    p95_delay = workload.s3_event_delay_median_s * math.exp(1.6449 * workload.s3_event_delay_sigma)
    quoted = [
        f"median {workload.s3_event_delay_median_s:g} s, p95 about {p95_delay:.0f} s",
        f"starts with {function.esm_initial} concurrent batches and adds up to {function.esm_scale_up_per_minute:g} a minute "
        f"({function.esm_scale_up_per_minute * SCALER_TICK_S / 60:g} every {SCALER_TICK_S:g} s)",
        f"about {function.init_s:g} s of INIT",
        f"about {defaults.handler.io_s:g} s of S3 and DynamoDB calls",
        f"${book['lambda.requests'].flat():.2f} per million invocations",
        f"arm64 costs {_percent(arm64_cut)} less per GB-second",
        f"`memory_mb / {MB_PER_VCPU}`, at most 1",
        f"the course plan's ({function.memory_mb:,} MB {'x86' if function.architecture == 'x86_64' else function.architecture}, "
        f"batches of {function.batch_size}, a {function.batching_window_s:g} s window)",
    ]
    assert [q for q in quoted if q not in readme] == []


def test_the_arm64_saving_and_the_plan_at_full_scale(readme: str) -> None:
    """"about 19%" on every draw; the course plan's compute bill at 10 M images a day."""
    savings = []
    for fixed in DRAWS:
        plan = simulate(scenario_with(fixed, {})).monthly(*CHECKS.COMPUTE)
        arm64 = simulate(scenario_with(fixed, CHECKS.plan_on_arm64())).monthly(*CHECKS.COMPUTE)
        savings.append(1 - arm64 / plan)
    assert {_percent(s) for s in savings} == {"19%"} and "arm64 alone takes **about 19%** off" in readme
    full_scale = {"workload": {"images_per_day": 10_000_000}, "simulation": {"hours": 0.25, "sample_interval_s": 60, "seed": 6}}
    bill = simulate(scenario_with(full_scale, {})).monthly(*CHECKS.COMPUTE)
    assert f"about **${round(bill, -2):,.0f} a month**" in readme


def test_how_it_is_graded(readme: str) -> None:
    low, high = CHECKS.IMAGES_PER_DAY
    quoted = [
        f"{low:,} to {high:,} images a day",
        f"{CHECKS.MULTIPLIER[0]:g}× to {CHECKS.MULTIPLIER[1]:g}× that rate for {CHECKS.SPIKE_MINUTES[0]:g} to "
        f"{CHECKS.SPIKE_MINUTES[1]:g} minutes, starting {CHECKS.START_MINUTE[0]:g} to {CHECKS.START_MINUTE[1]:g} minutes "
        f"into the run, simulated until {CHECKS.AFTER_MINUTES:g} minutes after it ends",
        f"{100 * CHECKS.PROCESSED_SHARE:g}% processed by the end",
        f"full points at {_percent(CHECKS.FULL_COST_SAVING)} below it",
        f"`p4lab grade lab06` ({sum(c.points for c in LAB.checks(public_only=True)):g} points)",
    ]
    assert [q for q in quoted if q not in readme] == []
    table = [(c.points, c.name) for c in LAB.checks(public_only=True)]
    assert [points for points, _ in table] == [10, 10, 40, 40]


def _reference_defaults() -> dict[str, dict[str, Any]]:
    """The reference template's parameter defaults, as lab 06 settings."""
    template = decode_str(TEMPLATE_PATH.read_text())[0]
    parameters = {name: spec.get("Default") for name, spec in template["Parameters"].items()}
    timeout = str(parameters["FunctionTimeout"])
    return {
        "function": {
            "memory_mb": int(parameters["FunctionMemory"]),
            "architecture": parameters["FunctionArchitecture"],
            "batch_size": int(parameters["BatchSize"]),
            "batching_window_s": float(parameters["BatchingWindowSeconds"]),
            "maximum_concurrency": int(parameters["MaximumConcurrency"]),
            "timeout_s": float(timeout),
        },
        "queue": {"visibility_timeout_s": float(template["Mappings"]["VisibilityTimeout"][timeout]["Seconds"])},
    }


def test_the_reference_defaults_miss_the_objective(readme: str) -> None:
    settings = _reference_defaults()
    function = settings["function"]
    assert (f"defaults ({function['architecture']}, {function['memory_mb']:,} MB, batches of {function['batch_size']}, "
            f"at most {function['maximum_concurrency']} concurrent batches)") in readme  # fmt: skip
    for fixed in DRAWS:
        mine, plan = simulate(scenario_with(fixed, settings)), simulate(scenario_with(fixed, {}))
        assert "above the plan's" in CHECKS.problem(mine, plan), CHECKS.describe(fixed)


CHEATS = {
    "another workload": "workload:\n  images_per_day: 1000\n",
    "a faster CPU": "function:\n  memory_mb: 1152\n  cpu_speed: 10\n",
    "a faster mapping": "function:\n  esm_scale_up_per_minute: 100000\n",
    "a shorter run": "simulation:\n  hours: 0.01\n",
    "no errors": "handler:\n  transient_error_rate: 0\n",
    "not a number": "function:\n  batching_window_s: .nan\n  memory_mb: 1152\n",
    "infinite timeout": "function:\n  timeout_s: .inf\nqueue:\n  visibility_timeout_s: .inf\n",
    "a Python object": "function: !!python/object/apply:os.getcwd []\n",
    "a list": "- function\n",
}


@pytest.mark.parametrize("settings", CHEATS.values(), ids=CHEATS.keys())
def test_settings_outside_the_lab_earn_nothing(settings: str, tmp_path: Path) -> None:
    (tmp_path / "settings.yaml").write_text(settings)
    report = grade(LAB, tmp_path, seed=7)
    assert report.score == 0, [(o.name, o.score) for o in report.outcomes if o.score]


def test_a_window_that_never_closes_processes_nothing_in_time(tmp_path: Path) -> None:
    """The longest batching window and the biggest batches: the cheapest bill, uploads still
    waiting at the end of the run. It meets nothing and earns no cost points."""
    key = (LAB.solution_folder / "settings.yaml").read_text()
    (tmp_path / "settings.yaml").write_text(
        key.replace("batch_size: 3", "batch_size: 10000").replace("batching_window_s: 1", "batching_window_s: 300")
    )
    report = grade(LAB, tmp_path, seed=7, public_only=True)
    assert report.score == 20, [(o.name, o.score, o.output[:100]) for o in report.outcomes]
    assert "processed by the end of the run" in report.outcomes[2].output
