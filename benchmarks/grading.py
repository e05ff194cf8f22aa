"""Seconds to grade each lab's answer key, and what one isolated check costs.

Each check runs in a forked process and the student's code in a fresh interpreter of its own
(``labs/grader/sandbox.py``): the price of isolation is about one interpreter start plus the
student's imports per check. This prints, per lab, the seconds to grade the answer key, the
number of checks, and seconds per check, next to the cost of a bare ``python -I -c pass`` measured
in the same run (so numbers from a busy machine still compare).

Run: ``python benchmarks/grading.py [--deploying] [--rounds N]`` (``--deploying`` adds labs 04,
08 and 10, which deploy stacks and take minutes). As root, student code runs as the sandbox
user, as on Gradescope.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

# This folder has a simulator.py of its own: it must not shadow the simulator package.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

DEPLOYING = {"lab04-iac", "lab08-chaos", "lab10-observability"}


def interpreter_start(rounds: int = 10) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-I", "-c", "pass"], check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deploying", action="store_true", help="also labs 04, 08, 10 (minutes)")
    parser.add_argument("--rounds", type=int, default=1, metavar="N", help="grade each lab N times and keep the median")
    options = parser.parse_args()

    from labs.grader import all_labs, grade
    from reference import emulator

    baseline = interpreter_start()
    print(f"python -I -c pass: {baseline * 1000:.0f} ms (median of 10)")
    print(f"{'lab':<22} {'checks':>6} {'seconds':>8} {'per check':>10} {'score':>8}")
    running = emulator.start()
    try:
        for lab in all_labs():
            if lab.name in DEPLOYING and not options.deploying:
                continue
            times, report = [], None
            for _ in range(options.rounds):
                started = time.perf_counter()
                report = grade(lab, lab.solution_folder, emulator=running, seed=1)
                times.append(time.perf_counter() - started)
            assert report is not None
            seconds = statistics.median(times)
            count = len(report.outcomes)
            print(f"{lab.name:<22} {count:>6} {seconds:>8.2f} {seconds / count:>10.2f} {report.score:>4g}/{report.max_score:g}")
    finally:
        emulator.stop(running)


if __name__ == "__main__":
    main()
