"""Answer keys may return records (a NamedTuple, a dataclass): recorded for the student export by
name and fields, and replayed so a check reads them the same way in both places."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from labs.grader import all_labs, grade
from labs.grader.recording import ANSWERS_FILE, record

CHECKS = '''
"""A lab whose answer key returns records."""
from labs.grader import check

FILES = ["shapes.py"]

@check(10)
def records(sub):
    """the student's records match the key's, field by field"""
    key, mine = sub.answer("shapes"), sub.module("shapes")
    n = sub.rng.randrange(1, 100)
    box, point = key.box(n), key.point(n)
    assert tuple(mine.box(n)) == tuple(box) and box.width == n and box[1] == 2 * n
    assert mine.point(n).x == point.x == n and point.y == -n
'''

SHAPES = """
from dataclasses import dataclass
from typing import NamedTuple

class Box(NamedTuple):
    width: int
    height: int

@dataclass(frozen=True)
class Point:
    x: int
    y: int

def box(n):
    return Box(n, 2 * n)

def point(n):
    return Point(n, -n)
"""


def test_records_are_recorded_and_replayed(tmp_path: Path) -> None:
    folder = tmp_path / "labs" / "lab97-records"
    (folder / "solution").mkdir(parents=True)
    (folder / "checks.py").write_text(textwrap.dedent(CHECKS))
    for where in (folder, folder / "solution"):
        (where / "shapes.py").write_text(textwrap.dedent(SHAPES))
    lab = all_labs(tmp_path / "labs")[0]
    recorded = record(lab, seeds=(1, 2))
    assert any('"rec"' in json.dumps(result) for result in recorded["calls"].values())
    (folder / ANSWERS_FILE).write_text(json.dumps(recorded))
    (folder / "solution" / "shapes.py").unlink()
    (folder / "solution").rmdir()  # as in the student export: recorded answers only
    assert [grade(lab, seed=seed).score for seed in (1, 2)] == [10.0, 10.0]
