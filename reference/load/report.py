"""A load test's results for people: the summary table and the timeline plot.

The plot follows the chaos reports' timeline (``chaos/report.py``): seconds since the start
on the x axis, one panel per question, legends below the panels so they never hide data:

1. Is it keeping up? Uploads sent and finished per second, and each upload's latency (dots,
   at the moment it finished).
2. Where is the backlog? Messages visible and in flight in the queue, the dead-letter queue,
   and the oldest unfinished upload's age.
3. Who is working? Worker processes and the busy ones (embedded target), or CloudWatch's
   ConcurrentExecutions (AWS, one-minute points).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from rich.table import Table

COLOURS = {"sent": "#2a9d8f", "done": "#264653", "failed": "#d62828", "latency": "#e76f51",
           "visible": "#f4a261", "in_flight": "#9b5de5", "dlq": "#d62828", "oldest": "#8ab17d",
           "workers": "#264653", "busy": "#e9c46a"}  # fmt: skip


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def summary_table(record: dict[str, Any]) -> Table:
    """The numbers a person reads first, one per row."""
    s, config, workload = record["summary"], record["configuration"], record["workload"]
    view = Table(title=f"Load test {record['run_id']} on {record['target']} (stack {record['stack']})", show_header=False)
    view.add_column("what")
    view.add_column("value", justify="right")
    view.add_column("note")
    latency = s["latency_s"]
    rows = [
        ("offered", f"{s['arrivals']} uploads", f"{workload['description']}"),
        ("sent", f"{s['sent']}", f"send lateness p95 {_seconds(s['send_lateness_s']['p95'])}, {s['send_failed']} not accepted"),
        ("throughput", "-" if s["throughput_per_s"] is None else f"{s['throughput_per_s']:.2f} /s",
         "uploads finished per second, first send to last finish"),
        ("latency p50", _seconds(latency["p50"]), "upload -> DONE"),
        ("latency p95", _seconds(latency["p95"]), ""),
        ("latency p99", _seconds(latency["p99"]), f"max {_seconds(latency['max'])}"),
        ("DONE / FAILED", f"{s['done']} / {s['failed']}", ", ".join(f"{n} {why}" for why, n in s["failures"].items())),
        ("unfinished", str(s["unfinished"]), "still PENDING/PROCESSING when the drain timed out" if s["unfinished"] else ""),
        ("queue peak", f"{s['peak']['visible']} visible", f"{s['peak']['in_flight']} in flight at most"),
        ("oldest unfinished", _seconds(s["peak"]["oldest_unfinished_age_s"]), "at its peak"),
        ("dead-letter queue", str(s["dlq_visible_at_end"]), "messages at the end"),
    ]  # fmt: skip
    if s["peak"]["workers"] is not None:
        rows.append(("workers", f"{s['peak']['workers']:.0f}",
                     f"{s['peak']['busy_workers']:.0f} busy at most, {s['peak']['worker_rss_mb']:.0f} MB at the peak"))  # fmt: skip
    cloudwatch = record.get("cloudwatch") or {}
    concurrency = (cloudwatch.get("series") or {}).get("concurrent_executions", {}).get("values")
    if concurrency:
        rows.append(("concurrent executions", f"{max(concurrency):.0f}", "CloudWatch, 1-minute maximum"))
    rows.append(("configuration", f"batch {config['batch_size']}",
                 f"window {config['batching_window_s']} s, max concurrency {config['maximum_concurrency']}, "
                 f"{config['memory_mb']} MB"))  # fmt: skip
    for row in rows:
        view.add_row(*row)
    return view


def plot_timeline(record: dict[str, Any], path: Path) -> Path:
    """Three stacked panels over the run's seconds (see the module docstring); saves a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    arrivals, samples = record["arrivals"], record["samples"]
    horizon = max([1.0, *samples["t"], *(a["final_s"] or 0 for a in arrivals)])
    seconds = int(math.ceil(horizon)) + 1
    sent, done, failed = [0] * seconds, [0] * seconds, [0] * seconds
    for a in arrivals:
        if a["sent_s"] is not None:
            sent[min(int(a["sent_s"]), seconds - 1)] += 1
        if a["final_s"] is not None:
            (done if a["state"] == "DONE" else failed)[min(max(int(a["final_s"]), 0), seconds - 1)] += 1

    figure, (rate, queue, workers) = plt.subplots(3, 1, figsize=(10, 9.5), dpi=110, sharex=True)
    rate.bar(range(seconds), sent, width=0.45, align="edge", color=COLOURS["sent"], label="uploads sent")
    rate.bar([s + 0.45 for s in range(seconds)], done, width=0.45, align="edge", color=COLOURS["done"], label="DONE")
    if any(failed):
        rate.bar([s + 0.45 for s in range(seconds)], failed, bottom=done, width=0.45, align="edge",
                 color=COLOURS["failed"], label="FAILED")  # fmt: skip
    rate.set_ylabel("uploads per second")
    rate.yaxis.set_major_locator(MaxNLocator(integer=True))
    latency_axis = rate.twinx()
    finished = [(a["final_s"], a["latency_s"]) for a in arrivals if a["state"] == "DONE" and a["latency_s"] is not None]
    if finished:
        latency_axis.plot(*zip(*finished, strict=True), marker=".", linestyle="none", color=COLOURS["latency"],
                          markersize=5, label="latency of each upload (at its finish)")  # fmt: skip
    latency_axis.set_ylabel("upload -> DONE, s")
    latency_axis.set_ylim(bottom=0)
    _legend_below(rate, latency_axis)
    p = record["summary"]["latency_s"]
    figure.suptitle(
        f"Load test {record['run_id']} on {record['target']}: latency p50 {_seconds(p['p50'])}, "
        f"p95 {_seconds(p['p95'])}\n{record['workload']['description']}",
        fontsize=10,
    )

    t = samples["t"]
    queue.plot(t, _gaps(samples["visible"]), color=COLOURS["visible"], label="queue: visible")
    queue.plot(t, _gaps(samples["in_flight"]), color=COLOURS["in_flight"], label="queue: in flight")
    if any(samples["dlq_visible"] or []):
        queue.plot(t, _gaps(samples["dlq_visible"]), color=COLOURS["dlq"], linestyle="--", label="dead-letter queue")
    queue.set_ylabel("messages")
    queue.yaxis.set_major_locator(MaxNLocator(integer=True))
    queue.set_ylim(bottom=0)
    age_axis = queue.twinx()
    age_axis.plot(t, samples["oldest_unfinished_age_s"], color=COLOURS["oldest"], linestyle=":",
                  label="oldest unfinished upload, s")  # fmt: skip
    age_axis.set_ylabel("age, s")
    age_axis.set_ylim(bottom=0)
    _legend_below(queue, age_axis)

    if samples["workers"] is not None:
        workers.fill_between(t, _gaps(samples["workers"]), step="post", color=COLOURS["workers"], alpha=0.25,
                             label="worker processes")  # fmt: skip
        workers.step(t, _gaps(samples["busy_workers"]), where="post", color=COLOURS["busy"], linewidth=2,
                     label="busy workers (CPU used since the last sample)")  # fmt: skip
        config = record["configuration"]
        if config.get("maximum_concurrency"):
            workers.axhline(config["maximum_concurrency"], color="#999999", linestyle="--", linewidth=1,
                            label=f"MaximumConcurrency {config['maximum_concurrency']}")  # fmt: skip
    concurrency = ((record.get("cloudwatch") or {}).get("series") or {}).get("concurrent_executions")
    if concurrency and concurrency["t"]:
        workers.plot(concurrency["t"], concurrency["values"], marker="o", color=COLOURS["workers"],
                     label="ConcurrentExecutions (CloudWatch, 1 min)")  # fmt: skip
    if samples["workers"] is None and not (concurrency and concurrency["t"]):
        workers.text(0.5, 0.5, "no worker or concurrency data on this target (see the record's 'unavailable')",
                     ha="center", va="center", transform=workers.transAxes, color="#666666")  # fmt: skip
    workers.set_ylabel("workers")
    workers.yaxis.set_major_locator(MaxNLocator(integer=True))
    workers.set_ylim(bottom=0)
    workers.set_xlabel("seconds since the load test started")
    workers.set_xlim(0, seconds)
    _legend_below(workers, below=-0.3)
    for axes in (rate, queue, workers):
        axes.grid(axis="y", alpha=0.3)
    figure.subplots_adjust(left=0.08, right=0.92, top=0.92, bottom=0.1, hspace=0.42)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return path


def _gaps(values: list[Any]) -> list[float]:
    """None (a sample that could not be read) as NaN: matplotlib leaves a gap, not a zero."""
    return [math.nan if v is None else v for v in values]


def _legend_below(axes: Any, twin: Any = None, below: float = -0.07) -> None:
    """One legend for a panel and its twin axis, under the panel: it never hides a point."""
    handles, labels = axes.get_legend_handles_labels()
    if twin is not None:
        more_handles, more_labels = twin.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    if handles:
        axes.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, below), ncol=4, fontsize=8, frameon=False)
