"""Where things live: S3 keys for uploads and variants, DynamoDB keys for image items.

The CLI (which creates uploads) and the handler (which processes them) both import this
module, so the layout is defined once.

* upload:  ``uploads/<owner>/<image_id>/<original file name>``
* variant: ``images/<image_id>/<variant file name>`` (deterministic: a retry overwrites)
* item:    ``pk=IMAGE#<image_id>``, ``sk=META``
"""

from __future__ import annotations

import re
from dataclasses import dataclass

UPLOAD_PREFIX = "uploads/"
VARIANT_PREFIX = "images/"
OWNER_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
IMAGE_ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")
# The ByStatus index spreads each status over this many partitions (see the template).
STATUS_SHARDS = 4


@dataclass(frozen=True)
class UploadKey:
    owner: str
    image_id: str
    filename: str


def upload_key(owner: str, image_id: str, filename: str, prefix: str = UPLOAD_PREFIX) -> str:
    return f"{prefix}{owner}/{image_id}/{filename}"


def parse_upload_key(key: str, prefix: str = UPLOAD_PREFIX) -> UploadKey:
    """Split an upload key; ValueError for anything that was not created by our upload API."""
    if not key.startswith(prefix):
        raise ValueError(f"key {key!r} is not under {prefix!r}")
    parts = key[len(prefix) :].split("/", 2)
    if len(parts) != 3 or not OWNER_PATTERN.match(parts[0]) or not IMAGE_ID_PATTERN.match(parts[1]) or not parts[2]:
        raise ValueError(f"key {key!r} is not {prefix}<owner>/<image id>/<file name>")
    return UploadKey(owner=parts[0], image_id=parts[1], filename=parts[2])


def variant_key(image_id: str, filename: str) -> str:
    return f"{VARIANT_PREFIX}{image_id}/{filename}"


def item_key(image_id: str) -> dict[str, str]:
    return {"pk": f"IMAGE#{image_id}", "sk": "META"}


def owner_partition(owner: str) -> str:
    return f"OWNER#{owner}"


def status_partition(status: str, image_id: str) -> str:
    """Status partitions are sharded by image id so no single status becomes a hot key."""
    return f"STATUS#{status}#{int(image_id[:8], 16) % STATUS_SHARDS}"


def status_partitions(status: str) -> list[str]:
    """Every partition a query for one status has to read."""
    return [f"STATUS#{status}#{shard}" for shard in range(STATUS_SHARDS)]
