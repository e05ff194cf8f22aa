"""Identify an upload from its bytes, never from its name or Content-Type.

Pillow's own format plugins do the sniffing (they read magic numbers and headers), restricted to
the formats the pipeline accepts: an allow-list keeps Pillow from handing a crafted file to a
plugin nobody meant to expose (EPS, for instance, would start Ghostscript).
"""

from __future__ import annotations

import io
import struct
import warnings

from PIL import Image, UnidentifiedImageError

from .errors import Rejected

PILLOW_FORMATS = {
    "JPEG": "jpeg",
    "MPO": "jpeg",  # a JPEG with extra images appended (phones store depth maps, previews)
    "PNG": "png",
    "WEBP": "webp",
    "GIF": "gif",
    "TIFF": "tiff",
    "BMP": "bmp",
    "AVIF": "avif",
    "HEIF": "heic",  # only registered when the pillow-heif plugin is installed
}
"""Pillow format name → the engine's name, for every image format the pipeline accepts."""

DECODE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # truncated data, broken streams ("image file is truncated", "broken data stream")
    SyntaxError,  # Pillow's "not a <format> file" family
    ValueError,
    EOFError,
    struct.error,
    IndexError,
    KeyError,
    TypeError,
    RuntimeError,  # the AVIF decoder's "Failed to decode image: …"
)
"""What Pillow's decoders raise on malformed input. Anything else is a bug and should surface."""

PDF_MAGIC = b"%PDF-"
PDF_HEADER_WINDOW = 1024  # readers accept the header anywhere in the first 1 KiB (PDF 1.7 §H.3)
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


def _readable_formats() -> list[str]:
    Image.init()
    # MPO has no opener of its own: Pillow's JPEG opener returns an MPO image when it finds one.
    return [name for name in PILLOW_FORMATS if name in Image.OPEN]


def is_pdf(data: bytes) -> bool:
    """True when the PDF header appears where PDF readers look for it."""
    return PDF_MAGIC in data[:PDF_HEADER_WINDOW]


def open_image(data: bytes) -> Image.Image:
    """Open `data` lazily (header only, no pixels) with the accepted plugins or raise `Rejected`."""
    if not data:
        raise Rejected("empty", "The file is empty (0 bytes).")
    try:
        with warnings.catch_warnings():
            # The engine applies its own pixel limit right after opening (see limits.py).
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=_readable_formats())
    except Image.DecompressionBombError as exc:
        raise Rejected("too_many_pixels", f"The image is a decompression bomb: {exc}") from exc
    except UnidentifiedImageError as exc:
        if _recognised(data):
            raise Rejected(
                "corrupt", "The file starts like a supported image but its header is damaged."
            ) from exc
        raise Rejected("unsupported_format", _unsupported_message(data)) from exc
    except DECODE_ERRORS as exc:
        raise Rejected("corrupt", f"The image header could not be read: {exc}") from exc


def detect_format(data: bytes) -> str:
    """Return "jpeg", "png", "webp", "gif", "tiff", "bmp", "avif", "heic" or "pdf".

    Only headers are read, so this is cheap even for large files.

    Raises:
        Rejected: `empty` for no bytes, `unsupported_format` for anything else, `corrupt` for a
            recognised format whose header is broken.
    """
    if is_pdf(data):
        return "pdf"
    with open_image(data) as image:
        return PILLOW_FORMATS[image.format]


def _recognised(data: bytes) -> bool:
    """True when an accepted plugin's own magic-number check matches (so: damaged, not foreign)."""
    prefix = data[:16]
    return any(
        accept is not None and accept(prefix)
        for _, accept in (Image.OPEN[name] for name in _readable_formats())
    )


def _unsupported_message(data: bytes) -> str:
    """Say what the file looks like when we can tell, so the rejection teaches something."""
    if data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS:
        return (
            "HEIC/HEIF images are not readable by the installed Pillow (add the pillow-heif "
            "plugin to read them); convert to JPEG or AVIF."
        )
    accepted = ", ".join(sorted({PILLOW_FORMATS[name] for name in _readable_formats()} | {"pdf"}))
    return (
        f"The content is not a supported format (accepted: {accepted}); the file name is ignored."
    )
