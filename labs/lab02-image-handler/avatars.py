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

Lab 02: complete the functions; `p4lab grade lab02` (``samples.py`` makes test inputs).
"""

from __future__ import annotations

import math  # noqa: F401  (you may need it)
import struct  # noqa: F401  (you will need it)
from typing import NamedTuple

from PIL import Image

from reference.handler.engine import EngineSettings, Rejected  # noqa: F401  (raise Rejected(reason, message))


class Header(NamedTuple):
    """What an animated (or still) GIF or WebP declares before any pixel is decoded."""

    format: str  # "GIF" or "WEBP"
    width: int  # the canvas every frame is drawn on (GIF: the logical screen)
    height: int
    frames: int


def to_display(point: tuple[int, int], size: tuple[int, int], orientation: int | None) -> tuple[int, int]:
    """Where the stored pixel ``point`` of an image of ``size`` appears once the image is shown
    upright, for EXIF orientations 1-8 (``None``: 1)."""
    raise NotImplementedError("TODO: the EXIF orientation table, as arithmetic on x, y, width and height")


def upright(image: Image.Image, orientation: int | None) -> Image.Image:
    """The image as it is meant to be seen: its pixels turned and mirrored as EXIF
    ``orientation`` (1-8, ``None``: 1) says."""
    raise NotImplementedError("TODO: one Image.transpose per orientation (1 needs none)")


def cover_box(size: tuple[int, int], aspect: tuple[int, int], focus: tuple[int, int] | None = None) -> tuple[int, int, int, int]:
    """The largest box of ``aspect`` (width, height) inside an image of ``size``, centred on
    the pixel ``focus`` (default: the centre) as nearly as the image's edges allow."""
    raise NotImplementedError("TODO: the box's size from the aspect ratio, then its position from the focus, kept inside")


def avatar(image: Image.Image, orientation: int | None, side: int, focus: tuple[int, int] | None = None) -> Image.Image:
    """A square avatar of at most ``side`` pixels: the stored ``image`` turned upright, cut to
    the largest square around ``focus`` (a stored pixel, e.g. a face; default: the centre),
    and shrunk to ``side`` — never enlarged."""
    raise NotImplementedError("TODO: upright, focus to display coordinates, a square cover box, crop, shrink (never enlarge)")


def srcset(stem: str, source_width: int, slot_css_px: int, densities: list[float]) -> str:
    """The ``srcset`` attribute for an image shown ``slot_css_px`` CSS pixels wide on screens of
    these device-pixel ``densities``: one ``{stem}-{w}.webp {w}w`` candidate per distinct pixel
    width, narrowest first, each wide enough for its screen but never wider than the source."""
    raise NotImplementedError("TODO: one candidate width per density")


def read_header(data: bytes) -> Header:
    """The format, canvas size and frame count of a GIF or WebP, read from its headers without
    decoding a pixel. ``Rejected``: ``empty``; ``unsupported_format`` (neither); ``corrupt``
    (truncated, malformed, no frame, or a zero-sized canvas)."""
    raise NotImplementedError("TODO: GIF blocks and WebP chunks, read with struct; decode nothing")


def admit(data: bytes, settings: EngineSettings) -> Header:
    """``read_header``, then the budget for decoding every frame onto the canvas:
    ``Rejected("too_many_frames")`` above ``settings.max_frames``, then
    ``Rejected("too_many_pixels")`` when canvas × frames exceeds ``settings.max_pixels``."""
    raise NotImplementedError("TODO: read_header, then the frame limit, then canvas × frames against the pixel limit")
