"""What arrives on the queue: S3 events, the test event, our page-range tasks, garbage."""

import json

import pytest

from reference.handler import events


def s3_message(key: str, size: int = 10) -> str:
    return json.dumps(
        {
            "Records": [
                {
                    "eventTime": "2026-11-23T10:00:00.000Z",
                    "eventName": "ObjectCreated:Post",
                    "s3": {"bucket": {"name": "ingest"}, "object": {"key": key, "size": size, "versionId": "v1"}},
                }
            ]
        }
    )


def test_keys_are_url_decoded_like_html_forms() -> None:
    [upload] = events.parse(s3_message("uploads/alice/0123/red+flower+caf%C3%A9.jpg"))
    assert upload.key == "uploads/alice/0123/red flower café.jpg"
    assert (upload.bucket, upload.version_id, upload.size) == ("ingest", "v1", 10)


def test_a_literal_plus_arrives_encoded() -> None:
    [upload] = events.parse(s3_message("uploads/a/1/one%2Btwo.jpg"))
    assert upload.key.endswith("one+two.jpg")


def test_s3_test_event_is_no_work() -> None:
    body = json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "ingest"})
    assert events.parse(body) == []


def test_page_range_task_round_trips() -> None:
    task = events.PageRange("ingest", "uploads/a/b/c.pdf", None, "b" * 32, 21, 40)
    assert events.parse(events.page_range_task(task)) == [task]


@pytest.mark.parametrize("body", ["not json", "[1, 2]", json.dumps({"hello": 1}), json.dumps({"Records": [{"s3": {}}]})])
def test_malformed_messages_are_reported_not_crashed_on(body: str) -> None:
    with pytest.raises(events.MalformedMessage):
        events.parse(body)
