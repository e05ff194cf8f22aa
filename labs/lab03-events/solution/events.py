"""Answer key for lab 03's events.py: the reference module itself."""

from reference.handler.events import (  # noqa: F401
    PAGE_RANGE_TASK,
    MalformedMessage,
    PageRange,
    Upload,
    _upload_from_record,
    page_range_from_task,
    page_range_task,
    parse,
)
