"""Answer key for lab 02: the reference engine's functions, and the small ones built from them."""

from __future__ import annotations

from PIL import Image, ImageOps

from reference.handler.engine import EngineSettings
from reference.handler.engine.image import SWAPS_AXES
from reference.handler.engine.limits import check_bytes, check_pixels  # noqa: F401
from reference.handler.engine.variants import fit


def variant_sizes(size: tuple[int, int], settings: EngineSettings) -> dict[str, tuple[int, int]]:
    """The pixel size of every configured variant (``settings.sizes``: name -> longest side)."""
    return {name: fit(size, longest) for name, longest in settings.sizes.items()}


def display_size(size: tuple[int, int], orientation: int | None) -> tuple[int, int]:
    """(width, height) as displayed: EXIF orientations 5-8 rotate by 90°, swapping the axes."""
    width, height = size
    return (height, width) if orientation in SWAPS_AXES else (width, height)


def upright(image: Image.Image) -> Image.Image:
    """The pixels turned the way the camera's EXIF orientation tag says they are displayed."""
    return ImageOps.exif_transpose(image)
