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


def _images_table() -> dict:
    from cfnlint.decode import decode_str

    from reference.deploy import TEMPLATE_PATH

    return decode_str(TEMPLATE_PATH.read_text())[0]["Resources"]["ImagesTable"]["Properties"]


def test_the_template_declares_the_layout_keys_py_defines() -> None:
    """keys.py is the one definition; the table in the template must agree with it."""
    table = _images_table()
    indexes = {index["IndexName"]: [k["AttributeName"] for k in index["KeySchema"]] for index in table["GlobalSecondaryIndexes"]}
    assert indexes == {
        keys.OWNER_INDEX: [keys.OWNER_PARTITION, keys.OWNER_SORT],
        keys.STATUS_INDEX: [keys.STATUS_PARTITION, keys.STATUS_SORT],
    }
    assert [k["AttributeName"] for k in table["KeySchema"]] == list(keys.item_key(IMAGE_ID))
    assert table["TimeToLiveSpecification"] == {"AttributeName": keys.EXPIRES_AT, "Enabled": True}


def test_index_keys_place_an_item_in_both_indexes() -> None:
    attributes = keys.index_keys("ana", IMAGE_ID, "DONE", "2026-01-01T00:00:00.000+00:00", "2026-01-02T00:00:00.000+00:00")
    assert attributes[keys.OWNER_PARTITION] == keys.owner_partition("ana")
    assert attributes[keys.OWNER_SORT].endswith(f"#{IMAGE_ID}") and attributes[keys.OWNER_SORT].startswith("2026-01-01")
    assert attributes[keys.STATUS_PARTITION] in keys.status_partitions("DONE")
    assert keys.image_id_of(keys.item_key(IMAGE_ID)) == IMAGE_ID


def test_a_pending_item_outlives_its_presigned_post() -> None:
    """The TTL must not delete a slot whose upload S3 may still accept."""
    from reference import upload
    from reference.handler import store

    assert store.SLOT_LIFETIME_S == upload.SLOT_LIFETIME_S
    assert store.PENDING_MARGIN_S >= 5 * 60
