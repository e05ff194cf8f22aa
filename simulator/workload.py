"""Uploads: when images arrive, how big they are, and how much work each one is.

Arrivals are a non-homogeneous Poisson process whose rate is constant within each minute
(flat, diurnal or with a spike). Each upload becomes an S3 event that lands in the queue after a
lognormal notification delay. The run never holds all of them: `Uploads.blocks()` draws them
with NumPy a few simulated minutes at a time and hands them over in the order the queue sees
them (by the time their event becomes visible), so a day at 100 million images needs memory for
minutes of traffic, not for the day.

    >>> from simulator.scenario import Scenario
    >>> scenario = Scenario.model_validate({"workload": {"images_per_day": 86_400}})
    >>> uploads = Uploads(scenario.workload, scenario.handler, hours=1.0, seed=1)
    >>> round(uploads.expected_count(0.0, 3600.0))  # one a second
    3600
    >>> sum(len(block) for block in uploads.blocks()) + uploads.in_transit_at_end
    3582
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields

import numpy as np

from simulator.calibration import ServiceTimeTable
from simulator.cost import INTELLIGENT_TIERING_MIN_BYTES
from simulator.scenario import Handler, Workload

KINDS = ("jpeg", "png", "webp", "pdf")  # what `Upload.kind` names, and the order the shares are drawn in
SECONDS_PER_DAY = 86_400.0
RATE_STEP_S = 60.0  # the arrival rate is piecewise constant over steps of this length
BLOCK_S = 300.0  # uploads are drawn this many simulated seconds at a time


@dataclass(frozen=True)
class Messages:
    """Uploads as arrays, one entry per upload, sorted by `visible_s` (the time the S3 event
    reaches the queue). A `Block` is a slice of the run's messages; `generate` gives them all."""

    upload_s: np.ndarray  # time the object landed in S3
    visible_s: np.ndarray  # time its event became visible in the queue
    size_bytes: np.ndarray
    cpu_s: np.ndarray  # handler work at one vCPU (CPU-bound part)
    poison: np.ndarray  # bool: fails on every attempt

    def __len__(self) -> int:
        return len(self.visible_s)

    def take(self, selection: np.ndarray | slice) -> Messages:
        """The messages picked by a mask, an index array or a slice, in that order."""
        return Messages(*(getattr(self, f.name)[selection] for f in fields(self)))

    @classmethod
    def concatenate(cls, parts: list[Messages]) -> Messages:
        return cls(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)))


@dataclass(frozen=True)
class Block:
    """The uploads whose events become visible in [start_s, end_s), sorted by that time."""

    start_s: float
    end_s: float
    messages: Messages

    def __len__(self) -> int:
        return len(self.messages)


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


