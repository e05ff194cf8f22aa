"""Hidden check for lab 10: the same objectives at other traffic levels, with the mildest incidents.

The public check draws a day at 10 M images/day. A ratio and a percentile hold at any traffic;
a count threshold tuned to 10 M/day fires all day at 50 M/day or misses a storm at 2 M/day.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from labs.grader import Partial, Submission, check

TRAFFIC = (2_000_000, 50_000_000)  # images/day: a small customer, a big one


def _public() -> Any:
    path = Path(__file__).resolve().parents[1] / "checks.py"
    spec = importlib.util.spec_from_file_location("lab10_observability_public_checks_for_hidden", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@check(20, hint="Would your thresholds still be right with five times the traffic, or a fifth of it?")
def other_traffic(sub: Submission) -> str | Partial:
    """at 2 M and 50 M images/day, with the mildest incidents, the alarms still meet their objectives"""
    public = _public()
    results = [public.at_scale(sub, public.draw_scenario(sub.rng, images_per_day=n, weakest=True)) for n in TRAFFIC]
    partial = [r for r in results if isinstance(r, Partial)]
    if not partial:
        return "; ".join(str(r) for r in results)
    return Partial(min(r.fraction for r in partial), " || ".join(r.message for r in partial))
