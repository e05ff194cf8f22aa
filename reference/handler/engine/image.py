"""The image path: limits → decode (reduced) → normalise → resize chain → encode → metadata."""

from __future__ import annotations

import warnings
from typing import Any

from PIL import Image

from .detect import DECODE_ERRORS, PILLOW_FORMATS, open_image
from .errors import Rejected
from .limits import check_frames, check_pixels
from .metadata import describe_source
from .normalise import normalise
from .result import Result
from .settings import EngineSettings
from .variants import draft_for_largest, encode, resize_all

SWAPS_AXES = {5, 6, 7, 8}  # EXIF orientations that rotate by 90° (transpose, 90°, transverse, 270°)


def process_image(data: bytes, settings: EngineSettings) -> Result:
    """Produce every configured size as JPEG and WebP, plus the item metadata.

    Limitations: only the first frame of an animation is used (`animated`/`frames` say so);
    HEIC needs the pillow-heif plugin.
    """
    with open_image(data) as image:
        width, height = image.size
        check_pixels(width, height, settings)
        frames = _frame_count(image)
        check_frames(frames, settings)
        mode = image.mode
        draft_for_largest(image, settings)
        _load(image)  # before reading EXIF: PNG may store it after the pixels
        source = {
            "source_format": PILLOW_FORMATS[image.format],
            "color_mode": mode,
            "animated": frames > 1,
            "frames": frames,
            "frame_used": 1,
            **describe_source(image),
        }
        normal = normalise(image)
        sized = resize_all(normal.image, settings)
        variants = [
            variant for name, resized in sized for variant in encode(name, resized, settings)
        ]
    # Full-resolution dimensions (not the drafted ones) as displayed, i.e. after orientation.
    display = (height, width) if source["orientation"] in SWAPS_AXES else (width, height)
    metadata: dict[str, Any] = {
        "kind": "image",
        **source,
        "width": display[0],
        "height": display[1],
        "bytes": len(data),
        "has_alpha": normal.image.mode == "RGBA",
        "icc_profile": normal.icc_profile,
        "converted_to_srgb": normal.converted_to_srgb,
        "orientation_applied": normal.orientation_applied,
        "variants": [variant.describe() for variant in variants],
    }
    return Result("image", variants, metadata)


def _frame_count(image: Image.Image) -> int:
    """Count frames without decoding them (GIF/WebP/TIFF seek through headers only).

    An MPO's extra images are a depth map or a preview of the same photo, not frames.
    """
    if image.format == "MPO":
        return 1
    try:
        return getattr(image, "n_frames", 1)
    except DECODE_ERRORS as exc:
        raise Rejected("corrupt", f"The animation's frames could not be read: {exc}") from exc


def _load(image: Image.Image) -> None:
    """Decode the pixels; a truncated or malformed stream becomes a `corrupt` rejection."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image.load()
    except Image.DecompressionBombError as exc:
        raise Rejected("too_many_pixels", f"The image is a decompression bomb: {exc}") from exc
    except DECODE_ERRORS as exc:
        raise Rejected("corrupt", f"The image data is damaged or truncated: {exc}") from exc
