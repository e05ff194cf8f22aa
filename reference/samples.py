"""The demo's sample uploads, generated on the spot (no licensing, no binaries in git).

They cover what a first look should show: a photo with camera and GPS metadata (stripped
from the variants), a portrait stored sideways with an EXIF orientation tag, a PNG with
transparency, names with spaces and accents, a multi-page PDF, and one broken file that
must end FAILED with a reason instead of looping through retries.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

_EXIF_ORIENTATION = 0x0112
_EXIF_MAKE, _EXIF_MODEL = 0x010F, 0x0110
_EXIF_GPS_IFD = 0x8825


def photo(width: int, height: int, seed: int) -> Image.Image:
    """A photo-like RGB image: smooth gradients, soft shapes and sensor-like noise.

    Flat synthetic colours compress unrealistically well; this keeps JPEG sizes and
    encode times close to those of real photos.
    """
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    channels = []
    for phase in rng.uniform(0, 2 * np.pi, size=3):
        wave = np.sin(x / width * 3 * np.pi + phase) * np.cos(y / height * 2 * np.pi - phase)
        channels.append(110 + 80 * wave + (y / height) * 50)
    pixels = np.stack(channels, axis=-1) + rng.normal(0, 6, size=(height, width, 3))
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        cx, cy, r = rng.integers(0, width), rng.integers(0, height), int(rng.integers(width // 30, width // 8))
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=tuple(int(c) for c in rng.integers(30, 230, size=3)))
    return image


def photo_jpeg(width: int, height: int, seed: int) -> bytes:
    """A photo-like JPEG (quality 90; a 3 MP one is about 0.5 MB).

    >>> photo_jpeg(64, 48, seed=1)[:3]
    b'\\xff\\xd8\\xff'
    """
    return _jpeg(photo(width, height, seed))


def _jpeg(image: Image.Image, exif: Image.Exif | None = None) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, exif=exif if exif is not None else Image.Exif())
    return buffer.getvalue()


def _camera_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[_EXIF_MAKE] = "p4lab"
    exif[_EXIF_MODEL] = "Demo Camera 1"
    exif[_EXIF_ORIENTATION] = orientation
    exif[_EXIF_GPS_IFD] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 7.0)}
    return exif


def _logo_png() -> bytes:
    image = Image.new("RGBA", (900, 600), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((60, 60, 840, 540), radius=80, fill=(200, 60, 40, 230))
    draw.ellipse((300, 150, 600, 450), fill=(255, 255, 255, 160))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def document(pages: int, title: str = "Phase 4 course notes") -> bytes:
    """A multi-page PDF with a heading and text lines on each page."""
    font = ImageFont.load_default(size=28)
    sheets = []
    for number in range(1, pages + 1):
        page = Image.new("RGB", (1240, 1754), "white")  # A4 at 150 DPI
        draw = ImageDraw.Draw(page)
        draw.text((100, 100), f"{title} — page {number} of {pages}", fill="black", font=font)
        for line in range(30):
            draw.line((100, 200 + line * 45, 1140 - (line * 37) % 300, 200 + line * 45), fill=(90, 90, 90), width=3)
        sheets.append(page)
    buffer = io.BytesIO()
    sheets[0].save(buffer, "PDF", save_all=True, append_images=sheets[1:], resolution=150)
    return buffer.getvalue()


def write_samples(directory: Path) -> list[Path]:
    """Write the demo set into ``directory``; returns the files in upload order."""
    directory.mkdir(parents=True, exist_ok=True)
    portrait = photo(1600, 1200, seed=2)  # stored sideways; EXIF orientation 6 turns it upright
    files = {
        "harbour at dusk.jpg": _jpeg(photo(2048, 1536, seed=1), _camera_exif()),
        "portrait (sideways).jpg": _jpeg(portrait, _camera_exif(orientation=6)),
        "café logo.png": _logo_png(),
        "red flower.jpg": _jpeg(photo(1200, 900, seed=3)),
        "course notes.pdf": document(pages=3),
        "broken.jpg": _jpeg(photo(800, 600, seed=4))[:2000],  # truncated mid-scan
    }
    paths = []
    for name, data in files.items():
        path = directory / name
        path.write_bytes(data)
        paths.append(path)
    return paths
