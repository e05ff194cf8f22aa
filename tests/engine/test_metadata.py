"""The item metadata: what the source was, what was found in it, what was produced."""

from __future__ import annotations

import json

import pytest
from boto3.dynamodb.types import TypeSerializer

from reference.handler.engine import process
from tests.fixtures import corpus

INPUTS = {
    "camera_jpeg": corpus.camera_jpeg,
    "palette_png": corpus.palette_png_with_transparency,
    "animated_gif": corpus.animation,
    "icc_png": corpus.icc_tagged,
    "pdf": lambda: corpus.pdf(2),
}


def test_camera_time_and_gps_are_recorded_but_not_the_position() -> None:
    metadata = process(corpus.camera_jpeg(gps=True)).metadata
    assert metadata["camera_make"] == "p4lab Optics"
    assert metadata["camera_model"] == "Bench 1"
    assert metadata["captured_at"] == "2024-05-01T12:30:00+02:00"
    assert metadata["gps_present"] is True
    assert set(metadata["metadata_found"]) == {"exif", "gps", "xmp"}
    assert metadata["metadata_stripped"] is True
    assert "48" not in json.dumps({k: v for k, v in metadata.items() if k != "variants"})


def test_absent_metadata_is_none_not_missing() -> None:
    metadata = process(corpus.encode(corpus.marker(), "PNG")).metadata
    for key in ("camera_make", "camera_model", "captured_at", "orientation", "icc_profile"):
        assert key in metadata and metadata[key] is None
    assert metadata["gps_present"] is False
    assert metadata["metadata_found"] == []


def test_source_and_variant_description() -> None:
    data = corpus.camera_jpeg(gps=False)
    result = process(data)
    metadata = result.metadata
    assert (metadata["kind"], metadata["source_format"], metadata["bytes"]) == (
        "image",
        "jpeg",
        len(data),
    )
    assert (metadata["width"], metadata["height"]) == (320, 240)
    assert isinstance(metadata["processing_ms"], int)
    assert metadata["variants"] == [variant.describe() for variant in result.variants]
    assert metadata["variants"][0] == {
        "name": "large",
        "format": "jpeg",
        "filename": "large.jpg",
        "content_type": "image/jpeg",
        "width": 320,
        "height": 240,
        "bytes": len(result.variants[0].data),
    }


def _leaves(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


@pytest.mark.parametrize("name", INPUTS)
def test_metadata_is_json_and_dynamodb_safe(name: str) -> None:
    metadata = process(INPUTS[name]()).metadata
    assert all(type(leaf) in (str, int, bool, type(None)) for leaf in _leaves(metadata))
    json.dumps(metadata)
    TypeSerializer().serialize(metadata)  # raises on floats, bytes, sets of mixed types…
