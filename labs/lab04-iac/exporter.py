"""The album exporter: zips the images a user asked for, for download through CloudFront.

Lab 04 ships this function; you write the template that deploys it. One request's story:

1. The app writes a request manifest to ``requests/<name>.json`` in the export bucket:
   ``{"keys": ["images/<id>/<variant>", ...]}`` (variants in the pipeline's delivery bucket).
2. S3 notifies the request queue; the event source mapping invokes this function with a
   batch of messages.
3. For each request: read the manifest, check it against the limits operators keep in an SSM
   parameter (``{"max_objects": 200, "max_bytes": 104857600}``), read every listed object
   from the source bucket and write one zip to ``exports/<name>.zip``.
4. A request that can never succeed (not JSON, keys outside ``images/``, over the limits)
   is final: it is logged and *succeeds*, so SQS does not retry it. Anything else (a
   throttle, a denied call, an object not there yet) fails only that message
   (``batchItemFailures``): it returns to the queue after the visibility timeout, and after
   ``maxReceiveCount`` deliveries it moves to the dead-letter queue.

What it calls, and so all its role needs: ``s3:GetObject`` on the source bucket's
``images/*`` and on the export bucket's ``requests/*``, ``s3:PutObject`` on the export
bucket's ``exports/*``, ``ssm:GetParameter`` on the limits parameter, and (through the event
source mapping) ``sqs:ReceiveMessage``, ``sqs:DeleteMessage`` and ``sqs:GetQueueAttributes``
on the request queue. Lambda writes its logs with ``logs:CreateLogStream`` and
``logs:PutLogEvents``.

Environment: ``SOURCE_BUCKET``, ``EXPORT_BUCKET``, ``LIMITS_PARAMETER`` (the parameter's name).

Limitations: the zip is built in memory, so ``max_bytes`` must stay well below the function's
memory; a request's name is its manifest's file name, so a second request of the same name
overwrites the first export (as a retry of the same request should).
"""

from __future__ import annotations

import io
import json
import logging
import os
import zipfile
from typing import Any
from urllib.parse import unquote_plus

import boto3

REQUEST_PREFIX = "requests/"
EXPORT_PREFIX = "exports/"
SOURCE_PREFIX = "images/"

logger = logging.getLogger()
logger.setLevel(logging.INFO)
s3 = boto3.client("s3")
ssm = boto3.client("ssm")


class Refused(Exception):
    """A request that can never succeed: logged and dropped, never retried."""


def limits() -> dict[str, int]:
    """The operators' limits, read on every batch so a change applies without a deploy."""
    value = ssm.get_parameter(Name=os.environ["LIMITS_PARAMETER"])["Parameter"]["Value"]
    return {name: int(number) for name, number in json.loads(value).items()}


def export_name(request_key: str) -> str:
    """``requests/alice-2026.json`` -> ``exports/alice-2026.zip``."""
    stem = request_key[len(REQUEST_PREFIX) :].rsplit(".", 1)[0]
    return f"{EXPORT_PREFIX}{stem}.zip"


def manifest(bucket: str, key: str, allowed: dict[str, int]) -> list[str]:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    try:
        keys = json.loads(body)["keys"]
    except (ValueError, KeyError, TypeError) as error:
        raise Refused(f"{key} is not a manifest: {error}") from None
    if not isinstance(keys, list) or not all(isinstance(k, str) and k.startswith(SOURCE_PREFIX) for k in keys):
        raise Refused(f"{key}: every key must be a string under {SOURCE_PREFIX}")
    if len(keys) > allowed["max_objects"]:
        raise Refused(f"{key} asks for {len(keys)} objects; the limit is {allowed['max_objects']}")
    return keys


def export(bucket: str, key: str, allowed: dict[str, int]) -> str:
    """Zip the objects a request lists; returns the export's key."""
    source = os.environ["SOURCE_BUCKET"]
    buffer, total = io.BytesIO(), 0
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:  # images are compressed already
        for name in manifest(bucket, key, allowed):
            data = s3.get_object(Bucket=source, Key=name)["Body"].read()
            total += len(data)
            if total > allowed["max_bytes"]:
                raise Refused(f"{key} asks for more than {allowed['max_bytes']} bytes")
            archive.writestr(name[len(SOURCE_PREFIX) :], data)
    target = export_name(key)
    s3.put_object(Bucket=os.environ["EXPORT_BUCKET"], Key=target, Body=buffer.getvalue(), ContentType="application/zip")
    return target


def requests_in(body: str) -> list[tuple[str, str]]:
    """(bucket, key) of each request an S3 event message names; none for S3's test event."""
    event = json.loads(body)
    found = []
    for record in event.get("Records", []):
        key = unquote_plus(record["s3"]["object"]["key"])
        if key.startswith(REQUEST_PREFIX) and key.endswith(".json"):
            found.append((record["s3"]["bucket"]["name"], key))
        else:
            logger.warning("ignoring %s: not a request (is the notification filtered to requests/*.json?)", key)
    return found


def handler(event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    allowed = limits()
    failures = []
    for message in event.get("Records", []):
        try:
            for bucket, key in requests_in(message["body"]):
                logger.info("exported %s to %s", key, export(bucket, key, allowed))
        except Refused as refusal:
            logger.error("request refused: %s", refusal)
        except Exception:
            logger.exception("request failed; it returns to the queue")
            failures.append({"itemIdentifier": message["messageId"]})
    return {"batchItemFailures": failures}
