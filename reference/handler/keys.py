"""Where things live: S3 keys for uploads and variants, DynamoDB keys for image items.

The upload API (which creates uploads), the handler (which processes them) and the status
queries all import this module, so the layout is defined once; the template's table
(``ImagesTable`` in ``reference/infra/template.yaml``) declares the same attribute and index
names, and a test holds the two together.

* upload:  ``uploads/<owner>/<image_id>/<original file name>``
* variant: ``images/<image_id>/<variant file name>`` (deterministic: a retry overwrites)
* item:    ``pk=IMAGE#<image_id>``, ``sk=META``
* index ``ByOwner``:  ``gsi1pk=OWNER#<owner>``, ``gsi1sk=<created_at>#<image_id>`` (a user's
  images, newest first)
* index ``ByStatus``: ``gsi2pk=STATUS#<status>#<shard>``, ``gsi2sk=<updated_at>#<image_id>``
  (images in one state; the shard keeps one state from being one hot partition)
* ``expires_at``: epoch seconds after which DynamoDB's TTL deletes an upload slot that never
  received its file (only PENDING items carry it)

    >>> item_key("0123456789abcdef0123456789abcdef")
    {'pk': 'IMAGE#0123456789abcdef0123456789abcdef', 'sk': 'META'}
    >>> image_id_of(item_key("0123456789abcdef0123456789abcdef"))
    '0123456789abcdef0123456789abcdef'
    >>> owner_index("ana", "0123456789abcdef0123456789abcdef", "2026-01-01T00:00:00.000+00:00")
    {'gsi1pk': 'OWNER#ana', 'gsi1sk': '2026-01-01T00:00:00.000+00:00#0123456789abcdef0123456789abcdef'}
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

# Index names and their key attributes, as the template declares them.
OWNER_INDEX, OWNER_PARTITION, OWNER_SORT = "ByOwner", "gsi1pk", "gsi1sk"
STATUS_INDEX, STATUS_PARTITION, STATUS_SORT = "ByStatus", "gsi2pk", "gsi2sk"
# The TTL attribute of the images table (epoch seconds).
EXPIRES_AT = "expires_at"

_ITEM_PREFIX = "IMAGE#"


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
    return {"pk": f"{_ITEM_PREFIX}{image_id}", "sk": "META"}


def image_id_of(key: dict[str, str]) -> str:
    """The image id in an item's primary key (what a KEYS_ONLY index query returns)."""
    return key["pk"].removeprefix(_ITEM_PREFIX)


def owner_partition(owner: str) -> str:
    return f"OWNER#{owner}"


def owner_index(owner: str, image_id: str, created_at: str) -> dict[str, str]:
    """The attributes that place an item in ByOwner: newest first when read backwards."""
    return {OWNER_PARTITION: owner_partition(owner), OWNER_SORT: f"{created_at}#{image_id}"}


def status_partition(status: str, image_id: str) -> str:
    """Status partitions are sharded by image id so no single status becomes a hot key."""
    return f"STATUS#{status}#{int(image_id[:8], 16) % STATUS_SHARDS}"


def status_partitions(status: str) -> list[str]:
    """Every partition a query for one status has to read."""
    return [f"STATUS#{status}#{shard}" for shard in range(STATUS_SHARDS)]


def status_index(status: str, image_id: str, updated_at: str) -> dict[str, str]:
    """The attributes that place an item in ByStatus (rewritten with every change of state)."""
    return {STATUS_PARTITION: status_partition(status, image_id), STATUS_SORT: f"{updated_at}#{image_id}"}


def index_keys(owner: str, image_id: str, status: str, created_at: str, updated_at: str) -> dict[str, str]:
    """Both indexes' attributes, written with every new item."""
    return {**owner_index(owner, image_id, created_at), **status_index(status, image_id, updated_at)}
