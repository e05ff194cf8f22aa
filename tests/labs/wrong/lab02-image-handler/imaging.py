"""A plausible wrong lab 02: orientation ignored for sizes, and the pixel limit off by one."""

from __future__ import annotations

from PIL import Image, ImageOps

from reference.handler.engine import EngineSettings, Rejected


def fit(size: tuple[int, int], longest: int) -> tuple[int, int]:
    width, height = size
    scale = min(1.0, longest / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def variant_sizes(size: tuple[int, int], settings: EngineSettings) -> dict[str, tuple[int, int]]:
    return {name: fit(size, px) for name, px in settings.sizes.items()}


def display_size(size: tuple[int, int], orientation: int | None) -> tuple[int, int]:
    return size  # wrong: a sideways phone photo is reported landscape


def upright(image: Image.Image) -> Image.Image:
    return ImageOps.exif_transpose(image)


def check_bytes(size: int, settings: EngineSettings) -> None:
    if size == 0:
        raise Rejected("empty", "empty")
    if size > settings.max_bytes:
        raise Rejected("too_large", "too large")


def check_pixels(
    width: int, height: int, settings: EngineSettings, what: str = "The image"
) -> None:
    if width <= 0 or height <= 0:
        raise Rejected("corrupt", "impossible size")
    if width * height >= settings.max_pixels:  # wrong: exactly the limit is allowed
        raise Rejected("too_many_pixels", "too many pixels")
