"""The embedded emulator's Lambda workers, seen from the operating system.

MiniStack runs each concurrent invocation in a worker subprocess of its own
(``python _worker.py`` with the function's environment, ``AWS_LAMBDA_FUNCTION_NAME`` included)
inside the emulator's process group, and keeps it warm for the next batch. How many there are,
how much memory they hold and whether they are busy is therefore read from ``/proc``: the
benchmark, the load test and the chaos drills all look here. Linux only (where ``/proc``
exists); on AWS the same questions go to CloudWatch (``ConcurrentExecutions``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reference import emulator


def function_workers(pgid: int, function_name: str) -> list[int]:
    """PIDs in the emulator's process group whose environment names ``function_name``."""
    marker = f"AWS_LAMBDA_FUNCTION_NAME={function_name}".encode()
    workers = []
    for pid in emulator.group_processes(pgid):
        try:
            environment = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:  # exited meanwhile, or not ours to read
            continue
        if marker in environment:
            workers.append(pid)
    return workers


def cpu_ticks(pid: int) -> int | None:
    """User + system CPU time of a process in clock ticks (fields 14 and 15 of /proc/PID/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])


def memory_kb(pid: int) -> tuple[int, int] | None:
    """(resident now, peak resident) of a process in KiB: VmRSS and VmHWM of /proc/PID/status."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    values = {}
    for line in lines:
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0])
    if len(values) < 2:  # a zombie has no memory lines
        return None
    return values["VmRSS"], values["VmHWM"]


@dataclass(frozen=True)
class WorkerSample:
    """The function's workers at one moment."""

    pids: tuple[int, ...]
    busy: int  # workers whose CPU time grew since the previous sample (processing or starting)
    rss_mb: float  # resident memory of all of them together


class WorkerWatch:
    """Successive samples of one function's workers; ``busy`` compares CPU time with the last one."""

    def __init__(self, pgid: int, function_name: str) -> None:
        self.pgid, self.function_name = pgid, function_name
        self._ticks: dict[int, int] = {}
        self.peak_kb: dict[int, int] = {}  # every worker ever seen -> its peak resident memory
        self.peak_total_mb = 0.0  # the most memory the workers held at once (over samples)

    def sample(self) -> WorkerSample:
        pids = function_workers(self.pgid, self.function_name)
        busy, rss_kb, ticks = 0, 0, {}
        for pid in pids:
            now, memory = cpu_ticks(pid), memory_kb(pid)
            if now is None or memory is None:
                continue
            ticks[pid] = now
            # A worker new since the last sample counts from zero: it is starting up, i.e. busy.
            busy += now > self._ticks.get(pid, 0)
            rss_kb += memory[0]
            self.peak_kb[pid] = max(self.peak_kb.get(pid, 0), memory[1])
        self._ticks = ticks
        self.peak_total_mb = max(self.peak_total_mb, rss_kb / 1024)
        return WorkerSample(tuple(ticks), busy, rss_kb / 1024)
