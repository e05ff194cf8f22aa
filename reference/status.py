"""Read the pipeline's state back: image items by id, by owner (newest first), by status."""

from __future__ import annotations

import time
from datetime import datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from reference.errors import UserError
from reference.handler import keys
from reference.handler.store import DONE, FAILED
from reference.targets import Target

FINAL_STATES = {DONE, FAILED}


class Images:
    """Queries over the images table of one deployed stack."""

    def __init__(self, target: Target, outputs: dict[str, str]) -> None:
        self.table = target.resource("dynamodb").Table(outputs["TableName"])

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
            IndexName="ByOwner",
            KeyConditionExpression=Key("gsi1pk").eq(keys.owner_partition(owner)),
            ScanIndexForward=False,
            Limit=limit,
        )
        return response["Items"]

    def ids_by_status(self, status: str) -> list[str]:
        """Every image id in one status: one query per shard of the ByStatus index."""
        ids = []
        for partition in keys.status_partitions(status):
            kwargs: dict[str, Any] = {"IndexName": "ByStatus", "KeyConditionExpression": Key("gsi2pk").eq(partition)}
            while True:
                response = self.table.query(**kwargs)
                ids += [item["pk"].split("#", 1)[1] for item in response["Items"]]
                if "LastEvaluatedKey" not in response:
                    break
                kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return ids

    def wait(self, image_ids: list[str], timeout_s: float = 120, console: Any = None) -> list[dict]:
        """Poll until every image is DONE or FAILED, showing progress; UserError on timeout."""
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
                finished |= {item["image_id"]: item for item in self.get(waiting) if item.get("status") in FINAL_STATES}
                progress.update(task, completed=len(finished))
                if len(finished) == len(image_ids):
                    return [finished[i] for i in image_ids]
                if time.monotonic() > deadline:
                    missing = sorted(set(image_ids) - set(finished))
                    raise UserError(f"Timed out after {timeout_s:.0f} s; still processing: {', '.join(missing)}")
                time.sleep(0.25)


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
    colours = {DONE: "green", FAILED: "red"}
    for item in items:
        status = item.get("status", "?")
        state = status if status != FAILED else f"{status} ({item.get('reason', '')})"
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
