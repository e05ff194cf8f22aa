"""What a check is, and the ``@check`` decorator labs use to declare one."""

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

CheckFunction = Callable[["Submission"], "str | None"]


@dataclass(frozen=True)
class Check:
    """One graded question: a function of the submission, worth ``points``."""

    function: CheckFunction
    name: str
    points: float
    hint: str
    timeout_s: float
    visibility: Visibility | None  # None: decided by where the check was loaded from
    needs_emulator: bool

    def resolved(self, default_visibility: Visibility) -> Check:
        return self if self.visibility is not None else replace(self, visibility=default_visibility)


class Partial(Exception):
    """Raise from a check to award ``fraction`` (0..1) of its points, with a message."""

    def __init__(self, fraction: float, message: str) -> None:
        super().__init__(message)
        self.fraction = min(1.0, max(0.0, fraction))


def check(
    points: float,
    *,
    hint: str = "",
    name: str | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    visibility: Visibility | None = None,
    needs_emulator: bool = False,
) -> Callable[[CheckFunction], CheckFunction]:
    """Mark a function as a check. Its name defaults to the first line of its docstring.

    ``hint`` is shown when the check fails: say where to look, not the answer.
    ``needs_emulator`` makes the grader start one embedded emulator for the lab run
    (``sub.target()`` then reaches it). ``visibility`` defaults to "visible" for a lab's own
    checks and "after_published" for an instructor's hidden ones.
    """
    if points <= 0:
        raise ValueError(f"a check must be worth points > 0, not {points}")
    if visibility is not None and visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {VISIBILITIES}, not {visibility!r}")

    def mark(function: CheckFunction) -> CheckFunction:
        doc = (function.__doc__ or "").strip().splitlines()
        function.__p4lab_check__ = Check(  # type: ignore[attr-defined]
            function=function,
            name=name or (doc[0].strip() if doc else function.__name__.replace("_", " ")),
            points=float(points),
            hint=hint,
            timeout_s=timeout_s,
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
