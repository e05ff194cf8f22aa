"""``p4lab grade`` and ``p4lab labs``: the grader's command line (registered in ``p4lab/cli.py``).

Only Typer is imported here: the grader's machinery is imported inside the commands, so
``p4lab --help`` stays fast. Input is checked before any grading starts (exit 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from reference.console import err, warning
from reference.console import out as console
from reference.errors import UserError

USAGE = 2
SCORING_HELP = "How hidden checks count: count (in the total) or separate (the score is the visible checks'; docs/instructors.md)."

labs_app = typer.Typer(help="Lab tooling for instructors: student/instructor exports and Gradescope autograders.", no_args_is_help=True)


def grade_command(
    lab: Annotated[Optional[str], typer.Argument(help="lab01, 1 or lab01-capacity.", metavar="LAB")] = None,
    every: Annotated[bool, typer.Option("--all", help="Grade every lab.")] = False,
    submission: Annotated[
        Optional[Path],
        typer.Option(help="The student's folder (default: the lab folder). With --all: a folder of lab folders.", metavar="FOLDER"),
    ] = None,
    hidden: Annotated[Optional[Path], typer.Option(help="A folder of instructor's hidden checks (*.py).", metavar="FOLDER")] = None,
    json_path: Annotated[Optional[Path], typer.Option("--json", help="Write Gradescope's results.json here.", metavar="FILE")] = None,
    seed: Annotated[
        Optional[int], typer.Option(metavar="N", help="Repeat the random inputs of an earlier run (its failures name the seed).")
    ] = None,
    class_folder: Annotated[
        Optional[Path], typer.Option("--class", help="Grade a class: one subfolder per student.", metavar="FOLDER")
    ] = None,
    csv_path: Annotated[Optional[Path], typer.Option("--csv", help="With --class: one row per student (default grades.csv).",
                                                     metavar="FILE")] = None,  # fmt: skip
    jobs: Annotated[int, typer.Option(help="With --class: students graded at a time.", metavar="N", min=1)] = 1,
    hidden_scoring: Annotated[str, typer.Option(help=SCORING_HELP, metavar="count|separate")] = "count",
) -> None:
    """Grade a lab: run its checks, print points and hints, optionally write results.json.

    Exit code 0: full marks. 1: some checks failed. 2: nothing to grade (unknown lab,
    missing submission or files, bad options).
    """
    from labs.grader.autograder import HIDDEN_SCORING
    from labs.grader.labs import LabError, all_labs, find_lab

    if (lab is None) == (not every):
        raise UserError("Name one lab (e.g. `p4lab grade lab01`) or use --all.", USAGE)
    if class_folder and (every or submission):
        raise UserError("--class grades one lab for every student folder: give a lab, and no --all or --submission.", USAGE)
    if (csv_path or jobs > 1) and not class_folder:
        raise UserError("--csv and --jobs go with --class.", USAGE)
    if hidden_scoring not in HIDDEN_SCORING:
        raise UserError(f"--hidden-scoring must be one of {', '.join(HIDDEN_SCORING)}.", USAGE)
    try:
        labs = all_labs() if every else [find_lab(lab or "")]
        for item in labs:
            item.checks(hidden)  # a missing or broken --hidden folder stops us before any grading
    except LabError as error:
        raise UserError(str(error), USAGE) from None
    if json_path:
        _check_results_path(json_path)
    if class_folder:
        _grade_class(labs[0], class_folder, csv_path or Path("grades.csv"), hidden, seed, jobs, hidden_scoring)
        return
    reports = _grade_labs(labs, submission, hidden, seed, many=every)
    _show(reports)
    if json_path:
        from labs.grader.report import write_json

        write_json(reports, json_path, hidden_scoring)
        console.print(f"Wrote {json_path}")
    _exit(reports)


def _grade_labs(labs: list[Any], submission: Path | None, hidden: Path | None, seed: int | None, many: bool) -> list[Any]:
    """Grade each lab; with --all a lab that cannot be graded is a report with a problem, not an abort."""
    from labs.grader.grading import grade, not_graded
    from labs.grader.submission import SubmissionError

    reports = []
    for lab in labs:
        folder = (submission / lab.name if submission else None) if many else submission
        try:
            reports.append(grade(lab, folder, hidden, seed=seed))
        except SubmissionError as error:
            if not many:
                raise UserError(str(error), USAGE) from None
            reports.append(not_graded(lab, folder or lab.folder, str(error), hidden))
        except Exception as error:  # noqa: BLE001  (--all: one lab's crash is that lab's problem)
            if not many:
                raise
            reports.append(not_graded(lab, folder or lab.folder, f"not graded: {type(error).__name__}: {error}", hidden))
    return reports


def _show(reports: list[Any]) -> None:
    from labs.grader.report import table

    for report in reports:
        for note in report.notes:
            warning(note)
        console.print(f"[red]{report.lab.name}: {report.problem}" if report.problem else table(report))
    if len(reports) > 1:
        total = sum(r.score for r in reports)
        console.print(f"[bold]All labs: {total:g} / {sum(r.max_score for r in reports):g} points")


def _check_results_path(path: Path) -> None:
    """As root, results must go where student code (run as another user) cannot write."""
    from labs.grader import privileges

    try:
        privileges.check_results_folder(path)
    except privileges.PrivilegeError as error:
        raise UserError(str(error), USAGE) from None


def _grade_class(lab: Any, folder: Path, csv_path: Path, hidden: Path | None, seed: int | None, jobs: int, scoring: str) -> None:
    from labs.grader.course import csv_text, grade_class, students
    from labs.grader.report import write_atomically

    if not folder.is_dir() or not students(folder):
        raise UserError(f"{folder} is not a folder of student folders.", USAGE)
    rows = grade_class(lab, folder, hidden=hidden, seed=seed, jobs=jobs, hidden_scoring=scoring)
    write_atomically(csv_path, csv_text(rows))
    graded = [r for r in rows if not r.problem.startswith(("not graded", "Missing", "The submission"))]
    console.print(f"{lab.name}: graded {len(graded)} of {len(rows)} students; wrote {csv_path} and each student's results.json")
    for row in rows:
        if row.problem and row not in graded:
            err.print(f"  {row.student}: {row.problem}")


def _exit(reports: list[Any]) -> None:
    problems = [r.problem for r in reports if r.problem]
    if problems and not any(r.score for r in reports):
        raise UserError(" ".join(problems), 2)
    if any(r.score < r.max_score for r in reports):
        raise typer.Exit(1)


@labs_app.command("export")
def export_command(
    student: Annotated[Optional[Path], typer.Option(help="Write what students get here (a new folder).", metavar="FOLDER")] = None,
    instructor: Annotated[
        Optional[Path], typer.Option(help="Write the student export plus answer keys and hidden checks here.", metavar="FOLDER")
    ] = None,
) -> None:
    """Write the student distribution (no answers) or the instructor's (with them)."""
    from labs.grader.export import ExportError, export_instructor, export_student

    if (student is None) == (instructor is None):
        raise UserError("Give one of --student FOLDER or --instructor FOLDER.", USAGE)
    target = student or instructor
    assert target is not None
    if target.exists() and any(target.iterdir()):
        raise UserError(f"{target} is not empty: export into a new folder.", USAGE)
    try:
        labs = export_student(target) if student else export_instructor(target)
    except ExportError as error:
        raise UserError(str(error), USAGE) from None
    kind = "student" if student else "instructor"
    console.print(f"Wrote the {kind} export of {len(labs)} labs to {target}")


@labs_app.command("autograder")
def autograder_command(
    lab: Annotated[str, typer.Argument(help="lab01, 1 or lab01-capacity.", metavar="LAB")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The zip to write.", metavar="FILE")] = Path("autograder.zip"),
    hidden: Annotated[Optional[Path], typer.Option(help="Your hidden checks for this lab (*.py).", metavar="FOLDER")] = None,
    hidden_scoring: Annotated[str, typer.Option(help=SCORING_HELP, metavar="count|separate")] = "count",
) -> None:
    """Build the Gradescope autograder zip for one lab (setup.sh, run_autograder, answer key, hidden checks)."""
    from labs.grader.autograder import build
    from labs.grader.export import ExportError
    from labs.grader.labs import LabError, find_lab

    try:
        path = build(find_lab(lab), output, hidden, hidden_scoring)
    except (LabError, ExportError) as error:
        raise UserError(str(error), USAGE) from None
    console.print(f"Wrote {path}: upload it as the assignment's autograder (docs/instructors.md).")
