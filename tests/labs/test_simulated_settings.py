"""Simulator labs' runs: each scenario simulated once, cached in a folder only its user can use."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import simulator
from labs.grader import settings
from labs.grader.settings import scenario_with, simulate

TINY = {"workload": {"images_per_day": 20_000}, "simulation": {"hours": 0.05, "sample_interval_s": 60, "seed": 3}}


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(settings.tempfile, "gettempdir", lambda: str(tmp_path))
    return tmp_path / f"p4lab-simulations-{os.getuid()}"


def test_a_scenario_is_simulated_once(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = scenario_with(TINY, {})
    first = simulate(scenario)
    result = simulator.run(scenario)
    assert (first.arrived, first.processed, first.latency_s["p95"]) == (result.arrived, result.processed, result.latency_s["p95"])
    assert first.monthly("Lambda") == pytest.approx(result.cost_per_month["Lambda"].total)
    assert first.monthly() == pytest.approx(result.total_per_month)
    assert len(list(cache.glob("*.json"))) == 1 and cache.stat().st_mode & 0o777 == 0o700

    def no_second_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("simulated again")

    monkeypatch.setattr(simulator, "run", no_second_run)
    assert simulate(scenario) == first
    with pytest.raises(AssertionError, match="simulated again"):
        simulate(scenario_with(TINY, {"function": {"memory_mb": 1024}}))  # another scenario: another run


def test_a_cache_folder_others_can_write_is_not_used(cache: Path) -> None:
    cache.mkdir(mode=0o700)
    cache.chmod(0o777)  # as if someone else had prepared it for us
    simulate(scenario_with(TINY, {}))
    assert list(cache.iterdir()) == []


def test_a_todo_left_in_a_settings_file_is_named(tmp_path: Path) -> None:
    from labs.grader import Submission
    from labs.grader.settings import read_choices

    (tmp_path / "settings.yaml").write_text("function:\n  memory_mb: TODO\n  architecture: arm64\nqueue:\n  visibility_timeout_s: TODO\n")
    with pytest.raises(AssertionError, match="still has a TODO for function.memory_mb, queue.visibility_timeout_s"):
        read_choices(Submission(tmp_path), "settings.yaml", {"function": {"memory_mb", "architecture"}, "queue": {"visibility_timeout_s"}})
