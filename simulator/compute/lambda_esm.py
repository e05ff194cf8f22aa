"""Lambda behind an SQS event source mapping, scaling the way AWS documents it.

The mapping starts with `esm_initial` concurrent batches (pollers). Every `SCALER_TICK_S` it
adds `esm_scale_up_per_minute` × tick / 60 more while messages are waiting and every poller is
busy, up to its ceiling or the `maximum_concurrency` setting; when pollers sit idle it retires
half of the idle ones, down to `esm_floor`. Each poller receives a batch and invokes the
function synchronously. The invoke needs an execution environment: a warm idle one
if there is any (reused most-recently-used first, so the oldest idle ones expire after
`idle_expiry_s`), else a new one, which pays `init_s` (a cold start, billed since 2025-08-01)
and is limited by the per-function scaling rate (1,000 per 10 s). Beyond the account's (or the
function's reserved) concurrency the invoke is throttled: the poller backs off and retries until
the batch's visibility timeout runs out, then the messages reappear in the queue.

Limitations: pollers are a single pool (AWS runs several poller fleets); scale-down details
are not published, so the rule above is an assumption; provisioned-mode pollers are not
modelled; errors do not slow the mapping down.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator
from dataclasses import asdict, dataclass

import simpy

from simulator.alarm import Alarm
from simulator.calibration import cpu_share
from simulator.compute import Consumption
from simulator.cost import billed_ms, lambda_gb_seconds
from simulator.handler import HandlerModel
from simulator.result import Usage
from simulator.scenario import Function, Scenario
from simulator.sqs import Batch, StandardQueue

SCALER_TICK_S = 10.0  # how often the mapping reconsiders its concurrency


@dataclass
class LambdaCounters:
    invocations: int = 0
    cold_starts: int = 0
    throttles: int = 0
    errors: int = 0  # failed message attempts (batch item failures and timeouts)
    timeouts: int = 0
    billed_ms: int = 0  # handler duration, rounded up per invocation
    init_billed_ms: int = 0  # INIT phase of cold starts, billed since 2025-08-01


WARM, COLD, THROTTLED = "warm", "cold", "throttled"  # outcomes of asking for an environment


class ExecutionEnvironments:
    """The function's sandboxes: warm ones are reused, new ones cost a cold start."""

    def __init__(self, function: Function) -> None:
        self.limit = function.concurrency_available
        self.idle_expiry_s = function.idle_expiry_s
        self.busy = 0
        self._idle_since: deque[float] = deque()  # oldest left, most recently used right
        self._bucket_size = float(function.scaling_rate_per_10s)
        self._refill_per_s = function.scaling_rate_per_10s / 10.0
        self._tokens = self._bucket_size
        self._tokens_at = 0.0

    def acquire(self, now: float) -> str:
        """Reserve an environment for one invocation: WARM, COLD or THROTTLED."""
        idle = self._idle_since
        while idle and now - idle[0] > self.idle_expiry_s:
            idle.popleft()
        if self.busy >= self.limit:
            return THROTTLED
        if idle:
            idle.pop()
            self.busy += 1
            return WARM
        self._tokens = min(self._bucket_size, self._tokens + (now - self._tokens_at) * self._refill_per_s)
        self._tokens_at = now
        if self._tokens < 1.0:
            return THROTTLED
        self._tokens -= 1.0
        self.busy += 1
        return COLD

    def release(self, now: float) -> None:
        self.busy -= 1
        self._idle_since.append(now)


