"""How fast is the simulator, and how much memory does it need? (A benchmark, not a test.)

Targets from issue 14: a full day at 10 million images a day in at most 10 s of CPU and 300 MB;
at 100 million a day in at most 2 minutes and 1 GB. Each run is a fresh process (so its peak
memory, `ru_maxrss`, is its own) and reports CPU seconds (the process is single-threaded: CPU
time is time on one core, and other jobs on a shared machine inflate it far less than wall
time), SimPy events per CPU second and peak resident memory. With `--baseline REF` the same runs
are made with the simulator as it was at a git commit, interleaved with the current ones
(A B A B …) so that load from other jobs hits both alike, and the table shows the ratio.

    python benchmarks/simulator.py                          # current version, every run once
    python benchmarks/simulator.py --baseline c22c681       # against the version before issue 14
    python benchmarks/simulator.py --baseline c22c681 --baseline-100m   # the old 100 M/day too (~10 GB)

Results: a table on stdout, `benchmarks/results/simulator.json` and `simulator.md`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"

# (label, preset, images per day, hours, CPU target s, memory target MB)
RUNS = [
    ("plan, 1 h (10M/day)", "plan", 10_000_000, 1.0, None, None),
    ("plan, 24 h (10M/day)", "plan", 10_000_000, 24.0, 10.0, 300.0),
    ("plan, 24 h (100M/day)", "plan", 100_000_000, 24.0, 120.0, 1024.0),
]

# Runs in the child process against whichever `simulator` is first on sys.path (the working
# directory): it uses only what every version has had.
DRIVER = r"""
import json, resource, sys, time
from simulator import load_scenario, run
preset, per_day, hours = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
scenario = load_scenario(preset)
scenario.workload.images_per_day = per_day
cpu, wall = time.process_time(), time.perf_counter()
result = run(scenario, hours=hours)
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
print(json.dumps({"uploads": result.arrived, "events": result.events, "cpu_s": cpu, "wall_s": wall,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "p50_s": result.latency_s["p50"]}))
"""


def measure(tree: Path, preset: str, per_day: float, hours: float) -> dict:
    """One run in a fresh process, from `tree` (`python -c` puts the working directory first on
    sys.path, so that is the `simulator` it imports)."""
    env = {**os.environ, "PYTHONPATH": str(tree), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, preset, str(per_day), str(hours)], env=env, cwd=tree, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"{preset} at {per_day:g}/day for {hours:g} h failed in {tree}:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def export(ref: str, into: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "simulator"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def median_run(samples: list[dict]) -> dict:
    """The sample with the median CPU time (its memory and events come with it)."""
    return sorted(samples, key=lambda s: s["cpu_s"])[len(samples) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", metavar="REF", help="git commit to compare with (runs interleaved)")
    parser.add_argument("--baseline-100m", action="store_true", help="also run the baseline at 100 M/day")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each, the median is kept")
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        old_tree = export(args.baseline, Path(folder)) if args.baseline else None
        for label, preset, per_day, hours, cpu_target, memory_target in RUNS:
            current, baseline = [], []
            for _ in range(args.repeats):
                if old_tree is not None and (per_day < 1e8 or args.baseline_100m):
                    baseline.append(measure(old_tree, preset, per_day, hours))
                current.append(measure(ROOT, preset, per_day, hours))
            row = {"run": label, "hours": hours, "images_per_day": per_day, "cpu_target_s": cpu_target,
                   "memory_target_mb": memory_target, "current": median_run(current)}  # fmt: skip
            if baseline:
                row["baseline"] = median_run(baseline)
            rows.append(row)
            print(_line(row), flush=True)

    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    load = os.getloadavg()
    report = {
        "machine": machine,
        "load_average": load,
        "baseline": args.baseline,
        "repeats": args.repeats,
        "rows": rows,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "simulator.json").write_text(json.dumps(report, indent=1))
    (RESULTS / "simulator.md").write_text(_markdown(report))
    print(f"\n{machine}; load average {load[0]:.1f} (1 min). Wrote {RESULTS / 'simulator.md'}")


def _verdict(value: float, target: float | None) -> str:
    return "" if target is None else f"≤ {target:g} {'OK' if value <= target else 'MISSED'}"


def _line(row: dict) -> str:
    now = row["current"]
    text = (
        f"{row['run']:<24} {now['uploads']:>12,} uploads  {now['cpu_s']:7.2f} s CPU {_verdict(now['cpu_s'], row['cpu_target_s']):<10}"
        f" {now['events'] / now['cpu_s']:>9,.0f} events/s  {now['peak_mb']:7.0f} MB {_verdict(now['peak_mb'], row['memory_target_mb'])}"
    )
    if "baseline" in row:
        old = row["baseline"]
        text += (
            f"\n{'  baseline':<24} {old['uploads']:>12,} uploads  {old['cpu_s']:7.2f} s CPU {'':<10}"
            f" {old['events'] / old['cpu_s']:>9,.0f} events/s  {old['peak_mb']:7.0f} MB"
            f"   → CPU ×{now['cpu_s'] / old['cpu_s']:.2f}, memory ×{now['peak_mb'] / old['peak_mb']:.3f}"
        )
    return text


def _markdown(report: dict) -> str:
    lines = [
        f"Measured on {report['machine']}, load average {report['load_average'][0]:.1f}; "
        f"median of {report['repeats']} run(s); baseline: {report['baseline'] or 'none'}.",
        "",
        "| run | version | uploads | SimPy events | CPU s | events per CPU s | peak MB | target |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in report["rows"]:
        for version in ("baseline", "current"):
            if version not in row:
                continue
            r = row[version]
            target = "" if version == "baseline" or row["cpu_target_s"] is None else (
                f"≤ {row['cpu_target_s']:g} s, ≤ {row['memory_target_mb']:g} MB: "
                + ("met" if r["cpu_s"] <= row["cpu_target_s"] and r["peak_mb"] <= row["memory_target_mb"] else "MISSED")
            )  # fmt: skip
            lines.append(
                f"| {row['run']} | {version} | {r['uploads']:,} | {r['events']:,} | {r['cpu_s']:.2f} | "
                f"{r['events'] / r['cpu_s']:,.0f} | {r['peak_mb']:,.0f} | {target} |"
            )
    ratios = [
        f"{row['run']}: CPU ×{row['current']['cpu_s'] / row['baseline']['cpu_s']:.2f}, memory "
        f"×{row['current']['peak_mb'] / row['baseline']['peak_mb']:.3f}"
        for row in report["rows"]
        if "baseline" in row
    ]
    if ratios:
        lines += ["", "Current against baseline, same machine, interleaved: " + "; ".join(ratios) + "."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
