"""What the source carried: camera, capture time, GPS and which metadata blocks were present.

The outputs never carry any of it (the encoders are not given EXIF, ICC or XMP), but the item
records what was there, so the privacy effect of stripping is visible: `gps_present` says a
photo held a location without storing the location itself.
"""

from __future__ import annotations

from typing import Any

from PIL import Image
from PIL.ExifTags import IFD, Base

SOURCE_BLOCKS = ("exif", "icc_profile", "xmp", "photoshop", "comment")
"""Keys of `Image.info` that are metadata (not pixels) and would leak if copied to an output."""


def describe_source(image: Image.Image) -> dict[str, Any]:
    """Read camera, time and GPS from EXIF.

    Call after loading (PNG can keep EXIF after the pixel data) and before `normalise`, which
    consumes the Orientation tag.
    """
    exif = image.getexif()
    details = exif.get_ifd(IFD.Exif)
    gps = exif.get_ifd(IFD.GPSInfo)
    found = [key for key in SOURCE_BLOCKS if image.info.get(key)]
    if gps:
        found.append("gps")
    return {
        "camera_make": _text(exif.get(Base.Make)),
        "camera_model": _text(exif.get(Base.Model)),
        "captured_at": _exif_time(
            details.get(Base.DateTimeOriginal) or exif.get(Base.DateTime),
            details.get(Base.OffsetTimeOriginal),
        ),
        "gps_present": bool(gps),
        "orientation": _int(exif.get(Base.Orientation)),
        "metadata_found": found,
        "metadata_stripped": True,
    }


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        return None
    return value.strip("\x00 ").strip() or None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) else None


def _exif_time(value: Any, offset: Any) -> str | None:
    """EXIF writes "2024:05:01 12:30:00"; store ISO 8601 ("2024-05-01T12:30:00+02:00")."""
    text = _text(value)
    if not text:
        return None
    date, _, time = text.partition(" ")
    if len(date) == 10 and date[4] == ":" and date[7] == ":":
        text = date.replace(":", "-") + ("T" + time if time else "")
    return text + (_text(offset) or "")
