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
    """at 2 M or 50 M images/day (drawn), with the mildest incidents, the alarms still meet their objectives"""
    public = public_checks("lab10")
    public.alarms(sub)  # an unreadable submission fails before anything is drawn
    return public.at_scale(sub, public.draw_scenario(sub.rng, images_per_day=sub.rng.choice(TRAFFIC), weakest=True))
