"""A plausible wrong lab 03 delivery.py: idempotency keyed on the object key, not its version."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from botocore.exceptions import ClientError


def process_batch(event: dict, record_handler: Any) -> dict:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=BatchProcessor(EventType.SQS)
    )


def idempotency_key(upload: Any) -> str:
    return f"{upload.bucket}/{upload.key}"  # wrong: a new version of the same key is new work


def claim(table: Any, upload: Any) -> bool:
    try:
        table.put_item(
            Item={"id": idempotency_key(upload)}, ConditionExpression="attribute_not_exists(id)"
        )
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True
