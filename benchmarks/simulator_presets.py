"""Does a new version of the simulator give the same answers as an old one? (A benchmark, not a test.)

Runs every preset at several seeds with a given version of the `simulator` package — the working
tree, or any git commit exported to a temporary folder — each run in a fresh process (so that its
peak memory is its own), and keeps the numbers an instructor reads off a run. `compare` then puts
two such files side by side: for every preset and metric, the mean over seeds of each version,
the seed-to-seed standard deviation, and Welch's z = (mean_b − mean_a) / √(s_a²/n_a + s_b²/n_b).
|z| ≤ 3 is "unchanged within sampling noise"; where a seed gives identical numbers in every run
(no spread), the relative difference is shown instead.

    python benchmarks/simulator_presets.py run --ref c22c681 --label before   # a commit
    python benchmarks/simulator_presets.py run --label after                  # the working tree
    python benchmarks/simulator_presets.py compare before after

Results go to `benchmarks/results/simulator-presets-<label>.json`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
PRESETS = ["plan", "diurnal", "spike", "ec2-spot", "cost-optimised"]
DEFAULT_SEEDS = [1, 2, 3, 4]
Z_LIMIT = 3.0

# Runs inside the child process, against whichever `simulator` is first on sys.path. It reads
# only what every version has had (to_dict(), the series), so old and new code can be compared.
DRIVER = r"""
import json, resource, sys, time
import numpy as np
from simulator import load_scenario, run
name, seed, hours = sys.argv[1], int(sys.argv[2]), sys.argv[3]
scenario = load_scenario(name)
scenario.simulation.seed = seed
cpu = time.process_time()
result = run(scenario, hours=None if hours == "default" else float(hours))
cpu = time.process_time() - cpu
data = result.to_dict()
series = data["series"]
usage = data["usage"]
if "cost" in data:  # since issue 14: labelled bills (simulated, per day, per month)
    day = {s: b["total"] for s, b in data["cost"]["per_day"]["services"].items()}
else:
    day = {service: sum(items.values()) for service, items in data["cost_per_day"].items()}
metrics = {
    "hours": data["hours"],
    "arrived": data["arrived"],
    "processed": data["processed"],
    "failed": data["failed"],
    "lost": data["lost"],
    "pending": data["pending"],
    **{f"latency_{k}_s": v for k, v in data["latency_s"].items()},
    "cold_starts": data["cold_starts"],
    "throttles": data["throttles"],
    "errors": data["errors"],
    "invocations": usage.get("invocations", 0),
    "lambda_gb_seconds": usage.get("lambda_gb_seconds", 0.0),
    "instance_hours": usage.get("instance_hours", 0.0),
    "peak_concurrency": max(series["concurrency"]),
    "mean_concurrency": float(np.mean(series["concurrency"])),
    "peak_queue_visible": max(series["queue_visible"]),
    "mean_queue_visible": float(np.mean(series["queue_visible"])),
    "max_oldest_age_s": max(series["oldest_age_s"]),
    **{f"cost_per_day_{s}": v for s, v in day.items()},
    "events": data["events"],
    "cpu_s": cpu,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}
print(json.dumps(metrics))
"""


def export(ref: str, into: Path) -> Path:
    """The `simulator` package as it was at git `ref`, unpacked under `into`."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "simulator"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def run_one(tree: Path, preset: str, seed: int, hours: str) -> dict:
    # Run from inside `tree`: `python -c` puts the working directory first on sys.path, so that
    # is the `simulator` package the child imports.
    env = {**os.environ, "PYTHONPATH": str(tree), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, preset, str(seed), hours], env=env, cwd=tree, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"{preset} seed {seed} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        tree = export(args.ref, Path(folder)) if args.ref else ROOT
        runs: dict[str, list[dict]] = {}
        for preset in args.presets:
            runs[preset] = []
            for seed in args.seeds:
                metrics = run_one(tree, preset, seed, args.hours)
                runs[preset].append(metrics)
                print(
                    f"{preset:<15} seed {seed}: {metrics['arrived']:>10,} uploads, p50 {metrics['latency_p50_s']:.2f} s, "
                    f"{metrics['cpu_s']:.1f} s CPU, {metrics['peak_rss_mb']:.0f} MB",
                    flush=True,
                )
    commit = args.ref or subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip() + " (+ working tree)"
    out = RESULTS / f"simulator-presets-{args.label}.json"
    out.write_text(json.dumps({"label": args.label, "ref": commit, "hours": args.hours, "runs": runs}, indent=1))
    print(f"wrote {out}")


def summary(values: list[float]) -> tuple[float, float]:
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def compare(args: argparse.Namespace) -> None:
    a, b = (json.loads((RESULTS / f"simulator-presets-{label}.json").read_text()) for label in (args.a, args.b))
    print(f"A = {a['label']} ({a['ref']}), B = {b['label']} ({b['ref']}); |z| ≤ {Z_LIMIT:g} is within sampling noise\n")
    for preset in a["runs"]:
        if preset not in b["runs"]:
            continue
        runs_a, runs_b = a["runs"][preset], b["runs"][preset]
        print(f"{preset} ({len(runs_a)} vs {len(runs_b)} seeds)")
        print(f"  {'metric':<28} {'A mean':>14} {'A sd':>10} {'B mean':>14} {'B sd':>10} {'z / change':>12}")
        for metric in runs_a[0]:
            if metric not in runs_b[0] or metric == "hours":
                continue
            values_a = [r[metric] for r in runs_a if r[metric] is not None]
            values_b = [r[metric] for r in runs_b if r[metric] is not None]
            (ma, sa), (mb, sb) = summary(values_a), summary(values_b)
            error = math.sqrt(sa**2 / len(values_a) + sb**2 / len(values_b))
            if error > 0:
                verdict = f"z {(mb - ma) / error:+7.2f}" + ("" if abs(mb - ma) <= Z_LIMIT * error else " !")
            else:
                verdict = "same" if ma == mb else f"{(mb - ma) / abs(ma) * 100 if ma else math.inf:+.1f} %"
            print(f"  {metric:<28} {ma:>14,.4g} {sa:>10,.3g} {mb:>14,.4g} {sb:>10,.3g} {verdict:>12}")
        print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    runner = commands.add_parser("run", help="run every preset at several seeds")
    runner.add_argument("--ref", help="git commit to run (default: the working tree)")
    runner.add_argument("--label", required=True)
    runner.add_argument("--seeds", type=int, nargs="+", default=DEFAULT_SEEDS)
    runner.add_argument("--presets", nargs="+", default=PRESETS)
    runner.add_argument("--hours", default="default", help="simulated hours, or 'default' (the preset's)")
    comparer = commands.add_parser("compare", help="compare two result files")
    comparer.add_argument("a")
    comparer.add_argument("b")
    args = parser.parse_args()
    (run if args.command == "run" else compare)(args)


if __name__ == "__main__":
    main()
