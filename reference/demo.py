"""`p4lab demo`: the whole pipeline, from nothing to images served by the CDN, then cleaned up."""

from __future__ import annotations

import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from reference import cdn, deploy, emulator, samples, targets
from reference.handler.store import DONE
from reference.status import Images, table
from reference.upload import default_owner, upload_file
from reference.webpage import DEFAULT_PORT


def run(keep: bool = False, console: Console | None = None) -> int:
    """Run the demo on the embedded target; returns the number of images that did not end DONE
    (only the deliberately broken sample should)."""
    console = console or Console()
    started = time.monotonic()
    with ExitStack() as cleanup:
        kept = emulator.load_kept()
        if kept is None:
            console.print("Starting the embedded emulator (MiniStack) ...")
        if keep:
            running = kept or emulator.start(keep=True)
        else:
            running = cleanup.enter_context(emulator.running_emulator())
        console.print(f"Emulator at {running.endpoint}")
        target = targets.embedded(running)

        result = deploy.deploy(target, console=console)
        console.print(f"Stack deployed in {result.seconds:.1f} s")
        if not keep:
            cleanup.callback(deploy.destroy, target, console=console)
        outputs = result.outputs

        workdir = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="p4lab-demo-")))
        files = samples.write_samples(workdir)
        owner = default_owner()
        ids: dict[str, Path] = {}
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("Uploading (presigned POST)", total=len(files))
            for path in files:
                ids[upload_file(target, outputs, path, owner)] = path
                progress.advance(task)
        console.print(f"Uploaded {len(files)} files as owner {owner!r}")

        images = Images(target, outputs)
        items = images.wait(list(ids), timeout_s=120, console=console)
        console.print(table(items, title="Uploads processed by the pipeline"))

        if "CdnDomainName" in outputs:
            _show_negotiation(target, outputs["CdnDomainName"], items, console, keep)
        failed = sum(1 for item in items if item.get("status") != DONE)
        if keep:
            console.print("[bold]--keep:[/] the emulator and the stack stay up; `p4lab status`, then `p4lab down`.")
    console.print(f"[bold green]Demo finished in {time.monotonic() - started:.1f} s[/]")
    return failed


def _show_negotiation(target: targets.Target, domain: str, items: list[dict], console: Console, keep: bool) -> None:
    """Fetch one variant as a WebP-capable browser and as an older client.

    A link is printed only when it will still work: without ``--keep`` the stack is
    torn down a moment later.
    """
    photo = next((i for i in items if i.get("status") == DONE and i.get("kind") == "image"), None)
    if photo is None:
        return
    path = cdn.variant_path(photo["image_id"], "large.jpg")
    view = Table(title=f"One URL, two representations (CloudFront Function on {domain})")
    for column in ("client Accept", "status", "content type", "bytes", "Vary"):
        view.add_column(column)
    for label, accept in (("browser (image/webp)", cdn.BROWSER_ACCEPT), ("legacy (no webp)", cdn.LEGACY_ACCEPT)):
        response = cdn.fetch(target, domain, path, accept)
        view.add_row(label, str(response.status), response.content_type, f"{response.size:,}", response.vary)
    console.print(view)
    if keep:
        console.print(
            f"See it in a browser: `p4lab serve`, then http://localhost:{DEFAULT_PORT}/?image={photo['image_id']} "
            f"(the page relays the emulator's CDN). Direct URL: {target.cdn_public_url(domain, path)}",
            soft_wrap=True,
        )
    else:
        console.print("The stack is removed next; `p4lab demo --keep` leaves it up to look at in a browser.")
