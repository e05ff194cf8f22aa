"""Rendering results: one function draws one scenario's results, or two side by side.

`render_results` is used by the Results tab (A alone, with deltas against the previous
settings, so a slider move shows which way each number went) and by the Compare tab (A and B,
with B's deltas against A). Each chart sits beside a short note saying what to look for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import altair as alt
import streamlit as st

from simulator.app import charts
from simulator.app.runs import HEADLINE, headline
from simulator.result import SimResult

PER_ROW = 3  # headline numbers per row: six in a row do not fit at projector font sizes
PROJECTOR_CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.05rem; }
[data-testid="stMetricValue"] p { font-size: 2.6rem; font-weight: 700; line-height: 1.2; }
[data-testid="stMetricLabel"] p { font-size: 1.1rem; }
[data-testid="stMetricDelta"] p, [data-testid="stMetricDelta"] div { font-size: 1.1rem; }
</style>
"""


@dataclass(frozen=True)
class ChartRow:
    title: str
    build: Callable[[charts.Results], alt.Chart]
    note: str  # what to look for (Markdown)
    doc: str  # the page in docs/ that explains it ...
    section: str  # ... and the section
    beside: Callable[[charts.Results], alt.Chart] | None = None  # a second chart, to the right


ROWS = [
    ChartRow(
        "Queue depth",
        lambda r: charts.time_chart(r, {"queue_visible": "waiting", "queue_in_flight": "in flight"}, "messages"),
        "The queue is the shock absorber. It grows whenever uploads arrive faster than the "
        "consumers finish; under a spike it climbs, then drains once the mapping has scaled up. "
        "*Waiting* that never returns to zero means the consumers are too few.",
        "simulator.md", "What is modelled (Queue)",
    ),
    ChartRow(
        "Concurrency / workers",
        lambda r: charts.time_chart(r, {"concurrency": "busy", "capacity": "capacity"}, "concurrent batches"),
        "Lambda: batches running against the mapping's limit, which grows by about 300 a minute "
        "up to the maximum concurrency. EC2: busy workers against workers running. When *busy* "
        "touches *capacity*, the queue starts to grow.",
        "simulator.md", "What is modelled (Lambda and its event source mapping; EC2 alternative)",
    ),
    ChartRow(
        "Cold starts and throttles",
        lambda r: charts.time_chart(r, {"cold_starts": "cold starts", "throttles": "throttles"}, "per minute"),
        "Cold starts arrive in bursts when concurrency rises (each new environment pays the INIT "
        "time, billed since Aug 2025). Throttles mean reserved or account concurrency is below "
        "what the mapping asks for: it backs off and retries.",
        "simulator.md", "What is modelled (Lambda and its event source mapping)",
    ),
    ChartRow(
        "Latency over time, and the oldest message",
        lambda r: charts.time_chart(r, {"latency_p50_s": "p50 latency", "latency_p95_s": "p95 latency"}, "seconds"),
        "Left: upload → variants stored, for the images finished in each interval (the headline "
        "p95 is over the whole run). Under a spike p95 climbs while the backlog drains, then "
        "falls back. Right: the age of the oldest waiting message, the queue's share of it; a "
        "jump by about the visibility timeout is a failed message coming back for a retry.",
        "simulator.md", "What is modelled (Outputs)",
        beside=lambda r: charts.time_chart(r, {"oldest_age_s": "oldest message age"}, "seconds"),
    ),
    ChartRow(
        "Errors and the dead-letter queue",
        lambda r: charts.time_chart(r, {"errors": "failed attempts", "dlq": "to the DLQ"}, "per minute"),
        "Transient errors are retried after the visibility timeout and mostly succeed; poison "
        "messages fail every attempt and reach the DLQ after maxReceiveCount receives.",
        "simulator.md", "What is modelled (Queue)",
    ),
    ChartRow(
        "Cost by service (per month)",
        charts.cost_chart,
        "Usually S3 and CloudFront, not compute, dominate: storage grows every month and every "
        "view is served. Compare arm64 (20% cheaper GB-seconds) with memory and batch size, and "
        "EC2 spot with Lambda. Hover a segment for its line item.",
        "cost-model.md", "From a simulation to a bill",
    ),
    ChartRow(
        "S3 storage, month by month",
        charts.storage_chart,
        "Nothing is deleted, so storage grows linearly and its bill with it. A lifecycle rule "
        "moves originals to a colder class after N days: each transition costs a request fee, "
        "then every month is cheaper. Computed from the workload, not from the run.",
        "simulator.md", "Capacity arithmetic for 10 million images a day",
    ),
]


def render_headline(result: SimResult, baseline: dict[str, float] | None, label: str | None = None) -> None:
    """Six big numbers; with a baseline, each shows how far it moved (green = lower)."""
    values = headline(result)
    if label:
        st.markdown(f"#### {label}")
    columns = [column for _ in range(0, len(HEADLINE), PER_ROW) for column in st.columns(PER_ROW)]
    for column, metric in zip(columns, HEADLINE, strict=True):
        delta = None
        if baseline is not None and metric.label in baseline:
            change = values[metric.label] - baseline[metric.label]
            moved = metric.format.format(abs(change))
            if moved != metric.format.format(0):  # hide "+0.0 s": noise, not a change
                delta = ("+" if change > 0 else "-") + moved  # ASCII "-": Streamlit reads the sign
        column.metric(
            metric.label, metric.format.format(values[metric.label]), delta=delta,
            delta_color="inverse", help=metric.help, border=True,
        )  # fmt: skip


def render_results(results: charts.Results, baselines: dict[str, dict[str, float] | None]) -> None:
    """Headline metrics of every result, then each chart beside its note."""
    several = len(results) > 1
    for label, result in results.items():
        render_headline(result, baselines.get(label), label if several else None)
        warn_if_spike_outside_run(result)
    for row in ROWS:
        st.subheader(row.title)
        chart_column, note_column = st.columns([3, 1], vertical_alignment="center")
        if row.beside is None:
            chart_column.altair_chart(row.build(results), width="stretch")
        else:
            left, right = chart_column.columns(2)
            left.altair_chart(row.build(results), width="stretch")
            right.altair_chart(row.beside(results), width="stretch")
        note_column.markdown(f"{row.note}\n\n[More: docs/{row.doc} › {row.section}](?view=Docs)")


def warn_if_spike_outside_run(result: SimResult) -> None:
    """A spike that starts after the run ends is the easiest way to see nothing happen."""
    workload = result.scenario.workload
    if workload.shape == "spike" and workload.spike.start_hour >= result.hours:
        st.info(
            f"The spike starts {workload.spike.start_hour:g} h into the run, but the run lasts "
            f"{result.hours:g} h: lengthen *Simulated hours* or move *Spike start* to see it."
        )


def footer(result: SimResult, seconds: float) -> None:
    """How big the run was and how long this page waited for it."""
    cached = "from the cache" if seconds < 0.05 else f"simulated in {seconds:.1f} s"
    st.caption(
        f"{result.scenario.name}: {result.arrived:,} uploads over {result.hours:g} h, "
        f"{result.events:,} simulation events, {cached}."
    )


def previous_headline(side: str, key: str, result: SimResult) -> dict[str, float] | None:
    """The headline of the settings shown before the current ones, for the deltas."""
    state = st.session_state
    if state.get(f"{side}.shown_key") != key:
        state[f"{side}.previous"] = state.get(f"{side}.shown")
        state[f"{side}.shown_key"] = key
        state[f"{side}.shown"] = headline(result)
    return state.get(f"{side}.previous")
