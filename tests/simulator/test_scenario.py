"""Scenario files: validation, presets and the YAML round trip an app relies on."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest
import yaml

from simulator import Scenario, load_scenario, preset_names
from simulator.scenario import PRESETS_DIR


def test_the_issue_presets_are_shipped():
    assert {"plan", "diurnal", "spike", "ec2-spot", "cost-optimised"} <= set(preset_names())


@pytest.mark.parametrize("name", preset_names())
def test_presets_round_trip_through_yaml(name, tmp_path):
    scenario = load_scenario(PRESETS_DIR / f"{name}.yaml")
    assert scenario.description, "every preset says what it shows"
    path = tmp_path / "copy.yaml"
    path.write_text(scenario.to_yaml())
    assert load_scenario(path) == scenario


def test_a_bare_name_means_a_preset():
    assert load_scenario("spike").workload.shape == "spike"


def test_unknown_fields_are_rejected_not_ignored():
    with pytest.raises(pydantic.ValidationError, match="workload.shapee"):
        Scenario.model_validate({"workload": {"shapee": "flat"}})


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"function": {"memory_mb": 64}}, "function.memory_mb"),
        ({"function": {"batch_size": 100, "batching_window_s": 0}}, "batching_window_s"),
        ({"workload": {"hourly_weights": [1, 2]}}, "workload.hourly_weights"),
        ({"compute": "kubernetes"}, "compute"),
        ({"billing": {"savings_plan_discount": 0.5}}, "billing.savings_plan_discount"),
    ],
)
def test_invalid_values_name_the_field(data, field):
    with pytest.raises(pydantic.ValidationError, match=field.replace(".", r"\.")):
        Scenario.model_validate(data)


def test_defaults_are_the_course_plan():
    scenario = Scenario()
    assert scenario.workload.images_per_day == 10_000_000
    assert scenario.queue.visibility_timeout_s >= 6 * scenario.function.timeout_s
    assert yaml.safe_load(scenario.to_yaml())["function"]["memory_mb"] == 1769


def test_the_docs_list_every_field_with_its_default():
    """docs/simulator.md's scenario reference must stay in step with the model."""
    docs = (Path(__file__).parents[2] / "docs" / "simulator.md").read_text()
    block = docs.split("## Scenario reference")[1].split("```yaml")[1].split("```")[0]
    assert Scenario.model_validate(yaml.safe_load(block)) == Scenario()
