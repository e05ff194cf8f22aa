"""Find the function's Lambda worker processes and SIGKILL the busy ones (embedded target only).

MiniStack runs each concurrent invocation in a worker subprocess it spawned
(``ministack/core/lambda_runtime.py``: ``python _worker.py`` with the function's environment,
including ``AWS_LAMBDA_FUNCTION_NAME``), inside the emulator's process group. A SIGKILL is the
crash of an execution environment: the invocation returns an error, the whole batch fails, its
messages come back after the visibility timeout, and the next invocation starts cold.

Killing an idle worker proves little (nothing is in flight), so each tick kills the workers
whose CPU time grew since the previous tick: the ones processing a batch or starting up.

On AWS there are no processes to kill: use AWS FIS's Lambda actions
(``aws:lambda:invocation-error``, ``aws:lambda:invocation-add-delay``) for the same effect on a
share of invocations, or the throttle drill. See docs/chaos.md.
"""

from __future__ import annotations

import os
import signal
import time
from typing import Any

from chaos import drill
from chaos.context import Configuration, resolve
from reference.errors import UserError
from reference.workers import cpu_ticks, function_workers

WINDOW = "workers killed"


def kill_workers(
    duration_s: float = 10.0,
    interval_s: float = 1.0,
    per_tick: int = 1,
    configuration: Configuration | None = None,
) -> dict[str, Any]:
    """For ``duration_s``, every ``interval_s`` SIGKILL up to ``per_tick`` busy workers of the function."""
    stack = resolve(configuration)
    group = stack.target.process_group
    if group is None:
        raise UserError(
            f"Killing Lambda workers needs the embedded emulator's process group; target {stack.target.name.value} "
            "has none. On AWS use FIS (aws:lambda:invocation-error) instead; see docs/chaos.md.", 2
        )
    function = stack.outputs["FunctionName"]
    drill.open_window(WINDOW)
    killed: list[int] = []
    ticks = 0
    previous = {pid: cpu_ticks(pid) for pid in function_workers(group, function)}
    deadline = time.monotonic() + float(duration_s)
    try:
        while time.monotonic() < deadline:
            time.sleep(float(interval_s))
            ticks += 1
            now = {pid: cpu_ticks(pid) for pid in function_workers(group, function)}
            # A worker new since the last tick counts from zero: it is starting up, i.e. busy.
            growth = {pid: cpu - (previous.get(pid) or 0) for pid, cpu in now.items() if cpu is not None}
            busy = sorted(((delta, pid) for pid, delta in growth.items() if delta > 0), reverse=True)
            for delta, pid in busy[: int(per_tick)]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    continue
                killed.append(pid)
                drill.add_kill(pid, f"busy: +{delta} CPU ticks in {interval_s} s")
                now.pop(pid)
            previous = now
    finally:
        drill.close_window(WINDOW)
    return {"function": function, "ticks": ticks, "kills": len(killed), "pids": killed}