class Uploads:
    """The run's uploads, drawn block by block, reproducible for a given seed.

    Arrival times come from time rescaling: the points of a unit-rate Poisson process mapped
    through the inverse of the cumulative intensity Λ(t) form a Poisson process of rate λ(t).
    Each block starts afresh at Λ(block start) — the exponential gap is memoryless, so
    restarting at a block boundary leaves the process exactly Poisson — and needs no sort.
    Events whose notification delay carries them past the end of a block wait for the next.
    """

    def __init__(
        self,
        workload: Workload,
        handler: Handler,
        hours: float,
        seed: int,
        table: ServiceTimeTable | None = None,
        interval_ends_s: np.ndarray | None = None,
        block_s: float = BLOCK_S,
    ) -> None:
        self.workload = workload
        self.handler = handler
        self.table = table or ServiceTimeTable.load()
        self.horizon_s = hours * 3600.0
        self.block_s = block_s
        self._rng = np.random.default_rng(seed)
        self._trace = _trace_arrays(workload) if workload.trace is not None else None
        rate = arrival_rate_per_s(workload, max(hours, 24.0))
        self._edges = np.arange(len(rate) + 1) * RATE_STEP_S
        self._cumulative = np.concatenate(([0.0], np.cumsum(rate * RATE_STEP_S)))  # Λ at the edges
        self.io_s = 0.0 if handler.service_model == "exponential" else handler.io_s
        # Every upload of the run, counted as it is drawn (billing needs them all, including
        # those whose event is still on its way to the queue when the run ends).
        self.count = 0
        self.bytes = 0.0
        self.big_objects = 0  # over 128 KB (Intelligent-Tiering monitors only these)
        self.undersize_bytes = 0.0  # what uploads under 128 KB fall short of it (Glacier IR bills 128 KB)
        self.in_transit_at_end = 0
        self._ends = np.array([self.horizon_s]) if interval_ends_s is None else interval_ends_s
        self.arrivals = np.zeros(len(self._ends), dtype=np.int64)  # uploads per interval ending at `_ends`

    def expected_count(self, start_s: float, end_s: float) -> float:
        """Expected number of uploads between two times (the daily shape, not the draw; for a
        trace, the uploads it lists)."""
        if self._trace is not None:
            return float(np.diff(np.searchsorted(self._trace[0], [start_s, end_s]))[0])
        return float(np.diff(np.interp([start_s, end_s], self._edges, self._cumulative))[0])

    def blocks(self) -> Iterator[Block]:
        """Blocks of messages in the order the queue sees them, up to the end of the run."""
        waiting: Messages | None = None  # drawn, but visible only after the current block
        start = 0.0
        while start < self.horizon_s:
            end = min(start + self.block_s, self.horizon_s)
            drawn = self._draw(start, end)
            pool = drawn if waiting is None else Messages.concatenate([waiting, drawn])
            now = pool.visible_s < end
            visible = pool.take(now)
            waiting = pool.take(~now)
            yield Block(start, end, visible.take(np.argsort(visible.visible_s, kind="stable")))
            start = end
        self.in_transit_at_end = 0 if waiting is None else len(waiting)

    def _draw(self, start: float, end: float) -> Messages:
        """Uploads made in [start, end), with their sizes, work and notification delays."""
        rng = self._rng
        if self._trace is not None:
            at, size, kinds, pages = self._trace
            chosen = slice(*np.searchsorted(at, [start, end]))
            upload, size, kind, pages = at[chosen], size[chosen], kinds[chosen], pages[chosen]
        else:
            upload = self._poisson(start, end)
            size = rng.lognormal(0.0, self.workload.size_sigma, len(upload))
            size *= self.workload.size_median_mb * 1e6
            kind = self._kinds(len(upload))
            pages = np.ones(len(upload), dtype=np.int64)
            pdf = kind == KINDS.index("pdf")
            if pdf.any():
                pages[pdf] = rng.geometric(1.0 / self.workload.pdf_pages_mean, int(pdf.sum()))  # 1, 2, ...
        n = len(upload)
        workload = self.workload
        visible = rng.lognormal(0.0, workload.s3_event_delay_sigma, n)
        visible *= workload.s3_event_delay_median_s
        visible += upload
        cpu = self._cpu_work(kind, size, pages)
        poison = rng.random(n) < self.handler.poison_rate if self.handler.poison_rate else np.zeros(n, dtype=bool)
        self.count += n
        self.bytes += float(size.sum())
        small = size[size < INTELLIGENT_TIERING_MIN_BYTES]
        self.big_objects += n - len(small)
        self.undersize_bytes += float(INTELLIGENT_TIERING_MIN_BYTES * len(small) - small.sum())
        self.arrivals += np.bincount(np.searchsorted(self._ends, upload, side="left"), minlength=len(self._ends))[: len(self._ends)]
        return Messages(upload, visible, size, cpu, poison)

    def _poisson(self, start: float, end: float) -> np.ndarray:
        """Upload times in [start, end): a unit-rate process from Λ(start), mapped through Λ⁻¹."""
        rng = self._rng
        low, high = np.interp([start, end], self._edges, self._cumulative)
        expected = high - low
        points = rng.standard_exponential(int(expected + 6 * np.sqrt(expected) + 10))
        np.cumsum(points, out=points)
        while points[-1] < expected:  # practically never
            points = np.concatenate((points, points[-1] + np.cumsum(rng.standard_exponential(len(points)))))
        points = points[: np.searchsorted(points, expected)]
        points += low
        upload = np.interp(points, self._cumulative, self._edges)
        return upload[: np.searchsorted(upload, end)]  # interpolation can round onto `end`

    def _kinds(self, n: int) -> np.ndarray:
        """Kind of each upload (an index into `KINDS`), drawn from the workload's shares."""
        workload = self.workload
        shares = np.cumsum([workload.png_share, workload.webp_share, workload.pdf_share])  # then JPEG
        below = np.searchsorted(shares, self._rng.random(n), side="right")  # 0 png ... 3 jpeg
        return ((below + 1) % len(KINDS)).astype(np.int8)

    def _cpu_work(self, kind: np.ndarray, size: np.ndarray, pages: np.ndarray) -> np.ndarray:
        """CPU seconds per message at one vCPU: the calibrated engine time for its kind and
        size (a PDF: its pages, each a page of `pdf_page_megapixels`), with mean-preserving
        lognormal noise; or exponential, for the queueing-theory oracle."""
        n = len(size)
        handler, rng, table = self.handler, self._rng, self.table
        if handler.service_model == "exponential":
            return rng.exponential(handler.exponential_mean_s, n)
        cpu = np.empty(n)
        for code, name in enumerate(KINDS):
            mine = kind == code
            if not mine.any():
                continue
            if name == "pdf":
                cpu[mine] = pages[mine] * float(table.seconds("pdf_page", self.workload.pdf_page_megapixels))
            else:
                cpu[mine] = table.seconds(name, size[mine])
        if handler.service_cv > 0:
            sigma = np.sqrt(np.log1p(handler.service_cv**2))
            cpu *= rng.lognormal(-sigma * sigma / 2.0, sigma, n)
        return cpu


def generate(
    workload: Workload, handler: Handler, table: ServiceTimeTable, hours: float, seed: int
) -> Messages:
    """Every message of a run at once, in the order the queue sees them: the same draws as the
    simulation makes (for tests and small what-ifs; a long run never holds them all)."""
    uploads = Uploads(workload, handler, hours, seed, table)
    return Messages.concatenate([block.messages for block in uploads.blocks()])


def _trace_arrays(workload: Workload) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """An explicit trace as arrays sorted by upload time: (time, bytes, kind index, pages)."""
    uploads = sorted(workload.trace or [], key=lambda upload: upload.at_s)
    return (
        np.array([u.at_s for u in uploads], dtype=float),
        np.array([u.bytes for u in uploads], dtype=float),
        np.array([KINDS.index(u.kind) for u in uploads], dtype=np.int8),
        np.array([u.pages for u in uploads], dtype=np.int64),
    )
