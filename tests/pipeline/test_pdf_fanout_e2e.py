"""A PDF longer than one invocation should render is split into page-range tasks that go back
through the queue; the document item counts pages until the last range finishes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from reference import samples
from reference.handler.engine import EngineSettings
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
