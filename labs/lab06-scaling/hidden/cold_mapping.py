"""Hidden check for lab 06: the objective on a spike the public checks never draw.

The public spikes start four to seven minutes into the run, when the event source mapping has
settled on its few pollers and warm execution environments. This one arrives in the first
minutes: five pollers, no environment initialised yet, every new one a cold start. Settings
tuned to the public draws rather than to the mechanism (enough CPU per message, batches that do
not make messages wait) show it here. Inputs from ``sub.rng``, compared with the plan's run on
the same uploads: nothing hard-coded (docs/instructors.md, "Hidden checks").
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from labs.grader import Submission, check

_spec = importlib.util.spec_from_file_location("lab06_public_checks", Path(__file__).parents[1] / "checks.py")
assert _spec and _spec.loader
public = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(public)

COLD_START_MINUTE = (0.5, 1.5)


@check(10, timeout_s=90, hint="A spike can arrive before the mapping has scaled or warmed anything: the objective still holds.")
def cold_mapping(sub: Submission) -> str:
    """p95 through a spike that hits a cold mapping no worse than the plan's, nothing lost"""
    fixed = public.spike(sub.rng, start_minute=COLD_START_MINUTE)
    mine, plan = public.runs(sub, fixed)
    why = public.problem(mine, plan)
    assert not why, f"{why}, on a spike of {public.describe(fixed)}"
    return f"p95 {mine.latency_s['p95']:.2f} s (the plan: {plan.latency_s['p95']:.2f} s)"
