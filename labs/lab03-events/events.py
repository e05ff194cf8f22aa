"""S3's upload events, whichever way they reach the queue, parsed into work items.

An upload can reach the function's SQS queue three ways, each with its own envelope:

* **S3 → SQS**: the body is S3's event notification, ``{"Records": [{"s3": ...}]}``. Object
  keys are URL-encoded the way HTML forms are (``red flower.jpg`` arrives as
  ``red+flower.jpg``).
* **S3 → SNS → SQS** (fan-out to several consumers): the body is SNS's envelope,
  ``{"Type": "Notification", "Message": "<the S3 event, as a JSON string>", ...}``. With raw
  message delivery turned on, the body is the S3 event itself.
* **S3 → EventBridge → SQS** (routing by rules): the body is an EventBridge event,
  ``{"source": "aws.s3", "detail-type": "Object Created", "detail": {...}}``, one object per
  event, its key *not* URL-encoded.

Not work, and not errors: the ``s3:TestEvent`` S3 sends when a notification is configured
(directly or through SNS), and EventBridge events about anything but a created object.
Anything else can never be parsed: ``MalformedMessage``, so the caller drops it instead of
retrying it.

Lab 03: complete ``parse`` (helpers of your own are welcome); `p4lab grade lab03`.
"""

from __future__ import annotations

import json  # noqa: F401  (every body is JSON)
from dataclasses import dataclass
from urllib.parse import unquote_plus  # noqa: F401  (S3's keys arrive encoded)


@dataclass(frozen=True)
class Upload:
    bucket: str
    key: str  # decoded: the object's key as S3 stores it
    version_id: str | None  # None in a bucket without versioning
    size: int
    event_time: str  # as the envelope gives it (ISO 8601)


class MalformedMessage(ValueError):
    """The body is none of the three envelopes: retrying cannot help."""


def parse(body: str) -> list[Upload]:
    """The uploads in one SQS message body, for any of the three routes: direct from S3,
    through SNS, or through EventBridge. ``[]`` for S3's test event and for EventBridge events
    other than "Object Created"; ``MalformedMessage`` for anything else."""
    raise NotImplementedError("TODO: unwrap the envelope, then S3 records or the EventBridge detail -> Upload items")
