"""A plausible wrong lab 03 events.py: `unquote` instead of `unquote_plus`, and the test event
treated as malformed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import unquote


@dataclass(frozen=True)
class Upload:
    bucket: str
    key: str
    version_id: str | None
    size: int
    event_time: str


class MalformedMessage(ValueError):
    pass


def parse(body: str) -> list[Upload]:
    try:
        message = json.loads(body)
    except json.JSONDecodeError as error:
        raise MalformedMessage(str(error)) from None
    if not isinstance(message, dict) or "Records" not in message:
        raise MalformedMessage("not an S3 event")  # wrong: s3:TestEvent lands here
    uploads = []
    for record in message["Records"]:
        try:
            s3 = record["s3"]
            uploads.append(
                Upload(
                    s3["bucket"]["name"],
                    unquote(s3["object"]["key"]),
                    s3["object"].get("versionId"),
                    int(s3["object"].get("size", 0)),
                    record["eventTime"],
                )
            )
        except KeyError as error:
            raise MalformedMessage(str(error)) from None
    return uploads
