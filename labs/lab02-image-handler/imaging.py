"""The image engine's small decisions: variant sizes, orientation, and limits before decoding.

The engine (``reference/handler/engine/``) produces three sizes (thumbnail 150, medium 800,
large 1600 px on the longest side) as JPEG and WebP. Before any of that it must refuse hostile
input cheaply: an empty file, a 2 GB upload, or a 40 KB PNG that claims 100,000 × 100,000
pixels (a decompression bomb: 30 GB of pixels once decoded). And a phone photo is often stored
sideways with an EXIF tag saying how to turn it.

Lab 02: complete the functions; `p4lab grade lab02` compares them with the reference engine.
"""

from __future__ import annotations

from PIL import Image

from reference.handler.engine import EngineSettings, Rejected  # noqa: F401  (raise Rejected(reason, message))


def fit(size: tuple[int, int], longest: int) -> tuple[int, int]:
    """Scale `size` so its longest side is `longest`, never enlarging; at least 1×1."""
    raise NotImplementedError("TODO: keep the aspect ratio, round, never upscale")


def variant_sizes(size: tuple[int, int], settings: EngineSettings) -> dict[str, tuple[int, int]]:
    """The pixel size of every configured variant (``settings.sizes``: name -> longest side)."""
    raise NotImplementedError("TODO: one entry per configured size")


def display_size(size: tuple[int, int], orientation: int | None) -> tuple[int, int]:
    """(width, height) as displayed: EXIF orientations 5-8 rotate by 90°, swapping the axes."""
    raise NotImplementedError("TODO: which orientations swap width and height?")


def upright(image: Image.Image) -> Image.Image:
    """The pixels turned the way the camera's EXIF orientation tag says they are displayed."""
    raise NotImplementedError("TODO: Pillow's ImageOps can do this")


def check_bytes(size: int, settings: EngineSettings) -> None:
    """Reject empty and oversized inputs before looking at their content."""
    raise NotImplementedError("TODO: Rejected('empty', ...) / Rejected('too_large', ...)")


def check_pixels(width: int, height: int, settings: EngineSettings, what: str = "The image") -> None:
    """Reject dimensions whose decoded pixels would exceed the memory budget."""
    raise NotImplementedError("TODO: Rejected('corrupt', ...) for impossible sizes, Rejected('too_many_pixels', ...)")
