"""The pipeline's commands: run the emulator, deploy, upload, watch, tear down.

``p4lab`` (``p4lab/cli.py``) puts these beside the simulator's, the chaos drills' and the
labs' commands. A command acting on a deployed pipeline takes a
:class:`~reference.stack.Stack` from :func:`~reference.options.on_stack`. Heavy modules
(boto3, the engine) are imported inside the commands, so ``p4lab --help`` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from reference.console import err, out
from reference.errors import UserError
from reference.options import JsonOption, OwnerOption, YesOption, on_stack
from reference.stack import Stack

app = typer.Typer()

STATES = ("PENDING", "PROCESSING", "DONE", "FAILED")


# ----------------------------------------------------------------------------- emulator
@app.command()
def up() -> None:
    """Start an embedded emulator that keeps running for exploration (stop it with `p4lab down`)."""
    from reference import emulator

    running = emulator.load_kept()
    if running:
        out.print(f"Already running at {running.endpoint}")
        return
    with err.status("Starting MiniStack"):
        running = emulator.start(keep=True)
    out.print(f"[green]Embedded emulator running at {running.endpoint}[/] (process group {running.pgid})")
    out.print("Use it from the AWS CLI or boto3 with:")
    out.print(
        f"  export AWS_ENDPOINT_URL={running.endpoint} AWS_CA_BUNDLE={running.ca_bundle} "
        f"AWS_ACCESS_KEY_ID={emulator.ROOT_ACCESS_KEY} AWS_SECRET_ACCESS_KEY={emulator.ROOT_SECRET_KEY} "
        f"AWS_REGION={emulator.REGION} AWS_DEFAULT_REGION={emulator.REGION}",
        soft_wrap=True,
    )
    out.print(
        "Before using real AWS in that shell: unset AWS_ENDPOINT_URL AWS_CA_BUNDLE AWS_ACCESS_KEY_ID "
        "AWS_SECRET_ACCESS_KEY (p4lab --target aws ignores the endpoint and refuses these keys).",
        soft_wrap=True,
    )


@app.command()
def down() -> None:
    """Stop the embedded emulator and every Lambda worker it started."""
    from reference import emulator

    running = emulator.load_kept()
    if running is None:
        out.print("No embedded emulator is running.")
        return
    emulator.stop(running)
    left = emulator.group_processes(running.pgid)
    if left:
        raise UserError(f"Processes {left} of the emulator's group survived; kill them with `kill -9 {' '.join(map(str, left))}`.")
    out.print(f"[green]Stopped the emulator at {running.endpoint} and its workers.")


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
@on_stack
def deploy(
    stack: Stack,
    parameter: Annotated[
        Optional[list[str]],
        typer.Option("--parameter", "-p", metavar="NAME=VALUE", help="Template parameter; repeatable."),
    ] = None,
) -> None:
    """Package the handler and create or update the stack through a change set."""
    from reference import deploy as deploy_mod

    overrides = _parameters(parameter or [])
    stack.before_change("Deploying")
    result = deploy_mod.deploy(stack.target, stack.name, overrides, console=err)
    verb = "Deployed" if result.changed else "Unchanged"
    out.print(f"[green]{verb}[/] stack {stack.name} in {result.seconds:.1f} s")


@app.command()
@on_stack
def destroy(stack: Stack, yes: YesOption = False) -> None:
    """Empty the stack's buckets (every version) and delete the stack (on aws: asks first)."""
    from reference import deploy as deploy_mod

    stack.before_change("Destroying", confirm=True, yes=yes)
    if deploy_mod.destroy(stack.target, stack.name, console=err):
        out.print(f"[green]Destroyed stack {stack.name}.")
    else:
        out.print(f"Nothing to destroy: stack {stack.name} is not deployed.")


@app.command()
@on_stack
def outputs(stack: Stack, json_output: JsonOption = False) -> None:
    """Print the stack outputs (bucket names, queue URLs, table, CDN domain)."""
    values = stack.outputs
    if json_output:
        out.print_json(json.dumps(values))
        return
    width = max(map(len, values), default=0)
    for key, value in values.items():
        out.print(f"{key:<{width}}  {value}", soft_wrap=True)


# ----------------------------------------------------------------------------- uploads
def _readable_files(paths: list[Path]) -> None:
    """Every path checked before anything is sent: a typo must not leave half a batch uploaded."""
    from reference.upload import check_file

    problems = [problem for path in paths if (problem := check_file(path))]
    if problems:
        raise UserError("Nothing was uploaded: " + "; ".join(problems), 2)


