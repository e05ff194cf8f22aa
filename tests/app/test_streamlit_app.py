"""The instructor app, driven headless with Streamlit's AppTest: it loads, its controls move the
numbers the right way, and its YAML download is the file `p4lab sim` reads."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from simulator.app import launch, runs
from simulator.app.runs import HEADLINE
from simulator.scenario import load_scenario

SCRIPT = str(launch.SCRIPT)


def start_app() -> AppTest:
    app = AppTest.from_file(SCRIPT, default_timeout=60).run()
    assert not app.exception, app.exception
    return app


def widget(app: AppTest, kind: str, label: str):
    """The widget of type `kind` (slider, radio, ...) whose label starts with `label`."""
    matches = [w for w in getattr(app, kind) if w.label.startswith(label)]
    assert len(matches) == 1, f"{len(matches)} {kind} widgets labelled {label!r}"
    return matches[0]


def metrics(app: AppTest) -> dict[str, str]:
    """Headline metrics as displayed (first scenario only)."""
    shown: dict[str, str] = {}
    for metric in app.metric:
        shown.setdefault(metric.label, metric.value)
    return shown


def number(text: str) -> float:
    return float(text.replace("$", "").replace(",", "").replace(" s", ""))


def rerun(app: AppTest) -> AppTest:
    app.run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    return app


def test_app_loads_with_the_plan_the_load_and_six_headline_numbers():
    app = start_app()
    assert not app.error
    shown = metrics(app)
    assert {m.label for m in HEADLINE} <= set(shown)
    assert number(shown["uploads/s"].replace(" /s", "")) == pytest.approx(116, abs=3)
    assert number(shown["TB/day stored"].replace(" TB", "")) > 10
    assert any("This 1 h run cost" in info.value and "extrapolated" in info.value for info in app.info)
    assert app.title[0].value.startswith("plan")
    assert widget(app, "radio", "Compute").value == "Lambda"


def test_a_preset_reloads_the_controls_and_moves_the_metrics():
    app = start_app()
    before = metrics(app)
    app.sidebar.selectbox[0].select("ec2-spot")
    rerun(app)
    after = metrics(app)
    assert widget(app, "radio", "Compute").value == "EC2 spot"
    # Latency is per upload for both: idle workers take each message as it arrives, so on a flat
    # day the fleet is not slower than Lambda's batches of ten (it was, with batch-end latency).
    assert number(after["p95 latency"]) != number(before["p95 latency"])
    assert number(after["p95 latency"]) < 2 * number(before["p95 latency"])
    assert number(after["cost / day*"]) < number(before["cost / day*"])  # spot is cheaper than Lambda


def test_more_maximum_concurrency_absorbs_a_spike_faster():
    app = start_app()
    app.sidebar.selectbox[0].select("spike")
    rerun(app)
    widget(app, "select_slider", "Simulated hours").set_value(1.0)
    widget(app, "slider", "Spike start").set_value(0.25)
    widget(app, "select_slider", "Maximum concurrency").set_value(100)
    limited = metrics(rerun(app))
    widget(app, "select_slider", "Maximum concurrency").set_value("no limit")
    unlimited = metrics(rerun(app))
    assert number(unlimited["p95 latency"]) < number(limited["p95 latency"])
    assert number(unlimited["max queue age"]) < number(limited["max queue age"])


def test_arm64_lowers_the_bill_and_shows_the_saving_as_a_delta():
    app = start_app()
    x86 = metrics(app)
    widget(app, "radio", "Lambda architecture").set_value("arm64")
    rerun(app)
    arm = metrics(app)
    assert number(arm["cost / day*"]) < number(x86["cost / day*"])
    delta = next(m.delta for m in app.metric if m.label == "cost / day*")
    assert delta.startswith("-$")  # shown against the previous settings, as a saving


def test_an_invalid_combination_is_explained_without_a_traceback():
    app = start_app()
    widget(app, "select_slider", "Batch size").set_value(25)
    widget(app, "slider", "Batching window").set_value(0.0)
    app.run()
    assert not app.exception
    assert any("batching_window_s" in e.value for e in app.error)


def test_compare_tab_runs_both_scenarios_and_highlights_the_difference():
    app = start_app()
    app.query_params["view"] = "Compare"
    rerun(app)
    arm = next(b for b in app.button if b.label == "x86_64 vs arm64")
    arm.click()
    rerun(app)
    settings, deltas = (frame.value for frame in app.dataframe[:2])
    assert list(settings.index) == ["function.architecture"]
    assert deltas.loc["cost / day*", "B − A"].startswith("-$")
    assert len(app.metric) == 2 * len(HEADLINE)


def test_a_run_longer_than_an_hour_shows_progress_and_is_still_cached(monkeypatch: pytest.MonkeyPatch):
    """Over an hour the model reports progress to the page's bar; the bar's updates must not be
    recorded in the cache entry (replaying them on a hit raises CacheReplayClosureError)."""
    fractions: list[float] = []
    model_run = runs.run

    def recording_run(scenario, hours=None, progress=None):
        def report(fraction: float) -> None:
            fractions.append(fraction)
            progress(fraction)

        return model_run(scenario, hours, progress=None if progress is None else report)

    monkeypatch.setattr(runs, "run", recording_run)
    runs._simulate_cached.clear()
    app = start_app()
    assert fractions == []  # 1 h: a spinner, no progress
    widget(app, "select_slider", "Simulated hours").set_value(2.0)
    shown = metrics(rerun(app))
    assert len(fractions) == 24 and fractions[-1] == 1.0  # every 5 simulated minutes
    fractions.clear()
    assert metrics(rerun(app)) == shown  # a cache hit: no run, nothing replayed wrongly
    assert fractions == []


def test_the_cache_keeps_a_compact_result():
    """No per-upload trace: a cached hour of the plan is tens of KB, not MB."""
    result = runs._simulate_cached(load_scenario("plan").model_dump_json(), 1.0)
    assert result.trace is None
    assert len(pickle.dumps(result)) < 100_000
    assert len(result.series.latency_p95_s) == len(result.series.t_s)


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """What the page's download buttons offer, by file name (AppTest cannot click them)."""
    offered: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def record(self, path_or_data, mimetype, kind, filename=None):
        if filename:
            offered[filename] = (
                path_or_data.encode() if isinstance(path_or_data, str) else path_or_data
            )
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    return offered


def test_yaml_download_round_trips_through_the_cli(downloads: dict[str, bytes], tmp_path: Path, p4lab):
    app = start_app()
    widget(app, "radio", "Lambda architecture").set_value("arm64")
    widget(app, "select_slider", "Batch size").set_value(5)
    rerun(app)
    shown = metrics(app)
    path = tmp_path / "scenario.yaml"
    path.write_bytes(downloads["plan.yaml"])
    assert load_scenario(path).to_yaml() == downloads["plan.yaml"].decode()

    outcome = p4lab("sim", path, "--json", "--hours", "1")
    assert outcome.exit_code == 0, outcome.output
    result = json.loads(outcome.stdout)
    from_cli = {
        "p95 latency": result["latency_s"]["p95"],
        "max queue age": max(result["series"]["oldest_age_s"]),
        "throttles": result["throttles"],
        "DLQ": result["failed"],
        "cost of this run": result["cost"]["simulated"]["total"],
        "cost / day*": result["cost"]["per_day"]["total"],
    }
    assert {m.label: m.format.format(from_cli[m.label]) for m in HEADLINE} == {m.label: shown[m.label] for m in HEADLINE}
