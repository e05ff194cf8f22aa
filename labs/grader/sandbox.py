"""Run one check in a child process with a time limit, and turn whatever happens into an Outcome.

Why a process and not a thread: a thread cannot be stopped, so a student's infinite loop would
hang the grader, and ``os._exit`` or a segfault in a native library would take it down. The
child leads its own process group, so anything it starts is killed with it.

Limitations: checks share the machine's filesystem and the lab run's emulator; a check must
name what it creates uniquely (``unique_name``).
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import os
import signal
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from labs.grader.checks import Check, Partial
from labs.grader.labs import CHECKS_FILE
from labs.grader.submission import Submission, SubmissionError

OUTPUT_LIMIT = 3000  # characters of message + captured prints kept per check


@dataclass(frozen=True)
class RawResult:
    fraction: float
    message: str


def _context() -> multiprocessing.context.BaseContext:
    """fork: a check starts in milliseconds and inherits the loaded checks module as it is.

    (Checks modules are loaded by file path, so they could not be pickled for "spawn".)
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        raise RuntimeError("the grader needs os.fork (Linux, macOS or WSL); on Windows use WSL or the devcontainer")
    return multiprocessing.get_context("fork")


def run_check(item: Check, submission: Submission) -> RawResult:
    """Run ``item`` against ``submission`` in a child; never raises for anything the child does."""
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child_main, args=(item, submission, sender), daemon=True)
    child.start()
    sender.close()
    try:
        if receiver.poll(item.timeout_s):
            fraction, message = receiver.recv()
        else:
            fraction, message = 0.0, f"Timed out after {item.timeout_s:g} s (an infinite loop, or waiting on something that never comes?)."
    except EOFError:
        child.join(1)
        fraction, message = 0.0, (
            f"The check's process died without a result (exit code {child.exitcode}): "
            "did the code call exit() or crash the interpreter?"
        )
    finally:
        _kill_group(child)
        receiver.close()
    return RawResult(fraction, message[:OUTPUT_LIMIT])


def _kill_group(child: multiprocessing.process.BaseProcess) -> None:
    if child.pid is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)
    child.join(5)


def _child_main(item: Check, submission: Submission, sender: Connection) -> None:
    os.setpgrp()  # see module docstring: the grader kills the whole group
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
        fraction, message = _evaluate(item, submission)
    printed = captured.getvalue().strip()
    if printed:
        message = f"{message}\n--- output ---\n{printed[-OUTPUT_LIMIT // 2 :]}".strip()
    sender.send((fraction, message))
    sender.close()


def _evaluate(item: Check, submission: Submission) -> tuple[float, str]:
    try:
        returned = item.function(submission)
    except Partial as partial:
        return partial.fraction, str(partial)
    except AssertionError as error:
        return 0.0, str(error) or "A condition of this check does not hold."
    except NotImplementedError as error:
        return 0.0, f"Not implemented yet: {error}" if str(error) else "Not implemented yet."
    except SubmissionError as error:
        return 0.0, str(error)
    except BaseException as error:  # the student's bug (or SystemExit) is a failed check, not ours
        return 0.0, f"{type(error).__name__}: {error}{_where(error, submission.root)}"
    return 1.0, returned if isinstance(returned, str) else ""


def _where(error: BaseException, root: Path) -> str:
    """' (at events.py:42)' for the innermost frame in the student's files, if any."""
    frames = [
        f for f in traceback.extract_tb(error.__traceback__)
        if Path(f.filename).parent == root and Path(f.filename).name != CHECKS_FILE
    ]
    if not frames:
        return ""
    frame = frames[-1]
    return f" (at {Path(frame.filename).name}:{frame.lineno})"
