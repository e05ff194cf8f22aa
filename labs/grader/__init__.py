"""The autograder: small check functions, each run in its own process, against student code
that runs in a process of its own and answers in data only.

A lab declares its checks in ``labs/labNN-name/checks.py``::

    from labs.grader import Partial, Submission, check

    @check(20, hint="10,000,000 / 86,400 is not a round number.")
    def images_per_second(sub: Submission) -> None:
        \"\"\"images per second at 10 M images/day\"\"\"
        plan = sub.module("capacity")
        assert abs(plan.images_per_second(10_000_000) - 115.74) < 0.01

and ``grade()`` (or ``p4lab grade lab01``) runs them against a student's folder. A check
passes when it returns ``None`` (or a message), earns part of its points when it returns
``Partial(fraction, message)``, and fails when it raises: an ``AssertionError`` with its
message, a ``StudentError`` (whatever the student's code raised) with the student's message
and line. Nothing a submission does (loop forever, exit, crash, fork and detach, raise the
grader's own types) can give it points or stop the grader. The mechanism is in ``sandbox.py``
(processes), ``student.py`` (what a check sees of student code) and ``host.py`` (the
student's process); ``docs/instructors.md`` explains it for check authors.

Names are imported lazily, so ``import labs.grader.host`` in the student's process loads only
what it needs.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Check": "labs.grader.checks",
    "Partial": "labs.grader.checks",
    "check": "labs.grader.checks",
    "LabReport": "labs.grader.grading",
    "Outcome": "labs.grader.grading",
    "grade": "labs.grader.grading",
    "grade_seeds": "labs.grader.grading",
    "Lab": "labs.grader.labs",
    "all_labs": "labs.grader.labs",
    "find_lab": "labs.grader.labs",
    "Handle": "labs.grader.student",
    "LentTable": "labs.grader.student",
    "StudentError": "labs.grader.student",
    "type_name": "labs.grader.student",
    "Submission": "labs.grader.submission",
    "SubmissionError": "labs.grader.submission",
    "unique_name": "labs.grader.submission",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'labs.grader' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
