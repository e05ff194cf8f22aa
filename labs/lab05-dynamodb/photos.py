"""The photos table of a sharing app: one table, keys and indexes designed for its reads.

Every photo (``photo_id``, ``owner``, ``album_id``, ``created_at`` as ISO 8601 UTC with
milliseconds, ``tags``, ``caption``, ``preview``: a small base64 JPEG the album page shows)
is written as the items ``items_for(photo)`` returns, and the app reads it in four ways:

1. a photo by id (one GetItem);
2. an album's photos, oldest first, with their previews: every one of them, however many
   (an album of a few hundred photos is megabytes: the query is paginated);
3. the newest photos with a tag, newest first, a page of ``limit``;
4. the day's feed: the id of every photo created on a day (UTC), newest first. At 10 M photos
   a day, one partition per day would take every write of the day: a spike of 10x the
   average rate is ~1,160 writes/s, over the ~1,000 a partition accepts. So the feed's
   partition key is sharded, and a reader queries every shard and merges.

No read scans the table.

Lab 05: design TABLE and the keys ``items_for`` writes, then the four reads; `p4lab grade lab05`
creates your table on the embedded emulator, writes the photos with your keys and runs your reads.
"""

from __future__ import annotations

from typing import Any

# Arguments of DynamoDB's CreateTable except TableName: BillingMode, AttributeDefinitions,
# KeySchema and GlobalSecondaryIndexes (with their Projection).
TABLE: dict[str, Any] = {
    "BillingMode": "PAY_PER_REQUEST",
    "AttributeDefinitions": [],  # TODO
    "KeySchema": [],  # TODO
    "GlobalSecondaryIndexes": [],  # TODO
}


def items_for(photo: dict[str, Any]) -> list[dict[str, Any]]:
    """Every item to write for one new photo."""
    raise NotImplementedError("TODO: the photo's item(s), with your table and index keys")


def get_photo(table: Any, photo_id: str) -> dict[str, Any] | None:
    """Access pattern 1: a photo by id (strongly consistent), or None."""
    raise NotImplementedError("TODO: GetItem")


def album_photos(table: Any, album_id: str) -> list[dict[str, Any]]:
    """Access pattern 2: every photo of an album, oldest first, with all its attributes."""
    raise NotImplementedError("TODO: Query an index, every page")


def tagged(table: Any, tag: str, limit: int) -> list[str]:
    """Access pattern 3: the ids of the ``limit`` newest photos with ``tag``, newest first."""
    raise NotImplementedError("TODO: Query, newest first")


def day_feed(table: Any, day: str) -> list[str]:
    """Access pattern 4: the ids of every photo created on ``day`` (YYYY-MM-DD, UTC), newest first."""
    raise NotImplementedError("TODO: Query every partition of the day, merge")
