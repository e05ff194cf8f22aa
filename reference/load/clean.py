"""Remove exactly what load tests uploaded: `p4lab load --clean`.

A load test uploads as the owner ``load-<run id>`` (a run id is a UTC timestamp and four hex
digits, ``20261130t194800-a1b2``: no login name looks like it) and tags each original in S3
with ``p4lab-load-run=<run id>``. Cleaning finds the load owners' items, deletes their variants
(``images/<image id>/...``), their originals (every version, on a versioned bucket) and the
items themselves; then any remaining original under ``uploads/load-...`` that carries the tag
(its item was never written, e.g. a run interrupted between the slot and the POST).

Nothing else is touched: an object or item without both marks stays.
Limitations: the handler's idempotency records (keyed by a hash of the object version) are
not deleted; they expire 24 hours after processing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError

from reference.handler import keys
from reference.load.runner import LOAD_TAG, OWNER_PREFIX
from reference.targets import Target

RUN_ID = re.compile(r"^\d{8}t\d{6}-[0-9a-f]{4}$")


def is_load_owner(owner: str) -> bool:
    """
    >>> is_load_owner("load-20261130t194800-a1b2"), is_load_owner("load-bob"), is_load_owner("alice")
    (True, False, False)
    """
    return owner.startswith(OWNER_PREFIX) and bool(RUN_ID.match(owner[len(OWNER_PREFIX) :]))


@dataclass
class Cleaned:
    runs: set[str]
    items: int = 0
    originals: int = 0
    variants: int = 0


def _delete_keys(s3: Any, bucket: str, objects: list[dict[str, str]]) -> None:
    for start in range(0, len(objects), 1000):  # DeleteObjects takes 1,000 keys
        s3.delete_objects(Bucket=bucket, Delete={"Objects": objects[start : start + 1000], "Quiet": True})


def _all_versions(s3: Any, bucket: str, prefix: str) -> list[dict[str, str]]:
    """Every version and delete marker under ``prefix`` (a plain listing on an unversioned bucket)."""
    found = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        for entry in page.get("Versions", []) + page.get("DeleteMarkers", []):
            found.append({"Key": entry["Key"], "VersionId": entry["VersionId"]})
    return found


def _tagged_run(s3: Any, bucket: str, key: str) -> str | None:
    try:
        tags = s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]
    except ClientError:  # e.g. only a delete marker is left
        return None
    return next((t["Value"] for t in tags if t["Key"] == LOAD_TAG), None)


def clean(target: Target, outputs: dict[str, str]) -> Cleaned:
    """Delete every load test's items, originals and variants; returns what was removed."""
    s3 = target.client("s3")
    table = target.resource("dynamodb").Table(outputs["TableName"])
    ingest, delivery = outputs["IngestBucketName"], outputs["DeliveryBucketName"]
    result = Cleaned(runs=set())

    # 1. Items of load owners (a scan: load owners are not known in advance; a sandbox table is small).
    scan: dict[str, Any] = {
        "FilterExpression": Attr("owner").begins_with(OWNER_PREFIX),
        "ProjectionExpression": "pk, sk, image_id, #owner, upload_key",
        "ExpressionAttributeNames": {"#owner": "owner"},
    }
    items = []
    while True:
        page = table.scan(**scan)
        items += [item for item in page["Items"] if is_load_owner(item.get("owner", ""))]
        if "LastEvaluatedKey" not in page:
            break
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    for item in items:
        image_id = item["image_id"]
        variants = _all_versions(s3, delivery, keys.variant_key(image_id, ""))
        _delete_keys(s3, delivery, variants)
        result.variants += len({v["Key"] for v in variants})
        if item.get("upload_key"):
            originals = _all_versions(s3, ingest, item["upload_key"])
            _delete_keys(s3, ingest, originals)
            result.originals += bool(originals)
        table.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
        result.items += 1
        result.runs.add(item["owner"][len(OWNER_PREFIX) :])

    # 2. Tagged originals whose item is gone or was never written.
    leftovers: dict[str, list[dict[str, str]]] = {}
    for entry in _all_versions(s3, ingest, keys.UPLOAD_PREFIX + OWNER_PREFIX):
        owner = entry["Key"][len(keys.UPLOAD_PREFIX) :].split("/", 1)[0]
        if is_load_owner(owner):
            leftovers.setdefault(entry["Key"], []).append(entry)
    for key, versions in leftovers.items():
        run = _tagged_run(s3, ingest, key)
        if run is None:  # not tagged by a load test: not ours to delete
            continue
        _delete_keys(s3, ingest, versions)
        result.originals += 1
        result.runs.add(run)
    return result

