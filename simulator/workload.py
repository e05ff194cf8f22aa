"""Uploads: when images arrive, how big they are, and how much work each one is.

Arrivals are a non-homogeneous Poisson process whose rate is constant within each minute
(flat, diurnal or with a spike), generated for the whole run at once with NumPy: drawing ten
million arrivals one by one in SimPy would cost more than simulating the pipeline. Each upload
then becomes an S3 event that lands in the queue after a lognormal notification delay; the
messages are returned sorted by that time, which is the order the queue sees them in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.calibration import ServiceTimeTable
from simulator.scenario import Handler, Workload

SECONDS_PER_DAY = 86_400.0
RATE_STEP_S = 60.0  # the arrival rate is piecewise constant over steps of this length


@dataclass(frozen=True)
class Messages:
    """One entry per upload, sorted by `visible_s` (time the S3 event reaches the queue)."""

    upload_s: np.ndarray  # time the object landed in S3
    visible_s: np.ndarray  # time its event became visible in the queue
    size_bytes: np.ndarray
    cpu_s: np.ndarray  # handler work at one vCPU (CPU-bound part)
    io_s: float  # handler work per message that does not speed up with CPU (S3/DynamoDB calls)
    poison: np.ndarray  # bool: fails on every attempt

    def __len__(self) -> int:
        return len(self.visible_s)


def arrival_rate_per_s(workload: Workload, hours: float) -> np.ndarray:
    """Mean uploads per second for each `RATE_STEP_S` step of the run."""
    steps = int(np.ceil(hours * 3600.0 / RATE_STEP_S))
    start_s = np.arange(steps) * RATE_STEP_S
    rate = np.full(steps, workload.images_per_day / SECONDS_PER_DAY)
    if workload.shape == "diurnal":
        weights = np.asarray(workload.hourly_weights, dtype=float)
        weights = weights / weights.mean()
        rate *= weights[(start_s // 3600).astype(int) % 24]
    elif workload.shape == "spike":
        spike = workload.spike
        begin = spike.start_hour * 3600.0
        in_spike = (start_s >= begin) & (start_s < begin + spike.duration_minutes * 60.0)
        rate[in_spike] *= spike.multiplier
    return rate


def poisson_arrivals(rate_per_s: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Sorted arrival times for a Poisson process with a piecewise-constant rate.

    Time rescaling: the points of a unit-rate Poisson process (cumulative sums of Exp(1) gaps,
    sorted by construction) mapped through the inverse of the cumulative intensity Λ(t) form a
    Poisson process of rate λ(t). No sort of ten million floats needed.
    """
    step_edges = np.arange(len(rate_per_s) + 1) * RATE_STEP_S
    cumulative = np.concatenate(([0.0], np.cumsum(rate_per_s * RATE_STEP_S)))  # Λ at step edges
    expected = cumulative[-1]
    # Draw a little more than needed (6 σ), then keep the points inside the horizon. The points
    # are sorted, so "inside" is a slice, not a mask: no copy of ten million floats.
    unit_points = rng.standard_exponential(int(expected + 6 * np.sqrt(expected) + 10))
    np.cumsum(unit_points, out=unit_points)
    while unit_points[-1] < expected:  # practically never
        more = unit_points[-1] + np.cumsum(rng.standard_exponential(len(unit_points) // 10 + 10))
        unit_points = np.concatenate((unit_points, more))
    unit_points = unit_points[: np.searchsorted(unit_points, expected)]
    return np.interp(unit_points, cumulative, step_edges)


def uploads_within(workload: Workload, hours: float, rng: np.random.Generator) -> np.ndarray:
    """Sorted upload times in [0, hours): the last rate step may overhang the horizon, and
    dropping the points beyond it leaves a Poisson process on the shorter interval."""
    upload = poisson_arrivals(arrival_rate_per_s(workload, hours), rng)
    return upload[: np.searchsorted(upload, hours * 3600.0)]


def generate(
    workload: Workload, handler: Handler, table: ServiceTimeTable, hours: float, seed: int
) -> Messages:
    """All uploads of a run, with their sizes and work, reproducible for a given seed.

    Ten million messages make every temporary array 80 MB, so arithmetic is done in place.
    """
    rng = np.random.default_rng(seed)
    upload = uploads_within(workload, hours, rng)
    n = len(upload)
    visible = rng.lognormal(0.0, workload.s3_event_delay_sigma, n)
    visible *= workload.s3_event_delay_median_s
    visible += upload
    order = np.argsort(visible, kind="stable")
    upload, visible = upload[order], visible[order]

    size = rng.lognormal(0.0, workload.size_sigma, n)
    size *= workload.size_median_mb * 1e6
    cpu = _cpu_work(workload, handler, table, size, rng)
    io_s = 0.0 if handler.service_model == "exponential" else handler.io_s
    poison = rng.random(n) < handler.poison_rate if handler.poison_rate else np.zeros(n, dtype=bool)
    return Messages(upload, visible, size, cpu, io_s, poison)


def _cpu_work(
    workload: Workload,
    handler: Handler,
    table: ServiceTimeTable,
    size: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """CPU seconds per message at one vCPU."""
    n = len(size)
    if handler.service_model == "exponential":
        return rng.exponential(handler.exponential_mean_s, n)  # the queueing-theory oracle
    kind = rng.random(n)
    is_pdf = kind < workload.pdf_share
    is_png = ~is_pdf & (kind < workload.pdf_share + workload.png_share)
    cpu = table.seconds("jpeg", size)
    if is_png.any():
        cpu[is_png] = table.seconds("png", size[is_png])
    if is_pdf.any():
        pages = rng.geometric(1.0 / workload.pdf_pages_mean, is_pdf.sum())  # 1, 2, ... pages
        cpu[is_pdf] = pages * handler.pdf_seconds_per_page
    if handler.service_cv > 0:
        sigma = np.sqrt(np.log1p(handler.service_cv**2))
        cpu *= rng.lognormal(-sigma * sigma / 2.0, sigma, n)  # mean-preserving noise
    return cpu
