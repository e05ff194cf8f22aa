"""What arrives on the queue, parsed into work items (lab 03: complete ``parse``).

Three kinds of message body reach the function:

* an S3 event notification (``{"Records": [{"s3": ...}]}``): a new upload. Its object
  key is URL-encoded the way HTML forms are (``red flower.jpg`` arrives as
  ``red+flower.jpg``), so it is decoded with ``unquote_plus``;
* the ``s3:TestEvent`` S3 sends once when the notification is configured: no work;
* a page-range task that the function itself queued to split a long PDF.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

PAGE_RANGE_TASK = "pdf-page-range"


@dataclass(frozen=True)
class Upload:
    bucket: str
    key: str
    version_id: str | None
    size: int
    event_time: str


@dataclass(frozen=True)
class PageRange:
    bucket: str
    key: str
    version_id: str | None
    image_id: str
    first: int
    last: int


class MalformedMessage(ValueError):
    """The body is neither an S3 event nor one of our tasks: retrying cannot help."""


def parse(body: str) -> list[Upload | PageRange]:
    """Work items in one SQS message body (an empty list for S3's test event)."""
    raise NotImplementedError("TODO: test event -> [], page-range task, S3 records -> Upload items, anything else -> MalformedMessage")


def _upload_from_record(record: dict) -> Upload:
    raise NotImplementedError("TODO: one S3 record -> Upload (the key arrives URL-encoded)")


def page_range_task(work: PageRange) -> str:
    """The message body that asks a later invocation to render one page range."""
    return json.dumps(
        {
            "task": PAGE_RANGE_TASK,
            "bucket": work.bucket,
            "key": work.key,
            "version_id": work.version_id,
            "image_id": work.image_id,
            "first": work.first,
            "last": work.last,
        }
    )


def page_range_from_task(message: dict) -> PageRange:
    try:
        return PageRange(
            bucket=message["bucket"],
            key=message["key"],
            version_id=message.get("version_id"),
            image_id=message["image_id"],
            first=int(message["first"]),
            last=int(message["last"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise MalformedMessage(f"page-range task without {error}") from None
