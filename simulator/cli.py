"""Command-line entry points: `p4lab sim` and `p4lab sim-calibrate`.

Both are plain functions with Typer annotations; `p4lab/cli.py` registers them with
``app.command("sim")(sim)`` and ``app.command("sim-calibrate")(calibrate)``. Bad input never
produces a traceback: the user gets one paragraph naming what is wrong, and exit code 2, before
anything is simulated or measured. The model (NumPy, SimPy) and the engine (Pillow) are imported
when a command runs, not when `p4lab` starts. Progress bars go to stderr (`p4lab -q` hides them).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
import yaml

from reference.console import err, out
from reference.errors import UserError

if TYPE_CHECKING:
    from simulator.calibration import ServiceTimeTable
    from simulator.result import SimResult
    from simulator.scenario import Scenario

USAGE_ERROR = 2
KIND_NAMES = ("jpeg", "png", "webp", "pdf_page")


def sim(
    scenario: Annotated[
        Path, typer.Argument(help="Scenario YAML file, or the name of a preset (e.g. plan, spike).", metavar="SCENARIO")
    ],
    hours: Annotated[
        float | None, typer.Option(help="Simulated hours (default: the scenario's).", min=0.001, metavar="HOURS")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    plot: Annotated[Path | None, typer.Option(help="Write the main time series to this PNG.", metavar="PNG")] = None,
    service_times: Annotated[
        Path | None,
        typer.Option(help="Service-time table to use (from `p4lab sim-calibrate --output`).", metavar="YAML"),
    ] = None,
) -> None:
    """Simulate the pipeline for a scenario: scaling, latency, failures and the bill."""
    loaded = _load(scenario)
    if plot is not None and not plot.parent.is_dir():
        _fail(f"Cannot write the plot to {plot}: the folder {plot.parent} does not exist.")
    table = _table(service_times) if service_times is not None else None
    from simulator.scenario import MAX_SAMPLES

    simulated_hours = loaded.simulation.hours if hours is None else hours
    if simulated_hours * 3600.0 / loaded.simulation.sample_interval_s > MAX_SAMPLES:
        _fail(
            f"{simulated_hours:g} h sampled every {loaded.simulation.sample_interval_s:g} s is too many samples "
            f"(at most {MAX_SAMPLES:,}): raise simulation.sample_interval_s or shorten --hours."
        )
    result = _run_with_progress(loaded, simulated_hours, table)
    if plot is not None:
        from simulator.plot import plot as plot_result  # matplotlib: loaded only when asked for

        plot_result(result, plot)
    if json_out:
        print(json.dumps(result.to_dict()))
        return
    _print_summary(result)
    if plot is not None:
        out.print(f"Time series written to [bold]{plot}[/bold]")


def calibrate(
    output: Annotated[
        Path | None,
        typer.Option(help="Table to write (default: the simulator's own, simulator/service_times.yaml).", metavar="YAML"),
    ] = None,
    quick: Annotated[
        bool, typer.Option("--quick", help="8 sizes per kind, one run each, inputs up to 12 MP (about 15 s).")
    ] = False,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            help=f"Measure only this kind ({', '.join(KIND_NAMES)}); repeatable. The others keep their measurements.",
            metavar="KIND",
        ),
    ] = None,
) -> None:
    """Measure the engine on this machine and rebuild the simulator's service-time table."""
    from simulator import calibration

    target = output or calibration.DEFAULT_TABLE_PATH
    kinds = tuple(kind or KIND_NAMES)
    unknown = sorted(set(kinds) - set(KIND_NAMES))
    if unknown:
        _fail(f"Unknown kind {', '.join(unknown)}: choose from {', '.join(KIND_NAMES)}.")
    if not target.parent.is_dir():
        _fail(f"Cannot write {target}: the folder {target.parent} does not exist.")
    kept = {}
    if len(kinds) < len(KIND_NAMES):  # measuring a subset: the rest comes from the existing table
        base = target if target.exists() else calibration.DEFAULT_TABLE_PATH
        kept = {k: v for k, v in yaml.safe_load(base.read_text())["kinds"].items() if k not in kinds}
    settings = {"points_per_kind": 8, "repeats": 1, "min_seconds": 0.0, "max_megapixels": calibration.QUICK_MAX_MEGAPIXELS}
    table = _calibrate_with_progress(calibration, kinds, settings if quick else {})
    table["kinds"] = {**kept, **table["kinds"]}
    calibration.write_table(table, target)
    calibration.ServiceTimeTable.load(target)  # it must read back
    _print_table(table, target)


# ---------------------------------------------------------------- helpers
def _load(path: Path) -> Scenario:
    """The scenario at `path`, or exit 2 with a message saying what is wrong with it."""
    import pydantic

    from simulator.scenario import load_scenario, preset_names

    presets = ", ".join(preset_names())
    try:
        return load_scenario(path)
    except FileNotFoundError:
        _fail(f"Scenario file {path} not found. Give a path to a YAML file or a preset name ({presets}).")
    except IsADirectoryError:
        _fail(f"{path} is a folder; give a scenario YAML file or a preset name ({presets}).")
    except OSError as error:
        _fail(f"Cannot read the scenario file {path}: {error.strerror or error}.")
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
        _fail(f"Scenario file {path} is not valid YAML{line}: {getattr(error, 'problem', error)}.")
    except pydantic.ValidationError as error:
        problems = "; ".join(
            f"field '{'.'.join(str(p) for p in e['loc']) or '(top level)'}': {e['msg']}"
            + (f" (got {e['input']!r})" if e["type"] != "missing" and not isinstance(e["input"], dict) else "")
            for e in error.errors()
        )
        _fail(
            f"Scenario file {path} is invalid: {problems}. Every field and its default is listed "
            "in docs/simulator.md; the presets in simulator/scenarios/ are complete examples."
        )
    except ValueError as error:
        _fail(str(error))


