"""p4lab's image and PDF engine: what the Lambda runs for every upload.

Public API (the handler and `p4lab process` use only these names):

    process(data, settings=None) -> Result          image → 3 sizes × JPEG + WebP; small PDF → pages
    detect_format(data) -> str                       real format from the bytes
    pdf_page_count(data, settings=None) -> int       validate a PDF before fanning out
    render_pdf_pages(data, first, last, settings=None) -> Result   one fan-out unit
    Rejected(reason, message)                        final rejection with a stable reason code
    check_bytes(size, settings)                      the size limit, usable before downloading
    EngineSettings()                                 limits/sizes/qualities, env prefix P4LAB_
    Variant, Result                                  outputs

The package uses only relative imports so that it works both as `reference.handler.engine` and
as `engine` inside the Lambda deployment package.
"""

from .detect import detect_format
from .dispatch import pdf_page_count, process, render_pdf_pages
from .errors import REASONS, Rejected
from .limits import check_bytes
from .pdf import page_ranges
from .result import Result, Variant
from .settings import EngineSettings

__all__ = [
    "REASONS",
    "EngineSettings",
    "Rejected",
    "Result",
    "Variant",
    "check_bytes",
    "detect_format",
    "page_ranges",
    "pdf_page_count",
    "process",
    "render_pdf_pages",
]
