"""The `p4lab` command line: one entry point for the pipeline, the simulator and the labs.

Every command takes ``--target`` (or ``P4LAB_TARGET``): ``embedded`` (default, a MiniStack
emulator started by ``p4lab up``), ``localstack`` or ``aws``. Errors the user can fix are
printed as one clear message with a non-zero exit code, never as a traceback.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
from rich.console import Console

from chaos.cli import chaos_app
from labs.grader.cli import grade_command
from reference import deploy as deploy_mod
from reference import cdn, emulator, targets
from reference.errors import UserError
from reference.process import process_command
from reference.status import FINAL_STATES, Images, table
from reference.upload import default_owner, upload_file
from reference.options import OwnerOption, StackOption, TargetOption
from simulator.app.launch import sim_app_command
from simulator.cli import calibrate as calibrate_command
from simulator.cli import sim as sim_command

app = typer.Typer(
    help="p4lab: the Phase 4 image pipeline, its simulator, chaos drills and labs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)



# ----------------------------------------------------------------------------- emulator
@app.command()
def up() -> None:
    """Start an embedded emulator that keeps running for exploration (stop it with `p4lab down`)."""
    running = emulator.load_kept()
    if running:
        console.print(f"Already running at {running.endpoint}")
        return
    with err_console.status("Starting MiniStack"):
        running = emulator.start(keep=True)
    console.print(f"[green]Embedded emulator running at {running.endpoint}[/] (process group {running.pgid})")
    console.print("Use it from the AWS CLI or boto3 with:")
    console.print(
        f"  export AWS_ENDPOINT_URL={running.endpoint} AWS_CA_BUNDLE={running.ca_bundle} "
        f"AWS_ACCESS_KEY_ID={emulator.ROOT_ACCESS_KEY} AWS_SECRET_ACCESS_KEY={emulator.ROOT_SECRET_KEY} "
        f"AWS_REGION={emulator.REGION}",
        soft_wrap=True,
    )


@app.command()
def down() -> None:
    """Stop the embedded emulator and every Lambda worker it started."""
    running = emulator.load_kept()
    if running is None:
        console.print("No embedded emulator is running.")
        return
    emulator.stop(running)
    left = emulator.group_processes(running.pgid)
    if left:
        raise UserError(f"Processes {left} of the emulator's group survived; kill them with `kill -9 {' '.join(map(str, left))}`.")
    console.print(f"[green]Stopped the emulator at {running.endpoint} and its workers.")


# ----------------------------------------------------------------------------- stack
def _parameters(values: list[str]) -> dict[str, str]:
    parameters = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key:
            raise UserError(f"--parameter {value!r} must look like Name=value (e.g. FunctionMemory=1769).", 2)
        parameters[key] = val
    return parameters


@app.command()
def deploy(
    target: TargetOption = targets.TargetName.embedded,
    stack: StackOption = deploy_mod.DEFAULT_STACK,
    parameter: Annotated[Optional[list[str]], typer.Option("--parameter", "-p", help="Template parameter Name=value; repeatable.")] = None,
) -> None:
    """Package the handler and create or update the stack through a change set."""
    overrides = _parameters(parameter or [])
    result = deploy_mod.deploy(targets.connect(target), stack, overrides, console=err_console)
    verb = "Deployed" if result.changed else "Unchanged"
    console.print(f"[green]{verb}[/] stack {stack} in {result.seconds:.1f} s")


@app.command()
def destroy(target: TargetOption = targets.TargetName.embedded, stack: StackOption = deploy_mod.DEFAULT_STACK) -> None:
    """Empty the stack's buckets (every version) and delete the stack."""
    if deploy_mod.destroy(targets.connect(target), stack, console=err_console):
        console.print(f"[green]Destroyed stack {stack}.")
    else:
        console.print(f"Nothing to destroy: stack {stack} is not deployed.")


