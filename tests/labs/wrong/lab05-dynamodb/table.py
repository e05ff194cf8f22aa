"""A plausible wrong lab 05: a status index with one partition per status (a hot key)."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key

_S = "S"
TABLE: dict[str, Any] = {
    "BillingMode": "PAY_PER_REQUEST",
    "AttributeDefinitions": [
        {"AttributeName": n, "AttributeType": _S}
        for n in ("pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk")
    ],
    "KeySchema": [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ],
    "GlobalSecondaryIndexes": [
        {
            "IndexName": "ByOwner",
            "KeySchema": [
                {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        },
        {
            "IndexName": "ByStatus",
            "KeySchema": [
                {"AttributeName": "gsi2pk", "KeyType": "HASH"},
                {"AttributeName": "gsi2sk", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        },
    ],
}


def item_key(image_id: str) -> dict[str, str]:
    return {"pk": f"IMAGE#{image_id}", "sk": "META"}


def index_keys(
    owner: str, image_id: str, status: str, created_at: str, updated_at: str
) -> dict[str, str]:
    return {
        "gsi1pk": f"OWNER#{owner}",
        "gsi1sk": f"{created_at}#{image_id}",
        "gsi2pk": f"STATUS#{status}",  # wrong: every image of a status in one partition
        "gsi2sk": f"{updated_at}#{image_id}",
    }


def get_image(table: Any, image_id: str) -> dict | None:
    return table.get_item(Key=item_key(image_id), ConsistentRead=True).get("Item")


def images_of(table: Any, owner: str, limit: int) -> list[dict]:
    return table.query(
        IndexName="ByOwner",
        KeyConditionExpression=Key("gsi1pk").eq(f"OWNER#{owner}"),
        ScanIndexForward=False,
        Limit=limit,
    )["Items"]


def image_ids_with_status(table: Any, status: str) -> list[str]:
    items = table.query(
        IndexName="ByStatus", KeyConditionExpression=Key("gsi2pk").eq(f"STATUS#{status}")
    )["Items"]
    return [item["pk"].split("#", 1)[1] for item in items]
