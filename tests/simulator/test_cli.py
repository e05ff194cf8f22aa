"""`p4lab sim` and `p4lab sim-calibrate`, run as `p4lab` runs them (exit codes, messages)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

from simulator.calibration import DEFAULT_TABLE_PATH, ServiceTimeTable


def test_sim_prints_a_summary_with_labelled_bills_and_writes_a_plot(p4lab, tmp_path):
    png = tmp_path / "plan.png"
    result = p4lab("sim", "plan", "--hours", "0.05", "--plot", str(png))
    assert result.exit_code == 0, result.output
    assert "processed" in result.stdout and "this run (0.05 h)" in result.stdout
    assert "per day*" in result.stdout
    assert "extrapolated from 0.05 h" in result.stdout.replace("\n", " ")
    assert "busy / idle" in result.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_sim_json_labels_what_is_simulated_and_what_is_extrapolated(p4lab):
    result = p4lab("sim", "plan", "--hours", "0.02", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["lost"] == 0
    assert data["hours"] == 0.02
    assert set(data["series"]) >= {"t_s", "queue_visible", "concurrency", "idle", "dlq"}
    simulated, day = data["cost"]["simulated"], data["cost"]["per_day"]
    assert simulated["extrapolated"] is False and day["extrapolated"] is True
    assert "extrapolated" in day["basis"] and "daily shape" in day["basis"]
    assert day["total"] == pytest.approx(sum(s["total"] for s in day["services"].values()))
    assert 0 < simulated["total"] < day["total"]


def test_sim_shows_progress_on_stderr_and_quiet_hides_it(p4lab):
    shown = p4lab("sim", "plan", "--hours", "0.5", "--json")
    assert shown.exit_code == 0
    json.loads(shown.stdout)  # the bar does not leak into the results
    quiet = p4lab("-q", "sim", "plan", "--hours", "0.02", "--json")
    assert quiet.exit_code == 0 and quiet.stderr == ""


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "not found"),
        ("workload: [1,\n", "not valid YAML"),
        ("workload:\n  images_per_day: -5\n", "workload.images_per_day"),
        ("fleet:\n  purchase: reserved\n", "fleet.purchase"),
        ("- just\n- a list\n", "mapping"),
        ("queue:\n  visibility_timeout_s: 10\nfunction:\n  timeout_s: 30\n", "AWS rejects such an event source mapping"),
        ("simulation:\n  sample_interval_s: 0.5\n  hours: 168\n", "too many samples"),
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


def test_a_service_time_table_that_is_not_one_exits_2(p4lab, tmp_path):
    table = tmp_path / "times.yaml"
    table.write_text("kinds: {jpeg: {unit: bytes, points: [[1, 1]]}}\n")
    result = p4lab("sim", "plan", "--hours", "0.01", "--service-times", str(table))
    assert result.exit_code == 2
    assert "no service times for pdf_page, png, webp" in result.output


def test_calibrate_measures_the_engine_and_keeps_the_kinds_it_did_not_measure(p4lab, tmp_path, monkeypatch):
    """A tiny subset (two small JPEG sizes) of what `p4lab sim-calibrate` measures: real engine
    runs, written to a table the model reads, the other kinds copied from the shipped table."""
    import simulator.calibration as calibration

    monkeypatch.setattr(calibration, "IMAGE_BYTES", (20_000, 60_000))
    output = tmp_path / "service_times.yaml"
    result = p4lab("sim-calibrate", "--quick", "--kind", "jpeg", "--output", str(output))
    assert result.exit_code == 0, result.output
    table = ServiceTimeTable.load(output)
    jpeg = table.kinds["jpeg"]
    assert len(jpeg.sizes) == 8 and jpeg.sizes[0] < 30_000 and jpeg.sizes[-1] < 90_000  # 8 sizes, even quick
    assert (jpeg.seconds > 0).all() and (jpeg.seconds < 1).all()
    assert np.all(np.diff(jpeg.fitted) >= 0)
    shipped = ServiceTimeTable.load(DEFAULT_TABLE_PATH)
    assert table.kinds["png"].seconds.tolist() == shipped.kinds["png"].seconds.tolist()
    written = yaml.safe_load(output.read_text())
    assert written["machine"]["python"] and "reference.handler.engine.process" in written["method"]
    assert "jpeg" in result.stdout


@pytest.mark.parametrize(
    ("args", "expected"), [(["--kind", "gif"], "Unknown kind gif"), (["--output", "/nonexistent/t.yaml"], "does not exist")]
)
def test_calibrate_bad_input_exits_2_before_measuring(p4lab, args, expected):
    result = p4lab("sim-calibrate", *args)
    assert result.exit_code == 2
    assert expected in result.output
    assert "Traceback" not in result.output