@app.command()
def outputs(
    target: TargetOption = targets.TargetName.embedded,
    stack: StackOption = deploy_mod.DEFAULT_STACK,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Print the stack outputs (bucket names, queue URLs, table, CDN domain)."""
    values = deploy_mod.outputs(targets.connect(target), stack)
    if json_output:
        console.print_json(json.dumps(values))
        return
    width = max(map(len, values), default=0)
    for key, value in values.items():
        console.print(f"{key:<{width}}  {value}", soft_wrap=True)


# ----------------------------------------------------------------------------- uploads
@app.command()
def upload(
    files: Annotated[list[Path], typer.Argument(help="Images or PDFs to upload.")],
    target: TargetOption = targets.TargetName.embedded,
    stack: StackOption = deploy_mod.DEFAULT_STACK,
    owner: OwnerOption = "",
    wait: Annotated[bool, typer.Option("--wait", help="Wait until they are processed.")] = False,
) -> None:
    """Upload files through presigned POSTs (size and type limits signed into the policy)."""
    tgt = targets.connect(target)
    values = deploy_mod.outputs(tgt, stack)
    owner = owner or default_owner()
    ids = []
    for path in files:
        image_id = upload_file(tgt, values, path, owner)
        ids.append(image_id)
        console.print(f"{image_id}  {path.name}")
    if wait:
        console.print(table(Images(tgt, values).wait(ids, console=err_console)))


@app.command()
def status(
    image_ids: Annotated[Optional[list[str]], typer.Argument(help="Image ids (default: your latest uploads).")] = None,
    target: TargetOption = targets.TargetName.embedded,
    stack: StackOption = deploy_mod.DEFAULT_STACK,
    owner: OwnerOption = "",
    state: Annotated[Optional[str], typer.Option("--state", help="Only images in this state (PENDING, PROCESSING, DONE, FAILED).")] = None,
    limit: Annotated[int, typer.Option(help="How many of the latest uploads.")] = 20,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """List images with their state, newest first, with CDN URLs for finished ones."""
    tgt = targets.connect(target)
    values = deploy_mod.outputs(tgt, stack)
    images = Images(tgt, values)
    if image_ids:
        items = images.get(list(image_ids))
    elif state:
        items = images.get(images.ids_by_status(state.upper())[:limit])
    else:
        items = images.by_owner(owner or default_owner(), limit)
    if json_output:
        console.print_json(json.dumps(items, default=str))
        return
    console.print(table(items))
    domain = values.get("CdnDomainName")
    if domain:
        for item in items:
            if item.get("status") == "DONE" and item.get("kind") == "image":
                url = tgt.cdn_public_url(domain, cdn.variant_path(item["image_id"], "large.jpg"))
                console.print(f"{item['image_id'][:8]}  {url}", soft_wrap=True)


@app.command()
def wait(
    image_ids: Annotated[Optional[list[str]], typer.Argument(help="Image ids (default: your unfinished uploads).")] = None,
    target: TargetOption = targets.TargetName.embedded,
    stack: StackOption = deploy_mod.DEFAULT_STACK,
    owner: OwnerOption = "",
    timeout: Annotated[float, typer.Option(help="Seconds before giving up.")] = 120,
) -> None:
    """Wait, with a progress bar, until images are DONE or FAILED."""
    tgt = targets.connect(target)
    values = deploy_mod.outputs(tgt, stack)
    images = Images(tgt, values)
    ids = list(image_ids or [i["image_id"] for i in images.by_owner(owner or default_owner(), 1000) if i.get("status") not in FINAL_STATES])
    if not ids:
        console.print("Nothing to wait for.")
        return
    console.print(table(images.wait(ids, timeout_s=timeout, console=err_console)))


# ----------------------------------------------------------------------------- demo
@app.command()
def demo(keep: Annotated[bool, typer.Option("--keep", help="Leave the emulator and stack running.")] = False) -> None:
    """From nothing: start the emulator, deploy, upload samples, wait, show the CDN, tear down."""
    from reference import demo as demo_mod

    failed = demo_mod.run(keep=keep, console=console)
    # Exactly one sample (broken.jpg) is meant to fail; anything else is a real problem.
    if failed != 1:
        raise UserError(f"{failed} uploads did not finish DONE (expected only broken.jpg).")


# ----------------------------------------------------------------------------- the other parts
app.command("process")(process_command)  # the engine alone: docs/engine.md
app.command("sim")(sim_command)  # the simulator: docs/simulator.md
app.command("sim-calibrate")(calibrate_command)
app.command("sim-app")(sim_app_command)  # the instructor app: docs/simulator-app.md
app.add_typer(chaos_app, name="chaos")  # chaos drills: docs/chaos.md
app.command("grade")(grade_command)  # graded labs: docs/labs.md


# ----------------------------------------------------------------------------- sandbox
@app.command()
def estimate(
    uploads: Annotated[int, typer.Argument(help="How many uploads in the month.")],
    hours: Annotated[float, typer.Option(help="How long the stack exists before `p4lab destroy` (max 730 = a month).")] = 730,
    size_mb: Annotated[float, typer.Option(help="Average original size, MB.")] = 2.0,
    views: Annotated[float, typer.Option(help="CDN views per upload.")] = 10,
    memory: Annotated[int, typer.Option(help="FunctionMemory, MB.")] = 1024,
    seconds: Annotated[float, typer.Option(help="Handler seconds per upload at that memory.")] = 0.7,
    architecture: Annotated[str, typer.Option(help="FunctionArchitecture: arm64 or x86_64.")] = "arm64",
    free_tier: Annotated[bool, typer.Option("--free-tier/--no-free-tier", help="Subtract AWS's always-free allowances.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """What N uploads would cost on AWS (us-east-1), with the simulator's cost model, before deploying."""
    from reference import estimate as estimate_mod

    workload = estimate_mod.Workload(
        uploads=uploads, hours=hours, size_mb=size_mb, views_per_upload=views, memory_mb=memory,
        seconds_per_upload=seconds, architecture=architecture, free_tier=free_tier,
    )  # fmt: skip
    bills = estimate_mod.estimate(workload)
    if json_output:
        payload = {bill.service: bill.items for bill in bills} | {"total": sum(bill.total for bill in bills)}
        console.print_json(json.dumps(payload))
        return
    console.print(estimate_mod.table(bills, workload))


@app.command()
def doctor(
    target: TargetOption = targets.TargetName.embedded,
    stack: StackOption = deploy_mod.DEFAULT_STACK,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """List what of p4lab is still in the account (tag project=p4lab, plus checks by name).

    Exit code 0: nothing left. 1: something is left (after `p4lab destroy` it may still bill).
    """
    from reference import doctor as doctor_mod

    leftovers, problems = doctor_mod.examine(targets.connect(target), stack)
    if json_output:
        rows = [{"arn": i.arn, "service": i.service, "type": i.kind, "idle_cost": i.idle_cost, "found_by": i.found_by} for i in leftovers]
        console.print_json(json.dumps({"leftovers": rows, "problems": problems}))
    elif leftovers:
        console.print(doctor_mod.table(leftovers))
    for problem in problems:
        err_console.print(f"[yellow]Warning:[/] {problem}")
    if leftovers:
        raise UserError(f"{len(leftovers)} resources of p4lab remain; `p4lab destroy --target {target.value}` removes the stack's.")
    if not json_output:
        console.print(f"[green]Nothing of p4lab is left on {target.value}[/] (tag project=p4lab, stack {stack}, artifacts bucket, log groups, budgets).")


@app.command()
def serve(
    target: TargetOption = targets.TargetName.embedded,
    stack: StackOption = deploy_mod.DEFAULT_STACK,
    owner: OwnerOption = "",
    port: Annotated[int, typer.Option(help="Local port; the stack's CorsAllowedOrigins must allow it.")] = 8765,
) -> None:
    """Serve the browser upload page on http://localhost:8765 (presigned POST, then the CDN)."""
    from reference import webpage

    tgt = targets.connect(target)
    api = webpage.UploadApi(tgt, deploy_mod.outputs(tgt, stack), owner or default_owner())
    server = webpage.make_server(api, port=port)
    console.print(f"[green]Upload page:[/] http://localhost:{port}  (add ?demo=1 to upload a generated image; Ctrl-C stops)")
    if port != webpage.DEFAULT_PORT:
        console.print(f"[yellow]Deploy with -p CorsAllowedOrigins=http://localhost:{port} or S3 will refuse the browser's POST.")
    if tgt.ca_bundle:
        console.print(
            f"The emulator uses a self-signed certificate: open {tgt.endpoint_url}/_ministack/health once and accept it "
            f"(or trust {tgt.ca_bundle}), else the browser refuses the upload and the CDN images.",
            soft_wrap=True,
        )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main() -> None:
    """Console entry point: user errors become one message and an exit code."""
    # SIGTERM unwinds like Ctrl-C, so `finally` blocks stop what we started.
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    try:
        app()
    except UserError as error:
        err_console.print(f"[red]Error:[/] {error}")
        sys.exit(error.exit_code)
    except NoCredentialsError:
        err_console.print("[red]Error:[/] no AWS credentials found; see docs/targets.md.")
        sys.exit(1)
    except ClientError as error:
        info = error.response.get("Error", {})
        err_console.print(f"[red]Error:[/] {error.operation_name} failed: {info.get('Code')}: {info.get('Message')}")
        sys.exit(1)
    except BotoCoreError as error:
        err_console.print(f"[red]Error:[/] {error}")
        sys.exit(1)
    except Exception as error:  # a bug: say so plainly; P4LAB_DEBUG=1 shows the traceback
        if os.environ.get("P4LAB_DEBUG"):
            raise
        err_console.print(f"[red]Internal error:[/] {type(error).__name__}: {error}. Re-run with P4LAB_DEBUG=1 for details.")
        sys.exit(1)
