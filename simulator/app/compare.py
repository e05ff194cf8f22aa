"""What differs between scenario A and B: their settings, and what those did to the metrics.

Plain functions on scenarios and results (no Streamlit), so the tests can check them directly.

    >>> from simulator import load_scenario
    >>> setting_differences(load_scenario("plan"), load_scenario("ec2-spot"))[:2]
    [('compute', 'lambda', 'ec2'), ('fleet.purchase', 'on_demand', 'spot')]
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from simulator.app.runs import HEADLINE, headline
from simulator.result import SimResult
from simulator.scenario import Scenario

IGNORED = {"name", "description"}  # labels, not settings
BETTER, WORSE = "background-color: #c8f0c8", "background-color: #f8c8c8"  # green / red


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def setting_differences(a: Scenario, b: Scenario) -> list[tuple[str, Any, Any]]:
    """(field, A's value, B's value) for every field that differs, in the YAML's order."""
    flat_a, flat_b = _flatten(a.model_dump(mode="json")), _flatten(b.model_dump(mode="json"))
    return [
        (path, flat_a[path], flat_b[path])
        for path in flat_a
        if path not in IGNORED and flat_a[path] != flat_b[path]
    ]


def metric_deltas(a: SimResult, b: SimResult) -> pd.DataFrame:
    """Headline metrics of A and B with B − A and the change in percent."""
    values_a, values_b = headline(a), headline(b)
    rows = []
    for metric in HEADLINE:
        va, vb = values_a[metric.label], values_b[metric.label]
        change = (vb - va) / abs(va) * 100.0 if va else (0.0 if vb == va else float("inf"))
        rows.append({"metric": metric.label, "A": va, "B": vb, "B − A": vb - va, "change %": change})
    return pd.DataFrame(rows).set_index("metric")


def styled_deltas(table: pd.DataFrame):
    """The delta table coloured: green where B is lower (every headline metric is better
    lower), red where B is higher."""
    formats = {metric.label: metric.format for metric in HEADLINE}

    def colour(row: pd.Series) -> list[str]:
        style = BETTER if row["B − A"] < 0 else WORSE if row["B − A"] > 0 else ""
        return ["", "", style, style]

    def fmt(row: pd.Series) -> pd.Series:
        spec = formats[row.name]
        return pd.Series(
            {
                "A": spec.format(row["A"]),
                "B": spec.format(row["B"]),
                "B − A": ("+" if row["B − A"] > 0 else "") + spec.format(row["B − A"]).replace("$-", "-$"),
                "change %": f"{row['change %']:+.0f} %" if abs(row["change %"]) != float("inf") else "new",
            }
        )

    shown = table.apply(fmt, axis=1)
    return shown.style.apply(lambda row: colour(table.loc[row.name]), axis=1)


def styled_settings(a: Scenario, b: Scenario):
    """The differing settings as a table with B's values highlighted, or None if identical."""
    differences = setting_differences(a, b)
    if not differences:
        return None
    table = pd.DataFrame(
        [(path, _show(va), _show(vb)) for path, va, vb in differences], columns=["setting", "A", "B"]
    ).set_index("setting")
    return table.style.map(lambda _: "background-color: #fff2b3; font-weight: 600", subset=["B"])


def changes_from_defaults(scenario: Scenario):
    """What `scenario` sets differently from the course's plan, as a table (section, setting,
    value, default) — a person's view of a scenario file. None when it changes nothing."""
    differences = setting_differences(Scenario(), scenario)
    if not differences:
        return None
    rows = [
        {"section": path.split(".")[0] if "." in path else "—", "setting": path.split(".", 1)[-1],
         "value": _show(value), "the plan's": _show(default)}
        for path, default, value in differences
        if not path.startswith("workload.trace")
    ]  # fmt: skip
    if scenario.workload.trace is not None:
        rows.append({"section": "workload", "setting": "trace", "value": f"{len(scenario.workload.trace):,} uploads", "the plan's": "—"})
    return pd.DataFrame(rows)


def _show(value: Any) -> str:
    return "—" if value is None else str(value)


def with_changes(scenario: Scenario, changes: dict[str, Any], name: str) -> Scenario:
    """A copy of `scenario` with dotted-path `changes` (e.g. ``{"function.architecture":
    "arm64"}``), validated like a file."""
    data = scenario.model_dump(mode="json")
    for path, value in changes.items():
        *parents, last = path.split(".")
        target = data
        for part in parents:
            target = target[part]
        target[last] = value
    data["name"] = name
    return Scenario.model_validate(data)
