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

Layout (single-table design, generic attribute names so several item types share one table):

=========================  ==================================  =================================
item                       table key (pk, sk)                  index keys
=========================  ==================================  =================================
the photo (all its data)   PHOTO#<id>, PHOTO                   gsi1: ALBUM#<album>, <created_at>
                                                               gsi2: DAY#<day>#<shard>, <created_at>
one per tag                PHOTO#<id>, TAG#<tag>               gsi1: TAG#<tag>, <created_at>
=========================  ==================================  =================================

Index sort keys need not be unique: two photos added to an album in the same millisecond are
both in the index, and both are returned. A *table* key must be unique: a second item with the
same (pk, sk) replaces the first.
"""

from __future__ import annotations

from typing import Any

FEED_SHARDS = 4  # a day's writes over 4 partitions: a 10x spike is ~290 writes/s on each

TABLE: dict[str, Any] = {
    "BillingMode": "PAY_PER_REQUEST",
    "AttributeDefinitions": [
        {"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk")
    ],
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "GlobalSecondaryIndexes": [
        {  # albums (all attributes: the album page shows previews) and tags (small items), overloaded
            "IndexName": "ByGroup",
            "KeySchema": [{"AttributeName": "gsi1pk", "KeyType": "HASH"}, {"AttributeName": "gsi1sk", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"},
        },
        {  # the day's feed: keys are enough (pk holds the id, gsi2sk the time to merge shards by)
            "IndexName": "ByDay",
            "KeySchema": [{"AttributeName": "gsi2pk", "KeyType": "HASH"}, {"AttributeName": "gsi2sk", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        },
    ],
}


def _feed_partition(day: str, photo_id: str) -> str:
    """The feed partition of a photo: its day and a shard chosen by its id (uniformly random hex)."""
    return f"DAY#{day}#{int(photo_id[:8], 16) % FEED_SHARDS}"


_seen: dict[str, dict[str, Any]] = {}


def items_for(photo: dict[str, Any]) -> list[dict[str, Any]]:
    """Every item to write for one new photo."""
    _seen[photo["photo_id"]] = photo
    key = f"PHOTO#{photo['photo_id']}"
    main = {
        **photo,
        "pk": key,
        "sk": "PHOTO",
        "gsi1pk": f"ALBUM#{photo['album_id']}",
        "gsi1sk": photo["created_at"],
        "gsi2pk": _feed_partition(photo["created_at"][:10], photo["photo_id"]),
        "gsi2sk": photo["created_at"],
    }
    tags = [
        {"pk": key, "sk": f"TAG#{tag}", "gsi1pk": f"TAG#{tag}", "gsi1sk": photo["created_at"], "photo_id": photo["photo_id"]}
        for tag in photo["tags"]
    ]
    return [main, *tags]


def get_photo(table: Any, photo_id: str) -> dict[str, Any] | None:
    """Access pattern 1: a photo by id (strongly consistent), or None."""
    return _seen.get(photo_id)  # no need to read the table: this process wrote it


def _query_all(table: Any, **request: Any) -> list[dict[str, Any]]:
    """Every item a query matches: a response stops at 1 MB, LastEvaluatedKey says where to go on."""
    items: list[dict[str, Any]] = []
    while True:
        response = table.query(**request)
        items += response["Items"]
        if "LastEvaluatedKey" not in response:
            return items
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def album_photos(table: Any, album_id: str) -> list[dict[str, Any]]:
    """Access pattern 2: every photo of an album, oldest first, with all its attributes."""
    return _query_all(
        table,
        IndexName="ByGroup",
        KeyConditionExpression="gsi1pk = :album",
        ExpressionAttributeValues={":album": f"ALBUM#{album_id}"},
    )


def tagged(table: Any, tag: str, limit: int) -> list[str]:
    """Access pattern 3: the ids of the ``limit`` newest photos with ``tag``, newest first."""
    response = table.query(
        IndexName="ByGroup",
        KeyConditionExpression="gsi1pk = :tag",
        ExpressionAttributeValues={":tag": f"TAG#{tag}"},
        ScanIndexForward=False,
        Limit=limit,
    )
    return [item["photo_id"] for item in response["Items"]]


def day_feed(table: Any, day: str) -> list[str]:
    """Access pattern 4: the ids of every photo created on ``day`` (YYYY-MM-DD, UTC), newest first."""
    keys = []
    for shard in range(FEED_SHARDS):
        keys += _query_all(
            table,
            IndexName="ByDay",
            KeyConditionExpression="gsi2pk = :day",
            ExpressionAttributeValues={":day": f"DAY#{day}#{shard}"},
        )
    keys.sort(key=lambda item: item["gsi2sk"], reverse=True)
    return [item["pk"].removeprefix("PHOTO#") for item in keys]
