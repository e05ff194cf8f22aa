"""The autograder: small check functions, each run in its own process with a time limit.

A lab declares its checks in ``labs/labNN-name/checks.py``::

    from labs.grader import Submission, check

    @check(points=20, hint="10,000,000 / 86,400 is not a round number.")
    def images_per_second(sub: Submission) -> None:
        \"\"\"images per second at 10 M images/day\"\"\"
        plan = sub.module("capacity")
        assert abs(plan.images_per_second(10_000_000) - 115.74) < 0.01

and ``grade()`` (or ``p4lab grade lab01``) runs them against a student's folder. A check passes
when it returns; an ``AssertionError`` fails it with its message; any other exception from the
student's code fails it too, with the exception's type and message; ``Partial`` gives part of
the points. Nothing a submission does (loop forever, exit, crash the interpreter) can stop the
grader: every check runs in a child process that is killed at its time limit.
"""

from labs.grader.checks import Check, Partial, check
from labs.grader.grade import LabReport, Outcome, grade
from labs.grader.labs import Lab, all_labs, find_lab
from labs.grader.submission import Submission, SubmissionError

__all__ = [
    "Check",
    "Lab",
    "LabReport",
    "Outcome",
    "Partial",
    "Submission",
    "SubmissionError",
    "all_labs",
    "check",
    "find_lab",
    "grade",
]
