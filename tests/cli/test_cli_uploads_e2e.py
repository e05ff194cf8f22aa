"""Exit codes that mean something when waiting for uploads, on the session's pipeline:
an upload that ends FAILED exits 1, and a slot whose file never arrives is reported as
NEVER UPLOADED (not a timeout) and does not hold `p4lab wait` up."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from reference import samples, targets
from reference.handler import keys
from reference.handler.store import PENDING_MARGIN_S, SLOT_LIFETIME_S
from reference.upload import create_slot

OWNER = "exitcodes"


@pytest.fixture
def on_pipeline(pipeline, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN001, ANN201
    """Commands act on the session's deployed stack (not an emulator from `p4lab up`)."""
    monkeypatch.setattr(targets, "connect", lambda name, **_: pipeline.target)
    monkeypatch.setenv("P4LAB_OWNER", OWNER)
    return pipeline


def _image_ids(stdout: str) -> list[str]:
    return [line.split()[0] for line in stdout.splitlines() if keys.IMAGE_ID_PATTERN.match(line.split()[0] if line.split() else "")]


@pytest.mark.e2e
def test_an_awaited_upload_that_failed_exits_1(on_pipeline, p4lab, tmp_path: Path) -> None:  # noqa: ANN001
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(samples._jpeg(samples.photo(400, 300, seed=4))[:1500])  # truncated mid-scan
    good = tmp_path / "fine.jpg"
    samples.photo(400, 300, seed=5).save(good, "JPEG")
    result = p4lab("upload", good, broken, "--wait")
    assert result.exit_code == 1, result.output
    assert "1 of 2 uploads did not finish DONE: broken.jpg (FAILED" in result.output
    assert "DONE" in result.stdout and "FAILED" in result.stdout  # the table still shows both
    ids = _image_ids(result.stdout)
    assert len(ids) == 2
    assert p4lab("wait", ids[1]).exit_code == 1
    assert p4lab("wait", ids[0]).exit_code == 0


@pytest.mark.e2e
def test_a_slot_that_never_got_its_file_does_not_hold_wait_up(on_pipeline, p4lab) -> None:  # noqa: ANN001
    target, outputs = on_pipeline.target, on_pipeline.outputs
    table = target.resource("dynamodb").Table(outputs["TableName"])
    # A browser asked for two slots and never uploaded: one 20 minutes ago (its POST has
    # expired), one just now (it could still arrive).
    stale = create_slot(target, outputs, owner=OWNER, filename="left behind.jpg", content_type="image/jpeg")
    fresh = create_slot(target, outputs, owner=OWNER, filename="maybe later.jpg", content_type="image/jpeg")
    created = int(table.get_item(Key=keys.item_key(fresh.image_id))["Item"][keys.EXPIRES_AT])
    assert abs(created - (time.time() + SLOT_LIFETIME_S + PENDING_MARGIN_S)) < 60  # the TTL DynamoDB acts on
    table.update_item(
        Key=keys.item_key(stale.image_id),
        UpdateExpression="SET #e = :e",
        ExpressionAttributeNames={"#e": keys.EXPIRES_AT},
        ExpressionAttributeValues={":e": int(time.time()) + PENDING_MARGIN_S - 5 * 60},
    )

    started = time.monotonic()
    waited = p4lab("wait", stale.image_id, "--timeout", "60")
    assert time.monotonic() - started < 10, "reported at once, not after the timeout"
    assert waited.exit_code == 1 and "NEVER UPLOADED" in waited.output and "left behind.jpg" in waited.output

    everything = p4lab("wait", "--timeout", "60")  # no ids: my unfinished uploads
    assert everything.exit_code == 0, everything.output
    assert "Not waiting for 2 upload slot(s) whose file never reached S3" in everything.output
    assert "Nothing to wait for." in everything.stdout

    listed = p4lab("status", stale.image_id, fresh.image_id)
    assert "NEVER UPLOADED" in listed.stdout and "PENDING" in listed.stdout

    timed_out = p4lab("wait", fresh.image_id, "--timeout", "1")
    assert timed_out.exit_code == 1 and "no file uploaded" in timed_out.output and "Timed out" in timed_out.output


@pytest.mark.e2e
def test_a_processed_item_loses_its_expiry(on_pipeline, p4lab, tmp_path: Path) -> None:  # noqa: ANN001
    """The TTL is for slots that never got a file; once processed, DynamoDB must keep the item.
    (The template's TimeToLiveSpecification is checked in tests/pipeline/test_keys.py;
    MiniStack 1.5.33 does not apply it from CloudFormation, see docs/targets.md.)"""
    target, outputs = on_pipeline.target, on_pipeline.outputs
    photo = tmp_path / "keep me.jpg"
    samples.photo(300, 200, seed=9).save(photo, "JPEG")
    result = p4lab("upload", photo, "--wait")
    assert result.exit_code == 0, result.output
    (image_id,) = _image_ids(result.stdout)
    item = target.resource("dynamodb").Table(outputs["TableName"]).get_item(Key=keys.item_key(image_id))["Item"]
    assert item["status"] == "DONE" and keys.EXPIRES_AT not in item  # DynamoDB will not delete it
