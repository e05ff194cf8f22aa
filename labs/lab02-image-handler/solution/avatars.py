"""Avatars: square thumbnails of phone photos, a ``srcset`` for every screen, animated uploads
admitted by a budget read from their headers.

The profile page shows each user's avatar as a square at a CSS size, sharp on every screen.
Users upload phone photos (stored sideways, with an EXIF orientation tag) or animated GIFs and
WebPs (kept animated, so every frame is decoded). The reference engine does none of this: it
makes longest-side variants, turns photos with Pillow's ``exif_transpose`` and budgets the
first frame of an animation only.

Coordinates are pixel indices: ``(x, y)`` is the pixel in column ``x`` and row ``y``, ``(0, 0)``
at the top left. Sizes are ``(width, height)``. Boxes are ``(left, top, right, bottom)`` with
``right`` and ``bottom`` exclusive, as Pillow's ``Image.crop`` takes them.
"""

from __future__ import annotations

import math
import struct
from typing import NamedTuple

from PIL import Image

from reference.handler.engine import EngineSettings, Rejected


class Header(NamedTuple):
    """What an animated (or still) GIF or WebP declares before any pixel is decoded."""

    format: str  # "GIF" or "WEBP"
    width: int  # the canvas every frame is drawn on (GIF: the logical screen)
    height: int
    frames: int


# ------------------------------------------------------------------ orientation
def to_display(point: tuple[int, int], size: tuple[int, int], orientation: int | None) -> tuple[int, int]:
    """Where the stored pixel ``point`` of an image of ``size`` appears once the image is shown
    upright, for EXIF orientations 1-8 (``None``: 1)."""
    x, y = point
    width, height = size
    return {
        1: (x, y),
        2: (width - 1 - x, y),
        3: (width - 1 - x, height - 1 - y),
        4: (x, height - 1 - y),
        5: (y, x),
        6: (height - 1 - y, x),
        7: (height - 1 - y, width - 1 - x),
        8: (y, width - 1 - x),
    }[orientation or 1]


_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def upright(image: Image.Image, orientation: int | None) -> Image.Image:
    """The image as it is meant to be seen: its pixels turned and mirrored as EXIF
    ``orientation`` (1-8, ``None``: 1) says."""
    method = _TRANSPOSE.get(orientation or 1)
    return image.copy() if method is None else image.transpose(method)


# ------------------------------------------------------------------ sizes
def cover_box(size: tuple[int, int], aspect: tuple[int, int], focus: tuple[int, int] | None = None) -> tuple[int, int, int, int]:
    """The largest box of ``aspect`` (width, height) inside an image of ``size``, centred on
    the pixel ``focus`` (default: the centre) as nearly as the image's edges allow."""
    width, height = size
    aspect_w, aspect_h = aspect
    if width * aspect_h >= height * aspect_w:
        box_w, box_h = max(1, round(height * aspect_w / aspect_h)), height
    else:
        box_w, box_h = width, max(1, round(width * aspect_h / aspect_w))
    centre_x, centre_y = (width / 2, height / 2) if focus is None else (focus[0] + 0.5, focus[1] + 0.5)
    left = min(max(0, round(centre_x - box_w / 2)), width - box_w)
    top = min(max(0, round(centre_y - box_h / 2)), height - box_h)
    return left, top, left + box_w, top + box_h


def avatar(image: Image.Image, orientation: int | None, side: int, focus: tuple[int, int] | None = None) -> Image.Image:
    """A square avatar of at most ``side`` pixels: the stored ``image`` turned upright, cut to
    the largest square around ``focus`` (a stored pixel, e.g. a face; default: the centre),
    and shrunk to ``side`` — never enlarged."""
    shown = upright(image, orientation)
    centre = None if focus is None else to_display(focus, image.size, orientation)
    box = cover_box(shown.size, (1, 1), centre)
    square = shown.crop(box)
    target = min(side, square.width)
    return square if target == square.width else square.resize((target, target), Image.Resampling.LANCZOS)


def srcset(stem: str, source_width: int, slot_css_px: int, densities: list[float]) -> str:
    """The ``srcset`` attribute for an image shown ``slot_css_px`` CSS pixels wide on screens of
    these device-pixel ``densities``: one ``{stem}-{w}.webp {w}w`` candidate per distinct pixel
    width, narrowest first, each wide enough for its screen but never wider than the source."""
    widths = sorted({min(source_width, math.ceil(slot_css_px * density)) for density in densities})
    return ", ".join(f"{stem}-{width}.webp {width}w" for width in widths)


