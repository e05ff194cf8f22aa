"""The embedded pipeline against the engine alone: how much of the machine reaches the user?

Scenario: N photos (default 40 at 3 MP) are processed twice in one run, on the same files:

1. **engine alone**: one warm process per usable core, each calling ``engine.process`` on its
   share of the files (no S3, no queue, no DynamoDB): the ceiling this machine allows;
2. **embedded pipeline**: a fresh MiniStack, the stack deployed with the embedded target's
   parameters (concurrency from the cores), the files sent with ``upload_files`` (presigned
   POSTs, several at once) and the clock stopped when every item is DONE. Worker cold starts,
   S3 events, the queue, the emulator's own CPU: all of it is in the number.

It prints images/s both ways and their ratio, the CPU seconds per image of each (for the
pipeline: Lambda workers, the emulator, and this client; their ratio is the most the pipeline
could reach with every core busy, and unlike wall time it hardly moves when other jobs share the
machine), the Lambda worker processes (how many, their memory together at the peak, each one's
peak), and the handler's INIT: the import of
``reference.handler.app`` in a fresh interpreter with the function's environment, which is
what every worker's cold start pays before its first batch (median of 5).

Goals (issue 13, 2 cores): pipeline ≥ 85% of the engine, ≤ 300 MB of worker memory, INIT ≤ 0.6 s.
Timing on a shared machine is noisy: the ratio is measured within one run, so rerun it rather
than compare absolute rates across runs or machines.

Run: ``python benchmarks/pipeline.py [--photos 40] [--megapixels 3] [-p BatchSize=10 ...]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: import the repository's packages

from reference import deploy, emulator, targets  # noqa: E402
from reference.status import Images  # noqa: E402
from reference.upload import upload_files  # noqa: E402
from reference.workers import WorkerWatch, cpu_ticks  # noqa: E402
from tests.fixtures import corpus  # noqa: E402

GOALS = {"ratio": 0.85, "worker_mb": 300.0, "init_s": 0.6}
DISTINCT_PHOTOS = 8  # generating a photo takes ~1 s; the engine's work does not depend on which
SAMPLE_EVERY_S = 1.0  # worker processes: they live as long as the emulator, so 1 Hz sees them all;
# a sample reads every /proc/PID/stat on the machine (~10 ms with a few hundred processes)
BYTES_PER_MP = 333_000  # photo-like JPEGs as benchmarks/images.py makes them: 3 MP ~ 1 MB


def make_photos(count: int, megapixels: float, folder: Path) -> list[Path]:
    """``count`` JPEG files of ``megapixels`` (4:3, ~1 MB at 3 MP: the photos of benchmarks/images.py
    and of docs/performance.md's engine table), from a few distinct generated photos."""
    width = round((megapixels * 1e6 * 4 / 3) ** 0.5)
    height = round(width * 3 / 4)
    distinct = [
        corpus.jpeg_near_size(corpus.photo(width, height, seed=seed), round(megapixels * BYTES_PER_MP))
        for seed in range(min(count, DISTINCT_PHOTOS))
    ]
    paths = []
    for index in range(count):
        path = folder / f"photo-{index:03d}.jpg"
        path.write_bytes(distinct[index % len(distinct)])
        paths.append(path)
    return paths


def _warm_engine() -> None:
    from reference.handler import engine

    engine.process(corpus.encode(corpus.photo(400, 300, seed=0), "JPEG"))


def _process_file(path: Path) -> float:
    """Process one file; returns the CPU seconds it took (this process, all threads)."""
    from reference.handler import engine

    started = time.process_time()
    engine.process(path.read_bytes())
    return time.process_time() - started


def engine_alone(paths: list[Path], processes: int) -> tuple[float, float]:
    """(images per second, CPU seconds per image) with one warm engine process per core."""
    with ProcessPoolExecutor(max_workers=processes) as pool:
        for warmed in [pool.submit(_warm_engine) for _ in range(processes)]:
            warmed.result()
        started = time.perf_counter()
        cpu = sum(pool.map(_process_file, paths, chunksize=1))
        return len(paths) / (time.perf_counter() - started), cpu / len(paths)


def _group_cpu_s(pgid: int, workers: set[int]) -> tuple[float, float]:
    """CPU seconds used so far by the emulator's group: (Lambda workers, everything else)."""
    tick = os.sysconf("SC_CLK_TCK")
    in_workers = in_rest = 0
    for pid in emulator.group_processes(pgid):
        ticks = cpu_ticks(pid) or 0
        if pid in workers:
            in_workers += ticks
        else:
            in_rest += ticks
    return in_workers / tick, in_rest / tick


def _own_cpu_s() -> float:
    times = os.times()
    return times.user + times.system


def handler_init(outputs: dict[str, str], runs: int = 5) -> tuple[float, float]:
    """Median (wall, CPU) seconds to import the handler in a fresh interpreter, with the
    function's environment. On a busy machine wall time grows; CPU time hardly does."""
    env = {
        **os.environ,
        "TABLE_NAME": outputs.get("TableName", "images"),
        "IDEMPOTENCY_TABLE": outputs.get("IdempotencyTableName", "idempotency"),
        "DELIVERY_BUCKET": outputs.get("DeliveryBucketName", "delivery"),
        "QUEUE_URL": outputs.get("QueueUrl", "https://sqs.invalid/queue"),
        "AWS_DEFAULT_REGION": emulator.REGION,
        "AWS_ACCESS_KEY_ID": "init-timing",
        "AWS_SECRET_ACCESS_KEY": "init-timing",
        "POWERTOOLS_SERVICE_NAME": "p4lab-processor",
    }
    probe = (
        "import time; started, cpu = time.perf_counter(), time.process_time(); import reference.handler.app; "
        "print(time.perf_counter() - started, time.process_time() - cpu)"
    )
    measured = [
        subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True).stdout.split()
        for _ in range(runs)
    ]
    return statistics.median(float(wall) for wall, _ in measured), statistics.median(float(cpu) for _, cpu in measured)


