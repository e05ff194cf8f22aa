"""The service-time table: measured at enough sizes, monotone, and spanning what the workload draws."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.calibration import KINDS, KindTimes, ServiceTimeTable, non_decreasing
from simulator.scenario import Workload


@pytest.fixture(scope="module")
def table() -> ServiceTimeTable:
    return ServiceTimeTable.load()


@pytest.mark.parametrize("kind", KINDS)
def test_the_shipped_table_has_eight_or_more_measured_sizes_per_kind(table, kind):
    times = table.kinds[kind]
    assert len(times.sizes) >= 8
    assert np.all(np.diff(times.sizes) > 0)


@pytest.mark.parametrize("kind", ["jpeg", "png", "webp"])
def test_image_sizes_span_what_the_workload_draws(table, kind):
    """The plan draws lognormal sizes, median 1 MB, σ 0.6: 99.8% of them between 0.16 and 6.4 MB.
    The table starts below that; beyond its last point time grows with size."""
    workload = Workload()
    low, high = np.exp(np.log(workload.size_median_mb * 1e6) + np.array([-3.09, 3.09]) * workload.size_sigma)
    times = table.kinds[kind]
    assert times.sizes[0] < low
    assert times.sizes[-1] > high or times.sizes[-1] > 2e6  # WebP: 40 MP is already 2.7 MB


@pytest.mark.parametrize("kind", KINDS)
def test_service_time_never_falls_as_the_input_grows(table, kind):
    """Finding 4: the old table made a 3.3 MB JPEG faster than a 1 MB one."""
    sizes = np.geomspace(table.kinds[kind].sizes[0] / 4, table.kinds[kind].sizes[-1] * 4, 2000)
    seconds = table.seconds(kind, sizes)
    assert np.all(np.diff(seconds) >= 0)
    assert seconds[-1] > 2 * seconds[len(seconds) // 2]


def test_the_curve_goes_through_the_monotone_fit_and_extrapolates_in_proportion():
    times = KindTimes.from_points("bytes", [[1e5, 0.1], [2e5, 0.3], [4e5, 0.2], [8e5, 0.4]])
    assert times.fitted.tolist() == pytest.approx([0.1, 0.25, 0.25, 0.4])
    assert times.at(np.array([2e5, 8e5, 1.6e6, 5e4])).tolist() == pytest.approx([0.25, 0.4, 0.8, 0.1])


def test_non_decreasing_is_the_least_squares_fit():
    values = np.array([3.0, 1.0, 2.0, 5.0, 4.0])
    fitted = non_decreasing(values)
    assert np.all(np.diff(fitted) >= 0) and fitted.sum() == pytest.approx(values.sum())
    assert fitted.tolist() == pytest.approx([2.0, 2.0, 2.0, 4.5, 4.5])
