"""PDF pages → JPEG page images plus thumbnails, with pypdfium2 (default) or poppler.

pypdfium2 ships PDFium in its wheel (nothing to install on Lambda) and renders in-process;
pdf2image drives poppler's `pdftoppm` in a subprocess and needs `poppler-utils` (a Lambda layer
on AWS). Validation (password, damage, page count, page size) always uses PDFium, so both
renderers reject exactly the same documents.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from PIL import Image

from .errors import Rejected
from .limits import check_pages, check_pixels
from .result import Variant
from .settings import EngineSettings
from .variants import encode_jpeg, shrink

if TYPE_CHECKING:
    import pypdfium2 as pdfium

POINTS_PER_INCH = 72


@contextmanager
def open_document(data: bytes) -> Iterator[pdfium.PdfDocument]:
    """Open a PDF with PDFium, turning password and damage errors into `Rejected`.

    A document with only an owner password (printing/copying restrictions) opens without one and
    is accepted: anybody can view it, so anybody may see its pages.

    PDFium is loaded here, on the first PDF, not when the engine is imported: most uploads are
    photos, and loading it would add ~30 ms to every Lambda cold start.
    """
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if exc.err_code in (pdfium.raw.FPDF_ERR_PASSWORD, pdfium.raw.FPDF_ERR_SECURITY):
            raise Rejected(
                "encrypted", "The PDF is password-protected; upload an unprotected copy."
            ) from exc
        raise Rejected("corrupt", f"The PDF could not be parsed: {exc}") from exc
    try:
        yield document
    finally:
        document.close()


def count_pages(document: pdfium.PdfDocument, settings: EngineSettings) -> int:
    """Number of pages, checked against `max_pdf_pages`, after checking every page's size.

    All pages are checked here, not when each range is rendered, so that a document with one
    bomb page is rejected as a whole before the handler fans it out.
    """
    pages = len(document)
    check_pages(pages, settings)
    for number in range(1, pages + 1):
        _check_page_size(document, number, settings)
    return pages


def render_pages(
    document: pdfium.PdfDocument, data: bytes, first: int, last: int, settings: EngineSettings
) -> list[Variant]:
    """Render pages `first`..`last` (1-based, inclusive) to `page-NNNN` and its thumbnail.

    The document must have been checked by `count_pages`.
    """
    variants = []
    pages = _rasterise(document, data, first, last, settings)
    for number, page in zip(range(first, last + 1), pages, strict=True):
        name = f"page-{number:04d}"
        variants.append(encode_jpeg(name, page, settings))
        thumbnail = shrink(page, settings.pdf_thumbnail_size, settings)
        variants.append(encode_jpeg(f"{name}-thumbnail", thumbnail, settings))
    return variants


def page_ranges(pages: int, per_invocation: int) -> list[tuple[int, int]]:
    """Split `1..pages` into inclusive ranges of at most `per_invocation` pages (for fan-out)."""
    return [
        (start, min(start + per_invocation - 1, pages))
        for start in range(1, pages + 1, per_invocation)
    ]


def _check_page_size(document: pdfium.PdfDocument, number: int, settings: EngineSettings) -> None:
    """A page can be a bomb too: a 200-inch page at 150 DPI is 900 megapixels.

    The size comes from the page tree without loading the page, so checking is cheap.
    """
    import pypdfium2 as pdfium  # already loaded by open_document: a dictionary look-up

    try:
        width, height = document.get_page_size(number - 1)
    except pdfium.PdfiumError as exc:
        raise Rejected("corrupt", f"Page {number} of the PDF could not be read: {exc}") from exc
    scale = settings.pdf_dpi / POINTS_PER_INCH
    check_pixels(
        round(width * scale),
        round(height * scale),
        settings,
        f"Page {number} at {settings.pdf_dpi} DPI",
    )


def _rasterise(
    document: pdfium.PdfDocument, data: bytes, first: int, last: int, settings: EngineSettings
) -> Iterator[Image.Image]:
    """Yield one RGB image per page, one page in memory at a time for PDFium."""
    if settings.pdf_renderer == "poppler":
        yield from _rasterise_poppler(data, first, last, settings)
        return
    import pypdfium2 as pdfium  # already loaded by open_document: a dictionary look-up

    scale = settings.pdf_dpi / POINTS_PER_INCH
    for index in range(first - 1, last):
        try:
            page = document[index]
            # RGB byte order lets `to_pil` wrap the bitmap instead of converting it.
            bitmap = page.render(scale=scale, rev_byteorder=True)
        except pdfium.PdfiumError as exc:
            raise Rejected(
                "corrupt", f"Page {index + 1} of the PDF could not be rendered: {exc}"
            ) from exc
        page.close()  # the bitmap does not need it; keeps a long range's memory flat
        yield bitmap.to_pil()


def _rasterise_poppler(
    data: bytes, first: int, last: int, settings: EngineSettings
) -> Iterator[Image.Image]:
    # Imported here: poppler is optional and pdf2image is only needed when it is selected.
    from pdf2image import convert_from_bytes
    from pdf2image.exceptions import PDFPageCountError, PDFSyntaxError

    try:
        pages = convert_from_bytes(
            data, dpi=settings.pdf_dpi, first_page=first, last_page=last, use_cropbox=True
        )
    except (PDFPageCountError, PDFSyntaxError) as exc:
        raise Rejected("corrupt", f"poppler could not render the PDF: {exc}") from exc
    yield from pages  # pdftoppm's PPM output is already RGB
