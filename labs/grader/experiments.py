"""A student's Chaos Toolkit experiment is code: only p4lab's own drill steps may run from it.

Chaos Toolkit imports and calls whatever Python function an activity names (and validating an
experiment already imports the modules), runs shell commands (``process``), calls URLs
(``http``), loads *controls*, resolves *secrets* and reads environment variables into the
configuration. The grader runs experiments in its own (trusted) check process, so before a lab
validates or runs a student's experiment it calls :func:`vet`, which allows only Python
providers from p4lab's drill modules, plain data as arguments and tolerances, and environment
variables named ``P4LAB_*``.

    >>> vet({"method": [{"type": "action", "name": "x", "provider": {"type": "python", "module": "os", "func": "system"}}]})
    Traceback (most recent call last):
    ...
    AssertionError: the experiment may only use p4lab's drill steps: method[0] (x) calls os.system; allowed modules: ...
"""

from __future__ import annotations

from typing import Any

DRILL_MODULES = frozenset({"chaos.pipeline", "chaos.uploads", "chaos.workers", "chaos.clocks", "chaos.capacity", "chaos.faults"})
FORBIDDEN_KEYS = frozenset({"controls", "secrets"})
SAFE_TOLERANCES = frozenset({"range", "regex", "jsonpath"})


def vet(experiment: dict[str, Any], modules: frozenset[str] = DRILL_MODULES) -> None:
    """AssertionError naming every part of ``experiment`` that would run something but a drill step."""
    problems = [f"{key} (they load code)" for key in FORBIDDEN_KEYS if key in experiment]
    for key, value in (experiment.get("configuration") or {}).items():
        if isinstance(value, dict) and (value.get("type") != "env" or not str(value.get("key", "")).startswith("P4LAB_")):
            problems.append(f"configuration.{key} (only plain values and P4LAB_* environment variables)")
    hypothesis = experiment.get("steady-state-hypothesis") or {}
    sections = [("steady-state-hypothesis.probes", hypothesis.get("probes")), ("method", experiment.get("method")),
                ("rollbacks", experiment.get("rollbacks"))]  # fmt: skip
    for where, activities in sections:
        for number, activity in enumerate(activities or []):
            problems += _activity_problems(f"{where}[{number}]", activity, modules)
    assert not problems, (
        "the experiment may only use p4lab's drill steps: " + "; ".join(problems) + f"; allowed modules: {', '.join(sorted(modules))}"
    )


def _activity_problems(where: str, activity: Any, modules: frozenset[str]) -> list[str]:
    if not isinstance(activity, dict):
        return [f"{where} is not an activity"]
    label = f"{where} ({activity.get('name', '?')})"
    if "ref" in activity and "provider" not in activity:
        return []
    problems = [f"{label} has controls"] if "controls" in activity else []
    provider = activity.get("provider") or {}
    module, func = provider.get("module"), provider.get("func")
    if provider.get("type") != "python":
        problems.append(f"{label} is a {provider.get('type')!r} provider (only python drill steps)")
    elif module not in modules or not isinstance(func, str) or func.startswith("_"):
        problems.append(f"{label} calls {module}.{func}")
    arguments = provider.get("arguments") or {}
    if not isinstance(arguments, dict) or {"configuration", "secrets"} & set(arguments):
        problems.append(f"{label} passes configuration or secrets as arguments")
    tolerance = activity.get("tolerance")
    if isinstance(tolerance, dict) and tolerance.get("type") not in SAFE_TOLERANCES:
        problems.append(f"{label} has a tolerance of type {tolerance.get('type')!r} (it would run code)")
    return problems
