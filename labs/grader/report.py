"""Show a LabReport: a table for people, a ``results.json`` for Gradescope."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from labs.grader.grading import LabReport


def table(report: LabReport) -> Table:
    title = f"{report.lab.name}: {report.lab.title}"
    caption = f"{report.score:g} / {report.max_score:g} points ({report.fraction:.0%}) in {report.seconds:.1f} s, seed {report.seed}"
    result = Table(title=title, caption=caption, show_lines=False, expand=False)
    result.add_column("#", justify="right")
    result.add_column("check")
    result.add_column("points", justify="right")
    result.add_column("", justify="center")
    result.add_column("why / hint", overflow="fold", max_width=80)
    for number, outcome in enumerate(report.outcomes, 1):
        mark = "[green]✔" if outcome.passed else ("[yellow]~" if outcome.score else "[red]✘")
        # The output quotes the student's code: shown as text, never as markup.
        hint = f"[dim]Hint: {outcome.hint}" if outcome.hint else ""
        detail = "" if outcome.passed else "\n".join(filter(None, [escape(outcome.output), hint]))
        result.add_row(str(number), outcome.name, f"{outcome.score:g}/{outcome.max_score:g}", mark, detail)
    return result


def gradescope(report: LabReport, hidden_scoring: str = "count") -> dict[str, Any]:
    """Gradescope's autograder results format (score, tests[], execution_time, ...).

    Each check is a test with its own ``visibility``. The summary (``output``) speaks only of the
    visible checks, so it tells nothing of hidden ones. ``hidden_scoring`` decides the total:
    ``count`` adds hidden checks' points to ``score``/``max_score``; ``separate`` reports only the
    visible checks' points as the score (hidden ones are in their tests and ``extra_data``, for
    the instructor to use once the deadline has passed). See docs/instructors.md.
    """
    tests = []
    for number, outcome in enumerate(report.outcomes, 1):
        output = outcome.output
        if not outcome.passed and outcome.hint:
            output = f"{output}\nHint: {outcome.hint}".strip()
        tests.append(
            {
                "number": str(number),
                "name": outcome.name,
                "score": outcome.score,
                "max_score": outcome.max_score,
                "status": "passed" if outcome.passed else "failed",
                "output": output,
                "visibility": outcome.visibility,
            }
        )
    visible = [o for o in report.outcomes if o.visibility == "visible"]
    hidden = [o for o in report.outcomes if o.visibility != "visible"]
    shown = round(sum(o.score for o in visible), 2), sum(o.max_score for o in visible)
    summary = report.problem or f"{report.lab.name}: {shown[0]:g} / {shown[1]:g} points on the checks you can see."
    if report.seed and any(not o.passed for o in visible):
        summary += f" (Inputs from seed {report.seed}.)"
    score, max_score = (report.score, report.max_score) if hidden_scoring == "count" else shown
    return {
        "score": score,
        "max_score": max_score,
        "execution_time": round(report.seconds, 2),
        "output": summary,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"seed": report.seed, "hidden_scoring": hidden_scoring,
                       "hidden_score": round(sum(o.score for o in hidden), 2), "hidden_max_score": sum(o.max_score for o in hidden)},
    }  # fmt: skip


def write_json(reports: list[LabReport], path: Path, hidden_scoring: str = "count") -> None:
    """One lab: Gradescope's format. Several (``--all``): the same per lab, plus totals."""
    if len(reports) == 1:
        payload: dict[str, Any] = gradescope(reports[0], hidden_scoring)
    else:
        payload = {
            "score": round(sum(r.score for r in reports), 2),
            "max_score": sum(r.max_score for r in reports),
            "execution_time": round(sum(r.seconds for r in reports), 2),
            "labs": {r.lab.name: gradescope(r, hidden_scoring) for r in reports},
        }
    write_atomically(path, json.dumps(payload, indent=2) + "\n")


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a new file beside ``path`` and rename it over ``path``, then read it back.

    A reader never sees half a file, a symlink at ``path`` is replaced rather than followed,
    and the read-back proves nothing rewrote it in between (``grade`` has already proved that
    no process of the student's is left).
    """
    data = text.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    if path.read_bytes() != data:
        raise RuntimeError(f"{path} changed while it was being written")
