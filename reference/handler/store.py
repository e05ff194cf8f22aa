"""The image item in DynamoDB and its states: PENDING -> DONE, or PENDING -> FAILED.

A PDF long enough to be split goes PENDING -> PROCESSING -> DONE, counting rendered
pages as page-range tasks complete. Every write here is safe to repeat, because SQS
delivers at least once: states are set, not toggled, and a page range is counted only the
first time it completes (a condition on the set of finished ranges).

A PENDING item is an upload slot waiting for its file. It carries ``expires_at`` (the
table's TTL attribute), so a slot whose file never arrives (a closed browser tab, a failed
upload) is deleted by DynamoDB instead of staying PENDING forever; the first change of
state removes the attribute, so processed items are kept.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from reference.handler import keys

PENDING, PROCESSING, DONE, FAILED = "PENDING", "PROCESSING", "DONE", "FAILED"
NOT_UPLOADED = "not_uploaded"  # the reason of a slot given up by its client (see abandon)

# A presigned POST is valid this long (keep equal to reference.upload.SLOT_LIFETIME_S; a
# test holds them together). The item lives longer, by a margin for an upload that started
# just before the policy expired and for the S3 -> SQS -> Lambda delay.
SLOT_LIFETIME_S = 15 * 60
PENDING_MARGIN_S = 15 * 60


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def slot_closes_at(item: dict) -> float | None:
    """When a PENDING item's presigned POST stops being accepted (epoch seconds), if known."""
    expires = item.get(keys.EXPIRES_AT)
    return None if expires is None else float(expires) - PENDING_MARGIN_S


# lab05's answer key imports this name; the layout itself is in keys.py.
_indexes = keys.index_keys


