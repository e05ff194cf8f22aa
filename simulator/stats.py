"""Latency percentiles without keeping a latency per upload: fixed log-spaced histograms.

Every processed upload adds one count to the bin of its latency, in the histogram of the sample
interval in which it finished. Bins are log-spaced, `BINS_PER_DECADE` per factor of ten from
`LOW_S` to `HIGH_S`, so a bin spans a factor `RATIO` = 10^(1/231) ≈ 1.0100 (plus one bin for
[0, `LOW_S`)). Histograms of intervals add up to the run's, so totals and the time series come
from the same counts, whatever order uploads finish in.

Error bound. A percentile is read like `numpy.percentile` (linear interpolation between the
order statistics at ranks ⌊h⌋ and ⌈h⌉, h = (n − 1)·q/100), except that each order statistic is
located within its bin by its rank (geometric interpolation). An estimate therefore lies in the
same bin as the order statistic it stands for, so

    |estimate − numpy.percentile| ≤ (RATIO − 1) · x₍⌈h⌉₎  (≈ 1.0% of the larger of the two)

for values above `LOW_S`, and ≤ `LOW_S` below it. `tests/simulator/test_stats.py` checks this
on random data and on a run against the exact percentiles of its per-upload trace.

    >>> import numpy as np
    >>> h = LatencyHistograms(np.array([60.0]))
    >>> h.add(np.array([10.0, 20.0, 30.0]), np.array([1.0, 2.0, 4.0]))
    >>> round(h.percentile(50), 2), h.count, h.mean
    (2.0, 3, 2.3333333333333335)
"""

from __future__ import annotations

import math

import numpy as np

BINS_PER_DECADE = 231  # a bin spans 10^(1/231) ≈ 1.0100: percentiles within 1%
LOW_S = 1e-3
HIGH_S = 1e7  # 116 days: beyond any retention period plus any run
RATIO = 10.0 ** (1.0 / BINS_PER_DECADE)
LOG_BINS = round(math.log10(HIGH_S / LOW_S) * BINS_PER_DECADE)
BINS = LOG_BINS + 1  # bin 0 is [0, LOW_S)
DENSE_LIMIT = 4_000_000  # cells of one scratch histogram before falling back to np.unique


def bin_of(values_s: np.ndarray) -> np.ndarray:
    """Bin number of each value (0 below `LOW_S`, the last bin for anything above `HIGH_S`)."""
    scaled = np.log10(np.maximum(values_s, LOW_S) / LOW_S)
    scaled *= BINS_PER_DECADE
    bins = scaled.astype(np.int64)
    bins += 1
    bins[values_s < LOW_S] = 0
    np.minimum(bins, BINS - 1, out=bins)
    return bins


def _bin_low(b: int) -> float:
    return 0.0 if b == 0 else LOW_S * RATIO ** (b - 1)


def _value_at_rank(counts: np.ndarray, offset: int, cumulative: np.ndarray, rank: int) -> float:
    """The order statistic of 0-based `rank`, located within its bin by rank."""
    j = int(np.searchsorted(cumulative, rank, side="right"))
    before = cumulative[j - 1] if j else 0
    fraction = (rank - before + 0.5) / counts[j]
    b = j + offset
    if b == 0:
        return LOW_S * fraction
    return _bin_low(b) * RATIO**fraction


def percentile_from(counts: np.ndarray, offset: int, q: float) -> float:
    """The `q`-th percentile of the values counted in `counts` (bins `offset`, offset + 1, ...)."""
    cumulative = np.cumsum(counts)
    n = int(cumulative[-1]) if len(cumulative) else 0
    if n == 0:
        return math.nan
    h = (n - 1) * q / 100.0
    low, high = math.floor(h), math.ceil(h)
    below = _value_at_rank(counts, offset, cumulative, low)
    if high == low:
        return float(below)
    return float(below + (h - low) * (_value_at_rank(counts, offset, cumulative, high) - below))


