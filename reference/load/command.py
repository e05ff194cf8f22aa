"""`p4lab load`: the command line of the load test (see ``reference/load/__init__.py``).

Every argument is checked before anything is generated, connected or sent (exit 2 with one
message). On AWS the estimated cost is shown first and must be confirmed (``--yes`` for
scripts; without a terminal and without ``--yes`` the command refuses).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from reference.console import err, out
from reference.errors import UserError
from reference.options import JsonOption, on_stack
from reference.stack import Stack

if TYPE_CHECKING:  # the runner imports boto3-using modules: not for `p4lab --help`
    from reference.load.runner import Plan

MAX_ARRIVALS = 50_000  # a load test on a sandbox, not a denial of service
DISTINCT_FILES = 4  # per kind: different bytes, same work


@on_stack
def load_command(
    stack: Stack,
    rate: Annotated[
        Optional[float], typer.Option("--rate", metavar="PER_S", help="Mean uploads per second (Poisson).  [default: 1]")
    ] = None,
    duration: Annotated[float, typer.Option("--duration", metavar="SECONDS", help="How long uploads keep arriving.")] = 60.0,
    scenario: Annotated[
        Optional[str],
        typer.Option(
            "--scenario", metavar="NAME|FILE",
            help="Arrivals shaped like a simulator scenario (plan, diurnal, spike...), squeezed into --duration.",
        ),  # fmt: skip
    ] = None,
    scale: Annotated[
        Optional[float],
        typer.Option(
            "--scale", metavar="FACTOR", help="With --scenario and no --rate: the scenario's mean rate times FACTOR (e.g. 0.00002)."
        ),
    ] = None,
    mix: Annotated[
        str, typer.Option("--mix", metavar="KIND=SHARE,...", help="File mix: photo-<N>mp, pdf-<N>p, corrupt; shares sum to 1.")
    ] = "photo-3mp=1",
    seed: Annotated[int, typer.Option("--seed", metavar="N", help="Seed of the arrival times and the mix.")] = 1,
    sample_every: Annotated[float, typer.Option("--sample-every", metavar="SECONDS", help="Sampling interval of the time series.")] = 1.0,
    drain_timeout: Annotated[
        float, typer.Option("--drain-timeout", metavar="SECONDS", help="After the last arrival, how long to wait for the rest to finish.")
    ] = 120.0,
    senders: Annotated[int, typer.Option("--senders", metavar="N", min=1, max=256, help="Uploads in flight at most (the client).")] = 16,
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="DIR", help="Folder for load-RUN_ID.json and load-RUN_ID.png.")
    ] = Path("."),
    json_output: JsonOption = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="On aws, do not ask before spending (scripts).")] = False,
    clean: Annotated[bool, typer.Option("--clean", help="Remove every load test's uploads, variants and items, then exit.")] = False,
) -> None:
    """Open-loop load test: uploads arrive on schedule; throughput, latency, queue and workers.

    Examples: `p4lab load --rate 2 --duration 60`;
    `p4lab load --scenario spike --rate 1.5 --duration 120 --mix photo-3mp=0.9,corrupt=0.1`;
    `p4lab load --clean`.
    """
    if clean:
        _clean(stack, json_output)
        return
    plan_inputs = _checked(rate, duration, scenario, scale, mix, sample_every, drain_timeout, output)
    from reference.targets import TargetName

    target = stack.target
    if target.name is TargetName.aws and not yes and not sys.stdin.isatty():
        raise UserError("A load test on aws spends money: run it from a terminal to confirm, or pass --yes.", 2)
    plan = _plan(plan_inputs, seed, sample_every, drain_timeout, senders, duration)
    outputs = stack.outputs
    from reference.load import runner

    configuration = runner.read_configuration(target, outputs)
    if target.name is TargetName.aws:
        _confirm_cost(plan, configuration, yes)
    record = _run(stack, plan, configuration, plan_inputs, seed, mix)
    json_path = output / f"load-{plan.run_id}.json"
    json_path.write_text(json.dumps(record, indent=1) + "\n")
    from reference.load import report

    png_path = report.plot_timeline(record, output / f"load-{plan.run_id}.png")
    if json_output:
        out.print_json(json.dumps(record))
    else:
        out.print(report.summary_table(record))
        out.print(f"Record: {json_path}\nTimeline: {png_path}\nRemove the uploads: p4lab load --clean", soft_wrap=True)
    if record["summary"]["unfinished"]:
        raise UserError(f"{record['summary']['unfinished']} uploads were not DONE/FAILED when the drain timed out.")


def _checked(
    rate: float | None, duration: float, scenario: str | None, scale: float | None, mix: str,
    sample_every: float, drain_timeout: float, output: Path,
) -> dict[str, Any]:  # fmt: skip
    """Every argument, checked before any work; returns what the plan is made of."""
    from reference.load.workload import parse_mix, scenario_shape

    if rate is not None and rate <= 0:
        raise UserError(f"--rate must be more than 0 uploads per second, not {rate:g}.", 2)
    if duration <= 0:
        raise UserError(f"--duration must be more than 0 seconds, not {duration:g}.", 2)
    if sample_every <= 0:
        raise UserError(f"--sample-every must be more than 0 seconds, not {sample_every:g}.", 2)
    if drain_timeout < 0:
        raise UserError(f"--drain-timeout cannot be negative ({drain_timeout:g}).", 2)
    if scale is not None and (scale <= 0 or scenario is None):
        raise UserError("--scale needs --scenario and must be more than 0.", 2)
    if not output.is_dir():
        raise UserError(f"--output {output} is not an existing folder.", 2)
    kinds = parse_mix(mix)
    shape, mean_rate = None, rate or 1.0
    if scenario is not None:
        shape, scenario_rate = scenario_shape(scenario)
        if rate is None and scale is None:
            raise UserError(f"--scenario {scenario} runs at {scenario_rate:,.1f} uploads/s: give --rate PER_S or --scale FACTOR.", 2)
        mean_rate = rate if rate is not None else scenario_rate * (scale or 1.0)
    expected = mean_rate * duration
    if expected > MAX_ARRIVALS:
        raise UserError(f"{expected:,.0f} uploads expected; a load test sends at most {MAX_ARRIVALS:,}. Lower --rate or --duration.", 2)
    if expected < 0.5:
        raise UserError(f"{expected:.2f} uploads expected at {mean_rate:g}/s for {duration:g} s: raise --rate or --duration.", 2)
    what = f"scenario {scenario}" if scenario else "Poisson"
    description = f"{what} at {mean_rate:g}/s for {duration:g} s, {mix}"
    return {"kinds": kinds, "shape": shape, "rate": mean_rate, "scenario": scenario, "description": description}


def _plan(inputs: dict[str, Any], seed: int, sample_every: float, drain_timeout: float, senders: int, duration: float) -> Plan:
    import random
    import secrets

    from reference.load.runner import Plan
    from reference.load.workload import assign_kinds, make_file, poisson_times, shaped_times

    rng = random.Random(seed)
    if inputs["shape"] is None:
        times = poisson_times(inputs["rate"], duration, rng)
    else:
        times = shaped_times(inputs["shape"], inputs["rate"], duration, rng)
    if not times:
        raise UserError("No upload fell inside --duration with this --seed; raise --rate or --duration.", 2)
    kinds = assign_kinds(len(times), inputs["kinds"], rng)
    used = {kind.name: kind for kind in kinds}
    with err.status(f"Generating files for {len(times)} uploads"):
        files = {name: [make_file(kind, variant) for variant in range(DISTINCT_FILES)] for name, kind in used.items()}
    run_id = datetime.now(UTC).strftime("%Y%m%dt%H%M%S") + "-" + secrets.token_hex(2)
    return Plan(run_id, times, kinds, files, duration, sample_every, drain_timeout, senders)


def _confirm_cost(plan: Plan, configuration: dict[str, Any], yes: bool) -> None:
    from reference import estimate

    sizes = [len(variants[0]) for variants in plan.files.values()]
    workload = estimate.Workload(
        uploads=len(plan.times), hours=1.0, size_mb=sum(sizes) / len(sizes) / 1e6, views_per_upload=0,
        memory_mb=int(configuration.get("memory_mb") or 1024), architecture=configuration.get("architecture") or "arm64",
    )  # fmt: skip
    err.print(estimate.table(estimate.estimate(workload), workload))
    err.print("The uploads stay (and are billed as storage) until `p4lab load --clean` or `p4lab destroy`.")
    if not yes and not typer.confirm(f"Send {len(plan.times)} uploads to AWS?", default=False, err=True):
        raise UserError("Nothing was sent.", 1)


def _run(stack: Stack, plan: Plan, configuration: dict[str, Any], inputs: dict[str, Any], seed: int, mix: str) -> dict[str, Any]:
    from rich.live import Live
    from rich.text import Text

    from reference.load import record, runner

    run = runner.LoadRun(stack.target, stack.outputs, plan)
    started_at = datetime.now(UTC).isoformat(timespec="milliseconds")
    with Live(Text("starting"), console=err, refresh_per_second=4, transient=True) as live:
        run.run(on_sample=lambda current: live.update(_progress_line(current)))
    cloudwatch = runner.fetch_cloudwatch(run)
    if cloudwatch is None:
        run.unavailable["cloudwatch"] = (
            f"target {stack.target.name.value} publishes no Lambda or SQS metrics; the samples are read directly"
        )
    summary = record.summarise(run.arrivals, run.samples, plan.duration_s)
    workload = {
        "mode": "scenario" if inputs["scenario"] else "poisson", "scenario": inputs["scenario"],
        "description": inputs["description"], "rate_per_s": len(plan.times) / plan.duration_s,
        "duration_s": plan.duration_s, "seed": seed, "mix": mix, "senders": plan.senders,
        "sample_every_s": plan.sample_every_s, "drain_timeout_s": plan.drain_timeout_s,
        "file_bytes": {name: [len(f) for f in files] for name, files in plan.files.items()},
    }  # fmt: skip
    return record.to_json(
        run_id=plan.run_id, target=stack.target.name.value, stack=stack.name, started_at=started_at,
        configuration=configuration, workload=workload, arrivals=run.arrivals, samples=run.samples,
        cloudwatch=cloudwatch, unavailable=run.unavailable, summary=summary,
    )  # fmt: skip


def _progress_line(run: Any) -> Any:
    from rich.text import Text

    s, t = run.samples, run.now()
    sent = sum(a.sent_s is not None for a in run.arrivals)
    parts = [
        f"{t:5.0f}/{run.plan.duration_s:.0f} s",
        f"sent {sent}/{len(run.arrivals)}",
        f"DONE {s.done[-1] if s.done else 0}",
        f"FAILED {s.failed[-1] if s.failed else 0}",
        f"queue {s.visible[-1] if s.visible else '?'} visible + {s.in_flight[-1] if s.in_flight else '?'} in flight",
        f"DLQ {s.dlq_visible[-1] if s.dlq_visible else '?'}",
        f"oldest {s.oldest_unfinished_age_s[-1]:.1f} s" if s.oldest_unfinished_age_s else "",
    ]
    if s.workers:
        parts.append(f"workers {s.workers[-1]} ({s.busy_workers[-1]} busy)")
    return Text(" · ".join(p for p in parts if p))


def _clean(stack: Stack, json_output: bool) -> None:
    from reference.load import clean

    with err.status("Removing load-test uploads"):
        cleaned = clean.clean(stack.target, stack.outputs)
    if json_output:
        out.print_json(json.dumps({"runs": sorted(cleaned.runs), "items": cleaned.items,
                                   "originals": cleaned.originals, "variants": cleaned.variants}))  # fmt: skip
        return
    out.print(
        f"Removed {cleaned.items} items, {cleaned.originals} originals and {cleaned.variants} variants "
        f"of {len(cleaned.runs)} load-test runs."
    )