class EventSourceMapping:
    """The mapping's pollers, turning queue batches into Lambda invocations.

    A poller is a slot: it holds one batch from receipt until the invocation returns (or the
    batch is given back after being throttled for a whole visibility timeout). The mapping is
    event-driven rather than one SimPy process per poller: whenever something changes (an
    invocation ends, messages reappear, the limit grows) `_dispatch` hands every ready batch to
    a free slot, and if slots are left idle it sets one alarm for when the next batch will be
    ready. An invocation is then two events — the alarm that found its batch and the timeout
    that ends it — which is what lets a day at 10 million images run in seconds.
    """

    def __init__(
        self,
        env: simpy.Environment,
        queue: StandardQueue,
        handler: HandlerModel,
        function: Function,
    ) -> None:
        self.env = env
        self.queue = queue
        self.handler = handler
        self.function = function
        self.environments = ExecutionEnvironments(function)
        self.counters = LambdaCounters()
        self.limit = min(function.esm_initial, function.concurrency_cap)  # concurrent batches
        self.slots_in_use = 0
        self._alarm = Alarm(env, self._dispatch)
        self._idle_since_s = 0.0  # idle slots long-poll: their time is billed as empty receives
        self._idle_slot_s = 0.0
        self._throttled_since_tick = False
        queue.on_change.append(self._dispatch)
        env.process(self._scaler())
        self._dispatch()

    @staticmethod
    def consumption(scenario: Scenario) -> Consumption:
        function = scenario.function
        vcpus = cpu_share(function.memory_mb, scenario.handler.engine_threads) * function.cpu_speed
        return Consumption(vcpus, function.batch_size, function.batching_window_s)

    @classmethod
    def build(
        cls, env: simpy.Environment, queue: StandardQueue, handler: HandlerModel, scenario: Scenario
    ) -> EventSourceMapping:
        return cls(env, queue, handler, scenario.function)

    @property
    def concurrency(self) -> int:
        """Invocations running now (ConcurrentExecutions)."""
        return self.environments.busy

    @property
    def capacity(self) -> int:
        """Concurrent batches the mapping allows now."""
        return self.limit

    def trouble(self) -> tuple[int, int, int]:
        return self.counters.cold_starts, self.counters.throttles, self.counters.errors

    def counted(self) -> dict[str, float]:
        return asdict(self.counters)

    def meter(self, usage: Usage, now: float) -> None:
        memory_mb = self.function.memory_mb
        usage.invocations = self.counters.invocations
        usage.lambda_gb_seconds = lambda_gb_seconds(self.counters.billed_ms, memory_mb)
        usage.lambda_init_gb_seconds = lambda_gb_seconds(self.counters.init_billed_ms, memory_mb)

    # ------------------------------------------------------------ pollers
    def _dispatch(self) -> None:
        """Give every ready batch to a free slot; if slots stay idle, wake up when the next
        batch is due."""
        now = self.env.now
        while self.slots_in_use < self.limit:
            batch = self.queue.take(now)
            if batch is None:
                self._alarm.set(now, self.queue.next_ready_s)
                return
            self._account_idle_polling(now)
            self.slots_in_use += 1
            self._invoke(batch)

    def _account_idle_polling(self, now: float) -> None:
        """Idle slots long-poll the queue: add up their time until `now`."""
        idle = self.limit - self.slots_in_use
        if idle > 0:
            self._idle_slot_s += idle * (now - self._idle_since_s)
        self._idle_since_s = now

    def close(self, now: float) -> None:
        """End of the run: bill the empty receives of all idle polling."""
        self._account_idle_polling(now)
        self.queue.bill_idle_polling(self._idle_slot_s)

    # ------------------------------------------------------------ invocations
    def _invoke(self, batch: Batch) -> None:
        """Invoke the function with `batch`: in an execution environment, or throttled."""
        env, function, counters = self.env, self.function, self.counters
        start = self.environments.acquire(env.now)
        if start == THROTTLED:
            counters.throttles += 1
            self._throttled_since_tick = True
            if env.now + function.throttle_backoff_s >= batch.received_s + self.queue.settings.visibility_timeout_s:
                self.queue.abandon(batch)  # the messages reappear after their visibility timeout
                self._free_slot()
            else:
                retry = env.timeout(function.throttle_backoff_s)
                retry.callbacks.append(lambda _event: self._invoke(batch))
            return
        init_s = function.init_s if start == COLD else 0.0
        work_s = self.handler.work_s(batch)
        if init_s + work_s > function.timeout_s:
            counters.timeouts += 1
            work_s = max(0.0, function.timeout_s - init_s)
            failed = self.handler.everything(batch)
        else:
            failed = self.handler.failures(batch)
        counters.invocations += 1
        counters.errors += len(failed)
        counters.billed_ms += billed_ms(work_s)
        if init_s:
            counters.cold_starts += 1
            counters.init_billed_ms += billed_ms(init_s)
        end = env.timeout(init_s + work_s)
        end.callbacks.append(lambda _event: self._returned(batch, failed))

    def _returned(self, batch: Batch, failed: list[int]) -> None:
        """The invocation returned: the mapping deletes the successes, the slot is free."""
        self.environments.release(self.env.now)
        self.queue.complete(batch, failed, self.env.now)
        self._free_slot()

    def _free_slot(self) -> None:
        now = self.env.now
        self._account_idle_polling(now)
        self.slots_in_use -= 1
        # A pending alarm is never later than the next ready batch (anything that could make
        # a batch ready sooner calls `_dispatch`), so until it rings there is nothing to take.
        if not now < self._alarm.at < math.inf:
            self._dispatch()

    # ------------------------------------------------------------ scaling
    def _scaler(self) -> Generator[simpy.Event, object, None]:
        """Every tick: grow by the documented rate while a backlog finds every slot busy;
        shrink by half the idle slots when they find the queue empty."""
        step = max(1, round(self.function.esm_scale_up_per_minute * SCALER_TICK_S / 60.0))
        while True:
            yield self.env.timeout(SCALER_TICK_S)
            now = self.env.now
            idle = self.limit - self.slots_in_use
            backlog = idle <= 0 and self.queue.visible_count(now) > 0
            self._account_idle_polling(now)
            if backlog and not self._throttled_since_tick:
                self.limit = min(self.function.concurrency_cap, self.limit + step)
                self._dispatch()
            elif not backlog and idle > 0 and self.limit > self.function.esm_floor:
                self.limit -= min(math.ceil(idle / 2), self.limit - self.function.esm_floor)
            self._throttled_since_tick = False
