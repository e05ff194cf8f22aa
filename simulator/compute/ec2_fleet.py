"""The alternative to Lambda: a fleet of EC2 workers polling the same queue.

Each instance runs `workers_per_instance` workers (one per vCPU) after `boot_s`. A worker
receives up to `batch_size` messages, processes them one after another (each message's variants
exist as soon as it is processed) and deletes the batch. Every `scale_interval_s` the fleet
sizes itself for the work arriving and the work waiting:

    desired workers = ceil(arrival rate × mean job seconds / target utilisation
                           + queue depth × mean job seconds / target drain seconds)

rounded up to whole instances between `min_instances` and `max_instances`. The arrival rate is
the queue's NumberOfMessagesSent over the last interval. (The course's rule has only the second
term: it keeps a fleet only as long as there is a backlog, so it settles where the backlog is
just big enough to demand the workers the arrivals need — thousands of messages, a minute of
waiting, all day.) It scales up at once (new instances still take `boot_s` to help) and down
slowly: at most `scale_down_step` of the fleet per `scale_down_cooldown_s`, stopping the newest
instances, which finish their batch first. Spot instances are reclaimed at
`interruptions_per_instance_hour` (Poisson); a reclaimed instance's in-flight batches reappear
after the visibility timeout and the rule replaces it.

Limitations: no two-minute interruption notice handling, no Availability Zone rebalancing, no
instance warm pools; billing is per second with AWS's 60-second minimum; a reclaimed worker's
batch comes back whole, even the messages it had finished.
"""

from __future__ import annotations

import math
import random
from collections.abc import Generator
from dataclasses import asdict, dataclass, field

import simpy

from simulator import cost
from simulator.compute import Consumption
from simulator.handler import HandlerModel
from simulator.result import Projection, Usage
from simulator.scenario import Fleet, Scenario
from simulator.sqs import Batch, StandardQueue

MIN_BILLED_S = 60.0  # EC2 per-second billing has a one-minute minimum


@dataclass
class Instance:
    launched_s: float
    stopped_s: float | None = None
    stopping: bool = False
    workers: list[simpy.Process] = field(default_factory=list)
    live_workers: int = 0
    busy_workers: int = 0


@dataclass
class FleetCounters:
    interruptions: int = 0
    launches: int = 0
    errors: int = 0  # failed message attempts


