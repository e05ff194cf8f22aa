"""Hidden check for lab 10: the same objectives at other traffic levels, with the mildest incidents.

The public check draws a day at 10 M images/day. A ratio and a percentile hold at any traffic;
a count threshold tuned to 10 M/day fires all day at 50 M/day or misses a storm at 2 M/day.
"""

from __future__ import annotations

from labs.grader import Partial, Submission, check
from labs.grader.labs import public_checks

TRAFFIC = (2_000_000, 50_000_000)  # images/day: a small customer, a big one


@check(20, hint="Would your thresholds still be right with five times the traffic, or a fifth of it?")
def other_traffic(sub: Submission) -> str | Partial:
    """at 2 M and 50 M images/day, with the mildest incidents, the alarms still meet their objectives"""
    public = public_checks("lab10")
    results = [public.at_scale(sub, public.draw_scenario(sub.rng, images_per_day=n, weakest=True)) for n in TRAFFIC]
    partial = [r for r in results if isinstance(r, Partial)]
    if not partial:
        return "; ".join(str(r) for r in results)
    return Partial(min(r.fraction for r in partial), " || ".join(r.message for r in partial))
