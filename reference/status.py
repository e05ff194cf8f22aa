"""Read the pipeline's state back: image items by id, by owner (newest first), by status.

One state is derived here rather than stored: an upload slot (PENDING) whose presigned POST
has expired while its file is not in the ingest bucket was never uploaded. Waiting for it
would only end in a timeout, so :meth:`Images.wait` reports it as ``NEVER UPLOADED`` and
``p4lab wait`` without ids does not wait for slots whose file has not arrived. (DynamoDB's
TTL deletes such items later; an id that no longer exists is reported the same way.)
"""

from __future__ import annotations

import time
from datetime import datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from reference.errors import UserError
from reference.handler import keys
from reference.handler.store import DONE, FAILED, PENDING, slot_closes_at
from reference.targets import Target

FINAL_STATES = {DONE, FAILED}  # stored states after which nothing changes
NEVER_UPLOADED = "NEVER UPLOADED"  # derived: the slot expired and its file is not in S3


class Images:
    """Queries over the images table of one deployed stack."""

    def __init__(self, target: Target, outputs: dict[str, str]) -> None:
        self.table = target.resource("dynamodb").Table(outputs["TableName"])
        self.s3 = target.client("s3")
        self.ingest_bucket = outputs.get("IngestBucketName")

    def get(self, image_ids: list[str]) -> list[dict]:
        found: dict[str, dict] = {}
        for start in range(0, len(image_ids), 100):  # BatchGetItem takes 100 keys
            request = {self.table.name: {"Keys": [keys.item_key(i) for i in image_ids[start : start + 100]], "ConsistentRead": True}}
            while request:
                response = self.table.meta.client.batch_get_item(RequestItems=request)
                for item in response["Responses"].get(self.table.name, []):
                    found[item["image_id"]] = item
                request = response.get("UnprocessedKeys") or {}
        return [found[i] for i in image_ids if i in found]

    def by_owner(self, owner: str, limit: int = 50) -> list[dict]:
        """A user's images, newest first (the ByOwner index, read backwards)."""
        response = self.table.query(
            IndexName=keys.OWNER_INDEX,
            KeyConditionExpression=Key(keys.OWNER_PARTITION).eq(keys.owner_partition(owner)),
            ScanIndexForward=False,
            Limit=limit,
        )
        return response["Items"]

    def ids_by_status(self, status: str) -> list[str]:
        """Every image id in one status: one query per shard of the ByStatus index."""
        ids = []
        for partition in keys.status_partitions(status):
            kwargs: dict[str, Any] = {
                "IndexName": keys.STATUS_INDEX,
                "KeyConditionExpression": Key(keys.STATUS_PARTITION).eq(partition),
            }
            while True:
                response = self.table.query(**kwargs)
                ids += [keys.image_id_of(item) for item in response["Items"]]
                if "LastEvaluatedKey" not in response:
                    break
                kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return ids

    def file_arrived(self, item: dict) -> bool:
        """Whether the ingest bucket holds the item's upload (i.e. it is only being processed)."""
        if not self.ingest_bucket or not item.get("upload_key"):
            return True  # cannot tell: assume it did, rather than give up on a real upload
        try:
            self.s3.head_object(Bucket=self.ingest_bucket, Key=item["upload_key"])
        except ClientError as error:
            if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def never_uploaded(self, item: dict, now: float | None = None) -> bool:
        """A PENDING slot whose POST has expired with no file in the bucket: it will never change."""
        closes = slot_closes_at(item)
        if item.get("status") != PENDING or closes is None or (now or time.time()) < closes:
            return False
        return not self.file_arrived(item)

    def wait(self, image_ids: list[str], timeout_s: float = 120, console: Any = None) -> list[dict]:
        """Poll until every image is DONE or FAILED, showing progress; UserError on timeout.

        An image that can no longer change without having been processed (its slot expired
        without a file, or its item is gone) ends the wait for it as ``NEVER UPLOADED``.
        """
        deadline = time.monotonic() + timeout_s
        with Progress(
            TextColumn("[bold]Processing"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} done"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("wait", total=len(image_ids))
            finished: dict[str, dict] = {}
            while True:
                # Only the unfinished are read again: a final item does not change, and reading
                # forty items four times a second costs the emulator more than processing does.
                waiting = [i for i in image_ids if i not in finished]
                found = {item["image_id"]: item for item in self.get(waiting)}
                settled = [self.settled(image_id, found.get(image_id)) for image_id in waiting]
                finished |= {item["image_id"]: item for item in settled if item.get("status") in FINAL_STATES | {NEVER_UPLOADED}}
                progress.update(task, completed=len(finished))
                if len(finished) == len(image_ids):
                    return [finished[i] for i in image_ids]
                if time.monotonic() > deadline:
                    unfinished = [item for item in settled if item["image_id"] not in finished]
                    raise UserError(_timeout_message(timeout_s, unfinished, self))
                time.sleep(0.25)

    def settled(self, image_id: str, item: dict | None) -> dict:
        """The item as a reader should see it: NEVER UPLOADED if it is gone or can no longer arrive."""
        if item is None:
            return {"image_id": image_id, "status": NEVER_UPLOADED, "reason": "no such upload (never created, or expired)"}
        if self.never_uploaded(item):
            return {**item, "status": NEVER_UPLOADED, "reason": "its upload slot expired before the file arrived"}
        return item


def _timeout_message(timeout_s: float, unfinished: list[dict], images: Images) -> str:
    """Say which were being processed and which had not even been uploaded (yet)."""
    no_file = [i for i in unfinished if i.get("status") == PENDING and not images.file_arrived(i)]
    busy = [i for i in unfinished if i not in no_file]
    parts = []
    if busy:
        parts.append(f"still processing: {', '.join(i['image_id'] for i in busy)}")
    if no_file:
        closes = [slot_closes_at(i) for i in no_file]
        latest = max((c for c in closes if c is not None), default=None)
        until = f" (their upload slots accept a file until {time.strftime('%H:%M:%S', time.localtime(latest))})" if latest else ""
        parts.append(f"no file uploaded{until}: {', '.join(i['image_id'] for i in no_file)}")
    return f"Timed out after {timeout_s:.0f} s; " + "; ".join(parts) + ". `p4lab status ID...` shows each."


def seconds_to_done(item: dict) -> float | None:
    """From the object landing in S3 to the item being final."""
    start, end = item.get("uploaded_at"), item.get("done_at")
    if not start or not end:
        return None
    return (datetime.fromisoformat(end.replace("Z", "+00:00")) - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()


def variant_bytes(item: dict) -> int:
    return int(sum(Decimal(v.get("bytes", 0)) for v in item.get("variants", [])))


def table(items: list[dict], title: str = "Images") -> Table:
    """The status table people look at: id, name, state, variants, bytes, seconds."""
    view = Table(title=title)
    columns = (("id", "left"), ("name", "left"), ("state", "left"), ("variants", "right"), ("bytes", "right"), ("seconds", "right"))
    for column, justify in columns:
        view.add_column(column, justify=justify)  # type: ignore[arg-type]
    colours = {DONE: "green", FAILED: "red", NEVER_UPLOADED: "red"}
    for item in items:
        status = item.get("status", "?")
        state = status if status not in (FAILED, NEVER_UPLOADED) else f"{status} ({item.get('reason', '')})"
        seconds = seconds_to_done(item)
        view.add_row(
            item["image_id"][:8],
            item.get("name", ""),
            f"[{colours.get(status, 'yellow')}]{state}",
            str(len(item.get("variants", []))),
            f"{variant_bytes(item):,}",
            f"{seconds:.1f}" if seconds is not None else "",
        )
    return view
