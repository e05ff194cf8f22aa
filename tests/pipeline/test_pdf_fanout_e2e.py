"""A PDF longer than one invocation should render is split into page-range tasks that go back
through the queue; the document item counts pages until the last range finishes it."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from reference import samples
from reference.handler import keys
from reference.handler.engine import EngineSettings
from reference.handler.store import ImageStore
from reference.status import Images
from reference.upload import upload_file

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_long_pdf_fans_out_and_every_page_is_rendered_once(pipeline, tmp_path: Path) -> None:
    per_invocation = EngineSettings().pdf_pages_per_invocation
    pages = 2 * per_invocation + 5  # three ranges: two full, one partial
    path = tmp_path / "long report.pdf"
    path.write_bytes(samples.document(pages, title="Fan-out test"))

    image_id = upload_file(pipeline.target, pipeline.outputs, path, owner="tester")
    [item] = Images(pipeline.target, pipeline.outputs).wait([image_id], timeout_s=180)

    assert item["status"] == "DONE", item
    assert int(item["pages_total"]) == pages == int(item["pages_done"])
    assert item["ranges_done"] == {f"1-{per_invocation}", f"{per_invocation + 1}-{2 * per_invocation}", f"{2 * per_invocation + 1}-{pages}"}
    names = sorted(v["name"] for v in item["variants"])
    assert len(names) == len(set(names)), "a page was counted twice"
    expected = sorted(f"page-{n:04d}" for n in range(1, pages + 1)) + sorted(f"page-{n:04d}-thumbnail" for n in range(1, pages + 1))
    assert names == sorted(expected)

    listed = pipeline.target.client("s3").list_objects_v2(
        Bucket=pipeline.outputs["DeliveryBucketName"], Prefix=f"images/{image_id}/"
    )
    assert listed["KeyCount"] == 2 * pages


def test_a_retried_fan_out_keeps_the_counted_ranges_and_a_finished_document(pipeline) -> None:
    """The fan-out's worker can die after queueing some ranges; SQS then delivers the upload again
    and the document is started a second time. Ranges counted in between must stay counted (the
    document still finishes), and a document that already finished must stay DONE."""
    store = ImageStore(pipeline.target.resource("dynamodb").Table(pipeline.outputs["TableName"]))
    image_id = uuid.uuid4().hex
    upload = keys.UploadKey(owner="tester", image_id=image_id, filename="retried.pdf")
    key = keys.upload_key("tester", image_id, "retried.pdf")
    ranges = [(1, 20), (21, 40), (41, 45)]

    assert store.start_document(upload, key, "2026-11-30T00:00:00Z", 45, {"kind": "pdf"})
    assert not any(store.complete_page_range(image_id, first, last, []) for first, last in ranges[:2])
    assert store.start_document(upload, key, "2026-11-30T00:00:00Z", 45, {"kind": "pdf"})  # the retry
    finished = [store.complete_page_range(image_id, first, last, []) for first, last in ranges]  # all queued again
    item = store.get(image_id)
    assert (item["status"], int(item["pages_done"]), finished) == ("DONE", 45, [False, False, True]), item

    assert not store.start_document(upload, key, "2026-11-30T00:00:00Z", 45, {"kind": "pdf"})  # a late retry
    assert store.get(image_id)["status"] == "DONE"
