"""Bring any accepted image to upright, 8-bit sRGB `RGB` or `RGBA` pixels.

Browsers assume untagged images are sRGB, and the outputs carry no profile (metadata is
stripped), so pixels must *be* sRGB: a CMYK print file or a Display P3 phone photo would
otherwise show wrong colours. The order matters: first frame, then bit depth/palette, then the
colour profile. Orientation goes first because `exif_transpose` reads the EXIF that the
image object carries, which a mode conversion would not keep.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageCms, ImageOps

WIDE_MODES = {"I", "I;16", "I;16B", "I;16L", "I;16N"}
"""Single-channel integer modes deeper than 8 bits (16-bit grayscale PNG and TIFF)."""

TRANSFORMABLE = {"RGB": "RGB", "RGBA": "RGBA", "CMYK": "RGB", "L": "RGB"}
"""Input mode → output mode for which LittleCMS can apply an embedded profile directly."""


@dataclass(frozen=True)
class Normalised:
    image: Image.Image
    icc_profile: str | None  # description of the embedded profile, if any
    converted_to_srgb: bool  # True when an embedded non-sRGB profile was applied
    orientation_applied: bool


def normalise(image: Image.Image) -> Normalised:
    """Return upright sRGB pixels of `image`'s current frame (loading it if needed)."""
    orientation = image.getexif().get(ImageOps.ExifTags.Base.Orientation)
    orientation_applied = orientation in range(2, 9)  # 1 is upright; other values are ignored
    ImageOps.exif_transpose(image, in_place=True)
    icc = image.info.get("icc_profile")
    image = _to_8bit(image)
    description, converted = None, False
    if icc:
        image, description, converted = _apply_profile(image, icc)
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    if image.mode == "RGBA" and image.getextrema()[3][0] == 255:
        image = image.convert("RGB")  # fully opaque: JPEG needs no flattening, WebP no alpha plane
    return Normalised(image, description, converted, orientation_applied)


def _to_8bit(image: Image.Image) -> Image.Image:
    """16-bit/float greyscale, palettes and 1-bit images become L, RGB or RGBA."""
    if image.mode in WIDE_MODES:
        # Pillow's I;16→L conversion clips at 255 instead of scaling, which turns most 16-bit
        # images white; scale 0..65535 down to 0..255 first.
        scaled = image.convert("I").point(lambda value: value / 256)
        return scaled.convert("L")
    if image.mode in ("P", "PA"):
        has_alpha = image.mode == "PA" or "transparency" in image.info
        return image.convert("RGBA" if has_alpha else "RGB")
    if image.mode == "LA":
        return image.convert("RGBA")
    if image.mode == "1":
        return image.convert("L")
    if image.mode == "F":  # floating-point samples are 0.0 (black) … 1.0 (white) by convention
        return image.point(lambda value: value * 255).convert("L")
    return image


def _apply_profile(image: Image.Image, icc: bytes) -> tuple[Image.Image, str | None, bool]:
    """Convert pixels from the embedded profile to sRGB; a broken profile is ignored, not fatal."""
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        description = ImageCms.getProfileDescription(profile).strip() or None
    except (OSError, ImageCms.PyCMSError):
        return image, "invalid", False
    if description and description.lower().startswith("srgb"):
        return image, description, False  # already sRGB: a transform would cost time for nothing
    if image.mode not in TRANSFORMABLE:
        return image, description, False
    try:
        converted = ImageCms.applyTransform(image, _transform(icc, image.mode))
    except ImageCms.PyCMSError:
        return image, description, False
    return converted, description, True


@lru_cache(maxsize=32)
def _transform(icc: bytes, mode: str) -> ImageCms.ImageCmsTransform:
    """Build (and cache: phones embed the same few profiles) a profile → sRGB transform."""
    return ImageCms.buildTransform(
        ImageCms.ImageCmsProfile(io.BytesIO(icc)),
        ImageCms.createProfile("sRGB"),
        mode,
        TRANSFORMABLE[mode],
        renderingIntent=ImageCms.Intent.PERCEPTUAL,
    )
