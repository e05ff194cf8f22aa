"""Hidden check for lab 05: the reads on inputs the public checks never use.

An album, a tag or a day with no photos; a limit larger than a tag's photos; a photo without
tags; two photos a millisecond apart across midnight (UTC), on two days.
"""

from __future__ import annotations

import importlib.util
import uuid
from pathlib import Path

from labs.grader import Submission, check
from labs.grader.submission import unique_name

_spec = importlib.util.spec_from_file_location("lab05_checks_for_hidden", Path(__file__).resolve().parent.parent / "checks.py")
assert _spec and _spec.loader
lab = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lab)


def _photo(album: str, created_at: str, tags: list[str]) -> dict:
    return {"photo_id": uuid.uuid4().hex, "owner": "edge", "album_id": album, "created_at": created_at, "tags": tags,
            "caption": "an edge", "preview": "AA=="}  # fmt: skip


@check(10, needs_emulator=True, timeout_s=60, hint="An empty result is an empty list, not an error; a day ends at "
       "23:59:59.999 UTC; a photo may have no tags at all.")  # fmt: skip
def empty_and_edges(sub: Submission) -> None:
    """no photos is an empty list; a limit above the count; a photo without tags; midnight"""
    photos = sub.module("photos")
    album, tag = f"alb-{uuid.uuid4().hex[:8]}", f"edge{uuid.uuid4().hex[:6]}"
    late = _photo(album, "2026-02-28T23:59:59.999Z", [tag])
    early = _photo(album, "2026-03-01T00:00:00.000Z", [])
    table = sub.resource("dynamodb").create_table(TableName=unique_name("lab05-edges"), **photos.TABLE)
    table.wait_until_exists()
    try:
        with table.batch_writer() as batch:
            for item in [*photos.items_for(late), *photos.items_for(early)]:
                batch.put_item(Item=item)
        lent = sub.lend_table(table, deny=lab.READ_ONLY)
        assert photos.album_photos(lent, "alb-nobody") == [], "album_photos of an album with no photos must be []"
        assert photos.tagged(lent, "nobody-uses-this", 5) == [], "tagged() of a tag no photo has must be []"
        assert photos.day_feed(lent, "2026-03-02") == [], "day_feed() of a day without photos must be []"
        assert photos.tagged(lent, tag, 10) == [late["photo_id"]], f"tagged({tag!r}, 10) must list its one photo"
        assert photos.day_feed(lent, "2026-02-28") == [late["photo_id"]], "a photo at 23:59:59.999Z belongs to its own day"
        assert photos.day_feed(lent, "2026-03-01") == [early["photo_id"]], "a photo at 00:00:00.000Z belongs to the new day"
        got = [p.get("photo_id") for p in photos.album_photos(lent, album)]
        assert got == [late["photo_id"], early["photo_id"]], f"album_photos across midnight: {got}, expected the two, oldest first"
        assert lab._same_photo(photos.get_photo(lent, early["photo_id"]), early), "get_photo of a photo without tags"
    finally:
        table.delete()
