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
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus


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
    message = _json_object(body, "the message body")
    if message.get("Type") == "Notification" and "Message" in message:
        message = _json_object(message["Message"], "the SNS notification's Message")
    if message.get("Event") == "s3:TestEvent":
        return []
    if "Records" in message:
        records = message["Records"]
        if not isinstance(records, list):
            raise MalformedMessage("Records is not a list")
        return [_from_s3_record(record) for record in records]
    if message.get("source") == "aws.s3" and "detail-type" in message:
        return [_from_eventbridge(message)] if message["detail-type"] == "Object Created" else []
    raise MalformedMessage(f"not an S3 event, an SNS notification or an EventBridge event: keys {sorted(message)}")


def _json_object(text: Any, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (TypeError, json.JSONDecodeError) as error:
        raise MalformedMessage(f"{what} is not JSON: {error}") from None
    if not isinstance(value, dict):
        raise MalformedMessage(f"{what} is not a JSON object")
    return value


def _from_s3_record(record: Any) -> Upload:
    """One record of an S3 event notification (the key URL-encoded)."""
    try:
        s3 = record["s3"]
        return Upload(
            bucket=s3["bucket"]["name"],
            key=unquote_plus(s3["object"]["key"]),
            version_id=s3["object"].get("versionId"),
            size=int(s3["object"].get("size", 0)),
            event_time=record["eventTime"],
        )
    except (KeyError, TypeError, ValueError) as error:
        raise MalformedMessage(f"S3 record without {error}") from None


def _from_eventbridge(event: dict[str, Any]) -> Upload:
    """An EventBridge "Object Created" event (the key as stored, not encoded)."""
    try:
        detail = event["detail"]
        return Upload(
            bucket=detail["bucket"]["name"],
            key=detail["object"]["key"],
            version_id=detail["object"].get("version-id"),
            size=int(detail["object"].get("size", 0)),
            event_time=event["time"],
        )
    except (KeyError, TypeError, ValueError) as error:
        raise MalformedMessage(f"EventBridge event without {error}") from None
