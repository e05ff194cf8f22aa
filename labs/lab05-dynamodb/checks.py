"""DynamoDB single-table design: keys and indexes for three access patterns, graded by running them."""

from __future__ import annotations

import random
from typing import Any

from labs.grader import Submission, check
from labs.grader.submission import unique_name

FILES = ["table.py"]
TIME_LIMIT_S = 300

OWNERS = ["ana", "ben", "chen", "dora"]
STATUSES = ["PENDING", "DONE", "FAILED"]


def _items(schema: Any, count: int = 120) -> list[dict]:
    """Items as the pipeline writes them, keyed by the student's functions. Seeded: reproducible."""
    rng = random.Random(5)
    items = []
    for n in range(count):
        image_id = f"{rng.getrandbits(128):032x}"
        owner, status = OWNERS[n % len(OWNERS)], STATUSES[n % len(STATUSES)]
        created = f"2026-11-{1 + n // 10:02d}T{n % 24:02d}:00:00.000+00:00"
        if n in (7, 11):  # two images of one owner uploaded in the same millisecond
            created = "2026-11-20T12:00:00.000+00:00"
        updated = f"2026-11-22T{n % 24:02d}:{n % 60:02d}:00.000+00:00"
        item = {
            **schema.item_key(image_id),
            **schema.index_keys(owner, image_id, status, created, updated),
            "image_id": image_id, "owner": owner, "status": status, "created_at": created, "updated_at": updated,
        }  # fmt: skip
        items.append(item)
    return items


def _loaded(sub: Submission) -> tuple[Any, Any, list[dict]]:
    """The student's table, created on the emulator and filled (once per check: checks are isolated)."""
    schema = sub.module("table")
    dynamodb = sub.resource("dynamodb")
    table = dynamodb.create_table(TableName=unique_name("lab05-images"), **schema.TABLE)
    table.wait_until_exists()
    items = _items(schema)
    with table.batch_writer() as batch:
        for item in items:
            batch.put_item(Item=item)
    return schema, table, items


@check(10, needs_emulator=True, hint="KeySchema attributes must be declared in AttributeDefinitions; each GSI needs a Projection.")
def table_creates(sub: Submission) -> None:
    """the table definition is accepted by CreateTable, with at least two GSIs"""
    schema = sub.module("table")
    assert len(schema.TABLE.get("GlobalSecondaryIndexes", [])) >= 2, "patterns 2 and 3 each need an index"
    table = sub.resource("dynamodb").create_table(TableName=unique_name("lab05-images"), **schema.TABLE)
    table.wait_until_exists()


@check(15, needs_emulator=True, hint="GetItem needs the full primary key, exactly as item_key builds it.")
def by_id(sub: Submission) -> None:
    """pattern 1: an image by id"""
    schema, table, items = _loaded(sub)
    for item in items[:10]:
        found = schema.get_image(table, item["image_id"])
        assert found and found.get("image_id") == item["image_id"], f"get_image({item['image_id']}) returned {found}"
    assert schema.get_image(table, "f" * 32) is None, "an unknown id must return None"


@check(20, needs_emulator=True, hint="A GSI partitioned by owner, sorted by creation time; read it backwards "
       "(ScanIndexForward=False) with Limit.")
def newest_first(sub: Submission) -> None:
    """pattern 2: a user's newest images, newest first, in one query"""
    schema, table, items = _loaded(sub)
    for owner in OWNERS[:2]:
        mine = sorted((i for i in items if i["owner"] == owner), key=lambda i: i["created_at"], reverse=True)
        got = [i.get("image_id") for i in schema.images_of(table, owner, 5)]
        assert len(got) == 5, f"images_of({owner!r}, 5) returned {len(got)} items"
        expected_times = [i["created_at"] for i in mine[:5]]
        got_times = [next(i["created_at"] for i in items if i["image_id"] == image_id) for image_id in got]
        assert got_times == expected_times, f"images_of({owner!r}, 5): creation times {got_times}, expected {expected_times}"
        assert all(next(i["owner"] for i in items if i["image_id"] == g) == owner for g in got), "another user's image was returned"


@check(15, needs_emulator=True, hint="Two images created in the same millisecond: is their index sort key unique?")
def same_millisecond(sub: Submission) -> None:
    """two uploads in the same millisecond are both listed"""
    schema, table, items = _loaded(sub)
    twins = {items[7]["image_id"], items[11]["image_id"]}
    owner = items[7]["owner"]
    listed = {i.get("image_id") for i in schema.images_of(table, owner, 100)}
    assert twins <= listed, f"images_of({owner!r}) lists {len(twins & listed)} of the 2 images created at the same time"


@check(20, needs_emulator=True, hint="Query the status index; if it is sharded, query every shard and paginate.")
def by_status(sub: Submission) -> None:
    """pattern 3: every image in one status"""
    schema, table, items = _loaded(sub)
    for status in STATUSES:
        expected = {i["image_id"] for i in items if i["status"] == status}
        got = schema.image_ids_with_status(table, status)
        assert set(got) == expected and len(got) == len(expected), (
            f"image_ids_with_status({status!r}) returned {len(set(got))} ids, expected {len(expected)}"
        )


@check(20, hint="One partition takes ~1,000 writes/s; 10 M images/day with a spike puts more than that on one "
       "status. Spread a status over several partition keys (shards), e.g. by a hash of the image id.")
def no_hot_partition(sub: Submission) -> None:
    """no index puts every image of one status in one partition"""
    schema = sub.module("table")
    items = [i for i in _items(schema) if i["status"] == "DONE"]
    for index in schema.TABLE.get("GlobalSecondaryIndexes", []):
        hash_key = next(k["AttributeName"] for k in index["KeySchema"] if k["KeyType"] == "HASH")
        values = {item.get(hash_key) for item in items} - {None}
        owners_of = {item.get(hash_key): item["owner"] for item in items}
        per_owner = len({owners_of[v] for v in values}) == len(values) and len(values) == len(OWNERS)
        if per_owner:
            continue  # the owner index: one partition per user is the point
        assert len(values) > 1, f"index {index['IndexName']} puts all {len(items)} DONE images in one partition ({values.pop()})"
