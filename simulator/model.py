"""Wiring the pipeline together and running it: upload → S3 event → SQS → compute → stores.

    >>> from simulator import load_scenario, run
    >>> result = run(load_scenario("plan"), hours=0.25)
    >>> result.lost
    0
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Generator

import numpy as np
import simpy

from simulator.billing import bills, projection
from simulator.calibration import ServiceTimeTable
from simulator.compute import Compute, kind
from simulator.handler import HandlerModel
from simulator.messages import DEAD, EXPIRED, Settled, Window
from simulator.probe import Probe, interval_ends
from simulator.result import SimResult, TimeSeries, Trace, Usage
from simulator.scenario import MAX_SAMPLES, Scenario
from simulator.sqs import StandardQueue
from simulator.stats import LatencyHistograms
from simulator.workload import Uploads

LATENCY_PERCENTILES = (50, 95, 99)
SERIES_LATENCY_PERCENTILES = (50, 95)  # per sample interval: TimeSeries.latency_p50_s, latency_p95_s
PROGRESS_EVERY_S = 300.0  # simulated seconds between two calls of run()'s `progress`
LEAD_S = 60.0  # the next block of uploads is drawn this long before the batching window needs it
TRACED = ("upload_s", "visible_s", "first_receive_s", "done_s")  # per-upload times `trace=True` keeps


class Recorder:
    """Statistics of the messages the window lets go (and of retried ones at the end), kept
    as histograms; with `trace`, also every message's times."""

    def __init__(self, ends_s: np.ndarray, trace: bool) -> None:
        self.latency = LatencyHistograms(ends_s)
        self.wait = LatencyHistograms(ends_s[-1:])
        self.processed = 0
        self._trace: list[Settled] | None = [] if trace else None

    def settled(self, settled: Settled) -> None:
        done = ~np.isnan(settled.done_s)
        done_s = settled.done_s[done]
        self.processed += len(done_s)
        self.latency.add(done_s, done_s - settled.upload_s[done])
        received = ~np.isnan(settled.first_receive_s)
        first_receive = settled.first_receive_s[received]
        self.wait.add(first_receive, first_receive - settled.visible_s[received])
        if self._trace is not None:  # copies: the window reuses nothing, but slices keep it alive
            self._trace.append(Settled(settled.first, *(np.array(getattr(settled, name)) for name in TRACED)))

    def retried(self, window: Window) -> None:
        """Messages processed by a later attempt: counted once the run is over."""
        done = [(number, r) for number, r in window.retries.items() if not math.isnan(r.done_s)]
        self.processed += len(done)
        if done:
            done_s = np.array([r.done_s for _, r in done])
            self.latency.add(done_s, done_s - np.array([r.upload_s for _, r in done]))
        if self._trace is not None:
            for number, record in done:
                for part in self._trace:
                    if part.first <= number < part.first + len(part.done_s):
                        part.done_s[number - part.first] = record.done_s

    def trace(self) -> Trace | None:
        if self._trace is None:
            return None
        return Trace(*(np.concatenate([getattr(part, name) for part in self._trace]) for name in TRACED))


class Feeder:
    """Appends the next block of uploads to the window shortly before the queue can need it."""

    def __init__(self, uploads: Uploads, window: Window, queue: StandardQueue, handler: HandlerModel, lead_s: float) -> None:
        self._blocks = uploads.blocks()
        self.window, self.queue, self.handler = window, queue, handler
        self.lead_s = lead_s
        while self.window.frontier_s < lead_s and self._append():
            pass

    def _append(self) -> bool:
        block = next(self._blocks, None)
        if block is None:
            self.window.frontier_s = math.inf
            return False
        before = self.window.base
        service_s, fails_first = self.handler.prepare(block.messages)
        self.window.append(block.messages, service_s, fails_first, block.end_s, self.queue.unsettled_from())
        self.queue.appended(self.window.base - before)
        return True

    def run(self, env: simpy.Environment) -> Generator[simpy.Event, object, None]:
        while self.window.frontier_s < math.inf:
            yield env.timeout(max(0.0, self.window.frontier_s - self.lead_s - env.now))
            self._append()


