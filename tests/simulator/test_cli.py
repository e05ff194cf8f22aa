"""`p4lab sim` and `p4lab sim-calibrate`, run as `p4lab` runs them (exit codes, messages)."""

from __future__ import annotations

import json

import pytest
import yaml

from simulator.calibration import ServiceTimeTable


def test_sim_prints_a_summary_and_writes_a_plot(p4lab, tmp_path):
    png = tmp_path / "plan.png"
    result = p4lab("sim", "plan", "--hours", "0.05", "--plot", str(png))
    assert result.exit_code == 0, result.output
    assert "processed" in result.output and "total" in result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_sim_json_is_machine_readable(p4lab):
    result = p4lab("sim", "plan", "--hours", "0.02", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["lost"] == 0
    assert data["hours"] == 0.02
    assert set(data["series"]) >= {"t_s", "queue_visible", "concurrency", "dlq"}
    assert data["total_per_day"] > 0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "not found"),
        ("workload: [1,\n", "not valid YAML"),
        ("workload:\n  images_per_day: -5\n", "workload.images_per_day"),
        ("fleet:\n  purchase: reserved\n", "fleet.purchase"),
        ("- just\n- a list\n", "mapping"),
    ],
)
def test_bad_scenarios_exit_2_with_a_message_not_a_traceback(p4lab, tmp_path, content, expected):
    path = tmp_path / "scenario.yaml"
    if content is not None:
        path.write_text(content)
    result = p4lab("sim", str(path))
    assert result.exit_code == 2
    assert expected in result.output
    assert "Traceback" not in result.output


def test_calibrate_rebuilds_the_table_from_benchmark_results(p4lab, tmp_path):
    def record(megapixels, engine, seconds):
        return {
            "input": f"{megapixels} MP.jpg",
            "kind": "jpeg",
            "bytes": int(megapixels * 300_000),
            "megapixels": megapixels,
            "engine": engine,
            "seconds_per_image": seconds,
        }

    records = [
        record(1.0, "p4lab", 0.1),
        record(10.0, "p4lab", 0.9),
        record(10.0, "p4lab", 1.1),
        record(10.0, "naive", 9.0),
    ]
    results = tmp_path / "images.json"
    results.write_text(json.dumps({"records": records}))
    table_path = tmp_path / "service_times.yaml"
    result = p4lab("sim-calibrate", "--results", str(results), "--output", str(table_path))
    assert result.exit_code == 0, result.output
    table = ServiceTimeTable.load(table_path)
    assert table.kinds["jpeg"].seconds.tolist() == [0.1, 1.0]  # the naive engine is ignored
    assert table.kinds["jpeg"].bytes_per_megapixel == 300_000
    assert "png" in table.kinds  # not measured: keeps the shipped estimate
    assert yaml.safe_load(table_path.read_text())["engine"] == "p4lab"


@pytest.mark.parametrize("content", [None, "{not json", '{"records": []}'])
def test_calibrate_bad_input_exits_2(p4lab, tmp_path, content):
    results = tmp_path / "images.json"
    if content is not None:
        results.write_text(content)
    result = p4lab("sim-calibrate", "--results", str(results), "--output", str(tmp_path / "t.yaml"))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
