"""How the checks build SQS message bodies for the three routes an upload can take (use them to test).

Each function returns what the queue would hand the function as one message's ``body``: S3's
event notification as S3 writes it (keys URL-encoded like a form), the same wrapped in SNS's
notification envelope, or EventBridge's event (keys as stored). Keys are drawn with the
characters that break naive parsing: spaces, ``+``, ``%``, parentheses, accents and emoji.

    >>> import json, random
    >>> body = s3_event([upload(random.Random(1), key="uploads/ana/red flower+1.jpg")])
    >>> json.loads(body)["Records"][0]["s3"]["object"]["key"]
    'uploads/ana/red+flower%2B1.jpg'
    >>> json.loads(eventbridge(upload(random.Random(1), key="uploads/ana/red flower+1.jpg")))["detail"]["object"]["key"]
    'uploads/ana/red flower+1.jpg'
"""

from __future__ import annotations

import json
import random
import uuid
from typing import Any
from urllib.parse import quote_plus

ACCOUNT, REGION = "123456789012", "us-east-1"
WORDS = ["photo", "red flower", "café (1)", "1+1=2", "100% real", "a&b", "naïve", "日本", "🙂", "c++", "x%2By", "~me", "it's", "#tag"]
NOT_CREATED = ["Object Deleted", "Object Restore Completed", "Object Tags Added", "Object Storage Class Changed"]


def upload(rng: random.Random, key: str | None = None, *, versioned: bool | None = None) -> dict[str, Any]:
    """The facts of one upload: bucket, key (as stored), version (None without versioning), size, time."""
    user = rng.choice(["ana", "bo", "chen", "dédé"])
    key = key or f"uploads/{user}/" + rng.choice(["", "2026/"]) + " ".join(rng.sample(WORDS, rng.randrange(1, 4))) + ".jpg"
    versioned = rng.random() < 0.8 if versioned is None else versioned
    return {
        "bucket": f"p4lab-ingest-{rng.randrange(10**11, 10**12)}-{REGION}",
        "key": key,
        "version_id": "".join(rng.choices("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._", k=32)) if versioned else None,
        "size": rng.randrange(1, 50 * 2**20),
        "event_time": f"2026-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:"
        f"{rng.randrange(60):02d}.{rng.randrange(1000):03d}Z",
    }


def s3_record(facts: dict[str, Any]) -> dict[str, Any]:
    """One record of S3's event notification; the key URL-encoded as S3 does (spaces become +)."""
    obj = {
        "key": quote_plus(facts["key"], safe="/"),
        "size": facts["size"],
        "eTag": "9b2cf535f27731c974343645a3985328",
        "sequencer": "0055AED6DCD90281E5",
    }
    if facts["version_id"] is not None:
        obj["versionId"] = facts["version_id"]
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": REGION,
        "eventTime": facts["event_time"],
        "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
        "requestParameters": {"sourceIPAddress": "203.0.113.7"},
        "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWer"},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "uploads",
            "bucket": {
                "name": facts["bucket"],
                "arn": f"arn:aws:s3:::{facts['bucket']}",
                "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
            },
            "object": obj,
        },
    }


def s3_event(uploads: list[dict[str, Any]]) -> str:
    """S3 → SQS: the notification itself."""
    return json.dumps({"Records": [s3_record(facts) for facts in uploads]})


def s3_test_event(bucket: str) -> str:
    """What S3 sends once when a notification is configured."""
    return json.dumps(
        {
            "Service": "Amazon S3",
            "Event": "s3:TestEvent",
            "Time": "2026-11-23T04:00:00.000Z",
            "Bucket": bucket,
            "RequestId": "5582815E1AEA5ADF",
            "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+EXAMPLE",
        }
    )


def sns(message: str, rng: random.Random) -> str:
    """S3 → SNS → SQS without raw message delivery: SNS's envelope, the S3 event as a string inside."""
    message_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    return json.dumps(
        {
            "Type": "Notification",
            "MessageId": message_id,
            "TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:p4lab-uploads",
            "Subject": "Amazon S3 Notification",
            "Message": message,
            "Timestamp": "2026-11-23T04:00:00.123Z",
            "SignatureVersion": "1",
            "Signature": "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOx=",
            "SigningCertURL": f"https://sns.{REGION}.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem",
            "UnsubscribeURL": f"https://sns.{REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:{REGION}:{ACCOUNT}:p4lab-uploads:{message_id}",
        }
    )


def eventbridge(facts: dict[str, Any], detail_type: str = "Object Created") -> str:
    """S3 → EventBridge → SQS: one object per event, its key as stored (not encoded)."""
    obj: dict[str, Any] = {
        "key": facts["key"],
        "size": facts["size"],
        "etag": "9b2cf535f27731c974343645a3985328",
        "sequencer": "617f08299329d189",
    }
    if facts["version_id"] is not None:
        obj["version-id"] = facts["version_id"]
    return json.dumps(
        {
            "version": "0",
            "id": "17793124-05d4-b198-2fde-7ededc63b103",
            "detail-type": detail_type,
            "source": "aws.s3",
            "account": ACCOUNT,
            "time": facts["event_time"][:19] + "Z",  # EventBridge's times have no milliseconds
            "region": REGION,
            "resources": [f"arn:aws:s3:::{facts['bucket']}"],
            "detail": {
                "version": "0",
                "bucket": {"name": facts["bucket"]},
                "object": obj,
                "request-id": "N4N7GDK58NMKJ12R",
                "requester": ACCOUNT,
                "source-ip-address": "203.0.113.7",
                "reason": "PutObject",
            },
        }
    )


def sqs_event(bodies: dict[str, str]) -> dict[str, Any]:
    """The event Lambda's SQS event source mapping passes the function: message id -> body."""
    return {
        "Records": [
            {
                "messageId": message_id,
                "receiptHandle": f"AQEB-{message_id}",
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1763870400000",
                    "SenderId": "AIDAEXAMPLE",
                    "ApproximateFirstReceiveTimestamp": "1763870400010",
                },
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:p4lab-IngestQueue",
                "awsRegion": REGION,
            }
            for message_id, body in bodies.items()
        ]
    }
