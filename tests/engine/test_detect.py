"""Formats are recognised from content; names, extensions and garbage do not fool the engine."""

from __future__ import annotations

import pytest

from reference.handler.engine import Rejected, detect_format
from tests.fixtures import corpus

SMALL = corpus.photo(48, 32)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (corpus.encode(SMALL, "JPEG"), "jpeg"),
        (corpus.mpo_jpeg(), "jpeg"),
        (corpus.encode(SMALL, "PNG"), "png"),
        (corpus.encode(SMALL, "WEBP"), "webp"),
        (corpus.encode(SMALL, "GIF"), "gif"),
        (corpus.encode(SMALL, "TIFF"), "tiff"),
        (corpus.encode(SMALL, "BMP"), "bmp"),
        (corpus.encode(SMALL, "AVIF"), "avif"),
        (corpus.pdf(1), "pdf"),
        (b"garbage before the header " + corpus.pdf(1), "pdf"),
    ],
)
def test_detects_accepted_formats_from_bytes(data: bytes, expected: str) -> None:
    assert detect_format(data) == expected


@pytest.mark.parametrize(
    "data",
    [
        b"just some text, maybe named photo.jpg",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"%!PS-Adobe-3.0 EPSF-3.0\n",  # EPS would start Ghostscript: never handed to Pillow
        corpus.encode(SMALL, "ICO"),
        corpus.encode(SMALL.convert("RGB"), "PPM"),
        b"PK\x03\x04" + bytes(100),  # a zip (docx, …)
    ],
)
def test_rejects_other_content(data: bytes) -> None:
    with pytest.raises(Rejected) as caught:
        detect_format(data)
    assert caught.value.reason == "unsupported_format"
    assert "accepted:" in caught.value.message


def test_heic_rejection_explains_the_missing_plugin() -> None:
    with pytest.raises(Rejected) as caught:
        detect_format(corpus.heic_header())
    assert caught.value.reason == "unsupported_format"
    assert "HEIC" in caught.value.message


def test_empty_input() -> None:
    with pytest.raises(Rejected) as caught:
        detect_format(b"")
    assert caught.value.reason == "empty"


def test_rejected_serialises_to_the_cli_contract() -> None:
    error = Rejected("corrupt", "The image data is damaged.")
    assert error.to_dict() == {
        "status": "rejected",
        "reason": "corrupt",
        "message": "The image data is damaged.",
    }
