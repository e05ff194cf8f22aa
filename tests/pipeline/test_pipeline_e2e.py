"""The pipeline for real on the embedded emulator: deploy, upload, wait, assert.

Every test uploads its own files and asserts only on its own image ids, so the session's
single stack can be shared (other test modules use it too).
"""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import time
from pathlib import Path

import pytest
import requests
from PIL import Image

from reference import cdn, deploy, samples
from reference.handler import keys
from reference.status import Images
from reference.upload import MAX_UPLOAD_BYTES, create_slot, post_file, upload_file

pytestmark = pytest.mark.e2e


def _jpeg(width: int = 900, height: int = 600) -> bytes:
    buffer = io.BytesIO()
    samples.photo(width, height, seed=7).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _upload(pipeline, tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return upload_file(pipeline.target, pipeline.outputs, path, owner="tester")


@pytest.fixture(scope="module")
def quiet_pipeline(pipeline):
    """A stack of its own for tests that assert the queues are empty: other tests (chaos
    drills in particular) leave messages in flight on the shared one."""
    stack = "p4lab-quiet"
    result = deploy.deploy(pipeline.target, stack)
    yield dataclasses.replace(pipeline, outputs=result.outputs)
    deploy.destroy(pipeline.target, stack)


def _queue_depths(pipeline) -> dict[str, int]:
    sqs = pipeline.target.client("sqs")
    depths = {}
    for name in ("QueueUrl", "DeadLetterQueueUrl"):
        attributes = sqs.get_queue_attributes(
            QueueUrl=pipeline.outputs[name],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        depths[name] = int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])
    return depths


def test_upload_is_processed_into_variants_and_a_done_item(pipeline, tmp_path: Path) -> None:
    image_id = _upload(pipeline, tmp_path, "photo.jpg", _jpeg(2000, 1500))
    [item] = Images(pipeline.target, pipeline.outputs).wait([image_id], timeout_s=60)

    assert item["status"] == "DONE", item
    assert item["owner"] == "tester" and item["name"] == "photo.jpg"
    produced = {(v["name"], v["format"]): (int(v["width"]), int(v["height"])) for v in item["variants"]}
    assert produced[("large", "jpeg")] == (1600, 1200)
    assert produced[("medium", "webp")] == (800, 600)
    width, height = produced[("thumbnail", "jpeg")]
    assert width == 150 and abs(height - 112.5) <= 0.5  # 150 x 1500/2000, rounded either way

    s3 = pipeline.target.client("s3")
    listed = s3.list_objects_v2(Bucket=pipeline.outputs["DeliveryBucketName"], Prefix=f"images/{image_id}/")
    assert sorted(o["Key"].rsplit("/", 1)[1] for o in listed["Contents"]) == sorted(v["filename"] for v in item["variants"])
    head = s3.head_object(Bucket=pipeline.outputs["DeliveryBucketName"], Key=keys.variant_key(image_id, "large.webp"))
    assert head["ContentType"] == "image/webp"


def test_names_with_spaces_and_non_ascii_characters(pipeline, tmp_path: Path) -> None:
    names = ["red flower.jpg", "crème brûlée (2).jpg", "東京 タワー.jpg", "one+two.jpg"]
    ids = [_upload(pipeline, tmp_path, name, _jpeg()) for name in names]
    items = Images(pipeline.target, pipeline.outputs).wait(ids, timeout_s=60)
    assert [item["status"] for item in items] == ["DONE"] * len(names)
    assert [item["name"] for item in items] == names
    ingest = pipeline.target.client("s3")
    for item in items:  # the key the handler recorded is the real, decoded one
        ingest.head_object(Bucket=pipeline.outputs["IngestBucketName"], Key=item["upload_key"])


def test_corrupt_file_fails_once_with_a_reason(quiet_pipeline, tmp_path: Path) -> None:
    pipeline = quiet_pipeline
    image_id = _upload(pipeline, tmp_path, "truncated.jpg", _jpeg()[:1500])
    [item] = Images(pipeline.target, pipeline.outputs).wait([image_id], timeout_s=60)
    assert item["status"] == "FAILED"
    assert item["reason"] == "corrupt" and item["message"]
    # Final, not retried: nothing of it stays in flight, nothing reaches the DLQ.
    deadline = time.monotonic() + 15
    while _queue_depths(pipeline)["QueueUrl"] and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _queue_depths(pipeline) == {"QueueUrl": 0, "DeadLetterQueueUrl": 0}


def test_delivery_bucket_is_private_but_served_by_the_cdn(pipeline, tmp_path: Path) -> None:
    image_id = _upload(pipeline, tmp_path, "cdn.jpg", _jpeg())
    Images(pipeline.target, pipeline.outputs).wait([image_id], timeout_s=60)
    key = keys.variant_key(image_id, "large.jpg")

    direct = requests.get(
        f"{pipeline.target.endpoint_url}/{pipeline.outputs['DeliveryBucketName']}/{key}", verify=pipeline.target.verify, timeout=10
    )
    assert direct.status_code == 403

    domain = pipeline.outputs["CdnDomainName"]
    webp = cdn.fetch(pipeline.target, domain, "/" + key, cdn.BROWSER_ACCEPT)
    jpeg = cdn.fetch(pipeline.target, domain, "/" + key, cdn.LEGACY_ACCEPT)
    assert (webp.status, webp.content_type) == (200, "image/webp")
    assert (jpeg.status, jpeg.content_type) == (200, "image/jpeg")
    assert "Accept" in webp.vary
    assert Image.open(io.BytesIO(requests.get(
        pipeline.target.endpoint_url + "/" + key,
        headers={"Host": domain, "Accept": cdn.LEGACY_ACCEPT}, verify=pipeline.target.verify, timeout=10,
    ).content)).size == (900, 600)


