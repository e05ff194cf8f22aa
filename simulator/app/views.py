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
from simulator.app.load import LOAD_FORMATS, LOAD_HELP, load_numbers
from simulator.app.runs import HEADLINE, headline
from simulator.result import SimResult

PER_ROW = 3  # headline numbers per row: six in a row do not fit at projector font sizes
PAGE_CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.05rem; }
[data-testid="stMetricValue"] p { font-size: 2.6rem; font-weight: 700; line-height: 1.2; }
[data-testid="stMetricLabel"] p { font-size: 1.1rem; }
[data-testid="stMetricDelta"] p, [data-testid="stMetricDelta"] div { font-size: 1.1rem; }
</style>
"""
# Projector mode: read from the back of a room (about 1/60 of the screen height per line of text).
PROJECTOR_CSS = """
<style>
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.45rem; line-height: 1.4; }
[data-testid="stMetricValue"] p { font-size: 3.6rem; }
[data-testid="stMetricLabel"] p { font-size: 1.6rem; }
[data-testid="stMetricDelta"] p, [data-testid="stMetricDelta"] div { font-size: 1.5rem; }
h1 { font-size: 3rem !important; } h3 { font-size: 2.2rem !important; } h4 { font-size: 1.8rem !important; }
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
        "Execution environments: busy and idle",
        lambda r: charts.time_chart(r, {"concurrency": "busy", "idle": "idle (warm)"}, "environments"),
        "Every environment Lambda keeps is either running an invocation or idle and warm until it "
        "is reclaimed (after ~10 minutes). Idle ones absorb the next burst without a cold start. "
        "EC2: busy workers and workers waiting for messages. These are SimFaaS's running and idle "
        "instances, so its cold-start numbers can be checked against this model.",
        "simulator.md", "What is modelled (Lambda and its event source mapping)",
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
        "Cost by service (per day*)",
        charts.cost_chart,
        "Usually S3 and CloudFront, not compute, dominate: storage grows every month and the whole "
        "library is viewed. Compare arm64 (20% cheaper GB-seconds) with memory and batch size, and "
        "EC2 spot with Lambda. Hover a segment for its line item. *Extrapolated from the run as "
        "the note above the charts says.",
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


def render_load(result: SimResult) -> None:
    """Why the workload needs scaling, in the units an engineer sizes a system with."""
    numbers = load_numbers(result)
    for column, (label, value) in zip(st.columns(len(numbers)), numbers.items(), strict=True):
        column.metric(label, LOAD_FORMATS[label].format(value), help=LOAD_HELP[label], border=True)


def render_results(results: charts.Results, baselines: dict[str, dict[str, float] | None], font: int = charts.FONT) -> None:
    """The load, headline metrics of every result, the cost story, then each chart beside its note."""
    several = len(results) > 1
    for label, result in results.items():
        if not several:
            st.markdown("#### The load")
            render_load(result)
            st.markdown("#### The outcome")
        render_headline(result, baselines.get(label), label if several else None)
        warn_if_spike_outside_run(result)
        tell_the_cost(result)
    for row in ROWS:
        st.subheader(row.title)
        chart_column, note_column = st.columns([3, 1], vertical_alignment="center")
        if row.beside is None:
            chart_column.altair_chart(charts.sized(row.build(results), font), width="stretch", theme=None)
        else:
            left, right = chart_column.columns(2)
            left.altair_chart(charts.sized(row.build(results), font), width="stretch", theme=None)
            right.altair_chart(charts.sized(row.beside(results), font), width="stretch", theme=None)
        note_column.markdown(f"{row.note}\n\n[More: docs/{row.doc} › {row.section}](?view=Docs)")


def cost_story(result: SimResult) -> str:
    """What the run cost, what a day costs and why, and for a spike what the spike itself cost:
    its extra uploads at the run's cost per upload (storage and CloudFront follow the library,
    not the spike)."""
    projection = result.projection
    story = f"**This {result.hours:g} h run cost ${result.total:,.0f}.** "
    if projection.extrapolated:
        story += f"A day: **${result.total_per_day:,.0f}** — {projection.basis.removeprefix('per day: ')}. "
    else:
        story += f"{projection.basis[0].upper()}{projection.basis[1:]}: **${result.total_per_day:,.0f}**. "
    workload = result.scenario.workload
    spike = workload.spike
    if workload.shape == "spike" and workload.trace is None and spike.start_hour < result.hours:
        extra_uploads = workload.images_per_day / 86_400 * (spike.multiplier - 1) * min(
            spike.duration_minutes * 60, (result.hours - spike.start_hour) * 3600
        )
        by_load = sum(
            usd for bill in result.cost.values() for item, usd in bill.items.items()
            if not _by_time(bill.service, item)
        )  # fmt: skip
        per_upload = by_load / max(result.arrived, 1)
        story += (
            f"The spike ({spike.duration_minutes:g} min at {spike.multiplier:g}×) brought about "
            f"{extra_uploads / 1e6:,.2f} M extra uploads: about **${extra_uploads * per_upload:,.0f}**, once. "
            "The day's figure counts it once, not once per simulated window."
        )
    return story


def _by_time(service: str, item: str) -> bool:
    from simulator.billing import accrues_with_time

    return accrues_with_time(service, item)


def tell_the_cost(result: SimResult) -> None:
    st.info(cost_story(result), icon="💵")


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
