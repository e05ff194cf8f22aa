"""The app's plain helpers: control mapping, file parsing, comparison, storage growth, launcher."""

from __future__ import annotations

import socket

import pytest
import typer

from simulator.app import compare, controls, launch
from simulator.app.growth import storage_growth
from simulator.scenario import Scenario, load_scenario, preset_names


@pytest.mark.parametrize("preset", preset_names())
def test_showing_a_preset_in_the_controls_changes_nothing(preset: str):
    """Every control writes back what it read, so loading a preset and touching nothing runs
    exactly the preset."""
    scenario = load_scenario(preset)
    data = scenario.model_dump(mode="json")
    for control in controls.CONTROLS:
        control.write(data, control.read(data))
    assert Scenario.model_validate(data) == scenario


def test_controls_convert_units_and_unset_fields():
    data = load_scenario("plan").model_dump(mode="json")
    values = {"images_per_day": 2.5, "transient_error_pct": 1.0, "maximum_concurrency": controls.NO_LIMIT,
              "compute": "EC2 spot", "lifecycle": "deep_archive", "lifecycle_days": 30.0}  # fmt: skip
    for control in controls.CONTROLS:
        control.write(data, values.get(control.key, control.read(data)))
    scenario = Scenario.model_validate(data)
    assert scenario.workload.images_per_day == 2_500_000
    assert scenario.handler.transient_error_rate == pytest.approx(0.01)
    assert scenario.function.maximum_concurrency is None
    assert (scenario.compute, scenario.fleet.purchase) == ("ec2", "spot")
    assert (scenario.storage.transition_to, scenario.storage.transition_after_days) == (
        "deep_archive",
        30.0,
    )


def test_presets_without_a_run_length_start_at_one_hour():
    assert (
        controls.initial_scenario(load_scenario("plan")).simulation.hours == controls.DEFAULT_HOURS
    )
    assert (
        controls.initial_scenario(load_scenario("spike")).simulation.hours == 3
    )  # stated in the file


def test_a_bad_upload_names_the_field_and_never_raises():
    scenario, message = controls.parse_scenario_file(b"function:\n  memory_mb: 64\n  colour: red\n")
    assert scenario is None
    assert "function.memory_mb" in message and "function.colour" in message
    assert controls.parse_scenario_file(b"function: [1, 2\n")[1].startswith(
        "The file is not valid YAML at line"
    )
    assert "mapping" in controls.parse_scenario_file(b"- 1\n")[1]


def test_an_upload_of_a_downloaded_file_is_the_same_scenario():
    scenario = load_scenario("cost-optimised")
    assert controls.parse_scenario_file(scenario.to_yaml()) == (scenario, None)


def test_compare_lists_only_real_differences():
    plan = load_scenario("plan")
    arm = compare.with_changes(plan, {"function.architecture": "arm64"}, name="arm")
    assert compare.setting_differences(plan, arm) == [("function.architecture", "x86_64", "arm64")]
    assert compare.styled_settings(plan, plan) is None


def test_a_lifecycle_rule_pays_off_after_the_transition():
    growth = storage_growth(load_scenario("plan"), months=12).pivot(
        index="month", columns="policy", values="usd"
    )
    no_rule, rule = growth["no lifecycle rule"], growth.drop(columns="no lifecycle rule").iloc[:, 0]
    assert (rule.loc[1:2] == no_rule.loc[1:2]).all()  # nothing is 90 days old before month 3
    assert rule[12] < 0.7 * no_rule[12]


def test_the_launcher_runs_streamlit_headless_on_the_chosen_port():
    argv = launch.command(8765, "0.0.0.0")
    assert argv[1:4] == ["-m", "streamlit", "run"] and argv[4].endswith("streamlit_app.py")
    for flag, value in [("--server.headless", "true"), ("--server.port", "8765"), ("--server.address", "0.0.0.0"),
                        ("--browser.gatherUsageStats", "false")]:  # fmt: skip
        assert argv[argv.index(flag) + 1] == value


def test_a_busy_port_is_a_clear_error_not_a_second_app(capsys: pytest.CaptureFixture[str]):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(typer.Exit) as stopped:
            launch.sim_app_command(port=port, address="127.0.0.1")
    assert stopped.value.exit_code == 2
    assert f"Port {port} is in use" in capsys.readouterr().out
