"""`p4lab chaos ...`: run a drill end to end, list drills, report on a journal, undo leftovers.

``p4lab chaos run kill-workers --uploads 30`` uses the emulator ``p4lab up`` left running (or
starts one for the run and stops it afterwards, with all its workers), deploys the stack if it
is not there, runs the experiment with Chaos Toolkit, writes the journal, a Markdown report and
its timeline plot, prints the verdict and exits non-zero if the hypothesis did not hold.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from reference.console import err as err_console
from reference.console import out as console
from reference.errors import UserError
from reference.options import ProfileOption, RegionOption, StackOption, TargetOption
from reference.stack import DEFAULT_STACK
from reference.targets import TargetName

if TYPE_CHECKING:
    from rich.table import Table

    from chaos.summary import Summary

# Everything else (boto3, Chaos Toolkit, matplotlib) is imported inside the commands: every
# `p4lab` command loads this module, and those take a second to import.

chaos_app = typer.Typer(help="Chaos drills: kill workers, throttle, poison input, dependency faults.", no_args_is_help=True)


@contextmanager
def _stack_configuration(
    target_name: TargetName, stack: str, profile: str | None = None, region: str | None = None
) -> Iterator[dict[str, Any]]:
    """The experiment configuration naming the stack; for `embedded`, an emulator (and stack) if needed."""
    from reference import deploy, emulator, targets
    from reference.stack import Stack

    if target_name is not TargetName.embedded:
        named = Stack(stack, target_name, lambda: targets.connect(target_name, profile=profile, region=region))
        named.before_change("Running a chaos drill on")
        named.outputs  # noqa: B018  (a clear error now if it is not deployed)
        yield {"p4lab_target": target_name.value, "p4lab_stack": stack} | _aws_keys(profile, region)
        return
    kept = emulator.load_kept()
    if kept is None:
        err_console.print("No emulator from `p4lab up`: starting one for this drill (stopped afterwards).")
    with emulator.running_emulator() as running:
        target = targets.embedded(running)
        if deploy.stack_status(target, stack) is None:
            deploy.deploy(target, stack, console=err_console)
        yield {
            "p4lab_target": target_name.value,
            "p4lab_stack": stack,
            "p4lab_endpoint": running.endpoint,
            "p4lab_ca_bundle": running.ca_bundle,
            "p4lab_pgid": str(running.pgid),
        }


def _aws_keys(profile: str | None, region: str | None) -> dict[str, str]:
    """--profile/--region as experiment configuration (see chaos/context.py)."""
    return {key: value for key, value in (("p4lab_profile", profile), ("p4lab_region", region)) if value}


def _overrides(values: list[str]) -> dict[str, Any]:
    """``--var key=value``; values are parsed as JSON when they can be (numbers, lists)."""
    parsed: dict[str, Any] = {}
    for value in values:
        key, sep, raw = value.partition("=")
        if not sep or not key:
            raise UserError(f"--var {value!r} must look like key=value (e.g. kill_for_s=20).", 2)
        try:
            parsed[key] = json.loads(raw)
        except ValueError:
            parsed[key] = raw
    return parsed


def _log_progress() -> None:
    """Show Chaos Toolkit's own progress lines (the activity being played) while a drill runs."""
    logger = logging.getLogger("chaostoolkit")
    if not any(isinstance(h, logging.StreamHandler) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


@chaos_app.command("run")
def run_command(
    name: Annotated[str, typer.Argument(help="A bundled experiment (see `p4lab chaos list`) or an experiment file.")],
    uploads: Annotated[Optional[int], typer.Option("--uploads", "-n", min=1, help="Healthy uploads the drill makes.")] = None,
    var: Annotated[Optional[list[str]], typer.Option("--var", help="Experiment configuration key=value; repeatable.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Directory for journal and report (default chaos-runs/NAME-TIME).")] = None,
    target: TargetOption = TargetName.embedded,
    stack: StackOption = DEFAULT_STACK,
    profile: ProfileOption = None,
    region: RegionOption = None,
) -> None:
    """Run a drill: journal, Markdown report with a timeline plot, and a summary. Exit 1 if it failed."""
    from chaos import context, ledger, runner
    from chaos.report import write_report
    from chaos.summary import summarise

    path = runner.experiment_path(name)
    overrides = _overrides(var or [])
    if uploads is not None:
        overrides["uploads"] = uploads
    directory = out or Path("chaos-runs") / f"{path.stem}-{time.strftime('%Y%m%d-%H%M%S')}"
    _log_progress()
    with _stack_configuration(target, stack, profile, region) as connection:
        try:
            journal = runner.run(path, {**overrides, **connection}, directory / "journal.json")
        finally:
            restored = ledger.restore_all(context.resolve(connection))
            if restored:
                err_console.print(f"[yellow]Restored what the drill left changed:[/] {', '.join(restored)}")
    report = write_report(journal, directory, path.stem)
    summary = summarise(journal)
    console.print(summary_table(summary))
    console.print(f"Journal {directory / 'journal.json'}\nReport  {report}")
    if not summary.held:
        raise UserError(f"The drill failed: {'; '.join(_reasons(summary))}.")


@chaos_app.command("list")
def list_command() -> None:
    """The bundled experiments and what each proves."""
    from rich.table import Table

    from chaos import runner

    view = Table("name", "title")
    for name in runner.experiment_names():
        view.add_row(name, json.loads(runner.experiment_path(name).read_text())["title"])
    console.print(view)


@chaos_app.command("report")
def report_command(
    journal: Annotated[Path, typer.Argument(help="A journal written by `chaos run` or `p4lab chaos run`.")],
    out: Annotated[Optional[Path], typer.Option("--out", help="Directory for the report (default: the journal's).")] = None,
) -> None:
    """Write the Markdown report and timeline plot for a journal, and print its summary."""
    from chaos.report import write_report
    from chaos.summary import summarise

    try:
        data = json.loads(journal.read_text())
    except (OSError, ValueError) as error:
        raise UserError(f"Cannot read the journal {journal}: {error}", 2) from None
    report = write_report(data, out or journal.parent, journal.stem)
    console.print(summary_table(summarise(data)))
    console.print(f"Report {report}")


@chaos_app.command("restore")
def restore_command(
    target: TargetOption = TargetName.embedded,
    stack: StackOption = DEFAULT_STACK,
    profile: ProfileOption = None,
    region: RegionOption = None,
) -> None:
    """Undo whatever an interrupted drill left changed (concurrency, clocks, fault switch, policies)."""
    from chaos import context, ledger
    config: dict[str, Any] = {"p4lab_target": target.value, "p4lab_stack": stack} | _aws_keys(profile, region)
    resolved = context.resolve(config)
    resolved.before_change("Restoring what a drill changed in")
    restored = ledger.restore_all(resolved)
    console.print(f"Restored: {', '.join(restored)}" if restored else "Nothing to restore.")


def summary_table(summary: Summary) -> Table:
    """The numbers an instructor reads out after a drill."""
    from rich.table import Table
    view = Table(title=f"{summary.title} — {'[green]PASSED' if summary.held else '[red]FAILED'}", show_header=False)
    view.add_column("measure")
    view.add_column("value", justify="right")
    rows = [
        ("hypothesis before / after", f"{_held(summary.hypothesis_before)} / {_held(summary.hypothesis_after)}"),
        ("uploads", summary.uploads),
        ("processed as expected", summary.processed),
        ("lost", summary.lost),
        ("wrong final state", summary.wrong),
        ("duplicates", summary.duplicates),
        ("rewrites (harmless retries)", summary.rewrites),
        ("workers killed", summary.kills),
        ("dead letters at the end", summary.dead_letters),
        ("time to drain", "—" if summary.drain_s is None else f"{summary.drain_s:.1f} s"),
    ]
    for label, value in rows:
        view.add_row(label, str(value))
    for expectation in summary.expectations:
        view.add_row(f"check: {expectation['name']}", "[green]yes" if expectation["met"] else f"[red]no[/] ({expectation['detail']})")
    return view


def _held(value: bool | None) -> str:
    return "not run" if value is None else ("[green]held" if value else "[red]deviated")


def _reasons(summary: Summary) -> list[str]:
    reasons = []
    if not summary.hypothesis_before:
        reasons.append("the steady state did not hold before the fault (is the DLQ empty? see the journal)")
    if summary.hypothesis_before and not summary.hypothesis_after:
        reasons.append(f"the steady state did not hold after it ({summary.lost} lost, {summary.wrong} wrong, "
                       f"{summary.duplicates} duplicates, {summary.dead_letters} dead letters)")
    reasons += [f"activity failed: {text}" for text in summary.failed_activities]
    return reasons