class ImageStore:
    """Item writes for one table (a boto3 ``Table`` resource)."""

    def __init__(self, table: Any) -> None:
        self.table = table

    def create_pending(self, *, image_id: str, owner: str, name: str, upload_key: str, content_type: str) -> dict:
        """Record an upload slot before the client uploads (called by the upload API)."""
        created = now_iso()
        item = {
            **keys.item_key(image_id),
            **keys.index_keys(owner, image_id, PENDING, created, created),
            "image_id": image_id,
            "owner": owner,
            "name": name,
            "upload_key": upload_key,
            "content_type": content_type,
            "status": PENDING,
            "created_at": created,
            "updated_at": created,
            keys.EXPIRES_AT: int(time.time()) + SLOT_LIFETIME_S + PENDING_MARGIN_S,
        }
        self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        return item

    def abandon(self, image_id: str, message: str) -> bool:
        """Record that a slot's client gave up before S3 had the file: FAILED (not_uploaded).

        Only a PENDING item changes (if the file did arrive, processing decides). A PutItem
        with a condition, not an update, so the deploy policy's item permissions suffice. The
        item keeps its ``expires_at``: a failed attempt disappears with its slot.
        """
        item = self.get(image_id)
        if item is None or item.get("status") != PENDING:
            return False
        updated = now_iso()
        item.update(keys.status_index(FAILED, image_id, updated))
        item.update(status=FAILED, reason=NOT_UPLOADED, message=message, updated_at=updated, done_at=updated)
        try:
            self.table.put_item(
                Item=item,
                ConditionExpression="#status = :pending",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":pending": PENDING},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False  # the file arrived after all and is being processed
            raise
        return True

    def get(self, image_id: str) -> dict | None:
        return self.table.get_item(Key=keys.item_key(image_id), ConsistentRead=True).get("Item")

    def _set_status(self, upload: keys.UploadKey, upload_key: str, uploaded_at: str, status: str, extra: dict) -> None:
        """Set the status and attributes, creating the item if the upload bypassed our API."""
        updated = now_iso()
        names = {"#status": "status", "#owner": "owner", "#name": "name"}
        values: dict[str, Any] = {
            ":status": status,
            ":updated": updated,
            ":owner": upload.owner,
            ":name": upload.filename,
            ":upload_key": upload_key,
            ":uploaded": uploaded_at,
            ":image_id": upload.image_id,
        }
        assignments = [
            "#status = :status",
            "updated_at = :updated",
            "image_id = :image_id",
            "uploaded_at = :uploaded",
            "#owner = if_not_exists(#owner, :owner)",
            "#name = if_not_exists(#name, :name)",
            "upload_key = if_not_exists(upload_key, :upload_key)",
            "created_at = if_not_exists(created_at, :uploaded)",
        ]
        # The status index moves with every state; the owner index is set once (by the slot,
        # or here for an upload that bypassed our API).
        indexes = [
            (keys.status_index(status, upload.image_id, updated), "{name} = {value}"),
            (keys.owner_index(upload.owner, upload.image_id, uploaded_at), "{name} = if_not_exists({name}, {value})"),
        ]
        for attributes, template in indexes:
            for attribute, value in attributes.items():
                names[f"#{attribute}"] = attribute
                values[f":{attribute}"] = value
                assignments.append(template.format(name=f"#{attribute}", value=f":{attribute}"))
        for index, (attribute, value) in enumerate(extra.items()):
            names[f"#a{index}"] = attribute
            values[f":a{index}"] = value
            assignments.append(f"#a{index} = :a{index}")
        names["#expires"] = keys.EXPIRES_AT
        self.table.update_item(
            Key=keys.item_key(upload.image_id),
            # A slot that received its file is no longer subject to the TTL.
            UpdateExpression="SET " + ", ".join(assignments) + " REMOVE #expires",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def mark_done(self, upload: keys.UploadKey, upload_key: str, uploaded_at: str, details: dict) -> None:
        self._set_status(upload, upload_key, uploaded_at, DONE, {**details, "done_at": now_iso()})

    def mark_failed(self, upload: keys.UploadKey, upload_key: str, uploaded_at: str, reason: str, message: str) -> None:
        self._set_status(upload, upload_key, uploaded_at, FAILED, {"reason": reason, "message": message, "done_at": now_iso()})

    def start_document(self, upload: keys.UploadKey, upload_key: str, uploaded_at: str, pages_total: int, details: dict) -> None:
        """A long PDF: PROCESSING until every page range has been rendered."""
        self._set_status(
            upload, upload_key, uploaded_at, PROCESSING, {**details, "pages_total": pages_total, "pages_done": 0}
        )

    def complete_page_range(self, image_id: str, first: int, last: int, variants: list[dict]) -> bool:
        """Count a finished range once; returns True when this range finished the document."""
        range_id = f"{first}-{last}"
        try:
            item = self.table.update_item(
                Key=keys.item_key(image_id),
                UpdateExpression=(
                    "ADD pages_done :pages, ranges_done :range "
                    "SET variants = list_append(if_not_exists(variants, :empty), :variants), updated_at = :now"
                ),
                ConditionExpression="attribute_exists(pk) AND NOT contains(ranges_done, :range_id)",
                ExpressionAttributeValues={
                    ":pages": last - first + 1,
                    ":range": {range_id},
                    ":range_id": range_id,
                    ":variants": variants,
                    ":empty": [],
                    ":now": now_iso(),
                },
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            item = self.get(image_id) or {}
        if item.get("status") == DONE or int(item.get("pages_done", 0)) < int(item.get("pages_total", 1)):
            return False
        return self._finish_document(image_id)

    def _finish_document(self, image_id: str) -> bool:
        updated = now_iso()
        index = keys.status_index(DONE, image_id, updated)
        index_names = {f"#{attribute}": attribute for attribute in index}
        index_values = {f":{attribute}": value for attribute, value in index.items()}
        index_set = ", ".join(f"#{attribute} = :{attribute}" for attribute in index)
        try:
            self.table.update_item(
                Key=keys.item_key(image_id),
                UpdateExpression=f"SET #status = :done, done_at = :now, updated_at = :now, {index_set}",
                ConditionExpression="#status = :processing AND pages_done >= pages_total",
                ExpressionAttributeNames={"#status": "status", **index_names},
                ExpressionAttributeValues={":done": DONE, ":processing": PROCESSING, ":now": updated, **index_values},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False  # another invocation finished it first
            raise
        return True