@app.command()
@on_stack
def upload(
    stack: Stack,
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="Images or PDFs to upload.", show_default=False)],
    owner: OwnerOption = "",
    wait: Annotated[bool, typer.Option("--wait", help="Wait until they are processed; exit 1 if any FAILED.")] = False,
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-j", metavar="N", min=1, max=64, help="Uploads in flight at once.")
    ] = 8,
) -> None:
    """Upload files through presigned POSTs (size and type limits signed into the policy).

    Every file is checked before any is sent; then up to N are sent at once.
    """
    from reference.status import Images, table
    from reference.upload import default_owner, upload_files

    _readable_files(files)
    stack.before_change("Uploading to")
    owner = owner or default_owner()
    uploaded: dict[int, str] = {}
    try:
        with err.status(f"Uploading {len(files)} files, up to {concurrency} at a time"):
            ids = upload_files(
                stack.target, stack.outputs, files, owner, concurrency=concurrency, on_uploaded=uploaded.__setitem__
            )
    finally:  # in the order given (even when a later file failed): scripts pair ids with names
        for index, path in enumerate(files):
            if index in uploaded:
                out.print(f"{uploaded[index]}  {path.name}")
    if wait:
        items = Images(stack.target, stack.outputs).wait(ids, console=err)
        out.print(table(items))
        _fail_if_failed(items)


def _fail_if_failed(items: list[dict]) -> None:
    """Exit 1 when an awaited upload ended FAILED, or will never be processed (NEVER UPLOADED)."""
    from reference.status import NEVER_UPLOADED

    failed = [item for item in items if item.get("status") in ("FAILED", NEVER_UPLOADED)]
    if failed:
        names = ", ".join(f"{item.get('name', item['image_id'][:8])} ({item.get('status')}: {item.get('reason', '?')})" for item in failed)
        raise UserError(f"{len(failed)} of {len(items)} uploads did not finish DONE: {names}.")


def _image_ids(values: list[str] | None) -> list[str]:
    """Image ids as `p4lab upload` prints them; anything else is bad input, said before any work."""
    from reference.handler.keys import IMAGE_ID_PATTERN

    wrong = [value for value in values or [] if not IMAGE_ID_PATTERN.match(value)]
    if wrong:
        raise UserError(
            f"{', '.join(map(repr, wrong))}: an image id is 32 hex characters, as `p4lab upload` prints "
            "(the tables show only the first 8).",
            2,
        )
    return list(values or [])


@app.command()
@on_stack
def status(
    stack: Stack,
    image_ids: Annotated[
        Optional[list[str]], typer.Argument(metavar="[IMAGE_ID]...", help="Image ids (default: your latest uploads).", show_default=False)
    ] = None,
    owner: OwnerOption = "",
    state: Annotated[
        Optional[str], typer.Option("--state", metavar="STATE", help=f"Only images in this state ({', '.join(STATES)}).")
    ] = None,
    limit: Annotated[int, typer.Option(metavar="N", min=1, help="How many of the latest uploads.")] = 20,
    json_output: JsonOption = False,
) -> None:
    """List images with their state, newest first, with CDN URLs for finished ones."""
    if state is not None and state.upper() not in STATES:
        raise UserError(f"--state {state!r} is not a state; choose one of {', '.join(STATES)}.", 2)
    ids = _image_ids(image_ids)
    from reference import cdn
    from reference.status import Images, table
    from reference.upload import default_owner

    images = Images(stack.target, stack.outputs)
    if ids:
        found = {item["image_id"]: item for item in images.get(ids)}
        items = [images.settled(image_id, found.get(image_id)) for image_id in ids]
    elif state:
        items = images.get(images.ids_by_status(state.upper())[:limit])
    else:
        items = images.by_owner(owner or default_owner(), limit)
    if json_output:
        out.print_json(json.dumps(items, default=str))
        return
    out.print(table(items))
    domain = stack.outputs.get("CdnDomainName")
    if domain:
        for item in items:
            if item.get("status") == "DONE" and item.get("kind") == "image":
                url = stack.target.cdn_public_url(domain, cdn.variant_path(item["image_id"], "large.jpg"))
                out.print(f"{item['image_id'][:8]}  {url}", soft_wrap=True)


@app.command()
@on_stack
def wait(
    stack: Stack,
    image_ids: Annotated[
        Optional[list[str]],
        typer.Argument(metavar="[IMAGE_ID]...", help="Image ids (default: your unfinished uploads).", show_default=False),
    ] = None,
    owner: OwnerOption = "",
    timeout: Annotated[float, typer.Option(metavar="SECONDS", min=0, help="Seconds before giving up.")] = 120,
) -> None:
    """Wait, with a progress bar, until images are DONE or FAILED (exit 1 if any FAILED).

    Without ids: your unfinished uploads whose file reached S3 (a slot whose upload failed
    or was abandoned is listed by `p4lab status`, not waited for).
    """
    ids = _image_ids(image_ids)
    from reference.status import FINAL_STATES, Images, table
    from reference.upload import default_owner

    images = Images(stack.target, stack.outputs)
    if not ids:
        unfinished = [i for i in images.by_owner(owner or default_owner(), 1000) if i.get("status") not in FINAL_STATES]
        no_file = [i for i in unfinished if i.get("status") == "PENDING" and not images.file_arrived(i)]
        ids = [i["image_id"] for i in unfinished if i not in no_file]
        if no_file:
            names = ", ".join(f"{i.get('name', '?')} ({i['image_id'][:8]})" for i in no_file)
            err.print(f"Not waiting for {len(no_file)} upload slot(s) whose file never reached S3: {names}.", soft_wrap=True)
    if not ids:
        out.print("Nothing to wait for.")
        return
    items = images.wait(ids, timeout_s=timeout, console=err)
    out.print(table(items))
    _fail_if_failed(items)