def _table(path: Path) -> ServiceTimeTable:
    from simulator.calibration import ServiceTimeTable

    try:
        return ServiceTimeTable.load(path)
    except FileNotFoundError:
        _fail(f"Service-time table {path} not found. `p4lab sim-calibrate --output {path}` makes one.")
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError, IndexError) as error:
        _fail(f"{path} is not a service-time table ({error}). `p4lab sim-calibrate --output {path}` makes one.")


def _fail(message: str) -> NoReturn:
    raise UserError(message, USAGE_ERROR)


def _run_with_progress(scenario: Scenario, hours: float, table: ServiceTimeTable | None) -> SimResult:
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    from simulator.model import run

    with Progress(
        TextColumn("Simulating {task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task(f"{scenario.name}: {hours:g} h", total=1.0)
        return run(scenario, hours=hours, progress=lambda done: progress.update(task, completed=done), service_times=table)


def _calibrate_with_progress(calibration, kinds: tuple[str, ...], settings: dict) -> dict:  # noqa: ANN001 (a module)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    points = settings.get("points_per_kind", 10)
    with Progress(
        TextColumn("Measuring the engine: {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("generating inputs", total=points * len(kinds))

        def measured(sample, seconds: float) -> None:  # noqa: ANN001 (a calibration.Sample)
            progress.update(task, advance=1, description=f"{sample.kind} {sample.megapixels:.1f} MP: {seconds * 1000:.0f} ms")

        return calibration.calibrate(kinds=kinds, progress=measured, **settings)


def _print_table(table: dict, path: Path) -> None:
    from rich.table import Table

    shown = Table(title=f"Service times written to {path}")
    for column in ("kind", "points", "sizes", "seconds"):
        shown.add_column(column, justify="left" if column == "kind" else "right")
    for name, spec in table["kinds"].items():
        sizes = [point[0] for point in spec["points"]]
        seconds = [point[1] for point in spec["points"]]
        unit = "MP" if spec["unit"] == "megapixels" else "MB"
        scale = 1.0 if unit == "MP" else 1e-6
        shown.add_row(
            name, str(len(sizes)), f"{min(sizes) * scale:,.2f}–{max(sizes) * scale:,.2f} {unit}",
            f"{min(seconds):.3f}–{max(seconds):.3f} s",
        )  # fmt: skip
    out.print(shown)


def _print_summary(result: SimResult) -> None:
    from rich.table import Table

    scenario = result.scenario
    outcome = Table(title=f"{scenario.name}: {result.hours:g} h simulated", show_header=False)
    outcome.add_column(style="bold")
    outcome.add_column(justify="right")
    latency, wait, instances = result.latency_s, result.queue_wait_s, result.instances
    what = "execution environments" if scenario.compute == "lambda" else "workers"
    rows = [
        ("uploads", f"{result.arrived:,}"),
        ("processed", f"{result.processed:,}"),
        ("failed (in the DLQ)", f"{result.failed:,}"),
        ("lost", f"{result.lost:,}"),
        ("pending at the end", f"{result.pending:,}"),
        ("latency p50 / p95 / p99 (upload → variants stored)",
         f"{latency['p50']:.2f} / {latency['p95']:.2f} / {latency['p99']:.2f} s"),
        ("of which waiting in the queue, p50 / p95", f"{wait['p50']:.2f} / {wait['p95']:.2f} s"),
        (f"{what}: busy / idle (mean), peak in total",
         f"{instances['busy_mean']:,.1f} / {instances['idle_mean']:,.1f}, {instances['total_max']:,.0f}"),
        ("peak queue depth", f"{result.series.queue_visible.max():,.0f}"),
        ("cold starts / throttles / failed attempts", f"{result.cold_starts:,} / {result.throttles:,} / {result.errors:,}"),
        ("redelivered / processed twice", f"{result.counters['redeliveries']:,} / {result.counters['duplicates']:,}"),
        ("simulated events / wall time", f"{result.events:,} / {result.wall_s:.2f} s"),
    ]  # fmt: skip
    if scenario.compute == "ec2":
        counters = result.counters
        rows.append(("instance launches / spot interruptions", f"{counters['launches']:,} / {counters['interruptions']:,}"))
    for name, value in rows:
        outcome.add_row(name, value)
    out.print(outcome)

    projection = result.projection
    mark = "*" if projection.extrapolated else ""
    bill = Table(
        title=f"Cost (us-east-1 list prices; storage and CloudFront for month {scenario.billing.month_of_operation} of operation)"
    )
    bill.add_column("service")
    bill.add_column(f"this run ({result.hours:g} h)", justify="right")
    bill.add_column(f"per day{mark}", justify="right")
    bill.add_column(f"per month{mark}", justify="right")
    for service, monthly in sorted(result.cost_per_month.items(), key=lambda kv: -kv[1].total):
        bill.add_row(
            service, f"${result.cost[service].total:,.2f}", f"${result.cost_per_day[service].total:,.2f}", f"${monthly.total:,.2f}"
        )
    bill.add_row("total", f"${result.total:,.2f}", f"${result.total_per_day:,.2f}", f"${result.total_per_month:,.2f}", style="bold")
    out.print(bill)
    out.print(f"{mark}{projection.basis[0].upper()}{projection.basis[1:]}.", soft_wrap=True)
