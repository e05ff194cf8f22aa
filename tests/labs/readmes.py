"""What a lab's README states, read back for tests that recompute it from the project's code."""

from __future__ import annotations

import re

from labs.grader import Lab

_ROW = re.compile(r"^\|\s*(?P<name>[^|]+?)\s*\|\s*(?P<points>\d+(?:\.\d+)?)\s*\|\s*$")


def text(lab: Lab) -> str:
    return (lab.folder / "README.md").read_text(encoding="utf-8")


def grading_table(lab: Lab) -> dict[str, float]:
    """The ``| check | points |`` rows under "How it is graded" (backquotes as in the check's name)."""
    section = text(lab).split("## How it is graded", 1)[1].split("\n## ", 1)[0]
    return {m["name"]: float(m["points"]) for line in section.splitlines() if (m := _ROW.match(line.strip()))}


def public_points(lab: Lab) -> dict[str, float]:
    """Each public check's name and points, as the grading table must list them."""
    return {check.name: check.points for check in lab.checks(public_only=True)}


def flat(body: str) -> str:
    """Markdown as one line of words: quotes across line breaks can be searched."""
    return " ".join(body.split())
