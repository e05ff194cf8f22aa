"""Altair charts of one or two results, sized and lettered to be read from the back of a room.

Every builder takes ``{label: result}``. The dash pattern tells the series apart (solid, dashed);
with one scenario the colour does too, with two the colour is the scenario, so A and B share one
set of axes and their difference is the gap between two lines.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from simulator.app.growth import storage_growth
from simulator.result import SimResult

Results = dict[str, SimResult]
HEIGHT = 300  # px: two charts and their notes fit a projected screen
FONT = 15  # px on axes and legends
PROJECTOR_FONT = 24  # px: legible from the back of a room on a 1080p projector
SCENARIO_COLOURS = ["#1f77b4", "#ff7f0e"]  # A blue, B orange
SERIES_COLOURS = ["#1f77b4", "#d62728", "#2ca02c"]


def series_frame(results: Results) -> pd.DataFrame:
    """All time series of all results in one wide table: minute, scenario, then one column per
    series; per-interval counts are turned into per-minute rates so that runs sampled every
    15 s and every 60 s read on the same scale."""
    frames = []
    for label, result in results.items():
        series = result.series.as_dict()
        t_s = series["t_s"]
        interval_s = float(t_s[1] - t_s[0]) if len(t_s) > 1 else float(result.scenario.simulation.sample_interval_s)
        frame = pd.DataFrame({name: values for name, values in series.items()})
        for count in ("arrivals", "completed", "cold_starts", "throttles", "errors", "dlq"):
            frame[count] = frame[count] * 60.0 / interval_s
        frame.insert(0, "minute", t_s / 60.0)
        frame.insert(0, "scenario", label)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def time_chart(results: Results, columns: dict[str, str], y_title: str) -> alt.Chart:
    """Lines over simulated minutes for `columns` (series name → legend label)."""
    long = series_frame(results).melt(
        id_vars=["scenario", "minute"], value_vars=list(columns), var_name="series", value_name="value"
    )
    long["series"] = long["series"].map(columns)
    several = len(results) > 1
    encoding = {
        "x": alt.X("minute:Q", title="simulated minutes"),
        "y": alt.Y("value:Q", title=y_title),
        "color": _scenario_colour(results) if several else _series_colour(columns),
        "tooltip": [
            alt.Tooltip("scenario:N"),
            alt.Tooltip("series:N"),
            alt.Tooltip("minute:Q", format=".1f"),
            alt.Tooltip("value:Q", format=",.1f", title=y_title),
        ],
    }
    # Dashes tell the series apart in both modes; a dashed limit drawn over a solid line that
    # touches it (busy vs capacity) leaves the solid one visible through the gaps.
    encoding["strokeDash"] = alt.StrokeDash("series:N", title=None, sort=list(columns.values()))
    chart = alt.Chart(long).mark_line(strokeWidth=2.5, interpolate="step-after").encode(**encoding)
    return chart.interactive(bind_y=False)


def cost_chart(results: Results) -> alt.Chart:
    """A day's bill (extrapolated unless the run is a day) as one horizontal bar per scenario,
    stacked by service; each segment is a line item (hover to read it)."""
    rows = [
        {"scenario": label, "service": service, "item": item, "usd": usd}
        for label, result in results.items()
        for service, bill in result.cost_per_day.items()
        for item, usd in bill.items.items()
        if usd > 0
    ]
    frame = pd.DataFrame(rows, columns=["scenario", "service", "item", "usd"])
    order = frame.groupby("service")["usd"].sum().sort_values(ascending=False).index.tolist()
    chart = (
        alt.Chart(frame)
        .mark_bar(stroke="white", strokeWidth=0.5)
        .encode(
            y=alt.Y("scenario:N", title=None, sort=list(results)),
            x=alt.X("sum(usd):Q", title="USD per day*", axis=alt.Axis(format="$,.0f")),
            color=alt.Color(
                "service:N", title=None, sort=order, legend=alt.Legend(orient="right"),
                scale=alt.Scale(scheme="tableau10"),
            ),
            detail="item:N",
            tooltip=[
                alt.Tooltip("scenario:N"),
                alt.Tooltip("service:N"),
                alt.Tooltip("item:N"),
                alt.Tooltip("sum(usd):Q", format="$,.2f", title="USD per day"),
            ],
        )
        .properties(height=120 * len(results) + 80)  # the Streamlit theme squashes shorter bars
    )
    return chart


def storage_chart(results: Results, months: int = 12) -> alt.Chart:
    """S3 storage bill month by month, with and without a lifecycle rule for originals."""
    frames = []
    for label, result in results.items():
        frame = storage_growth(result.scenario, months)
        frame["scenario"] = label
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True)
    several = len(results) > 1
    policies = list(dict.fromkeys(frame["policy"]))  # "no lifecycle rule" first: red
    chart = (
        alt.Chart(frame)
        .mark_line(point=True, strokeWidth=2.5)
        .encode(
            x=alt.X("month:O", title="month of operation", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("usd:Q", title="USD per month", axis=alt.Axis(format="$,.0f")),
            color=_scenario_colour(results) if several else alt.Color(
                "policy:N", title=None, scale=alt.Scale(domain=policies, range=SERIES_COLOURS[1::-1])
            ),
            strokeDash=alt.StrokeDash("policy:N", title=None) if several else alt.value([1, 0]),
            tooltip=[
                alt.Tooltip("scenario:N"),
                alt.Tooltip("policy:N"),
                alt.Tooltip("month:O"),
                alt.Tooltip("usd:Q", format="$,.0f", title="USD this month"),
                alt.Tooltip("stored_tb:Q", format=",.0f", title="TB stored at month end"),
            ],
        )
    )
    return chart


def _series_colour(columns: dict[str, str]) -> alt.Color:
    """Distinct hues (not shades of one) so two series stay apart on a washed-out projector."""
    labels = list(columns.values())
    return alt.Color("series:N", title=None, scale=alt.Scale(domain=labels, range=SERIES_COLOURS[: len(labels)]))


def _scenario_colour(results: Results) -> alt.Color:
    return alt.Color(
        "scenario:N", title=None, scale=alt.Scale(domain=list(results), range=SCENARIO_COLOURS[: len(results)])
    )


def sized(chart: alt.Chart, font: int = FONT) -> alt.Chart:
    """Type of `font` px on axes and legends, and the legend below the plot, so the plot keeps the
    width. Render with ``theme=None``: Streamlit's theme would put Vega's 11 px back."""
    if chart.height is alt.Undefined:
        chart = chart.properties(height=round(HEIGHT * font / FONT))
    return (
        chart.configure_axis(labelFontSize=font - 1, titleFontSize=font, grid=True, labelLimit=320, titleFontWeight="normal")
        .configure_legend(
            labelFontSize=font - 1, titleFontSize=font, orient="bottom", symbolStrokeWidth=3, labelLimit=0, symbolSize=font * 12
        )
        .configure_view(strokeWidth=0)
    )
