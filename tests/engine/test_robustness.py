"""Damaged and mutated files end in a `Rejected` (final) or a result, never in another exception.

Any other exception would make the handler retry a file that can never succeed, until the
message reaches the dead-letter queue.
"""

from __future__ import annotations

import random

import pytest

from reference.handler.engine import REASONS, Rejected, process
from tests.fixtures import corpus

pytestmark = pytest.mark.filterwarnings(
    "ignore::UserWarning"
)  # Pillow warns about damaged TIFF tags

SOURCES = {
    "jpeg": corpus.encode(corpus.photo(64, 48), "JPEG"),
    "progressive_jpeg": corpus.encode(corpus.photo(64, 48), "JPEG", progressive=True),
    "png": corpus.rgba_photo_png(64, 48),
    "gif": corpus.animation("GIF"),
    "webp": corpus.encode(corpus.photo(64, 48), "WEBP"),
    "animated_webp": corpus.animation("WEBP"),
    "tiff": corpus.encode(corpus.photo(64, 48), "TIFF", compression="tiff_deflate"),
    "bmp": corpus.encode(corpus.photo(64, 48), "BMP"),
    "avif": corpus.encode(corpus.photo(64, 48), "AVIF"),
    "pdf": corpus.pdf(2),
}


@pytest.mark.parametrize("name", ["jpeg", "png", "gif", "webp", "tiff", "bmp", "avif"])
def test_truncated_images_are_corrupt(name: str) -> None:
    data = SOURCES[name]
    with pytest.raises(Rejected) as caught:
        process(data[: len(data) // 2])
    assert caught.value.reason == "corrupt"


@pytest.mark.parametrize("name", SOURCES)
def test_truncation_at_any_length_is_handled(name: str) -> None:
    data = SOURCES[name]
    for length in range(0, len(data), max(1, len(data) // 40)):
        _process_or_reject(data[:length])


@pytest.mark.parametrize("name", SOURCES)
def test_random_byte_mutations_are_handled(name: str) -> None:
    rng = random.Random(f"p4lab-{name}")
    data = SOURCES[name]
    for _ in range(60):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        _process_or_reject(bytes(mutated))


def _process_or_reject(data: bytes) -> None:
    try:
        process(data)
    except Rejected as rejected:
        assert rejected.reason in REASONS
        assert rejected.message
