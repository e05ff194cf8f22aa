"""Events and at-least-once delivery: S3 events in SQS, partial batch failures, idempotent writes."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from labs.grader import StudentError, Submission, check
from labs.grader.submission import unique_name

FILES = ["events.py", "delivery.py"]
TIME_LIMIT_S = 120

BUCKET = "p4lab-ingest-000000000000-us-east-1"


def s3_record(key: str, version: str = "v1", size: int = 1234) -> dict:
    """One record as S3 writes it: note the key is URL-encoded like an HTML form."""
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-east-1",
        "eventTime": "2026-11-23T04:00:00.000Z",
        "eventName": "ObjectCreated:Post",
        "s3": {
            "s3SchemaVersion": "1.0",
            "bucket": {"name": BUCKET, "arn": f"arn:aws:s3:::{BUCKET}"},
            "object": {"key": key, "size": size, "eTag": "0123456789abcdef", "versionId": version, "sequencer": "0055AED6DCD90281E5"},
        },
    }


def sqs_event(bodies: dict[str, str]) -> dict:
    """An SQS event for Lambda: message id -> body."""
    return {
        "Records": [
            {
                "messageId": message_id,
                "receiptHandle": f"handle-{message_id}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1763870400000"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:p4lab-IngestQueue",
                "awsRegion": "us-east-1",
            }
            for message_id, body in bodies.items()
        ]
    }


def _fields(upload: Any) -> tuple:
    return (upload.bucket, upload.key, upload.version_id, upload.size, upload.event_time)


@check(15, hint="Read the record's bucket name, object key, versionId, size and the record's eventTime.")
def one_record(sub: Submission) -> None:
    """an S3 event with one record becomes one Upload"""
    events = sub.module("events")
    work = events.parse(json.dumps({"Records": [s3_record("uploads/ana/photo.jpg", "v7", 2048)]}))
    assert len(work) == 1, f"expected one work item, got {len(work)}"
    expected = (BUCKET, "uploads/ana/photo.jpg", "v7", 2048, "2026-11-23T04:00:00.000Z")
    assert _fields(work[0]) == expected, f"got {_fields(work[0])}, expected {expected}"


@check(15, hint="S3 URL-encodes keys like a form: a space arrives as '+'. Which urllib function decodes that?")
def url_encoded_keys(sub: Submission) -> None:
    """URL-encoded keys are decoded ('red+flower.jpg' is 'red flower.jpg')"""
    events = sub.module("events")
    for encoded, decoded in [
        ("uploads/ana/red+flower.jpg", "uploads/ana/red flower.jpg"),
        ("uploads/ana/caf%C3%A9+%281%29.jpg", "uploads/ana/café (1).jpg"),
        ("uploads/ana/1%2B1.png", "uploads/ana/1+1.png"),
    ]:
        key = events.parse(json.dumps({"Records": [s3_record(encoded)]}))[0].key
        assert key == decoded, f"{encoded!r} was parsed as {key!r}, expected {decoded!r}"


@check(10, hint="Configuring a notification makes S3 send one message with Event = s3:TestEvent and no Records.")
def test_event(sub: Submission) -> None:
    """S3's s3:TestEvent is no work (and no error)"""
    events = sub.module("events")
    body = {
        "Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "2026-11-23T04:00:00.000Z",
        "Bucket": BUCKET, "RequestId": "R", "HostId": "H",
    }  # fmt: skip
    work = events.parse(json.dumps(body))
    assert work == [], f"expected [], got {work!r}"


@check(5, hint="'Records' is a list; return one work item per record.")
def several_records(sub: Submission) -> None:
    """a message with three records becomes three Uploads"""
    events = sub.module("events")
    work = events.parse(json.dumps({"Records": [s3_record(f"uploads/ana/{n}.jpg") for n in range(3)]}))
    assert [w.key for w in work] == [f"uploads/ana/{n}.jpg" for n in range(3)], f"got {[w.key for w in work]}"


@check(10, hint="Retrying a message that can never parse is pointless: raise MalformedMessage so the caller drops it.")
def malformed(sub: Submission) -> None:
    """malformed messages raise MalformedMessage"""
    events = sub.module("events")
    broken_record = s3_record("uploads/ana/x.jpg")
    del broken_record["s3"]["bucket"]
    for body in ["not json", "[1, 2]", json.dumps({"hello": "world"}), json.dumps({"Records": [broken_record]})]:
        try:
            events.parse(body)
        except StudentError as error:
            if error.is_a("MalformedMessage"):
                continue
            raise AssertionError(f"parse({body[:40]!r}) raised {error.type_name}, not MalformedMessage") from None
        raise AssertionError(f"parse({body[:40]!r}) did not raise MalformedMessage")


@check(20, hint="Return the message ids of failed records only (Powertools' process_partial_response does this).")
def partial_batch(sub: Submission) -> None:
    """a failing record is reported alone in batchItemFailures"""
    delivery = sub.module("delivery")

    def handler(record: Any) -> None:
        body = record.body if hasattr(record, "body") else record["body"]
        if "poison" in body:
            raise ValueError("cannot process this one")

    event = sqs_event({"m-1": "fine", "m-2": "poison pill", "m-3": "fine too"})
    response = delivery.process_batch(event, handler)
    failures = [f.get("itemIdentifier") for f in response.get("batchItemFailures", [])]
    assert failures == ["m-2"], f"batchItemFailures names {failures}, expected ['m-2']"
    clean = delivery.process_batch(sqs_event({"m-4": "fine"}), handler)
    assert clean.get("batchItemFailures") == [], f"a clean batch should report no failures, got {clean}"


@check(25, needs_emulator=True, timeout_s=60, hint="put_item with ConditionExpression='attribute_not_exists(id)'; "
       "a ConditionalCheckFailedException means a duplicate. Key on the object *version*.")
def idempotent_claim(sub: Submission) -> None:
    """each object version is claimed exactly once, even by racing duplicates"""
    events, delivery = sub.module("events"), sub.module("delivery")
    dynamodb = sub.resource("dynamodb")
    table = dynamodb.create_table(
        TableName=unique_name("lab03-idempotency"),
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )
    first = events.Upload(BUCKET, "uploads/ana/a.jpg", "v1", 10, "2026-11-23T04:00:00.000Z")
    assert delivery.claim(table, first) is True, "the first delivery must be claimed (True)"
    assert delivery.claim(table, first) is False, "a duplicate delivery of the same version must return False"
    newer = events.Upload(BUCKET, "uploads/ana/a.jpg", "v2", 10, "2026-11-23T04:01:00.000Z")
    assert delivery.claim(table, newer) is True, "a new version of the same key is new work and must be claimed"
    racing = events.Upload(BUCKET, "uploads/ana/b.jpg", "v1", 10, "2026-11-23T04:02:00.000Z")
    with ThreadPoolExecutor(8) as pool:
        wins = list(pool.map(lambda _: delivery.claim(table, racing), range(8)))
    assert wins.count(True) == 1, f"8 racing deliveries of one version: {wins.count(True)} claimed it, expected exactly 1"