# ----------------------------------------------------------------------------- demo
@app.command()
def demo(keep: Annotated[bool, typer.Option("--keep", help="Leave the emulator and stack running.")] = False) -> None:
    """From nothing: start the emulator, deploy, upload samples, wait, show the CDN, tear down."""
    from reference import demo as demo_mod

    failed = demo_mod.run(keep=keep, console=out)
    # Exactly one sample (broken.jpg) is meant to fail; anything else is a real problem.
    if failed != 1:
        raise UserError(f"{failed} uploads did not finish DONE (expected only broken.jpg).")


# ----------------------------------------------------------------------------- sandbox
@app.command()
def estimate(
    uploads: Annotated[int, typer.Argument(metavar="UPLOADS", min=0, help="How many uploads in the month.", show_default=False)],
    hours: Annotated[
        float, typer.Option(metavar="HOURS", min=0, max=730, help="How long the stack exists before `p4lab destroy` (max 730 = a month).")
    ] = 730,
    size_mb: Annotated[float, typer.Option(metavar="MB", min=0, help="Average original size, MB.")] = 2.0,
    views: Annotated[float, typer.Option(metavar="N", min=0, help="CDN views per upload.")] = 10,
    memory: Annotated[int, typer.Option(metavar="MB", min=128, max=10240, help="FunctionMemory, MB.")] = 1024,
    seconds: Annotated[float, typer.Option(metavar="SECONDS", min=0, help="Handler seconds per upload at that memory.")] = 0.7,
    architecture: Annotated[str, typer.Option(metavar="ARCH", help="FunctionArchitecture: arm64 or x86_64.")] = "arm64",
    free_tier: Annotated[bool, typer.Option("--free-tier/--no-free-tier", help="Subtract AWS's always-free allowances.")] = False,
    json_output: JsonOption = False,
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
        out.print_json(json.dumps(payload))
        return
    out.print(estimate_mod.table(bills, workload))


@app.command()
@on_stack
def doctor(stack: Stack, json_output: JsonOption = False) -> None:
    """List what of p4lab is still in the account (tag project=p4lab, plus checks by name).

    Exit code 0: nothing left. 1: something is left (after `p4lab destroy` it may still bill).
    """
    from reference import doctor as doctor_mod
    from reference.console import warning

    stack.identify("Looking for what is left of")
    leftovers, problems = doctor_mod.examine(stack.target, stack.name)
    if json_output:
        rows = [{"arn": i.arn, "service": i.service, "type": i.kind, "idle_cost": i.idle_cost, "found_by": i.found_by} for i in leftovers]
        out.print_json(json.dumps({"leftovers": rows, "problems": problems}))
    elif leftovers:
        out.print(doctor_mod.table(leftovers))
    for problem in problems:
        warning(problem)
    target = stack.target.name.value
    if leftovers:
        raise UserError(f"{len(leftovers)} resources of p4lab remain; `p4lab destroy --target {target}` removes the stack's.")
    if not json_output:
        out.print(
            f"[green]Nothing of p4lab is left on {target}[/] "
            f"(tag project=p4lab, stack {stack.name}, artifacts bucket, log groups, budgets)."
        )


@app.command()
@on_stack
def serve(
    stack: Stack,
    owner: OwnerOption = "",
    port: Annotated[
        int, typer.Option(metavar="PORT", min=1, max=65535, help="Local port; the stack's CorsAllowedOrigins must allow it.")
    ] = 8765,
) -> None:
    """Serve the browser upload page on http://localhost:8765 (presigned POST, then the CDN)."""
    from reference import webpage
    from reference.upload import default_owner

    stack.before_change("Serving uploads into")
    api = webpage.UploadApi(stack.target, stack.outputs, owner or default_owner())
    server = webpage.make_server(api, port=port)
    out.print(f"[green]Upload page:[/] http://localhost:{port}  (add ?demo=1 to upload a generated image; Ctrl-C stops)")
    if port != webpage.DEFAULT_PORT:
        out.print(
            f"[yellow]A browser posting to S3 itself (as on AWS) needs the stack deployed with "
            f"-p CorsAllowedOrigins=http://localhost:{port}.",
            soft_wrap=True,
        )
    if api.relay:
        err.print(
            "The emulator's certificate is self-signed, so this page relays the upload and the CDN images "
            "itself: there is no certificate to trust. On AWS the browser talks to S3 and CloudFront directly."
        )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
