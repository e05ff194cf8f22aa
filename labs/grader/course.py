"""Grading a class: one folder per student, one CSV row per student, never stopping at a bad one.

``p4lab grade LAB --class DIR --csv grades.csv`` grades every subfolder of ``DIR`` (a student's
upload, or a clone of their GitHub Classroom repository: the lab's files are found in nested
folders), writes each student's ``results.json`` beside their files and one CSV row per
student: name, score, maximum, the points of every check, and what went wrong. A submission
that cannot be graded (files missing, ambiguous, a crash) is a row with a problem, not an
abort. ``--jobs N`` grades N students at a time, each in its own grader process (as root, each
with its own sandbox user).
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from labs.grader.grading import LabReport, grade
from labs.grader.labs import Lab
from labs.grader.report import write_atomically, write_json

RESULTS_FILE = "results.json"


@dataclass(frozen=True)
class Row:
    student: str
    score: float
    max_score: float
    points: dict[str, float]
    problem: str


def students(folder: Path) -> list[Path]:
    """The student folders of a class folder (hidden folders are not students)."""
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def grade_student(lab: Lab, folder: Path, hidden: Path | None, seed: int | None, hidden_scoring: str) -> Row:
    """Grade one student; whatever happens, their results.json and a row come out."""
    try:
        report = grade(lab, folder, hidden, seed=seed)
    except Exception as error:  # noqa: BLE001  (one bad submission, or a bug it triggers, must not stop the class)
        problem = f"not graded: {type(error).__name__}: {error}"
        write_atomically(folder / RESULTS_FILE, json.dumps({"score": 0, "output": problem}) + "\n")
        return Row(folder.name, 0.0, 0.0, {}, problem)
    write_json([report], folder / RESULTS_FILE, hidden_scoring=hidden_scoring)
    return _row(folder.name, report)


def _row(student: str, report: LabReport) -> Row:
    failed = [o.name for o in report.outcomes if not o.passed]
    problem = report.problem or (f"lost points on: {'; '.join(failed)}" if failed else "")
    return Row(student, report.score, report.max_score, {o.name: o.score for o in report.outcomes}, problem)


def grade_class(lab: Lab, folder: Path, *, hidden: Path | None = None, seed: int | None = None, jobs: int = 1,
                hidden_scoring: str = "count") -> list[Row]:  # fmt: skip
    """Grade every student folder in ``folder``; rows in the students' order."""
    people = students(folder)
    if jobs <= 1 or len(people) <= 1:
        return [grade_student(lab, person, hidden, seed, hidden_scoring) for person in people]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(jobs, mp_context=context) as pool:
        return list(pool.map(grade_student, [lab] * len(people), people, [hidden] * len(people), [seed] * len(people),
                             [hidden_scoring] * len(people)))  # fmt: skip


def csv_text(rows: list[Row]) -> str:
    """One row per student: student, score, max_score, each check's points, problem."""
    checks: list[str] = []
    for row in rows:
        checks += [name for name in row.points if name not in checks]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student", "score", "max_score", *checks, "problem"])
    for row in rows:
        writer.writerow([row.student, f"{row.score:g}", f"{row.max_score:g}", *(f"{row.points.get(c, 0):g}" for c in checks), row.problem])
    return buffer.getvalue()