class LatencyHistograms:
    """Per-interval and whole-run histograms of one quantity (seconds), with exact count, mean
    and extremes. Intervals end at `interval_ends_s` (a value at time t belongs to the first
    interval ending at or after t); each keeps only the range of bins it uses."""

    def __init__(self, interval_ends_s: np.ndarray) -> None:
        self.ends = interval_ends_s
        self.total = np.zeros(BINS, dtype=np.int64)
        self.rows: dict[int, tuple[int, np.ndarray]] = {}  # interval → (first bin, counts)
        self.count = 0
        self.sum = 0.0
        self.min = math.inf
        self.max = -math.inf

    @property
    def mean(self) -> float:
        return self.sum / self.count if self.count else math.nan

    def add(self, at_s: np.ndarray, values_s: np.ndarray) -> None:
        """Count `values_s`, each in the interval containing the matching time in `at_s`."""
        if not len(values_s):
            return
        self.count += len(values_s)
        self.sum += float(values_s.sum())
        self.min = min(self.min, float(values_s.min()))
        self.max = max(self.max, float(values_s.max()))
        bins = bin_of(values_s)
        self.total += np.bincount(bins, minlength=BINS)
        intervals = np.searchsorted(self.ends, at_s, side="left")
        np.minimum(intervals, len(self.ends) - 1, out=intervals)
        first_interval, last_interval = int(intervals.min()), int(intervals.max())
        first_bin, last_bin = int(bins.min()), int(bins.max())
        span = last_bin - first_bin + 1
        rows = last_interval - first_interval + 1
        if rows * span <= DENSE_LIMIT:
            keys = (intervals - first_interval) * span + (bins - first_bin)
            grid = np.bincount(keys, minlength=rows * span).reshape(rows, span)
            for row in np.flatnonzero(grid.any(axis=1)):
                counts = grid[row]
                used = np.flatnonzero(counts)
                self._merge(first_interval + int(row), first_bin + int(used[0]), counts[used[0] : used[-1] + 1])
        else:  # values spread over many intervals and decades: group them by sorting instead
            keys, counts = np.unique(intervals * BINS + bins, return_counts=True)
            for interval in np.unique(keys // BINS):
                mine = keys // BINS == interval
                row_bins, row_counts = keys[mine] % BINS, counts[mine]
                dense = np.zeros(int(row_bins[-1] - row_bins[0]) + 1, dtype=np.int64)
                dense[row_bins - row_bins[0]] = row_counts
                self._merge(int(interval), int(row_bins[0]), dense)

    def _merge(self, interval: int, first_bin: int, counts: np.ndarray) -> None:
        existing = self.rows.get(interval)
        if existing is None:
            self.rows[interval] = (first_bin, counts.astype(np.int64))
            return
        old_first, old_counts = existing
        low = min(old_first, first_bin)
        high = max(old_first + len(old_counts), first_bin + len(counts))
        merged = np.zeros(high - low, dtype=np.int64)
        merged[old_first - low : old_first - low + len(old_counts)] += old_counts
        merged[first_bin - low : first_bin - low + len(counts)] += counts
        self.rows[interval] = (low, merged)

    def percentile(self, q: float) -> float:
        """The run's `q`-th percentile (NaN if nothing was counted), clamped to the exact
        extremes."""
        if not self.count:
            return math.nan
        return min(max(percentile_from(self.total, 0, q), self.min), self.max)

    def per_interval(self, percentiles: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
        """(count per interval, one row of `percentiles` per interval; NaN where empty)."""
        counts = np.zeros(len(self.ends), dtype=np.int64)
        values = np.full((len(self.ends), len(percentiles)), np.nan)
        for interval, (first_bin, row) in self.rows.items():
            counts[interval] = int(row.sum())
            values[interval] = [percentile_from(row, first_bin, q) for q in percentiles]
        return counts, values
