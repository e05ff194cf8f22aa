"""Answer key for lab 05: the reference's images table, keys and queries.

The table definition is read from the reference template and the keys come from
``reference.handler.keys``/``store``, so this key cannot drift from the pipeline.
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key
from cfnlint.decode import decode_str

from reference.deploy import TEMPLATE_PATH
from reference.handler import keys
from reference.handler.store import _indexes

_PROPERTIES = decode_str(TEMPLATE_PATH.read_text())[0]["Resources"]["ImagesTable"]["Properties"]
TABLE: dict[str, Any] = {
    name: _PROPERTIES[name] for name in ("BillingMode", "AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes")
}


def item_key(image_id: str) -> dict[str, str]:
    """The primary key of one image's item."""
    return keys.item_key(image_id)


def index_keys(owner: str, image_id: str, status: str, created_at: str, updated_at: str) -> dict[str, str]:
    """The attributes that place an item in the secondary indexes (written with every item)."""
    return _indexes(owner, image_id, status, created_at, updated_at)


def get_image(table: Any, image_id: str) -> dict | None:
    """Access pattern 1: one image by id (strongly consistent)."""
    return table.get_item(Key=item_key(image_id), ConsistentRead=True).get("Item")


def images_of(table: Any, owner: str, limit: int) -> list[dict]:
    """Access pattern 2: a user's ``limit`` newest images, newest first, in one query."""
    response = table.query(
        IndexName="ByOwner",
        KeyConditionExpression=Key("gsi1pk").eq(keys.owner_partition(owner)),
        ScanIndexForward=False,
        Limit=limit,
    )
    return response["Items"]


def image_ids_with_status(table: Any, status: str) -> list[str]:
    """Access pattern 3: the id of every image in one status (any order)."""
    ids = []
    for partition in keys.status_partitions(status):
        request: dict[str, Any] = {"IndexName": "ByStatus", "KeyConditionExpression": Key("gsi2pk").eq(partition)}
        while True:
            response = table.query(**request)
            ids += [item["pk"].split("#", 1)[1] for item in response["Items"]]
            if "LastEvaluatedKey" not in response:
                break
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    return ids