# ------------------------------------------------------------------ limits, from the headers
def read_header(data: bytes) -> Header:
    """The format, canvas size and frame count of a GIF or WebP, read from its headers without
    decoding a pixel. ``Rejected``: ``empty``; ``unsupported_format`` (neither); ``corrupt``
    (truncated, malformed, no frame, or a zero-sized canvas)."""
    if not data:
        raise Rejected("empty", "The file is empty (0 bytes).")
    if data[:6] in (b"GIF87a", b"GIF89a"):
        header = _gif(data)
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        header = _webp(data)
    else:
        raise Rejected("unsupported_format", "Not a GIF or a WebP file.")
    if header.width <= 0 or header.height <= 0 or header.frames <= 0:
        raise Rejected("corrupt", f"The {header.format} declares {header.width}×{header.height} pixels in {header.frames} frames.")
    return header


def admit(data: bytes, settings: EngineSettings) -> Header:
    """``read_header``, then the budget for decoding every frame onto the canvas:
    ``Rejected("too_many_frames")`` above ``settings.max_frames``, then
    ``Rejected("too_many_pixels")`` when canvas × frames exceeds ``settings.max_pixels``."""
    header = read_header(data)
    if header.frames > settings.max_frames:
        raise Rejected("too_many_frames", f"{header.frames:,} frames; the limit is {settings.max_frames:,}.")
    decoded = header.width * header.height * header.frames
    if decoded > settings.max_pixels:
        raise Rejected("too_many_pixels", f"{header.width:,}×{header.height:,} × {header.frames:,} frames = {decoded:,} pixels "
                                          f"to decode; the limit is {settings.max_pixels:,}.")  # fmt: skip
    return header


class _Reader:
    """Bytes read front to back; running off the end is a ``corrupt`` file."""

    def __init__(self, data: bytes, position: int) -> None:
        self.data, self.position = data, position

    def take(self, count: int) -> bytes:
        if count < 0 or self.position + count > len(self.data):
            raise Rejected("corrupt", "The file ends in the middle of a block (truncated?).")
        chunk = self.data[self.position : self.position + count]
        self.position += count
        return chunk

    def byte(self) -> int:
        return self.take(1)[0]


def _gif(data: bytes) -> Header:
    """GIF89a: a logical screen descriptor, then extension blocks (0x21) and images (0x2C),
    each followed by data sub-blocks, until the trailer (0x3B)."""
    reader = _Reader(data, 6)
    width, height, packed, _, _ = struct.unpack("<HHBBB", reader.take(7))
    if packed & 0x80:
        reader.take(3 << ((packed & 0x07) + 1))  # global colour table
    frames = 0
    while True:
        introducer = reader.byte()
        if introducer == 0x3B:
            return Header("GIF", width, height, frames)
        if introducer == 0x21:
            reader.byte()  # the extension's label
        elif introducer == 0x2C:
            packed = reader.take(9)[8]
            if packed & 0x80:
                reader.take(3 << ((packed & 0x07) + 1))  # local colour table
            reader.byte()  # LZW minimum code size
            frames += 1
        else:
            raise Rejected("corrupt", f"Unexpected block 0x{introducer:02x} in the GIF at byte {reader.position - 1}.")
        while size := reader.byte():  # data sub-blocks, ended by a zero-length one
            reader.take(size)


def _webp(data: bytes) -> Header:
    """RIFF WebP: a simple lossy ("VP8 ") or lossless ("VP8L") image, or an extended file
    ("VP8X", canvas size in its header) whose animation is one "ANMF" chunk per frame."""
    (riff_size,) = struct.unpack("<I", data[4:8])
    end = 8 + riff_size
    if end > len(data):
        raise Rejected("corrupt", f"The RIFF header promises {riff_size:,} bytes; the file has {len(data) - 8:,}.")
    reader = _Reader(data[:end], 12)
    chunks = []
    while reader.position < end:
        fourcc, size = struct.unpack("<4sI", reader.take(8))
        chunks.append((fourcc, reader.take(size)))
        reader.take(size & 1)  # chunks are padded to an even size
    if not chunks:
        raise Rejected("corrupt", "The WebP has no chunks.")
    fourcc, payload = chunks[0]
    if fourcc == b"VP8X" and len(payload) >= 10:
        width, height = _u24(payload, 4) + 1, _u24(payload, 7) + 1
        animated = bool(payload[0] & 0x02)
        frames = sum(1 for name, _ in chunks if name == b"ANMF") if animated else 1
        return Header("WEBP", width, height, frames)
    if fourcc == b"VP8 " and len(payload) >= 10 and payload[3:6] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", payload[6:10])
        return Header("WEBP", width & 0x3FFF, height & 0x3FFF, 1)
    if fourcc == b"VP8L" and len(payload) >= 5 and payload[0] == 0x2F:
        (bits,) = struct.unpack("<I", payload[1:5])
        return Header("WEBP", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, 1)
    raise Rejected("corrupt", f"The WebP starts with a {fourcc!r} chunk that declares no image.")


def _u24(payload: bytes, offset: int) -> int:
    return int.from_bytes(payload[offset : offset + 3], "little")
