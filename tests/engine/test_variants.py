"""Variants: configured sizes, never upscaled, progressive JPEG + WebP, no metadata carried over."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from reference.handler.engine import EngineSettings, Variant, process
from tests.fixtures import corpus
from tests.fixtures.outputs import decoded

PHOTO = corpus.encode(corpus.photo(2000, 1500), "JPEG", quality=90)


@pytest.fixture(scope="module")
def photo_result():
    return process(PHOTO)


def test_three_sizes_in_two_formats_largest_first(photo_result) -> None:
    sizes = {(v.name, v.format): (v.width, v.height) for v in photo_result.variants}
    assert sizes == {
        ("large", "jpeg"): (1600, 1200),
        ("large", "webp"): (1600, 1200),
        ("medium", "jpeg"): (800, 600),
        ("medium", "webp"): (800, 600),
        ("thumbnail", "jpeg"): (150, 112),
        ("thumbnail", "webp"): (150, 112),
    }
    assert [v.filename for v in photo_result.variants] == [
        "large.jpg",
        "large.webp",
        "medium.jpg",
        "medium.webp",
        "thumbnail.jpg",
        "thumbnail.webp",
    ]


def test_declared_dimensions_and_types_match_the_encoded_bytes(photo_result) -> None:
    for variant in photo_result.variants:
        image = Image.open(io.BytesIO(variant.data))
        assert image.size == (variant.width, variant.height)
        assert Image.MIME[image.format] == variant.content_type


def test_jpegs_are_progressive(photo_result) -> None:
    assert decoded(photo_result, "large.jpg").info.get("progressive") == 1


def test_small_images_are_never_upscaled() -> None:
    result = process(corpus.encode(corpus.photo(300, 100), "PNG"))
    sizes = {v.name: (v.width, v.height) for v in result.variants}
    assert sizes == {"large": (300, 100), "medium": (300, 100), "thumbnail": (150, 50)}


def test_portrait_uses_longest_side() -> None:
    result = process(corpus.encode(corpus.photo(900, 1800), "JPEG"))
    assert {(v.name, v.width, v.height) for v in result.variants if v.format == "jpeg"} == {
        ("large", 800, 1600),
        ("medium", 400, 800),
        ("thumbnail", 75, 150),
    }


def test_sizes_and_qualities_come_from_settings() -> None:
    low = process(PHOTO, EngineSettings(sizes={"only": 400}, jpeg_quality=30, webp_quality=30))
    high = process(PHOTO, EngineSettings(sizes={"only": 400}, jpeg_quality=95, webp_quality=95))
    assert [v.filename for v in low.variants] == ["only.jpg", "only.webp"]
    for cheap, rich in zip(low.variants, high.variants, strict=True):
        assert len(cheap.data) < len(rich.data)


def test_outputs_carry_no_metadata() -> None:
    result = process(corpus.camera_jpeg(gps=True))
    assert result.metadata["gps_present"] is True
    for variant in result.variants:
        image = Image.open(io.BytesIO(variant.data))
        assert not image.getexif(), variant.filename
        for key in ("exif", "xmp", "icc_profile", "XML:com.adobe.xmp"):
            assert not image.info.get(key), (variant.filename, key)
        assert b"p4lab Optics" not in variant.data


def test_processing_is_deterministic(photo_result) -> None:
    again = process(PHOTO)
    assert [(v.filename, v.data) for v in again.variants] == [
        (v.filename, v.data) for v in photo_result.variants
    ]


def test_large_variant_is_faithful_to_the_source(photo_result) -> None:
    """Draft decoding and chained resizing must not cost visible quality."""
    import numpy as np

    reference = Image.open(io.BytesIO(PHOTO)).resize((1600, 1200), Image.Resampling.LANCZOS)
    ours = decoded(photo_result, "large.jpg")
    error = np.abs(np.asarray(ours, dtype=np.int16) - np.asarray(reference, dtype=np.int16))
    assert error.mean() < 4  # mean absolute difference per channel, on a 0..255 scale


def test_variant_filename() -> None:
    assert (
        Variant("page-0001-thumbnail", "jpeg", 1, 1, "image/jpeg", b"").filename
        == "page-0001-thumbnail.jpg"
    )
    assert Variant("large", "webp", 1, 1, "image/webp", b"").filename == "large.webp"
