"""p4lab simulator: the image pipeline at scale, with scaling, failures and cost.

    from simulator import load_scenario, run
    result = run(load_scenario("plan"), hours=1)
    print(result.latency_s["p99"], result.total_per_day)

`simulator.cost` holds the price functions on their own (labs call them directly).
"""

from simulator.model import run
from simulator.result import SimResult, TimeSeries, Usage
from simulator.scenario import Scenario, load_scenario, preset_names

__all__ = ["Scenario", "SimResult", "TimeSeries", "Usage", "load_scenario", "preset_names", "run"]
