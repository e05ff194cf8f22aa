"""Lambda behind an SQS event source mapping, scaling the way AWS documents it.

The mapping starts with `esm_initial` concurrent batches (pollers). Every `SCALER_TICK_S` it
adds `esm_scale_up_per_minute` × tick / 60 more while messages are waiting and every poller is
busy, up to its ceiling or the `maximum_concurrency` setting; when pollers sit idle it retires
half of the idle ones, down to `esm_floor`. In provisioned mode the mapping keeps
`esm_min_pollers` event pollers of 10 concurrent invokes each, scales up by 1,000 concurrent
invokes a minute to `esm_max_pollers`, and bills event-poller-unit hours.

Each poller receives a batch and invokes the function synchronously. The invoke needs an
execution environment: one of the `provisioned_concurrency` environments if one is free (always
initialised, billed by the hour), else a warm idle one (reused most-recently-used first, so the
oldest idle ones expire after `idle_expiry_s`), else a new one — a cold start: `init_s` of
INIT (billed since 2025-08-01; with SnapStart, a restore of `snapstart_restore_s` instead),
limited by the per-function scaling rate (1,000 per 10 s). INIT has its own 10 s: the function
timeout counts only the handler; an INIT longer than 10 s fails, and Lambda runs it again
inside the invocation, where it does count against the timeout. Beyond the account's (or the
function's reserved) concurrency the invoke is throttled: the poller backs off and retries until
the batch's visibility timeout runs out, then the messages reappear in the queue.

The handler works through the batch one message after another; each message's variants are
stored as it finishes (that is its latency), and the mapping deletes the successes when the
invocation returns. With `report_batch_item_failures` only the failed messages come back; without
it, one failure fails the whole batch, and a timeout always does.

Limitations: pollers are a single pool (AWS runs several poller fleets); scale-down details
are not published, so the rule above is an assumption; errors do not slow the mapping down;
provisioned concurrency is enabled for the whole run (no scheduled scaling).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator
from dataclasses import asdict, dataclass

import simpy

from simulator import cost
from simulator.alarm import Alarm
from simulator.calibration import cpu_share
from simulator.compute import Consumption
from simulator.cost import HOURS_PER_MONTH, billed_ms, lambda_gb_seconds
from simulator.handler import HandlerModel
from simulator.result import Projection, Usage
from simulator.scenario import INIT_LIMIT_S, POLLER_INVOKES, Function, Scenario
from simulator.sqs import Attempt, Batch, StandardQueue

SCALER_TICK_S = 10.0  # how often the mapping reconsiders its concurrency
PROVISIONED_SCALE_UP_PER_MINUTE = 1000.0  # provisioned mode: concurrent invokes added a minute


@dataclass
class LambdaCounters:
    invocations: int = 0
    cold_starts: int = 0
    throttles: int = 0
    errors: int = 0  # message attempts that came back (failures, timeouts, failed batches)
    timeouts: int = 0
    billed_ms: int = 0  # on-demand duration, rounded up per invocation
    init_billed_ms: int = 0  # INIT phase of cold starts, billed since 2025-08-01
    provisioned_billed_ms: int = 0  # duration on provisioned-concurrency environments
    restores: int = 0  # SnapStart: environments resumed from the snapshot
    poller_seconds: float = 0.0  # provisioned mode: event pollers × time


# What asking for an execution environment gives.
PROVISIONED, WARM, COLD, THROTTLED = 0, 1, 2, 3


class ExecutionEnvironments:
    """The function's sandboxes: provisioned ones first, then warm ones, new ones cost a cold start."""

    def __init__(self, function: Function) -> None:
        self.limit = function.concurrency_available
        self.provisioned = function.provisioned_concurrency
        self.idle_expiry_s = function.idle_expiry_s
        self.busy = 0
        self.busy_provisioned = 0
        self._idle_since: deque[float] = deque()  # on-demand; oldest left, most recently used right
        self._bucket_size = float(function.scaling_rate_per_10s)
        self._refill_per_s = function.scaling_rate_per_10s / 10.0
        self._tokens = self._bucket_size
        self._tokens_at = 0.0

    def acquire(self, now: float) -> int:
        """Reserve an environment for one invocation: PROVISIONED, WARM, COLD or THROTTLED."""
        if self.busy >= self.limit:
            return THROTTLED
        if self.busy_provisioned < self.provisioned:
            self.busy_provisioned += 1
            self.busy += 1
            return PROVISIONED
        idle = self._idle_since
        while idle and now - idle[0] > self.idle_expiry_s:
            idle.popleft()
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

    def release(self, now: float, kind: int) -> None:
        self.busy -= 1
        if kind == PROVISIONED:
            self.busy_provisioned -= 1
        else:
            self._idle_since.append(now)

    def idle(self, now: float) -> int:
        """Initialised environments not running an invocation now."""
        idle = self._idle_since
        while idle and now - idle[0] > self.idle_expiry_s:
            idle.popleft()
        return len(idle) + self.provisioned - self.busy_provisioned


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
        self.provisioned_mode = function.esm_mode == "provisioned"
        if self.provisioned_mode:
            self.floor = function.esm_min_pollers * POLLER_INVOKES
            self.limit = min(self.floor, function.concurrency_cap)
            per_minute = PROVISIONED_SCALE_UP_PER_MINUTE
        else:
            self.floor = function.esm_floor
            self.limit = min(function.esm_initial, function.concurrency_cap)  # concurrent batches
            per_minute = function.esm_scale_up_per_minute
        self._step = max(1, round(per_minute * SCALER_TICK_S / 60.0))
        self.slots_in_use = 0
        self._alarm = Alarm(env, self._dispatch)
        # Idle slots long-poll the queue (billed as empty receives): idle slot-time is the limit's
        # time integral less the time slots held batches, each added up when it changes.
        self._limit_slot_s = 0.0
        self._limit_since_s = 0.0
        self._held_slot_s = 0.0
        self._pollers_since_s = 0.0
        self._throttled_since_tick = False
        # INIT over its 10 s limit is retried inside the invocation, against the timeout.
        self._init_in_invoke = function.init_s > INIT_LIMIT_S and not function.snapstart
        self._visibility_s = queue.settings.visibility_timeout_s
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

    service = "Lambda"

    @staticmethod
    def monthly_cost(scenario: Scenario, usage: Usage, projection: Projection) -> cost.Cost:
        """The month's Lambda bill: what the run metered, scaled by the projection; provisioned
        concurrency and SnapStart's cache for every hour of the month."""
        function, billing = scenario.function, scenario.billing
        by_load, by_time = projection.month_by_load, projection.month_by_time
        memory_gb = function.memory_mb / 1024.0
        month_s = HOURS_PER_MONTH * 3600.0
        return cost.lambda_cost(
            requests=usage.invocations * by_load,
            gb_seconds=usage.lambda_gb_seconds * by_load,
            init_gb_seconds=usage.lambda_init_gb_seconds * by_load,
            provisioned_gb_seconds=function.provisioned_concurrency * memory_gb * month_s,
            provisioned_duration_gb_seconds=usage.provisioned_duration_gb_seconds * by_load,
            snapstart_cache_gb_seconds=memory_gb * month_s if function.snapstart else 0.0,
            snapstart_restore_gb=usage.snapstart_restore_gb * by_load,
            event_poller_unit_hours=usage.event_poller_unit_hours * by_time,
            architecture=function.architecture,
            free_tier=billing.free_tier,
            savings_plan_discount=billing.savings_plan_discount,
        )

    # ------------------------------------------------------------ what the probe and the bill read
    @property
    def concurrency(self) -> int:
        """Invocations running now (ConcurrentExecutions)."""
        return self.environments.busy

    @property
    def capacity(self) -> int:
        """Concurrent batches the mapping allows now."""
        return self.limit

    def idle(self, now: float) -> int:
        """Execution environments initialised but not running an invocation."""
        return self.environments.idle(now)

    def trouble(self) -> tuple[int, int, int]:
        return self.counters.cold_starts, self.counters.throttles, self.counters.errors

    def counted(self) -> dict[str, float]:
        return asdict(self.counters)

    def meter(self, usage: Usage, now: float) -> None:
        memory_mb = self.function.memory_mb
        counters = self.counters
        usage.invocations = counters.invocations
        usage.lambda_gb_seconds = lambda_gb_seconds(counters.billed_ms, memory_mb)
        usage.lambda_init_gb_seconds = lambda_gb_seconds(counters.init_billed_ms, memory_mb)
        usage.provisioned_duration_gb_seconds = lambda_gb_seconds(counters.provisioned_billed_ms, memory_mb)
        usage.snapstart_restore_gb = counters.restores * memory_mb / 1024.0
        usage.event_poller_unit_hours = counters.poller_seconds / 3600.0

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
            self.slots_in_use += 1
            self._invoke(batch)

    def _account_limit(self, now: float) -> None:
        """Add the slots allowed until `now` (call before the limit changes)."""
        self._limit_slot_s += self.limit * (now - self._limit_since_s)
        self._limit_since_s = now

    def _account_pollers(self, now: float) -> None:
        """Provisioned mode bills event pollers (at least the minimum) for every second."""
        if self.provisioned_mode:
            pollers = max(self.function.esm_min_pollers, math.ceil(self.limit / POLLER_INVOKES))
            self.counters.poller_seconds += pollers * (now - self._pollers_since_s)
        self._pollers_since_s = now

    def close(self, now: float) -> None:
        """End of the run: bill the empty receives of all idle polling, and the pollers."""
        self._account_limit(now)
        self._account_pollers(now)
        self.queue.bill_idle_polling(self._limit_slot_s - self._held_slot_s - self.queue.held_s(now))

    # ------------------------------------------------------------ invocations
    def _invoke(self, batch: Batch) -> None:
        """Invoke the function with `batch`: in an execution environment, or throttled."""
        env, function, counters = self.env, self.function, self.counters
        now = env.now
        environment = self.environments.acquire(now)
        if environment == THROTTLED:
            counters.throttles += 1
            self._throttled_since_tick = True
            if now + function.throttle_backoff_s >= batch.received_s + self.queue.settings.visibility_timeout_s:
                self.queue.abandon(batch)  # the messages reappear after their visibility timeout
                self._free_slot(batch)
            else:
                retry = env.timeout(function.throttle_backoff_s)
                retry.callbacks.append(lambda _event: self._invoke(batch))
            return
        invoke_s = handler_s = now  # billed duration starts at invoke_s, the handler at handler_s
        timeout_s = function.timeout_s  # for the handler
        if environment == COLD:
            counters.cold_starts += 1
            if function.snapstart:
                invoke_s = handler_s = now + function.snapstart_restore_s
                counters.restores += 1
            elif self._init_in_invoke:  # INIT ran out of its 10 s, then runs again in the invoke
                invoke_s = now + INIT_LIMIT_S
                handler_s = invoke_s + function.init_s
                timeout_s -= function.init_s
                counters.init_billed_ms += billed_ms(INIT_LIMIT_S)
            else:
                invoke_s = handler_s = now + function.init_s
                counters.init_billed_ms += billed_ms(function.init_s)
        attempt = self.handler.attempt(batch, handler_s, max(timeout_s, 0.0), function.report_batch_item_failures)
        if environment == PROVISIONED:
            counters.provisioned_billed_ms += billed_ms(attempt.end_s - invoke_s)
        else:
            counters.billed_ms += billed_ms(attempt.end_s - invoke_s)
        counters.timeouts += attempt.timed_out
        counters.invocations += 1
        counters.errors += len(attempt.returned)
        if attempt.end_s > batch.received_s + self._visibility_s:
            self.queue.started(batch, attempt)  # the messages will be visible again before it ends
        end = env.timeout(attempt.end_s - now)
        end.callbacks.append(lambda _event: self._returned(batch, attempt, environment))

    def _returned(self, batch: Batch, attempt: Attempt, environment: int) -> None:
        """The invocation returned: the mapping deletes the successes, the slot is free."""
        self.environments.release(self.env.now, environment)
        self.queue.complete(batch, attempt)
        self._free_slot(batch)

    def _free_slot(self, batch: Batch) -> None:
        now = self.env.now
        self._held_slot_s += now - batch.received_s
        self.slots_in_use -= 1
        # A pending alarm is never later than the next ready batch (anything that could make
        # a batch ready sooner calls `_dispatch`), so until it rings there is nothing to take.
        if not now < self._alarm.at < math.inf:
            self._dispatch()

    # ------------------------------------------------------------ scaling
    def _scaler(self) -> Generator[simpy.Event, object, None]:
        """Every tick: grow by the documented rate while a backlog finds every slot busy;
        shrink by half the idle slots when they find the queue empty."""
        while True:
            yield self.env.timeout(SCALER_TICK_S)
            now = self.env.now
            idle = self.limit - self.slots_in_use
            backlog = idle <= 0 and self.queue.visible_count(now) > 0
            self._account_limit(now)
            self._account_pollers(now)
            if backlog and not self._throttled_since_tick:
                self.limit = min(self.function.concurrency_cap, self.limit + self._step)
                self._dispatch()
            elif not backlog and idle > 0 and self.limit > self.floor:
                self.limit -= min(math.ceil(idle / 2), self.limit - self.floor)
            self._throttled_since_tick = False
