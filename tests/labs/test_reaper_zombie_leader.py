"""A process whose main thread exited while another thread runs shows as a zombie, yet runs:
the reaper counts it alive (and kills it), and a true zombie dead."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import psutil

from labs.grader import reaper

LEADER_EXITS = textwrap.dedent("""
    import ctypes, sys, threading, time
    threading.Thread(target=lambda: [time.sleep(0.05) for _ in iter(int, 1)]).start()
    print("ready", flush=True)
    ctypes.CDLL(None).pthread_exit(None)
""")


def test_a_zombie_leader_with_a_running_thread_is_alive_until_killed() -> None:
    process = subprocess.Popen([sys.executable, "-c", LEADER_EXITS], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout and process.stdout.readline().strip() == "ready"
        for _ in range(100):  # the main thread's exit takes a moment to show
            if psutil.Process(process.pid).status() == psutil.STATUS_ZOMBIE:
                break
            time.sleep(0.01)
        assert psutil.Process(process.pid).status() == psutil.STATUS_ZOMBIE
        assert reaper.running(process.pid), "its thread still runs: the reaper must not take it for dead"
        reaper.kill_tree(process.pid)
        process.wait(timeout=5)
        assert not reaper.running(process.pid)
    finally:
        process.kill()
        process.wait()
