"""Hidden check for lab 04: the stack deployed with parameter values the public checks never use.

The public deploy uses the template's defaults. An operator may choose the longest timeout the
lab allows (900 s) and another MaxReceiveCount: the *deployed* queue must still hold 6x the
function's timeout and redrive after the count given, and the export must still work.
"""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

from labs.grader import Partial, Submission, check

_spec = importlib.util.spec_from_file_location("lab04_checks_for_hidden", Path(__file__).resolve().parent.parent / "checks.py")
assert _spec and _spec.loader
lab = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lab)

TIMEOUT_S, RECEIVES = 900, 7


@check(10, needs_emulator=True, timeout_s=120, hint="Deploy your template with FunctionTimeout=900 and MaxReceiveCount=7 "
       "and read the queue's attributes: what does the mapping give, and is the count passed through?")  # fmt: skip
def longest_timeout(sub: Submission) -> None | Partial:
    """deployed with FunctionTimeout=900 and MaxReceiveCount=7, the real queues follow, and it exports"""
    declared = lab._template(sub).get("Parameters") or {}
    parameters = {"FunctionTimeout": str(TIMEOUT_S)}
    if "MaxReceiveCount" in declared:
        parameters["MaxReceiveCount"] = str(RECEIVES)
    outputs = lab.deploy_stack(sub.target(), sub.text("template.yaml"), lab.prefix(sub, "-h"), parameters)
    target = sub.target()
    problems = lab.deployed_problems(target, outputs, TIMEOUT_S, RECEIVES if "MaxReceiveCount" in declared else None)
    if "MaxReceiveCount" not in declared:
        problems.append("the template has no MaxReceiveCount parameter: operators cannot change the redrive count")
    lab.request_export(target, outputs, lab.names(lab.prefix(sub, "-h"))["source"], random.Random(f"lab04-hidden:{sub.seed}"))
    return Partial(0.5, "; ".join(problems)) if problems else None
