"""How fast is the simulator? (A benchmark, not a test: it prints numbers and ratios.)

Targets from the issue: a full 24 h at 10 million images a day, with every Lambda invocation
(a batch) simulated as an event, in at most 15 s on one core; a 1 h scenario in at most 1 s
(the instructor app re-runs on every slider move). Both CPU time and wall time are reported;
the verdict uses CPU time, which other jobs on a shared machine inflate far less than wall
time (the process is single-threaded, so CPU time is time on one core). For comparison, a naive
model — one SimPy process per image competing for a `simpy.Resource` — is measured in the same
process on a smaller load, and its cost per simulated image is compared with ours.

Run: ``python benchmarks/simulator.py`` (``make bench`` runs it with the other benchmarks).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the target says

import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Generator  # noqa: E402
from pathlib import Path  # noqa: E402

import simpy  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator import load_scenario, run  # noqa: E402
from simulator.calibration import ServiceTimeTable, cpu_share  # noqa: E402
from simulator.handler import HandlerModel  # noqa: E402
from simulator.workload import generate  # noqa: E402

FULL_DAY_TARGET_S = 15.0
ONE_HOUR_TARGET_S = 1.0
NAIVE_IMAGES_PER_DAY = 1_000_000  # the naive model gets a tenth of the load ...
NAIVE_HOURS = 1.0  # ... for one hour


def naive_model(images_per_day: float, hours: float) -> tuple[int, int, float, float]:
    """One process per image: arrive, wait for a free execution environment, be processed.

    Same arrivals and service times as the real model, no batching. Returns (images, events,
    CPU seconds, wall seconds).
    """
    scenario = load_scenario("plan")
    scenario.workload.images_per_day = images_per_day
    started, cpu_started = time.perf_counter(), time.process_time()
    messages = generate(scenario.workload, scenario.handler, ServiceTimeTable.load(), hours, seed=1)
    vcpus = cpu_share(scenario.function.memory_mb, scenario.handler.engine_threads)
    service_s = HandlerModel(messages, scenario.handler, vcpus, seed=1).service_s.tolist()
    visible_s = messages.visible_s.tolist()

    env = simpy.Environment()
    environments = simpy.Resource(env, capacity=scenario.function.concurrency_cap)

    def image(index: int) -> Generator[simpy.Event, object, None]:
        with environments.request() as slot:
            yield slot
            yield env.timeout(service_s[index])

    def uploads() -> Generator[simpy.Event, object, None]:
        for index, at in enumerate(visible_s):
            yield env.timeout(at - env.now)
            env.process(image(index))

    env.process(uploads())
    env.run(until=hours * 3600)
    return len(visible_s), next(env._eid), time.process_time() - cpu_started, time.perf_counter() - started


def measure(name: str, hours: float) -> tuple[int, int, float, float]:
    """(images, events, CPU seconds, wall seconds) of one run of a preset."""
    cpu_started = time.process_time()
    result = run(load_scenario(name), hours=hours)
    return result.arrived, result.events, time.process_time() - cpu_started, result.wall_s


def main() -> None:
    print(f"Python {sys.version.split()[0]}, SimPy {simpy.__version__}, one process\n")
    rows = [
        ("plan, 1 h (10M/day)", *measure("plan", 1.0), ONE_HOUR_TARGET_S),
        ("plan, 24 h (10M/day)", *measure("plan", 24.0), FULL_DAY_TARGET_S),
        (
            f"naive, {NAIVE_HOURS:g} h ({NAIVE_IMAGES_PER_DAY / 1e6:g}M/day)",
            *naive_model(NAIVE_IMAGES_PER_DAY, NAIVE_HOURS),
            None,
        ),
    ]
    print(
        f"{'run':<26} {'images':>11} {'events':>11} {'CPU s':>7} {'wall s':>7} {'events/s':>10} "
        f"{'µs/image':>9}  target (CPU)"
    )
    for label, images, events, cpu, wall, target in rows:
        verdict = "" if target is None else f"≤ {target:g} s {'OK' if cpu <= target else 'MISSED'}"
        print(
            f"{label:<26} {images:>11,} {events:>11,} {cpu:>7.2f} {wall:>7.2f} {events / cpu:>10,.0f} "
            f"{cpu / images * 1e6:>9.2f}  {verdict}"
        )
    ours_per_image = rows[1][3] / rows[1][1]
    naive_per_image = rows[2][3] / rows[2][1]
    print(
        f"\nPer simulated image the batch model is {naive_per_image / ours_per_image:.1f}× faster than "
        f"one process per image; the naive model would need about "
        f"{naive_per_image * rows[1][1]:.0f} s for the full day."
    )


if __name__ == "__main__":
    main()
