"""The engine's entry points: check the size, route by content, time the work.

For a long PDF the handler calls `pdf_page_count(data)` first and, above
`pdf_pages_per_invocation` pages, queues one message per range of `page_ranges()`; each of those
invocations calls `render_pdf_pages(data, first, last)`. `process(data)` on such a PDF renders
the first range only and lists the rest in `metadata["pending_ranges"]`, which is what
`p4lab process` uses to render the whole document locally.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .detect import is_pdf
from .image import process_image
from .limits import check_bytes
from .pdf import count_pages, open_document, page_ranges, render_pages
from .result import Result
from .settings import EngineSettings

if TYPE_CHECKING:
    import pypdfium2 as pdfium


def process(data: bytes, settings: EngineSettings | None = None) -> Result:
    """Turn one upload into its variants and item metadata.

    Example:
        >>> import io
        >>> from reference.samples import photo
        >>> jpeg = io.BytesIO(); photo(2400, 1600, seed=1).save(jpeg, "JPEG")
        >>> result = process(jpeg.getvalue())
        >>> [v.filename for v in result.variants][:2]
        ['large.jpg', 'large.webp']

    Raises:
        Rejected: the input can never be processed (see `errors.Reason` for the codes).
    """
    settings = settings or EngineSettings()
    started = time.perf_counter()
    check_bytes(len(data), settings)
    if is_pdf(data):
        with open_document(data) as document:
            pages = count_pages(document, settings)
            this_range, *pending = page_ranges(pages, settings.pdf_pages_per_invocation)
            result = _pdf_result(document, data, this_range, pages, settings)
        result.metadata["pending_ranges"] = [list(pages_range) for pages_range in pending]
    else:
        result = process_image(data, settings)
    return _timed(result, started)


def pdf_page_count(data: bytes, settings: EngineSettings | None = None) -> int:
    """Validate a PDF (size, password, damage, page limit) and return its number of pages."""
    settings = settings or EngineSettings()
    check_bytes(len(data), settings)
    with open_document(data) as document:
        return count_pages(document, settings)


def render_pdf_pages(
    data: bytes, first: int, last: int, settings: EngineSettings | None = None
) -> Result:
    """Render pages `first`..`last` (1-based, inclusive): one fan-out unit of a long PDF.

    Raises:
        ValueError: the range is empty or outside the document (a bug in the caller).
        Rejected: the document is invalid (same checks as `pdf_page_count`).
    """
    settings = settings or EngineSettings()
    started = time.perf_counter()
    check_bytes(len(data), settings)
    with open_document(data) as document:
        pages = count_pages(document, settings)
        if not 1 <= first <= last <= pages:
            raise ValueError(f"page range {first}-{last} is not within 1-{pages}")
        result = _pdf_result(document, data, (first, last), pages, settings)
    return _timed(result, started)


def _pdf_result(
    document: pdfium.PdfDocument,
    data: bytes,
    pages_range: tuple[int, int],
    pages: int,
    settings: EngineSettings,
) -> Result:
    first, last = pages_range
    variants = render_pages(document, data, first, last, settings)
    metadata: dict[str, Any] = {
        "kind": "pdf",
        "source_format": "pdf",
        "bytes": len(data),
        "pages_total": pages,
        "first_page": first,
        "last_page": last,
        "dpi": settings.pdf_dpi,
        "renderer": settings.pdf_renderer,
        "variants": [variant.describe() for variant in variants],
    }
    return Result("pdf", variants, metadata)


def _timed(result: Result, started: float) -> Result:
    result.metadata["processing_ms"] = round((time.perf_counter() - started) * 1000)
    return result
