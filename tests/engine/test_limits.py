"""Hostile inputs are refused from their headers: fast, and without allocating their pixels."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from reference.handler.engine import EngineSettings, Rejected, process
from tests.fixtures import corpus


def _rejection(data: bytes, settings: EngineSettings | None = None) -> Rejected:
    with pytest.raises(Rejected) as caught:
        process(data, settings)
    return caught.value


@pytest.mark.parametrize(
    "bomb", [corpus.png_bomb(), corpus.gif_bomb(), corpus.png_bomb(8000, 8000)]
)
def test_decompression_bombs_are_rejected_quickly_without_allocating(bomb: bytes) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        error = _rejection(bomb)
    finally:
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert error.reason == "too_many_pixels"
    assert elapsed < 0.5
    assert peak < 5_000_000  # bytes; decoding even the smallest of these would need 64 MB


def test_pixel_limit_is_configurable_and_explained() -> None:
    data = corpus.encode(corpus.photo(100, 100), "PNG")
    error = _rejection(data, EngineSettings(max_pixels=9_999))
    assert error.reason == "too_many_pixels"
    assert "P4LAB_MAX_PIXELS" in error.message
    assert process(data, EngineSettings(max_pixels=10_000)).metadata["width"] == 100


def test_byte_limit() -> None:
    data = corpus.encode(corpus.photo(64, 64), "PNG")
    assert _rejection(data, EngineSettings(max_bytes=len(data) - 1)).reason == "too_large"


def test_zero_bytes() -> None:
    assert _rejection(b"").reason == "empty"


def test_frame_limit() -> None:
    data = corpus.animation("GIF", colours=[(i, 0, 0) for i in range(6)])
    assert _rejection(data, EngineSettings(max_frames=5)).reason == "too_many_frames"
    assert process(data, EngineSettings(max_frames=6)).metadata["frames"] == 6


def test_multipage_tiff_counts_as_frames() -> None:
    assert (
        _rejection(corpus.multipage_tiff(4), EngineSettings(max_frames=3)).reason
        == "too_many_frames"
    )


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("P4LAB_MAX_PIXELS", "1234")
    monkeypatch.setenv("P4LAB_SIZES", '{"small": 10, "big": 20}')
    monkeypatch.setenv("P4LAB_PDF_RENDERER", "poppler")
    settings = EngineSettings()
    assert settings.max_pixels == 1234
    assert settings.sizes == {"small": 10, "big": 20}
    assert settings.pdf_renderer == "poppler"


@pytest.mark.parametrize("sizes", [{}, {"large": 0}])
def test_invalid_sizes_are_refused_at_startup(sizes: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        EngineSettings(sizes=sizes)
