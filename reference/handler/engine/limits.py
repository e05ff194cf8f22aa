"""Size limits, checked from headers before anything is decoded.

A decompression bomb (a few kilobytes that claim 100,000 × 100,000 pixels) is rejected here from
the dimensions in its header, in microseconds and without allocating its pixels. Pillow's own
`Image.MAX_IMAGE_PIXELS` guard is a process-wide global meant for a different default; the engine
uses its own configurable limit instead and treats Pillow's guard as a second line of defence.
"""

from __future__ import annotations

from .errors import Rejected
from .settings import EngineSettings


def check_bytes(size: int, settings: EngineSettings) -> None:
    """Reject empty and oversized inputs before looking at their content."""
    if size == 0:
        raise Rejected("empty", "The file is empty (0 bytes).")
    if size > settings.max_bytes:
        raise Rejected(
            "too_large",
            f"The file is {size:,} bytes; the limit is {settings.max_bytes:,} bytes "
            "(P4LAB_MAX_BYTES).",
        )


def check_pixels(
    width: int, height: int, settings: EngineSettings, what: str = "The image"
) -> None:
    """Reject dimensions whose decoded pixels would exceed the memory budget."""
    if width <= 0 or height <= 0:
        raise Rejected("corrupt", f"{what} declares an impossible size of {width}×{height} pixels.")
    if width * height > settings.max_pixels:
        raise Rejected(
            "too_many_pixels",
            f"{what} is {width:,}×{height:,} = {width * height:,} pixels; the limit is "
            f"{settings.max_pixels:,} (P4LAB_MAX_PIXELS).",
        )


def check_frames(frames: int, settings: EngineSettings) -> None:
    """Reject animations long enough to make merely counting their frames expensive."""
    if frames > settings.max_frames:
        raise Rejected(
            "too_many_frames",
            f"The animation has {frames:,} frames; the limit is {settings.max_frames:,} "
            "(P4LAB_MAX_FRAMES).",
        )


def check_pages(pages: int, settings: EngineSettings) -> None:
    """Reject documents whose rendering would need too many invocations."""
    if pages == 0:
        raise Rejected("corrupt", "The PDF has no pages.")
    if pages > settings.max_pdf_pages:
        raise Rejected(
            "too_many_pages",
            f"The PDF has {pages:,} pages; the limit is {settings.max_pdf_pages:,} "
            "(P4LAB_MAX_PDF_PAGES).",
        )
