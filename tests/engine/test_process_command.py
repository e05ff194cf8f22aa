"""`p4lab process`: the contract labs and documentation rely on (exit codes and JSON shape)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from reference.process import process_command
from tests.fixtures import corpus

app = typer.Typer()
app.command("process")(process_command)


@app.callback()
def _root() -> None:
    """A group, like the real `p4lab` app, so the command is invoked as `process`."""


def run(*args: str):
    return CliRunner().invoke(app, ["process", *map(str, args)])


def test_json_success(tmp_path: Path) -> None:
    source = tmp_path / "photo.jpg"
    source.write_bytes(corpus.camera_jpeg())
    result = run(source, "--out", tmp_path / "out", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["status"] == "ok"
    assert report["metadata"]["source_format"] == "jpeg"
    assert [v["filename"] for v in report["variants"]] == [
        "large.jpg",
        "large.webp",
        "medium.jpg",
        "medium.webp",
        "thumbnail.jpg",
        "thumbnail.webp",
    ]
    for variant in report["variants"]:
        assert Path(variant["path"]).read_bytes()[:2] in (b"\xff\xd8", b"RI")
        assert Path(variant["path"]).stat().st_size == variant["bytes"]


def test_extension_is_ignored(tmp_path: Path) -> None:
    source = tmp_path / "actually-a-png.jpg"
    source.write_bytes(corpus.encode(corpus.marker(), "PNG"))
    report = json.loads(run(source, "--out", tmp_path, "--json").output)
    assert report["metadata"]["source_format"] == "png"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"hello", "unsupported_format"),
        (corpus.png_bomb(), "too_many_pixels"),
        (corpus.encrypted_pdf(), "encrypted"),
    ],
)
def test_json_rejection(tmp_path: Path, content: bytes, reason: str) -> None:
    source = tmp_path / "upload.jpg"
    source.write_bytes(content)
    result = run(source, "--out", tmp_path / "out", "--json")
    assert result.exit_code == 2
    report = json.loads(result.output)
    assert report["status"] == "rejected" and report["reason"] == reason and report["message"]
    assert "Traceback" not in result.output


def test_missing_file(tmp_path: Path) -> None:
    result = run(tmp_path / "nope.jpg", "--out", tmp_path, "--json")
    assert result.exit_code == 2
    report = json.loads(result.output)
    assert report["status"] == "error" and "nope.jpg" in report["message"]


def test_missing_file_human(tmp_path: Path) -> None:
    result = run(tmp_path / "nope.jpg", "--out", tmp_path)
    assert result.exit_code == 2
    assert "Cannot read" in result.output and "Traceback" not in result.output


def test_invalid_settings_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("P4LAB_PDF_RENDERER", "ghostscript")
    source = tmp_path / "a.png"
    source.write_bytes(corpus.encode(corpus.marker(), "PNG"))
    result = run(source, "--out", tmp_path, "--json")
    assert result.exit_code == 2
    assert "P4LAB_" in json.loads(result.output)["message"]


def test_human_summary(tmp_path: Path) -> None:
    source = tmp_path / "photo.jpg"
    source.write_bytes(corpus.camera_jpeg())
    result = run(source, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "p4lab Optics" in result.output and "thumbnail" in result.output
    assert (tmp_path / "out" / "thumbnail.webp").exists()


def test_long_pdf_is_rendered_completely(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("P4LAB_PDF_PAGES_PER_INVOCATION", "4")
    source = tmp_path / "doc.pdf"
    source.write_bytes(corpus.pdf(10))
    result = run(source, "--out", tmp_path / "out", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert len(report["variants"]) == 20
    assert (report["metadata"]["first_page"], report["metadata"]["last_page"]) == (1, 10)
    assert len(report["metadata"]["variants"]) == 20
    assert "pending_ranges" not in report["metadata"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir())[-1] == "page-0010.jpg"
