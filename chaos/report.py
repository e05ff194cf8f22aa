"""A drill's Markdown report and its timeline plot, written next to each other.

The plot is what a class looks at after a drill: completions per second, with each fault window
shaded and each kill marked, so the gap (work waiting for its redelivery) and the catch-up after
recovery are visible at a glance. Uses matplotlib's Agg backend: no display needed.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
from matplotlib.ticker import MaxNLocator  # noqa: E402

from chaos.summary import Summary, summarise  # noqa: E402

COLOURS = ["#f4a261", "#e76f51", "#8ab17d", "#9b5de5", "#2a9d8f"]


def plot_timeline(summary: Summary, path: Path) -> Path:
    """Completions per second (bars), fault windows (shaded), kills (ticks); saves a PNG."""
    timeline = summary.timeline
    completions = timeline.get("completions", [])
    horizon = max(completions + timeline.get("posted", []) + [w["end"] or 0 for w in timeline.get("windows", [])] + [1.0])
    seconds = int(math.ceil(horizon)) + 1
    per_second = [0] * seconds
    for moment in completions:
        per_second[min(int(moment), seconds - 1)] += 1
    figure, axes = plt.subplots(figsize=(10, 4.0), dpi=110)
    for index, window in enumerate(timeline.get("windows", [])):
        end = window["end"] if window["end"] is not None else horizon
        axes.axvspan(window["start"], end, color=COLOURS[index % len(COLOURS)], alpha=0.25, label=window["label"])
    axes.bar(range(seconds), per_second, width=0.9, align="edge", color="#264653", label="uploads final")
    posted = timeline.get("posted", [])
    if posted:
        axes.axvspan(min(posted), max(posted), ymin=0.96, ymax=1.0, color="#2a9d8f", label="uploads posted")
    kills = timeline.get("kills", [])
    if kills:
        axes.plot(kills, [0] * len(kills), marker="x", linestyle="none", markersize=9, color="#d62828",
                  clip_on=False, label=f"worker killed ({len(kills)})")
    axes.set_xlim(0, seconds)
    axes.set_ylim(0, max(per_second + [1]) * 1.15)
    axes.set_xlabel("seconds since the drill started")
    axes.set_ylabel("completions per second")
    axes.set_title(summary.title, fontsize=11)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=5, fontsize=8, frameon=False)  # below: never hides a bar
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return path


def _yes_no(value: bool | None) -> str:
    return "not run" if value is None else ("held" if value else "**deviated**")


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s"


def write_report(journal: dict[str, Any], directory: Path, name: str) -> Path:
    """Write ``<name>-report.md`` and ``<name>-timeline.png`` into ``directory``; returns the Markdown path."""
    summary = summarise(journal)
    directory.mkdir(parents=True, exist_ok=True)
    plot = plot_timeline(summary, directory / f"{name}-timeline.png")
    experiment = journal.get("experiment", {})
    lines = [
        f"# Chaos drill: {summary.title}",
        "",
        f"{experiment.get('description', '')}",
        "",
        f"Run {journal.get('start', '?')} → {journal.get('end', '?')} ({journal.get('duration', 0):.0f} s), "
        f"Chaos Toolkit status **{summary.status}**; verdict: **{'PASSED' if summary.held else 'FAILED'}**.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| hypothesis before / after | {_yes_no(summary.hypothesis_before)} / {_yes_no(summary.hypothesis_after)} |",
        f"| uploads | {summary.uploads} |",
        f"| processed as expected | {summary.processed} |",
        f"| lost (never final) | {summary.lost} |",
        f"| wrong final state | {summary.wrong} |",
        f"| duplicates (items + variants) | {summary.duplicates} |",
        f"| rewrites of a variant key (retries; harmless) | {summary.rewrites} |",
        f"| workers killed | {summary.kills} |",
        f"| dead letters at the end | {summary.dead_letters} |",
        f"| time to drain (end of last fault → last upload final) | {_seconds(summary.drain_s)} |",
        f"| first upload → last upload final | {_seconds(summary.total_s)} |",
        "",
        f"![timeline]({plot.name})",
        "",
    ]
    if summary.expectations:
        lines += ["## Checks during the method", "", "| check | held | observed |", "|---|---|---|"]
        lines += [f"| {e['name']} | {'yes' if e['met'] else '**no**'} | {e['detail']} |" for e in summary.expectations]
        lines.append("")
    if summary.failed_activities or summary.notes:
        lines += ["## Notes", ""]
        lines += [f"- activity failed: {text}" for text in summary.failed_activities]
        lines += [f"- {text}" for text in summary.notes]
        lines.append("")
    lines += ["## Activities", "", "| phase | activity | status | seconds | output |", "|---|---|---|---|---|"]
    for phase, runs in (("method", journal.get("run") or []), ("rollback", journal.get("rollbacks") or [])):
        for run in runs:
            if run["activity"]["name"] == "drill-summary":
                output = "(the record this report is built from)"
            else:
                output = json.dumps(run.get("output"), default=str)[:160].replace("|", "\\|")
            lines.append(f"| {phase} | {run['activity']['name']} | {run.get('status')} | {run.get('duration', 0):.1f} | `{output}` |")
    configuration = {k: v for k, v in (experiment.get("configuration") or {}).items() if not isinstance(v, dict)}
    configuration.update(journal.get("configuration_overrides") or {})
    lines += ["", "## Configuration", "", "```json",
              json.dumps(configuration, indent=2), "```", ""]
    path = directory / f"{name}-report.md"
    path.write_text("\n".join(lines))
    return path
