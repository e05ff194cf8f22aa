"""A one-page picture of a run: load, queue, compute, trouble, in the pipeline's order."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: works on servers and in CI without a display

import matplotlib.pyplot as plt  # noqa: E402

from simulator.result import SimResult  # noqa: E402


def plot(result: SimResult, path: Path) -> Path:
    """Write the main time series of `result` as a PNG at `path` and return the path."""
    series = result.series
    minutes = series.t_s / 60.0
    interval_s = float(series.t_s[1] - series.t_s[0]) if len(series.t_s) > 1 else 1.0
    compute = "Lambda" if result.scenario.compute == "lambda" else "EC2 workers"

    fig, axes = plt.subplots(3, 2, figsize=(13, 10), sharex=True, constrained_layout=True)
    (load, queue), (age, workers), (trouble, outcome) = axes

    load.plot(minutes, series.arrivals / interval_s, label="uploads", color="tab:blue")
    load.plot(minutes, series.completed / interval_s, label="processed", color="tab:green", alpha=0.8)
    load.set(title="1 · Uploads and processing", ylabel="images / s")
    load.legend(loc="lower right")

    queue.plot(minutes, series.queue_visible, label="visible (waiting)", color="tab:orange")
    queue.plot(minutes, series.queue_in_flight, label="in flight", color="tab:purple", alpha=0.8)
    queue.set(title="2 · SQS queue depth", ylabel="messages")
    queue.legend(loc="upper right")

    age.plot(minutes, series.oldest_age_s, label="oldest message age", color="tab:grey", alpha=0.6)
    age.plot(minutes, series.latency_p95_s, label="p95 latency", color="tab:red")
    age.plot(minutes, series.latency_p50_s, label="p50 latency", color="tab:olive")
    age.set(title="3 · Latency of the images finished, and queue age", ylabel="seconds")
    age.legend(loc="upper right")

    workers.plot(minutes, series.concurrency, label="busy", color="tab:blue")
    workers.plot(minutes, series.idle, label="idle (warm)", color="tab:green", alpha=0.7)
    workers.step(minutes, series.capacity, where="post", label="limit / running", color="grey", alpha=0.8)
    workers.set(title=f"4 · {compute}: concurrency", ylabel="environments / batches")
    workers.legend(loc="upper right")

    trouble.plot(minutes, series.cold_starts, label="cold starts", color="tab:cyan")
    trouble.plot(minutes, series.throttles, label="throttles", color="tab:red")
    trouble.plot(minutes, series.errors, label="failed attempts", color="tab:brown")
    trouble.set(title="5 · Cold starts, throttles, errors", ylabel=f"per {interval_s:g} s", xlabel="minutes")
    trouble.legend(loc="upper right")

    outcome.plot(minutes, series.dlq.cumsum(), color="black")
    outcome.set(title="6 · Messages in the dead-letter queue", ylabel="messages", xlabel="minutes")

    latency = result.latency_s
    day = f"\\${result.total_per_day:,.0f}/day{' extrapolated' if result.projection.extrapolated else ''}"
    fig.suptitle(
        f"{result.scenario.name}: {result.arrived:,} uploads in {result.hours:g} h · "
        f"latency p50 {latency['p50']:.1f} s, p99 {latency['p99']:.1f} s (upload → variants stored) · "
        f"this run \\${result.total:,.0f}, {day}",  # \\$: not a matplotlib formula
        fontsize=13,
    )
    for ax in axes.flat:
        ax.grid(alpha=0.3)
        ax.set_ylim(bottom=0)
    path = Path(path)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
