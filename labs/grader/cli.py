"""``p4lab grade``: the grader's command line (registered in ``p4lab/cli.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from reference.console import out as console
from reference.console import warning
from reference.errors import UserError


def grade_command(
    lab: Annotated[Optional[str], typer.Argument(help="lab01, 1 or lab01-capacity.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Grade every lab.")] = False,
    submission: Annotated[
        Optional[Path],
        typer.Option(help="The student's folder (default: the lab folder). With --all: a folder of lab folders."),
    ] = None,
    hidden: Annotated[Optional[Path], typer.Option(help="A folder of instructor's hidden checks (*.py).")] = None,
    json_path: Annotated[Optional[Path], typer.Option("--json", help="Write Gradescope's results.json here.")] = None,
    seed: Annotated[
        Optional[int], typer.Option(metavar="N", help="Repeat the random inputs of an earlier run (its failures name the seed).")
    ] = None,
) -> None:
    """Grade a lab: run its checks, print points and hints, optionally write results.json.

    Exit code 0: full marks. 1: some checks failed. 2: nothing to grade (unknown lab,
    missing submission or files).
    """
    from labs.grader.grading import grade
    from labs.grader.labs import LabError, all_labs, find_lab
    from labs.grader.report import table, write_json
    from labs.grader.submission import SubmissionError

    if (lab is None) == (not every):
        raise UserError("Name one lab (e.g. `p4lab grade lab01`) or use --all.", 2)
    try:
        if every:
            reports = [grade(item, submission / item.name if submission else None, hidden, seed=seed) for item in all_labs()]
        else:
            reports = [grade(find_lab(lab or ""), submission, hidden, seed=seed)]
    except (LabError, SubmissionError) as error:
        raise UserError(str(error), 2) from None
    for report in reports:
        for note in report.notes:
            warning(note)
        console.print(f"[red]{report.lab.name}: {report.problem}" if report.problem else table(report))
    if len(reports) > 1:
        total = sum(r.score for r in reports)
        console.print(f"[bold]All labs: {total:g} / {sum(r.max_score for r in reports):g} points")
    if json_path:
        write_json(reports, json_path)
        console.print(f"Wrote {json_path}")
    _exit(reports)


def _exit(reports: list) -> None:
    problems = [r.problem for r in reports if r.problem]
    if problems and not any(r.score for r in reports):
        raise UserError(" ".join(problems), 2)
    if any(r.score < r.max_score for r in reports):
        raise typer.Exit(1)