def test_presigned_post_enforces_type_and_size(pipeline) -> None:
    slot = create_slot(pipeline.target, pipeline.outputs, owner="tester", filename="a.jpg", content_type="image/jpeg")
    # The type is part of the signed policy: claiming another one is refused by S3 itself.
    forged = dict(slot.fields, **{"Content-Type": "text/html"})
    html = {"file": ("a.jpg", b"<html>", "text/html")}
    response = requests.post(slot.url, data=forged, files=html, verify=pipeline.target.verify, timeout=30)
    assert response.status_code == 403
    # So is the size range.
    too_big = b"\xff" * (MAX_UPLOAD_BYTES + 1)
    big = {"file": ("a.jpg", too_big, "image/jpeg")}
    response = requests.post(slot.url, data=slot.fields, files=big, verify=pipeline.target.verify, timeout=60)
    assert response.status_code == 400 and "EntityTooLarge" in response.text
    # The honest upload through the same slot works.
    post_file(pipeline.target, slot, _jpeg(), "a.jpg", "image/jpeg")


def test_second_deploy_changes_nothing(pipeline) -> None:
    result = deploy.deploy(pipeline.target)
    assert result.changed is False
    assert result.outputs == pipeline.outputs


def test_function_role_cannot_read_outside_the_upload_prefix(pipeline) -> None:
    """Least privilege, exercised: the real function, asked to read an object its role does
    not cover (in the artifacts bucket), is refused by IAM and reports the record as failed."""
    target, outputs = pipeline.target, pipeline.outputs
    bucket = deploy.artifacts_bucket_name(target, deploy.DEFAULT_STACK)
    key = keys.upload_key("tester", "f" * 32, "secret.jpg")
    target.client("s3").put_object(Bucket=bucket, Key=key, Body=_jpeg())
    record = {
        "eventTime": "2026-11-23T10:00:00.000Z",
        "s3": {"bucket": {"name": bucket}, "object": {"key": key, "size": 100}},
    }
    def sqs_record(message_id: str, body: dict) -> dict:
        return {
            "messageId": message_id,
            "receiptHandle": f"r-{message_id}",
            "body": json.dumps(body),
            "attributes": {"ApproximateReceiveCount": "1"},
            "messageAttributes": {},
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:test",
            "awsRegion": "us-east-1",
        }

    # A batch of two: the forbidden read, and S3's harmless test event. Only the first may
    # be reported back (if every record failed, Powertools would fail the whole batch).
    event = {"Records": [sqs_record("m-1", {"Records": [record]}), sqs_record("m-2", {"Event": "s3:TestEvent"})]}
    response = target.client("lambda").invoke(
        FunctionName=outputs["FunctionName"], Payload=json.dumps(event).encode(), LogType="Tail"
    )
    result = json.loads(response["Payload"].read())
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    log = base64.b64decode(response.get("LogResult", "")).decode(errors="replace")
    assert "AccessDenied" in log or "not authorized" in log, log[-2000:]


def test_template_degrades_without_cdn(pipeline, tmp_path: Path) -> None:
    """LocalStack's free edition has no CloudFront: the same template, deployed with the
    parameters of the `localstack` target, leaves the CDN out and still processes uploads."""
    from dataclasses import replace

    from reference.targets import localstack

    target = replace(pipeline.target, template_parameters=localstack().template_parameters)
    stack = "p4lab-nocdn"
    try:
        result = deploy.deploy(target, stack)
        assert "CdnDomainName" not in result.outputs
        policy = json.loads(target.client("s3").get_bucket_policy(Bucket=result.outputs["DeliveryBucketName"])["Policy"])
        assert [s["Sid"] for s in policy["Statement"]] == ["DenyInsecureTransport"]
        path = tmp_path / "plain.jpg"
        path.write_bytes(_jpeg())
        image_id = upload_file(target, result.outputs, path, owner="tester")
        [item] = Images(target, result.outputs).wait([image_id], timeout_s=60)
        assert item["status"] == "DONE"
    finally:
        deploy.destroy(target, stack)


def test_object_outside_the_upload_layout_is_dropped_not_retried(quiet_pipeline) -> None:
    """`aws s3 cp x.jpg s3://ingest/uploads/x.jpg` bypasses the upload API: there is no image
    id to record, so the handler logs it and lets the message go instead of retrying it
    into the dead-letter queue."""
    pipeline = quiet_pipeline
    pipeline.target.client("s3").put_object(Bucket=pipeline.outputs["IngestBucketName"], Key="uploads/stray.jpg", Body=_jpeg())
    time.sleep(2)
    deadline = time.monotonic() + 20
    while _queue_depths(pipeline)["QueueUrl"] and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _queue_depths(pipeline) == {"QueueUrl": 0, "DeadLetterQueueUrl": 0}


def test_many_files_are_uploaded_concurrently_and_come_back_in_order(pipeline, tmp_path: Path) -> None:
    from reference.upload import upload_files

    paths = []
    for index in range(6):
        path = tmp_path / f"concurrent {index}.jpg"
        path.write_bytes(_jpeg(320 + 16 * index, 240))
        paths.append(path)
    paths.append(paths[0])  # the same file twice is two uploads
    completed: dict[int, str] = {}
    ids = upload_files(pipeline.target, pipeline.outputs, paths, "tester", concurrency=3, on_uploaded=completed.__setitem__)
    assert [completed[index] for index in range(len(paths))] == ids and len(set(ids)) == 7
    items = Images(pipeline.target, pipeline.outputs).wait(ids, timeout_s=60)
    assert [item["name"] for item in items] == [path.name for path in paths]
    assert {item["status"] for item in items} == {"DONE"}
