"""The queue's consumers: Lambda behind an SQS event source mapping, or a fleet of EC2 workers.

Both implement `Compute`, so the model, the probe and the bill never ask which one they have:
`kind` picks the class named by the scenario's ``compute`` field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import simpy

    from simulator.cost import Cost
    from simulator.handler import HandlerModel
    from simulator.result import Projection, Usage
    from simulator.scenario import Scenario
    from simulator.sqs import StandardQueue


@dataclass(frozen=True)
class Consumption:
    """How a compute reads the queue, and how fast it runs the handler."""

    vcpus: float  # CPU the handler gets, relative to the machine the service times were measured on
    batch_size: int
    batching_window_s: float


class Compute(Protocol):
    """What the model needs from whatever processes the queue's batches."""

    @property
    def concurrency(self) -> int:
        """Batches being processed now (Lambda invocations running, EC2 workers busy)."""

    @property
    def capacity(self) -> int:
        """Batches it could process at once now (the mapping's limit, EC2 workers running)."""

    def idle(self, now: float) -> int:
        """Ready but not processing: warm Lambda execution environments, EC2 workers waiting."""

    def trouble(self) -> tuple[int, int, int]:
        """Cumulative (cold starts, throttles, failed message attempts)."""

    def counted(self) -> dict[str, float]:
        """Everything it counted, by name (for the result's `counters`)."""

    def close(self, now: float) -> None:
        """The run ends at `now`: settle what is billed by time."""

    def meter(self, usage: Usage, now: float) -> None:
        """Add what AWS bills for it to `usage`."""


class ComputeKind(Protocol):
    """A class implementing `Compute`, with how to build it from a scenario and how it is priced."""

    service: str  # its line in the bill

    @staticmethod
    def monthly_cost(scenario: Scenario, usage: Usage, projection: Projection) -> Cost: ...

    @staticmethod
    def consumption(scenario: Scenario) -> Consumption: ...

    @classmethod
    def build(
        cls, env: simpy.Environment, queue: StandardQueue, handler: HandlerModel, scenario: Scenario
    ) -> Compute: ...


def kind(scenario: Scenario) -> ComputeKind:
    """The compute class for the scenario's ``compute`` field."""
    from simulator.compute.ec2_fleet import WorkerFleet
    from simulator.compute.lambda_esm import EventSourceMapping

    kinds: dict[str, ComputeKind] = {"lambda": EventSourceMapping, "ec2": WorkerFleet}
    return kinds[scenario.compute]
