"""Resize once per size, largest first, and encode each size as progressive JPEG and WebP.

Why it is fast: a JPEG is decoded directly at a reduced scale (libjpeg's DCT scaling through
`Image.draft`), and each smaller size is resized from the previous one rather than from the
original, so the expensive Lanczos filter never sees more pixels than it must. Why it stays
honest: every size still ends with a Lanczos resize from an image at least as large as the
target, and `benchmarks/images.py` checks SSIM against libvips and against an ideal resize.
"""

from __future__ import annotations

import io

from PIL import Image

from .result import CONTENT_TYPES, Variant
from .settings import EngineSettings

WHITE = (255, 255, 255)  # JPEG has no alpha: transparent areas are flattened onto white
RESAMPLE = {"lanczos": Image.Resampling.LANCZOS, "bicubic": Image.Resampling.BICUBIC}
REDUCING_GAP = 3.0
"""For big reductions (a page → its thumbnail) Pillow first box-reduces by an integer factor,
leaving at least this factor for the real filter; Pillow documents ≥ 3 as indistinguishable
from resampling the whole image, at a fraction of the cost."""


def fit(size: tuple[int, int], longest: int) -> tuple[int, int]:
    """Scale `size` so its longest side is `longest`, never enlarging; at least 1×1."""
    width, height = size
    scale = min(1.0, longest / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def draft_for_largest(image: Image.Image, settings: EngineSettings) -> None:
    """Ask the JPEG decoder for the smallest power-of-two reduction still ≥ the largest variant.

    Must run before the pixels are loaded; formats without DCT scaling ignore it.
    """
    if image.format in ("JPEG", "MPO"):
        image.draft(None, fit(image.size, max(settings.sizes.values())))


def shrink(image: Image.Image, longest: int, settings: EngineSettings) -> Image.Image:
    """`image` resized to fit `longest` (or itself when it already fits)."""
    target = fit(image.size, longest)
    if target == image.size:
        return image
    return image.resize(target, RESAMPLE[settings.resample], reducing_gap=REDUCING_GAP)


def resize_all(image: Image.Image, settings: EngineSettings) -> list[tuple[str, Image.Image]]:
    """Return `(name, image)` for every configured size, largest first, each from the previous.

    The aspect ratio is taken from `image` for every size so rounding errors do not compound.
    """
    resized = []
    current = image
    for name, longest in sorted(settings.sizes.items(), key=lambda item: -item[1]):
        target = fit(image.size, longest)
        if target != current.size:
            current = current.resize(target, RESAMPLE[settings.resample], reducing_gap=REDUCING_GAP)
        resized.append((name, current))
    return resized


def encode(name: str, image: Image.Image, settings: EngineSettings) -> list[Variant]:
    """Both formats of one size: JPEG for every browser, WebP (with alpha) for smaller transfers."""
    return [encode_jpeg(name, image, settings), encode_webp(name, image, settings)]


def encode_jpeg(name: str, image: Image.Image, settings: EngineSettings) -> Variant:
    """Progressive JPEG (renders coarse-to-fine on slow links), no EXIF/ICC/XMP carried over."""
    if image.mode == "RGBA":
        flat = Image.new("RGB", image.size, WHITE)
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    buffer = io.BytesIO()
    # libjpeg always optimises Huffman tables in progressive mode, so `optimize` would be a no-op.
    image.save(buffer, "JPEG", quality=settings.jpeg_quality, progressive=True)
    return _variant(name, "jpeg", image, buffer)


def encode_webp(name: str, image: Image.Image, settings: EngineSettings) -> Variant:
    """Lossy WebP; the alpha plane is kept."""
    buffer = io.BytesIO()
    image.save(buffer, "WEBP", quality=settings.webp_quality, method=settings.webp_method)
    return _variant(name, "webp", image, buffer)


def _variant(name: str, fmt: str, image: Image.Image, buffer: io.BytesIO) -> Variant:
    width, height = image.size
    return Variant(name, fmt, width, height, CONTENT_TYPES[fmt], buffer.getvalue())
