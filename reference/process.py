"""`p4lab process FILE --out DIR [--json]`: run the Lambda's engine on one local file.

No emulator, no AWS: the same `engine.process` the handler calls, with the same limits (read
from the same `P4LAB_*` environment variables). Labs and documentation rely on its contract:

* exit 0, `{"status": "ok", "variants": [...], "metadata": {...}}` — variants written to DIR;
* exit 2, `{"status": "rejected", "reason": "<code>", "message": "..."}` — the engine refused
  the input (the same reason the pipeline would record on a FAILED item);
* exit 2, `{"status": "error", "message": "..."}` — the file could not be read or the settings
  are invalid; exit 1, same shape, for an unexpected failure (a bug: please report it).

A PDF is rendered completely: the page ranges the Lambda would fan out to other invocations are
rendered here one after the other.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from reference.console import error

if TYPE_CHECKING:
    from reference.handler.engine import EngineSettings, Result

EXIT_REJECTED = 2  # also used for unreadable files and invalid settings: the caller must act
EXIT_BUG = 1
DEBUG_ENV = "P4LAB_DEBUG"  # set to 1 to get the traceback of an unexpected failure


def process_command(
    file: Path = typer.Argument(..., help="Image or PDF to process (its name is ignored)."),
    out: Path = typer.Option(..., "--out", help="Directory for the variants (created if needed)."),
    json_output: bool = typer.Option(False, "--json", help="Print one JSON object, nothing else."),
) -> None:
    """Process FILE like the pipeline does and write its variants into --out."""
    from reference.handler.engine import EngineSettings, Rejected

    console = Console()
    try:
        data = file.read_bytes()
        settings = EngineSettings()
    except OSError as exc:
        _fail(json_output, EXIT_REJECTED, f"Cannot read {file}: {exc.strerror or exc}.")
    except ValidationError as exc:
        _fail(json_output, EXIT_REJECTED, f"Invalid P4LAB_* settings: {exc}")
    try:
        variants, metadata = _run(data, out, settings)
    except Rejected as exc:
        if json_output:
            typer.echo(json.dumps(exc.to_dict()))
        else:
            error(f"rejected ({exc.reason}): {exc.message}")
        raise typer.Exit(EXIT_REJECTED) from None
    except OSError as exc:
        _fail(json_output, EXIT_REJECTED, f"Cannot write to {out}: {exc.strerror or exc}.")
    except Exception as exc:  # the CLI's contract is "never a traceback"; see DEBUG_ENV
        if os.environ.get(DEBUG_ENV):
            raise
        _fail(
            json_output,
            EXIT_BUG,
            f"Unexpected failure ({type(exc).__name__}: {exc}); "
            f"rerun with {DEBUG_ENV}=1 for the traceback.",
        )
    if json_output:
        typer.echo(json.dumps({"status": "ok", "variants": variants, "metadata": metadata}))
    else:
        _print_summary(console, file, variants, metadata)


def _run(
    data: bytes, out: Path, settings: EngineSettings
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Process, write every variant, and for a long PDF render the ranges the Lambda fans out."""
    from reference.handler.engine import process, render_pdf_pages

    out.mkdir(parents=True, exist_ok=True)
    result = process(data, settings)
    written = _write(result, out)
    metadata = result.metadata
    for first, last in metadata.pop("pending_ranges", []):
        more = render_pdf_pages(data, first, last, settings)
        written += _write(more, out)
        metadata["last_page"] = last
        metadata["variants"] += more.metadata["variants"]
        metadata["processing_ms"] += more.metadata["processing_ms"]
    return written, metadata


def _write(result: Result, out: Path) -> list[dict[str, Any]]:
    written = []
    for variant in result.variants:
        path = out / variant.filename
        path.write_bytes(variant.data)
        written.append({**variant.describe(), "path": str(path)})
    return written


def _fail(json_output: bool, code: int, message: str) -> NoReturn:
    if json_output:
        typer.echo(json.dumps({"status": "error", "message": message}))
    else:
        error(message)
    raise typer.Exit(code)


def _print_summary(
    console: Console, file: Path, variants: list[dict[str, Any]], metadata: dict[str, Any]
) -> None:
    if metadata["kind"] == "pdf":
        source = (
            f"PDF, {metadata['pages_total']} pages at {metadata['dpi']} DPI "
            f"({metadata['renderer']})"
        )
    else:
        source = f"{metadata['source_format'].upper()} {metadata['width']}×{metadata['height']}"
        if metadata["animated"]:
            source += f", first of {metadata['frames']} frames"
    console.print(
        f"[bold]{file.name}[/bold]: {source}, {metadata['bytes']:,} bytes, "
        f"processed in {metadata['processing_ms']} ms"
    )
    if metadata["kind"] == "image":
        camera = " ".join(filter(None, [metadata["camera_make"], metadata["camera_model"]]))
        console.print(
            f"camera: {camera or '—'} · captured: {metadata['captured_at'] or '—'} · "
            f"GPS in source: {'yes (stripped)' if metadata['gps_present'] else 'no'} · "
            f"orientation applied: {'yes' if metadata['orientation_applied'] else 'no'} · "
            f"colour: {metadata['color_mode']}"
            + (f", {metadata['icc_profile']} → sRGB" if metadata["converted_to_srgb"] else "")
        )
    table = Table("variant", "format", "size", "bytes", "file")
    for variant in variants:
        table.add_row(
            variant["name"],
            variant["format"],
            f"{variant['width']}×{variant['height']}",
            f"{variant['bytes']:,}",
            variant["path"],
        )
    console.print(table)
