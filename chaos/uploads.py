"""Drill uploads, through the same presigned-POST path as a user's (``reference.upload``).

Each upload is recorded in the drill with the state it must end in, so probes judge exactly
this drill's work. Kinds:

* ``photo``   — a photo-like JPEG (``reference.samples.photo``): must end DONE;
* ``corrupt`` — the same JPEG truncated mid-scan: the engine rejects it, it must end FAILED
  at the first delivery (a rejection is final, it is not retried).

The group names the uploading owner (``chaos-<drill>-<group>``), which is how a fault can
target some uploads (e.g. ``faults.deny_reads("unreadable")``) and leave the others alone.
"""

from __future__ import annotations

import functools
import io
import time
from typing import Any

from chaos import drill
from chaos.context import Configuration, resolve
from reference import samples
from reference.upload import create_slot, post_file

KINDS = {"photo": drill.DONE, "corrupt": drill.FAILED}
DISTINCT_IMAGES = 4  # cycled: generating a photo costs more CPU than uploading it
CORRUPT_BYTES = 2000  # a JPEG cut here has its header but not its scan data


@functools.lru_cache(maxsize=16)
def _jpeg(size_px: int, seed: int) -> bytes:
    buffer = io.BytesIO()
    samples.photo(size_px, size_px * 3 // 4, seed=seed).save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def upload_images(
    count: int,
    group: str = "healthy",
    kind: str = "photo",
    size_px: int = 1024,
    rate_per_s: float = 0.0,
    configuration: Configuration | None = None,
) -> dict[str, Any]:
    """Upload ``count`` images of one kind as the group's owner; ``rate_per_s`` 0 means at once."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {sorted(KINDS)}, got {kind!r}")
    stack = resolve(configuration)
    owner = drill.current().owner(group)
    ids = []
    started = time.monotonic()
    with drill.uploading():
        for index in range(int(count)):
            if rate_per_s:
                time.sleep(max(0.0, started + index / float(rate_per_s) - time.monotonic()))
            data = _jpeg(int(size_px), index % DISTINCT_IMAGES)
            if kind == "corrupt":
                data = data[:CORRUPT_BYTES]
            name = f"{group}-{index:03d}.jpg"
            slot = create_slot(stack.target, stack.outputs, owner=owner, filename=name, content_type="image/jpeg")
            post_file(stack.target, slot, data, name, "image/jpeg")
            drill.add_upload(drill.Upload(slot.image_id, group, KINDS[kind], name, time.time()))
            ids.append(slot.image_id)
    return {"group": group, "owner": owner, "kind": kind, "uploaded": len(ids), "seconds": round(time.monotonic() - started, 2)}
