"""The key layout shared by the upload API and the handler."""

import pytest

from reference.handler import keys
from reference.upload import clean_filename

IMAGE_ID = "0123456789abcdef0123456789abcdef"


def test_upload_key_round_trips_with_spaces_and_accents() -> None:
    key = keys.upload_key("alice", IMAGE_ID, "crème brûlée photo.jpg")
    assert keys.parse_upload_key(key) == keys.UploadKey("alice", IMAGE_ID, "crème brûlée photo.jpg")


@pytest.mark.parametrize(
    "key",
    [
        "images/alice/x/y.jpg", "uploads/alice/y.jpg", "uploads/Alice!/" + IMAGE_ID + "/y.jpg",
        "uploads/alice/notanid/y.jpg", "uploads/alice/" + IMAGE_ID + "/",
    ],  # fmt: skip
)
def test_foreign_keys_are_refused(key: str) -> None:
    with pytest.raises(ValueError):
        keys.parse_upload_key(key)


def test_status_partitions_cover_every_shard() -> None:
    partitions = keys.status_partitions("DONE")
    assert len(partitions) == keys.STATUS_SHARDS
    assert {keys.status_partition("DONE", f"{i:08x}" + "0" * 24) for i in range(64)} == set(partitions)


def test_file_names_are_kept_readable_but_safe() -> None:
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename("red flower.jpg") == "red flower.jpg"
    assert clean_filename("café\x00.png") == "café.png"
    assert clean_filename("   ") == "upload"
