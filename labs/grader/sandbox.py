"""Run one check in a process of its own, with a time limit, and leave no process behind.

Three kinds of process take part. The *grader* (trusted) loads the checks and owns the
results. It forks a *check process* per check (trusted: it runs the check function, holds
the answer key, makes the calls a lent table receives). When the check first touches the
student's code, the check process starts the *student's process* (``labs.grader.host``, a
fresh interpreter: nothing of the grader's memory, argv or environment; as the sandbox user
when the grader is root; with limits on memory, CPU time, files and processes) and talks to it
in data only (``student.py``).

Why processes: a thread cannot be stopped, so a student's infinite loop would hang the
grader, and ``os._exit`` or a crash in native code would take it down. After the check the
grader kills the check process's whole tree and then sweeps (``reaper.py``): every process that
appeared during the check, however it detached itself, is killed before the next check runs.

Limitations: checks share the lab run's emulator; a check must name what it creates uniquely
(``unique_name``).
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

from labs.grader import reaper
from labs.grader.checks import Check, Partial
from labs.grader.student import StudentError, new_scratch
from labs.grader.submission import Submission, SubmissionError

OUTPUT_LIMIT = 3000  # characters of message + captured prints kept per check


@dataclass(frozen=True)
class RawResult:
    fraction: float
    message: str
    used_rng: bool = False


@dataclass
class Guard:
    """Whom the sweeps after each check spare and whom they target."""

    keep: set[int] = field(default_factory=set)  # our children that are not the student's (the emulator)
    uid: int | None = None  # the sandbox user: every process of theirs is killed
    spare_groups: frozenset[int] = frozenset()  # process groups of the sandbox user to spare (our emulator)


def _context() -> multiprocessing.context.BaseContext:
    """fork: a check starts in milliseconds and inherits the loaded checks module as it is.

    (Checks modules are loaded by file path, so they could not be pickled for "spawn".)
    """
    if not reaper.supported():
        raise RuntimeError("the grader needs Linux (or WSL, or the devcontainer) to isolate student code")
    return multiprocessing.get_context("fork")


def run_check_seeds(item: Check, submission: Submission, guard: Guard, seeds: Sequence[int]) -> list[RawResult]:
    """Run ``item`` against ``submission`` in a child, once per seed; never raises for anything the child does.

    Grading a student passes one seed. Soundness tests pass many (``grading.grade_seeds``):
    the check runs once per seed in the same check process and student process, each run
    within ``item.timeout_s``, and a check that does not read ``sub.rng`` runs once, its
    result standing for every seed.
    """
    context = _context()
    scratch = new_scratch()
    if submission.user is not None:
        os.chown(scratch, *submission.user)
    before = reaper.children()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child_main, args=(item, submission, scratch, sender, list(seeds)), daemon=True)
    child.start()
    sender.close()
    results: list[RawResult] = []
    try:
        while len(results) < len(seeds):
            if not receiver.poll(item.timeout_s):
                timed_out = f"Timed out after {item.timeout_s:g} s (an infinite loop, or waiting on something that never comes?)."
                results += [RawResult(0.0, timed_out)] * (len(seeds) - len(results))  # later seeds: not run
                break
            fraction, message, used_rng = receiver.recv()
            results.append(RawResult(fraction, message[:OUTPUT_LIMIT], used_rng))
            if not used_rng:  # the same inputs for every seed: the same result
                results += [results[-1]] * (len(seeds) - len(results))
    except EOFError:
        child.join(1)
        message = f"The check's process died without a result (exit code {child.exitcode}): a bug in the check?"
        results += [RawResult(0.0, message)] * (len(seeds) - len(results))
    finally:
        if child.pid is not None:
            reaper.kill_tree(child.pid)
        child.join(5)
        receiver.close()
        reaper.sweep(before | guard.keep, uid=guard.uid, spare_groups=guard.spare_groups)
        shutil.rmtree(scratch, ignore_errors=True)
    return results


def _child_main(item: Check, submission: Submission, scratch: os.PathLike, sender: Connection, seeds: list[int]) -> None:
    reaper.set_subreaper()  # orphans of the student's processes stay below us, where we kill them
    os.setpgrp()
    submission.begin(item, scratch)  # type: ignore[arg-type]
    try:
        for seed in seeds:
            submission.reseed(seed)
            captured = io.StringIO()
            with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
                fraction, message = _evaluate(item, submission)
            printed = captured.getvalue().strip()
            if printed:
                message = f"{message}\n--- the check printed ---\n{printed[-OUTPUT_LIMIT // 3 :]}".strip()
            student = submission.student_output(OUTPUT_LIMIT // 3)
            if student:
                message = f"{message}\n--- your code printed ---\n{student}".strip()
            sender.send((fraction, message, submission.used_rng))
            if not submission.used_rng:
                break
    finally:
        submission.end()
    sender.close()


def _evaluate(item: Check, submission: Submission) -> tuple[float, str]:
    """The check's points from what it returns: None or a str is full, Partial is part, raising is zero."""
    try:
        returned = item.function(submission)
    except AssertionError as error:
        return 0.0, str(error) or "A condition of this check does not hold."
    except StudentError as error:
        if error.is_a("NotImplementedError"):
            return 0.0, f"Not implemented yet: {error.message}" if error.message else "Not implemented yet."
        return 0.0, f"Your code raised {error}"
    except SubmissionError as error:
        return 0.0, str(error)
    except Exception as error:  # noqa: BLE001  (a check tripping over the student's data, or the check's bug)
        return 0.0, f"{type(error).__name__} while checking: {error}"
    if returned is None:
        return 1.0, ""
    if type(returned) is str:
        return 1.0, returned
    if type(returned) is Partial:
        return returned.fraction, returned.message
    return 0.0, f"The check returned a {type(returned).__name__}, not None, a message or Partial: a bug in the check."