def run(
    scenario: Scenario,
    hours: float | None = None,
    progress: Callable[[float], None] | None = None,
    *,
    trace: bool = False,
    service_times: ServiceTimeTable | None = None,
) -> SimResult:
    """Simulate `scenario` for `hours` (default: the scenario's) and price the result.

    `progress`, if given, is called with the fraction of simulated time done (0 < f < 1) every
    `PROGRESS_EVERY_S` simulated seconds, and with 1.0 when the clock reaches the end (the
    bill and the percentiles are computed after that). A 24 h run calls it 288 times:

        >>> from simulator import load_scenario
        >>> result = run(load_scenario("plan"), hours=0.25, progress=lambda f: print(f"{f:.0%}"))
        33%
        67%
        100%

    `trace=True` keeps every upload's times (`result.trace`): 32 bytes per upload, for tests
    and for comparing a run with a measured one; without it memory does not grow with the run.
    `service_times` replaces the shipped table (`simulator/service_times.yaml`), e.g. with
    one `p4lab sim-calibrate --output` measured on another machine.
    """
    started = time.perf_counter()
    hours = scenario.simulation.hours if hours is None else hours
    horizon_s = hours * 3600.0
    every_s = scenario.simulation.sample_interval_s
    if horizon_s / every_s > MAX_SAMPLES:
        raise ValueError(
            f"{hours:g} h sampled every {every_s:g} s is {horizon_s / every_s:,.0f} samples; at most "
            f"{MAX_SAMPLES:,} are kept: raise simulation.sample_interval_s"
        )
    seed = scenario.simulation.seed
    ends = interval_ends(horizon_s, every_s)
    uploads = Uploads(scenario.workload, scenario.handler, hours, seed, service_times or ServiceTimeTable.load(), ends)

    env = simpy.Environment()
    compute_kind = kind(scenario)
    consumption = compute_kind.consumption(scenario)
    recorder = Recorder(ends, trace)
    window = Window(recorder.settled)
    queue = StandardQueue(env, window, scenario.queue, consumption.batch_size, consumption.batching_window_s)
    handler = HandlerModel(window, scenario.handler, consumption.vcpus, uploads.io_s, seed)
    feeder = Feeder(uploads, window, queue, handler, consumption.batching_window_s + LEAD_S)
    env.process(feeder.run(env))
    compute = compute_kind.build(env, queue, handler, scenario)
    probe = Probe(queue, compute)
    env.process(probe.run(env, ends))
    if progress is not None:
        env.process(_report_progress(env, horizon_s, progress))
    env.run(until=horizon_s)
    if progress is not None:
        progress(1.0)
    probe.sample(horizon_s)  # events at the horizon itself do not run: take the last sample here
    queue.close(horizon_s)
    compute.close(horizon_s)
    window.flush()
    recorder.retried(window)

    usage = _usage(uploads, queue, compute, horizon_s, recorder.processed)
    plan = projection(
        hours,
        uploads.expected_count(0.0, horizon_s),
        uploads.expected_count(0.0, 86_400.0),
        from_trace=scenario.workload.trace is not None,
    )
    simulated, per_day, per_month = bills(scenario, usage, plan)
    never_processed = [r.state for r in window.retries.values() if not r.processed]
    failed = never_processed.count(DEAD)
    lost = queue.counters.expired + never_processed.count(EXPIRED)
    cold_starts, throttles, errors = compute.trouble()
    series = _series(probe, recorder, uploads, ends)
    return SimResult(
        scenario=scenario,
        hours=hours,
        series=series,
        arrived=uploads.count,
        processed=recorder.processed,
        failed=failed,
        lost=lost,
        pending=uploads.count - recorder.processed - failed - lost,
        latency_s=_summary(recorder.latency),
        queue_wait_s=_summary(recorder.wait),
        instances=_instances(series),
        cold_starts=cold_starts,
        throttles=throttles,
        errors=errors,
        usage=usage,
        counters={**vars(queue.counters), **compute.counted()},
        cost=simulated,
        cost_per_day=per_day,
        cost_per_month=per_month,
        projection=plan,
        events=_events_scheduled(env),
        wall_s=time.perf_counter() - started,
        trace=recorder.trace(),
    )


def _series(probe: Probe, recorder: Recorder, uploads: Uploads, ends: np.ndarray) -> TimeSeries:
    columns = probe.columns()
    completed, percentiles = recorder.latency.per_interval(SERIES_LATENCY_PERCENTILES)
    return TimeSeries(
        **columns,
        arrivals=uploads.arrivals,
        completed=completed,
        latency_p50_s=percentiles[:, 0],
        latency_p95_s=percentiles[:, 1],
    )


def _usage(uploads: Uploads, queue: StandardQueue, compute: Compute, horizon_s: float, processed: int) -> Usage:
    queue.sent(uploads.count - uploads.in_transit_at_end)
    usage = Usage(
        uploads=uploads.count,
        uploaded_bytes=uploads.bytes,
        processed=processed,
        big_objects=uploads.big_objects,
        undersize_bytes=uploads.undersize_bytes,
        sqs_requests=queue.counters.requests_billed,
        sqs_empty_receives=queue.counters.empty_receives,
    )
    compute.meter(usage, horizon_s)
    return usage


def _instances(series: TimeSeries) -> dict[str, float]:
    """Execution environments (Lambda) or workers (EC2), busy and idle: mean and peak of the
    samples (what SimFaaS calls the average number of running, idle and total instances)."""
    total = series.concurrency + series.idle
    return {
        "busy_mean": float(series.concurrency.mean()),
        "idle_mean": float(series.idle.mean()),
        "total_mean": float(total.mean()),
        "total_max": float(total.max()),
    }


def _report_progress(
    env: simpy.Environment, horizon_s: float, progress: Callable[[float], None]
) -> Generator[simpy.Event, object, None]:
    """Tell `progress` how far the clock has got, every `PROGRESS_EVERY_S` simulated seconds
    (events at the horizon itself do not run: `run` reports the 1.0)."""
    while True:
        yield env.timeout(PROGRESS_EVERY_S)
        progress(env.now / horizon_s)


def _events_scheduled(env: simpy.Environment) -> int:
    """Events SimPy scheduled in the run. SimPy numbers events with a private counter
    (`_eid`); reading it is free, whereas counting in an overridden `schedule` cost ~10% of a
    run's time."""
    return next(env._eid)


def _summary(histograms: LatencyHistograms) -> dict[str, float]:
    summary = {f"p{p}": histograms.percentile(p) for p in LATENCY_PERCENTILES}
    return summary | {"mean": histograms.mean, "max": histograms.max if histograms.count else math.nan}
