"""What a check is, the ``@check`` decorator labs use to declare one, and ``Partial`` credit.

A check is a function of the submission. What it *returns* decides its points:

* ``None`` (or a ``str``, shown as a note): full points;
* ``Partial(fraction, message)``: that fraction of the points;
* raising (``AssertionError``, a ``StudentError`` from the student's code, anything): zero,
  with the exception's message.

Credit is a value the check returns, never an exception, so nothing raised by the student's
code (which reaches the check only as ``StudentError``) can ever give points.

    >>> Partial(1.5, "capped").fraction
    1.0
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from types import ModuleType
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from labs.grader.submission import Submission

# Gradescope's values: "hidden" never shows the student, "after_published" once grades are out.
Visibility = Literal["visible", "after_published", "after_due_date", "hidden"]
VISIBILITIES: tuple[str, ...] = ("visible", "after_published", "after_due_date", "hidden")
DEFAULT_TIMEOUT_S = 20.0
DEFAULT_MEMORY_MB = 2048  # address space of the student's process: Python + boto3 + Pillow fit in ~600 MB


@dataclass(frozen=True)
class Partial:
    """Return from a check to award ``fraction`` (clamped to 0..1) of its points, with a message."""

    fraction: float
    message: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "fraction", min(1.0, max(0.0, float(self.fraction))))


CheckFunction = Callable[["Submission"], "None | str | Partial"]


@dataclass(frozen=True)
class Check:
    """One graded question: a function of the submission, worth ``points``."""

    function: CheckFunction
    name: str
    points: float
    hint: str
    timeout_s: float
    memory_mb: int
    visibility: Visibility | None  # None: decided by where the check was loaded from
    needs_emulator: bool

    def resolved(self, default_visibility: Visibility) -> Check:
        return self if self.visibility is not None else replace(self, visibility=default_visibility)


def check(
    points: float,
    *,
    hint: str = "",
    name: str | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
    visibility: Visibility | None = None,
    needs_emulator: bool = False,
) -> Callable[[CheckFunction], CheckFunction]:
    """Mark a function as a check. Its name defaults to the first line of its docstring.

    ``hint`` is shown when the check fails: say where to look, not the answer.
    ``timeout_s`` bounds the check's wall time, ``memory_mb`` the student's process's address
    space (its CPU time is bounded by ``timeout_s`` too). ``needs_emulator`` makes the grader
    start one embedded emulator for the lab run (``sub.target()`` then reaches it).
    ``visibility`` defaults to "visible" for a lab's own checks and "after_published" for
    hidden ones.
    """
    if points <= 0:
        raise ValueError(f"a check must be worth points > 0, not {points}")
    if visibility is not None and visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {VISIBILITIES}, not {visibility!r}")
    if timeout_s <= 0 or memory_mb < 256:
        raise ValueError(f"timeout_s must be > 0 and memory_mb at least 256 (got {timeout_s}, {memory_mb})")

    def mark(function: CheckFunction) -> CheckFunction:
        doc = (function.__doc__ or "").strip().splitlines()
        function.__p4lab_check__ = Check(  # type: ignore[attr-defined]
            function=function,
            name=name or (doc[0].strip() if doc else function.__name__.replace("_", " ")),
            points=float(points),
            hint=hint,
            timeout_s=timeout_s,
            memory_mb=memory_mb,
            visibility=visibility,
            needs_emulator=needs_emulator,
        )
        return function

    return mark


def collect(module: ModuleType, default_visibility: Visibility) -> list[Check]:
    """The checks a module declares, in the order they appear in its source."""
    found = [value.__p4lab_check__ for value in vars(module).values() if hasattr(value, "__p4lab_check__")]
    found.sort(key=lambda c: c.function.__code__.co_firstlineno)
    return [c.resolved(default_visibility) for c in found]
