"""Simulation runs for the app, cached, and the headline numbers read from a result.

Streamlit re-runs the whole page on every widget change; `simulate` is cached on the scenario's
JSON and the run length, so moving a slider back (or switching tabs) costs nothing, and only a
new combination of settings runs the model. A new run longer than an hour shows a progress bar.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from simulator import Scenario, SimResult, run

CACHE_ENTRIES = 48  # results are small once the per-message arrays are dropped (see below)
PROGRESS_ABOVE_HOURS = 1.0  # longer runs show a progress bar; shorter ones a spinner


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def _simulate_cached(
    scenario_json: str, hours: float, _progress: Callable[[float], None] | None = None
) -> SimResult:
    """The run: time series and numbers, ~170 KB for a 24 h run sampled every minute (no
    per-upload trace), which matters because Streamlit pickles every cached value on each hit.
    `_progress` is not part of the cache key (Streamlit does not hash arguments whose name
    starts with an underscore)."""
    return run(Scenario.model_validate_json(scenario_json), hours=hours, progress=_progress)


def simulate(scenario: Scenario) -> tuple[SimResult, float]:
    """Run `scenario` for its `simulation.hours` (cached); return the result and the seconds
    this call took (≈0 on a cache hit), shown in the page footer. A run of up to an hour shows
    a spinner, which Streamlit delays by half a second, so cache hits do not flicker; a longer
    one shows a progress bar while it runs (a 24 h run of `plan` takes ~15 s)."""
    hours = scenario.simulation.hours
    text = f"Simulating {scenario.name}: {hours:g} h of traffic …"
    started = time.perf_counter()
    if hours > PROGRESS_ABOVE_HOURS:
        result = _simulate_with_progress_bar(scenario.model_dump_json(), hours, text)
    else:
        with st.spinner(text):
            result = _simulate_cached(scenario.model_dump_json(), hours)
    return result, time.perf_counter() - started


def _simulate_with_progress_bar(scenario_json: str, hours: float, text: str) -> SimResult:
    """The cached run, with a progress bar that the model moves every five simulated minutes
    and that disappears when the run is done (a cache hit never draws it).

    Streamlit records every element a cached function draws, to replay it on cache hits, and
    cannot replay one drawn into a block created outside the function (CacheReplayClosureError).
    The bar is such a block, so its updates run in the page's own context (`contextvars`), taken
    before the cached function starts: there, nothing is being recorded.
    """
    bar = st.empty()
    page = contextvars.copy_context()

    def report(fraction: float) -> None:
        page.run(bar.progress, fraction, text=f"{text} {fraction:.0%} simulated")

    try:
        return _simulate_cached(scenario_json, hours, _progress=report)
    finally:
        bar.empty()


@dataclass(frozen=True)
class Metric:
    """A headline number. All of them are better when lower (shown with inverse delta colours)."""

    label: str
    value: Callable[[SimResult], float]
    format: str  # str.format spec for the value and its delta
    help: str


HEADLINE = [
    Metric("p95 latency", lambda r: r.latency_s["p95"], "{:,.1f} s",
           "Upload → variants stored, 95th percentile over every processed upload (the same "
           "definition for Lambda and EC2)."),
    Metric("max queue age", lambda r: float(r.series.oldest_age_s.max(initial=0.0)), "{:,.0f} s",
           "Highest ApproximateAgeOfOldestMessage: how far behind the consumers fell."),
    Metric("throttles", lambda r: float(r.throttles), "{:,.0f}",
           "Invocations Lambda refused for lack of concurrency (the mapping retries them)."),
    Metric("DLQ", lambda r: float(r.failed), "{:,.0f}",
           "Messages moved to the dead-letter queue after maxReceiveCount failed receives."),
    Metric("cost of this run", lambda r: r.total, "${:,.0f}",
           "What the simulated hours cost, at us-east-1 list prices (storage and CloudFront: the "
           "library in the chosen month, for those hours)."),
    Metric("cost / day*", lambda r: r.total_per_day, "${:,.0f}",
           "*Extrapolated unless the run is a day: uploads-driven costs scaled to the day's "
           "expected uploads with the workload's daily shape (a spike counts once a day)."),
]  # fmt: skip


def headline(result: SimResult) -> dict[str, float]:
    """The headline metrics of `result`, by label."""
    return {metric.label: metric.value(result) for metric in HEADLINE}