class WorkerFleet:
    """EC2 instances, their workers and the scaling rule."""

    def __init__(
        self,
        env: simpy.Environment,
        queue: StandardQueue,
        handler: HandlerModel,
        fleet: Fleet,
        seed: int,
    ) -> None:
        self.env = env
        self.queue = queue
        self.handler = handler
        self.fleet = fleet
        self.counters = FleetCounters()
        self.instances: list[Instance] = []
        self._rng = random.Random(seed)
        self._last_scale_down_s = -math.inf
        for _ in range(fleet.initial_instances):
            self._launch(boot_s=0.0)  # the run starts with a warm fleet
        env.process(self._scaler())

    @staticmethod
    def consumption(scenario: Scenario) -> Consumption:
        fleet = scenario.fleet
        return Consumption(fleet.cpu_speed, fleet.batch_size, batching_window_s=0.0)

    @classmethod
    def build(
        cls, env: simpy.Environment, queue: StandardQueue, handler: HandlerModel, scenario: Scenario
    ) -> WorkerFleet:
        return cls(env, queue, handler, scenario.fleet, scenario.simulation.seed)

    def idle(self, now: float) -> int:
        """Workers running but waiting for messages."""
        return self.capacity - self.concurrency

    service = "EC2"

    @staticmethod
    def monthly_cost(scenario: Scenario, usage: Usage, projection: Projection) -> cost.Cost:
        """The month's instance-hours (they follow the load), on demand or at the spot discount."""
        fleet = scenario.fleet
        return cost.ec2_cost(
            usage.instance_hours * projection.month_by_load,
            instance_type=fleet.instance_type,
            spot_discount=fleet.spot_discount if fleet.purchase == "spot" else 0.0,
        )

    def trouble(self) -> tuple[int, int, int]:
        return 0, 0, self.counters.errors

    def counted(self) -> dict[str, float]:
        return asdict(self.counters)

    def close(self, now: float) -> None:
        """Nothing to settle: workers bill their idle polling as they wait."""

    def meter(self, usage: Usage, now: float) -> None:
        usage.instance_hours = self.instance_hours(now)

    # ------------------------------------------------------------ what the probe reads
    @property
    def active(self) -> list[Instance]:
        return [i for i in self.instances if i.stopped_s is None and not i.stopping]

    @property
    def concurrency(self) -> int:
        """Workers processing a batch now."""
        return sum(i.busy_workers for i in self.instances if i.stopped_s is None)

    @property
    def capacity(self) -> int:
        """Workers running (booted, not stopped)."""
        return sum(len(i.workers) for i in self.instances if i.stopped_s is None)

    def instance_hours(self, now: float) -> float:
        """Billed instance-hours so far: per second, one-minute minimum per instance."""
        seconds = sum(
            max(MIN_BILLED_S, (now if i.stopped_s is None else i.stopped_s) - i.launched_s)
            for i in self.instances
        )
        return seconds / 3600.0

    # ------------------------------------------------------------ instances
    def _launch(self, boot_s: float) -> None:
        instance = Instance(launched_s=self.env.now)
        self.instances.append(instance)
        self.counters.launches += 1
        self.env.process(self._instance(instance, boot_s))

    def _instance(self, instance: Instance, boot_s: float) -> Generator[simpy.Event, object, None]:
        yield self.env.timeout(boot_s)
        if instance.stopping:  # scaled in while still booting
            instance.stopped_s = self.env.now
            return
        instance.live_workers = self.fleet.workers_per_instance
        instance.workers = [
            self.env.process(self._worker(instance)) for _ in range(self.fleet.workers_per_instance)
        ]
        rate_per_s = self.fleet.interruptions_per_instance_hour / 3600.0
        if self.fleet.purchase == "spot" and rate_per_s > 0:
            yield self.env.timeout(self._rng.expovariate(rate_per_s))
            if instance.stopped_s is None and not instance.stopping:
                self.counters.interruptions += 1
                instance.stopped_s = self.env.now
                for worker in instance.workers:
                    if worker.is_alive:
                        worker.interrupt("spot interruption")

    def _worker(self, instance: Instance) -> Generator[simpy.Event, object, None]:
        env, queue, handler = self.env, self.queue, self.handler
        batch = waiting = None
        try:
            while not instance.stopping:
                received = queue.receive(env.now)
                if not isinstance(received, Batch):  # nothing ready: long-poll until a batch comes
                    waiting = received
                    received = yield waiting
                    waiting = None
                batch = received
                instance.busy_workers += 1
                attempt = handler.attempt(batch, env.now)
                queue.started(batch, attempt)
                yield env.timeout(attempt.end_s - env.now)
                instance.busy_workers -= 1
                self.counters.errors += len(attempt.returned)
                queue.complete(batch, attempt)
                batch = None
        except simpy.Interrupt:
            if batch is not None:
                instance.busy_workers -= 1
                queue.abandon(batch)
            elif waiting is not None and waiting.triggered:  # a batch came as the instance was reclaimed
                queue.abandon(waiting.value)
        instance.live_workers -= 1
        if instance.live_workers == 0 and instance.stopped_s is None:
            instance.stopped_s = env.now  # the last worker of a drained instance turns it off

    def _stop(self, instance: Instance) -> None:
        """Scale in: no new batches; idle workers leave now, busy ones after their batch."""
        instance.stopping = True
        if not instance.workers:
            return  # still booting: stops when the boot finishes
        for worker in instance.workers:
            waiting = worker.target
            if worker.is_alive and not isinstance(waiting, simpy.Timeout) and not waiting.triggered:
                worker.interrupt("scale in")  # waiting on the queue, holding no messages

    # ------------------------------------------------------------ the scaling rule
    def desired_instances(self, arrivals_per_s: float, queue_depth: int) -> int:
        """The scaling rule, in whole instances within the fleet's bounds."""
        fleet, job_s = self.fleet, self.handler.mean_service_s
        workers = math.ceil(arrivals_per_s * job_s / fleet.target_utilisation + queue_depth * job_s / fleet.target_drain_s)
        instances = math.ceil(workers / fleet.workers_per_instance)
        return min(fleet.max_instances, max(fleet.min_instances, instances))

    def _scaler(self) -> Generator[simpy.Event, object, None]:
        fleet = self.fleet
        sent_before = self.queue.sent_by(self.env.now)
        while True:
            yield self.env.timeout(fleet.scale_interval_s)
            now = self.env.now
            active = self.active
            sent = self.queue.sent_by(now)
            desired = self.desired_instances((sent - sent_before) / fleet.scale_interval_s, self.queue.visible_count(now))
            sent_before = sent
            if desired > len(active):
                for _ in range(desired - len(active)):
                    self._launch(fleet.boot_s)
            elif desired < len(active) and now - self._last_scale_down_s >= fleet.scale_down_cooldown_s:
                surplus = min(len(active) - desired, max(1, int(len(active) * fleet.scale_down_step)))
                for instance in active[-surplus:]:
                    self._stop(instance)
                self._last_scale_down_s = now
