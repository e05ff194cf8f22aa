"""The image item in DynamoDB and its states: PENDING -> DONE, or PENDING -> FAILED.

A PDF long enough to be split goes PENDING -> PROCESSING -> DONE, counting rendered
pages as page-range tasks complete. Every write here is safe to repeat, because SQS
delivers at least once: states are set, not toggled, and a page range is counted only the
first time it completes (a condition on the set of finished ranges).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from reference.handler import keys

PENDING, PROCESSING, DONE, FAILED = "PENDING", "PROCESSING", "DONE", "FAILED"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _indexes(owner: str, image_id: str, status: str, created_at: str, updated_at: str) -> dict[str, str]:
    return {
        "gsi1pk": keys.owner_partition(owner),
        "gsi1sk": f"{created_at}#{image_id}",
        "gsi2pk": keys.status_partition(status, image_id),
        "gsi2sk": f"{updated_at}#{image_id}",
    }


class ImageStore:
    """Item writes for one table (a boto3 ``Table`` resource)."""

    def __init__(self, table: Any) -> None:
        self.table = table

    def create_pending(self, *, image_id: str, owner: str, name: str, upload_key: str, content_type: str) -> dict:
        """Record an upload slot before the client uploads (called by the upload API)."""
        created = now_iso()
        item = {
            **keys.item_key(image_id),
            **_indexes(owner, image_id, PENDING, created, created),
            "image_id": image_id,
            "owner": owner,
            "name": name,
            "upload_key": upload_key,
            "content_type": content_type,
            "status": PENDING,
            "created_at": created,
            "updated_at": created,
        }
        self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        return item

    def get(self, image_id: str) -> dict | None:
        return self.table.get_item(Key=keys.item_key(image_id), ConsistentRead=True).get("Item")

    def _set_status(self, upload: keys.UploadKey, upload_key: str, uploaded_at: str, status: str, extra: dict) -> None:
        """Set the status and attributes, creating the item if the upload bypassed our API."""
        updated = now_iso()
        values: dict[str, Any] = {
            ":status": status,
            ":updated": updated,
            ":gsi2pk": keys.status_partition(status, upload.image_id),
            ":gsi2sk": f"{updated}#{upload.image_id}",
            ":owner": upload.owner,
            ":name": upload.filename,
            ":upload_key": upload_key,
            ":uploaded": uploaded_at,
            ":gsi1pk": keys.owner_partition(upload.owner),
            ":gsi1sk": f"{uploaded_at}#{upload.image_id}",
            ":image_id": upload.image_id,
        }
        assignments = [
            "#status = :status",
            "updated_at = :updated",
            "gsi2pk = :gsi2pk",
            "gsi2sk = :gsi2sk",
            "image_id = :image_id",
            "uploaded_at = :uploaded",
            "#owner = if_not_exists(#owner, :owner)",
            "#name = if_not_exists(#name, :name)",
            "upload_key = if_not_exists(upload_key, :upload_key)",
            "created_at = if_not_exists(created_at, :uploaded)",
            "gsi1pk = if_not_exists(gsi1pk, :gsi1pk)",
            "gsi1sk = if_not_exists(gsi1sk, :gsi1sk)",
        ]
        names = {"#status": "status", "#owner": "owner", "#name": "name"}
        for index, (attribute, value) in enumerate(extra.items()):
            names[f"#a{index}"] = attribute
            values[f":a{index}"] = value
            assignments.append(f"#a{index} = :a{index}")
        self.table.update_item(
            Key=keys.item_key(upload.image_id),
            UpdateExpression="SET " + ", ".join(assignments),
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
        try:
            self.table.update_item(
                Key=keys.item_key(image_id),
                UpdateExpression="SET #status = :done, done_at = :now, updated_at = :now, gsi2pk = :gsi2pk, gsi2sk = :gsi2sk",
                ConditionExpression="#status = :processing AND pages_done >= pages_total",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":done": DONE,
                    ":processing": PROCESSING,
                    ":now": updated,
                    ":gsi2pk": keys.status_partition(DONE, image_id),
                    ":gsi2sk": f"{updated}#{image_id}",
                },
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False  # another invocation finished it first
            raise
        return True