def through_pipeline(paths: list[Path], overrides: dict[str, str], upload_concurrency: int) -> dict:
    """Deploy on a fresh emulator, upload every file, wait for all DONE; rate and worker figures."""
    running = emulator.start()
    try:
        target = targets.embedded(running)
        outputs = deploy.deploy(target, parameters=overrides).outputs
        parameters = {**target.template_parameters, **overrides}
        watch = WorkerWatch(running.pgid, outputs["FunctionName"])
        most_workers, stop = 0, threading.Event()

        def sample() -> None:
            nonlocal most_workers
            while not stop.is_set():
                most_workers = max(most_workers, len(watch.sample().pids))
                stop.wait(SAMPLE_EVERY_S)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        # Workers that already exist (the S3 test event's) count from here; new ones from zero.
        cpu_before, client_before = _group_cpu_s(running.pgid, set(watch.sample().pids)), _own_cpu_s()
        started = time.perf_counter()
        ids = upload_files(target, outputs, paths, "bench", concurrency=upload_concurrency)
        uploaded = time.perf_counter() - started
        items = Images(target, outputs).wait(ids, timeout_s=600)
        elapsed = time.perf_counter() - started
        stop.set()
        sampler.join()
        watch.sample()  # each worker's peak memory (VmHWM) as of the end
        workers_cpu, emulator_cpu = _group_cpu_s(running.pgid, set(watch.peak_kb))
        client_cpu = _own_cpu_s() - client_before
        not_done = [item["image_id"] for item in items if item.get("status") != "DONE"]
        if not_done:
            raise SystemExit(f"{len(not_done)} photos did not end DONE: {not_done[:5]}")
        return {
            "images_per_s": len(paths) / elapsed,
            "seconds": elapsed,
            "upload_seconds": uploaded,
            "workers": max(most_workers, len(watch.peak_kb)),
            # Each worker's own peak (VmHWM, kept by the kernel), added up: an upper bound of
            # their memory at any one moment, with no sampling that could miss a spike.
            "worker_peak_mb": sum(watch.peak_kb.values()) / 1024,
            "per_worker_peak_mb": sorted(round(kb / 1024) for kb in watch.peak_kb.values()),
            "cpu_per_image_s": {
                "workers": (workers_cpu - cpu_before[0]) / len(paths),
                "emulator": (emulator_cpu - cpu_before[1]) / len(paths),
                "client": client_cpu / len(paths),
            },
            "parameters": {k: parameters[k] for k in ("MaximumConcurrency", "BatchSize", "BatchingWindowSeconds") if k in parameters},
            "init_s": handler_init(outputs),
        }
    finally:
        emulator.stop(running)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=40, metavar="N", help="photos to process (default 40)")
    parser.add_argument("--megapixels", type=float, default=3.0, metavar="MP", help="size of each photo (default 3)")
    parser.add_argument("--upload-concurrency", type=int, default=8, metavar="N", help="uploads in flight (default 8)")
    parser.add_argument(
        "-p", "--parameter", action="append", default=[], metavar="KEY=VALUE",
        help="template parameter override, e.g. -p MaximumConcurrency=50 (repeatable)",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")
    args = parser.parse_args()
    if args.photos < 1 or args.megapixels <= 0 or args.upload_concurrency < 1:
        parser.error("--photos, --megapixels and --upload-concurrency must be positive")
    if any("=" not in item for item in args.parameter):
        parser.error("-p takes KEY=VALUE")
    if args.json and not args.json.parent.is_dir():
        parser.error(f"{args.json.parent} is not a folder")
    overrides = dict(item.split("=", 1) for item in args.parameter)
    cores = targets.usable_cores()

    with tempfile.TemporaryDirectory(prefix="p4lab-bench-") as folder:
        print(f"Generating {args.photos} photos of {args.megapixels:g} MP ...", file=sys.stderr)
        paths = make_photos(args.photos, args.megapixels, Path(folder))
        print(f"Engine alone, {cores} processes ...", file=sys.stderr)
        engine_rate, engine_cpu = engine_alone(paths, cores)
        print("Embedded pipeline (fresh emulator, deploy, upload, wait) ...", file=sys.stderr)
        pipeline = through_pipeline(paths, overrides, args.upload_concurrency)

    ratio = pipeline["images_per_s"] / engine_rate
    pipeline_cpu = sum(pipeline["cpu_per_image_s"].values())
    results = {
        "photos": args.photos,
        "megapixels": args.megapixels,
        "cores": cores,
        "engine_images_per_s": engine_rate,
        "engine_cpu_per_image_s": engine_cpu,
        "cpu_ceiling": engine_cpu / pipeline_cpu,
        **{f"pipeline_{k}" if k in ("images_per_s", "seconds", "upload_seconds") else k: v for k, v in pipeline.items()},
        "ratio": ratio,
        "load_average": os.getloadavg(),
    }
    print(f"{args.photos} photos of {args.megapixels:g} MP on {cores} cores "
          f"(load average {results['load_average'][0]:.2f}); pipeline parameters {pipeline['parameters']}")  # fmt: skip
    print(f"  engine alone      {engine_rate:6.2f} images/s  ({cores} processes)")
    print(f"  embedded pipeline {pipeline['images_per_s']:6.2f} images/s  "
          f"({pipeline['seconds']:.1f} s, uploads sent in {pipeline['upload_seconds']:.1f} s)")  # fmt: skip
    split = ", ".join(f"{name} {seconds:.3f}" for name, seconds in pipeline["cpu_per_image_s"].items())
    print(f"  CPU per image     engine {engine_cpu:.3f} s; pipeline {pipeline_cpu:.3f} s ({split}): "
          f"even with every core busy the pipeline can reach {engine_cpu / pipeline_cpu:.0%} of the engine")  # fmt: skip
    goals = [
        ("pipeline / engine", f"{ratio:.0%}", ratio >= GOALS["ratio"], f"≥ {GOALS['ratio']:.0%}"),
        ("worker processes", str(pipeline["workers"]), True, f"(each peaked at {pipeline['per_worker_peak_mb']} MB)"),
        ("worker memory, peak", f"{pipeline['worker_peak_mb']:.0f} MB", pipeline["worker_peak_mb"] <= GOALS["worker_mb"],
         f"≤ {GOALS['worker_mb']:.0f} MB"),
        ("handler INIT", f"{pipeline['init_s'][0]:.2f} s", pipeline["init_s"][0] <= GOALS["init_s"],
         f"≤ {GOALS['init_s']} s ({pipeline['init_s'][1]:.2f} s of CPU)"),
    ]  # fmt: skip
    for name, value, met, goal in goals:
        verdict = "" if goal.startswith("(") else ("met" if met else "NOT met")
        print(f"  {name:<20}{value:>10}   {goal} {verdict}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
