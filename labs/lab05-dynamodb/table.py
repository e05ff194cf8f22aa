"""The images table: one item per image, and indexes for every way the app reads it.

Access patterns (what the upload API, `p4lab status` and the operators need):

1. one image by id;
2. a user's newest images, newest first, one query, no scan;
3. every image in one status (e.g. all FAILED ones), at any volume: at 10 M images/day a
   status is written >100 times per second, and a 10× spike must not throttle one partition
   (one partition takes at most 1,000 writes/s).

Lab 05: fill in TABLE and the functions; `p4lab grade lab05` creates your table on the
embedded emulator, writes items with your keys and runs your queries. Every item also has
the attributes ``image_id``, ``owner``, ``status``, ``created_at`` and ``updated_at``
(ISO 8601 strings, so they sort as text).
"""

from __future__ import annotations

from typing import Any

# Arguments of DynamoDB CreateTable except TableName: BillingMode, AttributeDefinitions,
# KeySchema and GlobalSecondaryIndexes (with their Projection).
TABLE: dict[str, Any] = {
    "BillingMode": "PAY_PER_REQUEST",
    "AttributeDefinitions": [],  # TODO
    "KeySchema": [],  # TODO
    "GlobalSecondaryIndexes": [],  # TODO
}


def item_key(image_id: str) -> dict[str, str]:
    """The primary key of one image's item."""
    raise NotImplementedError("TODO: the item's primary key attributes")


def index_keys(owner: str, image_id: str, status: str, created_at: str, updated_at: str) -> dict[str, str]:
    """The attributes that place an item in the secondary indexes (written with every item)."""
    raise NotImplementedError("TODO: GSI key attributes for patterns 2 and 3")


def get_image(table: Any, image_id: str) -> dict | None:
    """Access pattern 1: one image by id (strongly consistent)."""
    raise NotImplementedError("TODO: GetItem")


def images_of(table: Any, owner: str, limit: int) -> list[dict]:
    """Access pattern 2: a user's ``limit`` newest images, newest first, in one query."""
    raise NotImplementedError("TODO: Query an index, newest first")


def image_ids_with_status(table: Any, status: str) -> list[str]:
    """Access pattern 3: the id of every image in one status (any order)."""
    raise NotImplementedError("TODO: Query (every shard of) the status index")
