"""p4lab simulator: the image pipeline at scale, with scaling, failures and cost.

    from simulator import load_scenario, run
    result = run(load_scenario("plan"), hours=1)
    print(result.latency_s["p99"], result.total_per_day)

`simulator.cost` holds the price functions on their own (labs call them directly). The names
below are loaded on first use, so that `import simulator.cli` (every `p4lab` command) does not
pay for NumPy and SimPy.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "run": "simulator.model",
    "SimResult": "simulator.result",
    "TimeSeries": "simulator.result",
    "Usage": "simulator.result",
    "Scenario": "simulator.scenario",
    "load_scenario": "simulator.scenario",
    "preset_names": "simulator.scenario",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'simulator' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
