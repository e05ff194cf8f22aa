"""DynamoDB single-table design: keys and indexes for albums, tags and a sharded daily feed, graded by running them."""

from __future__ import annotations

import base64
import random
import string
from collections import Counter, defaultdict
from typing import Any

from labs.grader import Submission, check
from labs.grader.submission import unique_name

FILES = ["photos.py"]
TIME_LIMIT_S = 300

# The write load the design must carry (README, "Background"): numbers, not a hunch.
PHOTOS_PER_DAY = 10_000_000
SPIKE = 10  # the busiest minutes run at 10x the day's average rate
PARTITION_WRITES_S = 1_000  # writes per second one DynamoDB partition accepts
HEADROOM = 0.5  # a partition should stay at most half full during the spike
ATTRIBUTES = ("photo_id", "owner", "album_id", "created_at", "tags", "caption", "preview")
BIG_ALBUM_BYTES = 1_150_000  # previews in the big album: its query needs two pages of 1 MB
READ_ONLY = frozenset({"scan", "put_item", "update_item", "delete_item", "batch_write_item", "transact_write_items"})
SPREAD_PHOTOS = 300  # photos of the busiest day: the partition check's shares within ~3%
THUMBNAIL_BYTES, PREVIEW_BYTES = (600, 2_500), (24_000, 36_000)  # before base64


def spike_writes_s() -> float:
    """Writes per second of a day's busiest minutes: 10 M a day at 10x the average.

    >>> round(spike_writes_s())
    1157
    """
    return PHOTOS_PER_DAY / 86_400 * SPIKE


def max_share() -> float:
    """The largest share of a day's writes one partition may take and stay half full in the spike.

    >>> round(max_share(), 3)
    0.432
    """
    return PARTITION_WRITES_S * HEADROOM / spike_writes_s()


# ----------------------------------------------------------------------------- the run's photos
def _word(rng: random.Random, low: int = 3, high: int = 8) -> str:
    return "".join(rng.choices(string.ascii_lowercase, k=rng.randint(low, high)))


def _time(rng: random.Random, day: str) -> str:
    milliseconds = rng.randrange(86_400_000)
    seconds, ms = divmod(milliseconds, 1000)
    return f"{day}T{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}.{ms:03d}Z"


def photos_of_run(seed: int) -> dict[str, Any]:
    """The photos every check of one run shares (drawn from the run's seed): owners, albums, tags;
    a busy day of ``SPREAD_PHOTOS`` photos over many small albums; on the other days an album of
    megabytes; two photos added to an album in the same millisecond."""
    rng = random.Random(f"lab05-photos:{seed}")
    owners = [f"{_word(rng)}{rng.randrange(100)}" for _ in range(rng.randint(4, 9))]
    albums = [f"alb-{rng.getrandbits(32):08x}" for _ in range(rng.randint(9, 13))]
    vocabulary = sorted({_word(rng, 4, 9) for _ in range(rng.randint(10, 16))})
    first = rng.randrange(20_000, 21_000)  # days since 1970: 2024-2026
    days = [_day(first + n) for n in range(rng.randint(3, 5))]
    busiest = rng.choice(days)
    others = [day for day in days if day != busiest]
    big, small = albums[0], albums[1:]

    def photo(album: str, day: str, preview_bytes: tuple[int, int]) -> dict[str, Any]:
        return {"photo_id": f"{rng.getrandbits(128):032x}", "owner": rng.choice(owners), "album_id": album,
                "created_at": _time(rng, day), "tags": rng.sample(vocabulary, rng.choice([0, 1, 1, 2])),
                "caption": " ".join(_word(rng) for _ in range(rng.randint(2, 8))),
                "preview": base64.b64encode(rng.randbytes(rng.randrange(*preview_bytes))).decode()}  # fmt: skip

    photos = [photo(rng.choice(small), busiest, THUMBNAIL_BYTES) for _ in range(SPREAD_PHOTOS)]
    photos += [photo(rng.choice(small), rng.choice(others), THUMBNAIL_BYTES) for _ in range(rng.randint(10, 30))]
    while sum(len(p["preview"]) for p in photos if p["album_id"] == big) < BIG_ALBUM_BYTES:  # over a 1 MB page
        photos.append(photo(big, rng.choice(others), PREVIEW_BYTES))
    twins = set()
    for album in (big, small[0]):  # twins: added to the same album in the same millisecond
        mine = [p for p in photos if p["album_id"] == album]
        mine[1]["created_at"] = mine[0]["created_at"]
        twins |= {mine[0]["photo_id"], mine[1]["photo_id"]}
    rng.shuffle(photos)
    # Deleted by their owners once the table is loaded: a read must find the table as it is now.
    singles = [p for p in photos if p["photo_id"] not in twins]
    withdrawn = [next(p for p in singles if p["album_id"] == big), next(p for p in singles if p["created_at"][:10] == busiest)]
    return {"photos": photos, "albums": albums, "tags": vocabulary, "days": days, "busiest": busiest, "big": big,
            "withdrawn": {p["photo_id"] for p in withdrawn}}  # fmt: skip


def visible(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The run's photos still in the table (the withdrawn ones deleted after loading)."""
    return [photo for photo in data["photos"] if photo["photo_id"] not in data["withdrawn"]]


def _day(days_since_epoch: int) -> str:
    import datetime

    return (datetime.date(1970, 1, 1) + datetime.timedelta(days=days_since_epoch)).isoformat()


# ----------------------------------------------------------------------------- the run's table
def _table_name(sub: Submission) -> str:
    return f"lab05-photos-{sub.run_id}"


def _loaded(sub: Submission) -> tuple[Any, Any, dict[str, Any]]:
    """The student's module, the run's table (loaded by the first seeded check), the photos.

    Reading what a seeded check wrote makes a check seed-dependent even when it fails before
    drawing anything: it says so (``sub.rng``), so the soundness tests re-run it for every seed.
    """
    from botocore.exceptions import ClientError

    sub.rng  # noqa: B018  (see above)

    table = sub.resource("dynamodb").Table(_table_name(sub))
    try:
        table.load()
    except ClientError:
        raise AssertionError("the run's table does not exist: the check 'every photo is written, and found by id' "
                             "creates and fills it (see its failure)") from None  # fmt: skip
    return sub.module("photos"), table, photos_of_run(sub.seed)


def _same_photo(got: Any, photo: dict[str, Any]) -> bool:
    if not isinstance(got, dict):
        return False
    try:
        return all(got.get(a) == photo[a] for a in ATTRIBUTES if a != "tags") and sorted(got.get("tags") or []) == sorted(photo["tags"])
    except TypeError:
        return False


@check(10, needs_emulator=True, hint="KeySchema and index key attributes must be declared in AttributeDefinitions; each GSI "
       "needs a Projection.")  # fmt: skip
def table_creates(sub: Submission) -> None:
    """the table definition is accepted by CreateTable"""
    definition = sub.module("photos").TABLE
    assert isinstance(definition, dict), "TABLE must be a dict of CreateTable's arguments"
    assert "TableName" not in definition, "leave TableName out: the grader names the table"
    from botocore.exceptions import ClientError, ParamValidationError

    try:
        sub.resource("dynamodb").create_table(TableName=unique_name("lab05-check"), **definition).wait_until_exists()
    except (ClientError, ParamValidationError) as refused:
        raise AssertionError(f"CreateTable refuses TABLE: {refused}") from None


@check(15, needs_emulator=True, timeout_s=60, hint="Every item's table key (pk and sk) must be unique: a second put with the "
       "same key replaces the first. GetItem needs the full key, as items_for writes it.")  # fmt: skip
def finds_by_id(sub: Submission) -> None:
    """every photo is written (no item replaces another), and found by id"""
    sub.rng  # noqa: B018  (the photos are the seed's: this check depends on it even when it fails before drawing)
    photos = sub.module("photos")
    data = photos_of_run(sub.seed)
    written = [(photo, photos.items_for(photo)) for photo in data["photos"]]
    items = [item for _, its in written for item in its]
    keys = [k["AttributeName"] for k in photos.TABLE["KeySchema"]]
    table = sub.resource("dynamodb").create_table(TableName=_table_name(sub), **photos.TABLE)
    table.wait_until_exists()
    _verdicts(sub, create=True).put_item(Item={"check": "no_hot_partition", "problem": hot_partition(photos.TABLE, written, data)})
    with table.batch_writer(overwrite_by_pkeys=keys) as batch:  # as puts one by one: a later item replaces an earlier
        for item in items:
            batch.put_item(Item=item)
    for photo, its in written:  # the owners delete the withdrawn photos
        if photo["photo_id"] in data["withdrawn"]:
            for item in its:
                table.delete_item(Key={k: item[k] for k in keys})
    stored = Counter(tuple(item.get(k) for k in keys) for item in items)
    replaced = [key for key, count in stored.items() if count > 1]
    assert not replaced, (
        f"{sum(stored[k] - 1 for k in replaced)} items were replaced by another with the same table key, e.g. {replaced[0]}: "
        "a table key must be unique (index keys need not be)"
    )
    lent = sub.lend_table(table, deny=READ_ONLY)
    for photo in sub.rng.sample(visible(data), 6):
        calls = len(lent.calls)
        got = photos.get_photo(lent, photo["photo_id"])
        assert _same_photo(got, photo), f"get_photo({photo['photo_id']!r}) returned {_short(got)}, not the photo written"
        assert len(lent.calls) > calls, f"get_photo({photo['photo_id']!r}) did not read the table: it must find the photo there"
    for photo_id in [f"{sub.rng.getrandbits(128):032x}", *sorted(data["withdrawn"])]:
        got = photos.get_photo(lent, photo_id)
        assert got is None, f"get_photo({photo_id!r}), an id not in the table (never written, or deleted), returned {_short(got)}, not None"


def _why_missing(missing: list[dict[str, Any]], album: list[dict[str, Any]], big: bool) -> str:
    twins = [p for p in missing if sum(q["created_at"] == p["created_at"] for q in album) > 1]
    if twins:
        return f"; missing {twins[0]['photo_id']}, added in the same millisecond as another photo of the album"
    return " (the album is over 1 MB: more than one page)" if big and missing else ""


def _short(value: Any) -> str:
    if isinstance(value, dict):
        value = {k: (f"<{len(v)} chars>" if isinstance(v, str) and len(v) > 60 else v) for k, v in value.items()}
    return str(value)[:300]


def _denied(lent: Any) -> str:
    if "scan" in lent.denied:
        return " (your code tried a Scan, which reads the whole table: query an index instead)"
    return f" (your code tried to write ({', '.join(sorted(set(lent.denied)))}): a read must not)" if lent.denied else ""


@check(25, needs_emulator=True, timeout_s=60, hint="An index partitioned by album and sorted by time returns an album in "
       "order. A response stops at 1 MB: follow LastEvaluatedKey until there is none.")  # fmt: skip
def album_in_order(sub: Submission) -> None:
    """an album's photos, oldest first, all of them (over 1 MB), both of two added in the same millisecond"""
    photos, table, data = _loaded(sub)
    lent = sub.lend_table(table, deny=READ_ONLY)
    for album in [data["big"], *sub.rng.sample(data["albums"][1:], 2)]:
        mine = sorted((p for p in visible(data) if p["album_id"] == album), key=lambda p: p["created_at"])
        got = photos.album_photos(lent, album)
        assert isinstance(got, list), f"album_photos({album!r}) returned {type(got).__name__}, not a list{_denied(lent)}"
        ids = {p.get("photo_id") if isinstance(p, dict) else None for p in got}
        missing = [p for p in mine if p["photo_id"] not in ids]
        assert not missing and len(got) == len(mine), (
            f"album_photos({album!r}) returned {len(got)} photos, expected all {len(mine)}"
            + _why_missing(missing, mine, album == data["big"])
            + _denied(lent)
        )
        times = [p.get("created_at") for p in got]
        assert times == [p["created_at"] for p in mine], f"album_photos({album!r}) is not oldest first: {times[:5]}..."
        by_id = {p["photo_id"]: p for p in mine}
        wrong = [p["photo_id"] for p in got if not _same_photo(p, by_id[p["photo_id"]])]
        assert not wrong, f"album_photos({album!r}): photo {wrong[0]} lacks its attributes (the album page shows previews)"


@check(15, needs_emulator=True, timeout_s=60, hint="A photo has several tags, and an index key holds one value: one small "
       "item per tag, each in the tag's partition, sorted by time. Read it backwards, with Limit.")  # fmt: skip
def newest_with_tag(sub: Submission) -> None:
    """the newest photos with a tag, newest first, a page of `limit`"""
    photos, table, data = _loaded(sub)
    lent = sub.lend_table(table, deny=READ_ONLY)
    used = sorted({tag for photo in visible(data) for tag in photo["tags"]})
    for tag in sub.rng.sample(used, min(3, len(used))):
        mine = sorted((p for p in visible(data) if tag in p["tags"]), key=lambda p: p["created_at"], reverse=True)
        limit = sub.rng.randint(1, len(mine) + 2)
        got = photos.tagged(lent, tag, limit)
        expected = [p["created_at"] for p in mine[:limit]]
        when = {p["photo_id"]: p["created_at"] for p in mine}
        assert isinstance(got, list) and all(g in when for g in got), (
            f"tagged({tag!r}, {limit}) returned {str(got)[:200]}: ids of photos without that tag{_denied(lent)}"
        )
        assert len(set(got)) == len(got) and [when[g] for g in got] == expected, (
            f"tagged({tag!r}, {limit}) returned {len(got)} photos created {[when[g] for g in got][:4]}..., "
            f"expected the {len(expected)} newest: {expected[:4]}..."
        )


@check(20, needs_emulator=True, timeout_s=60, hint="A sharded day is several partitions: query each (and each one to "
       "its end), then merge by time, newest first.")  # fmt: skip
def day_feed_complete(sub: Submission) -> None:
    """the day's feed: every photo of a day, newest first, across all the day's partitions"""
    photos, table, data = _loaded(sub)
    try:
        _feeds(sub, photos, sub.lend_table(table, deny=READ_ONLY), data)
    finally:
        table.delete()  # the last check reading the run's table: a shared emulator need not keep megabytes of it


def _feeds(sub: Submission, photos: Any, lent: Any, data: dict[str, Any]) -> None:
    for day in dict.fromkeys([data["busiest"], sub.rng.choice(data["days"])]):
        mine = sorted((p for p in visible(data) if p["created_at"][:10] == day), key=lambda p: p["created_at"], reverse=True)
        got = photos.day_feed(lent, day)
        when = {p["photo_id"]: p["created_at"] for p in mine}
        assert isinstance(got, list) and sorted(map(str, got)) == sorted(when), (
            f"day_feed({day!r}) returned {len(got) if isinstance(got, list) else got!r} ids "
            f"({len(set(map(str, got)) & set(when)) if isinstance(got, list) else 0} of that day's), expected {len(when)}{_denied(lent)}"
        )
        assert [when[g] for g in got] == [p["created_at"] for p in mine], f"day_feed({day!r}) is not newest first"


@check(15, needs_emulator=True, hint="At 10 M photos a day a 10x spike is ~1,160 writes/s; a partition takes "
       "~1,000. Which partition does every photo of a day go to? Spread the day over several (a shard from the "
       "photo's id) so each stays under half.")  # fmt: skip
def no_hot_partition(sub: Submission) -> None:
    """no partition of the table or an index takes more of a day's writes than half its capacity in a spike"""
    from botocore.exceptions import ClientError

    sub.rng  # noqa: B018  (the verdict is on the run's photos, drawn from the seed)
    try:
        verdict = _verdicts(sub).get_item(Key={"check": "no_hot_partition"}, ConsistentRead=True).get("Item")
    except ClientError:
        verdict = None
    assert verdict is not None, ("the writes were not measured: the check 'every photo is written, and found by id' "
                                 "measures them as it writes the run's photos (see its failure)")  # fmt: skip
    _verdicts(sub).delete()
    assert not verdict["problem"], verdict["problem"]


def hot_partition(definition: dict[str, Any], written: list[tuple[dict[str, Any], list[dict[str, Any]]]], data: dict[str, Any]) -> str:
    """What is hot about the items written for the run's busiest day ('' if nothing): for the table
    and each index, the partition that receives the most of that day's photos."""
    day = {photo["photo_id"] for photo in data["photos"] if photo["created_at"][:10] == data["busiest"]}
    indexes = [("the table", definition.get("KeySchema") or [])]
    indexes += [(i.get("IndexName", "?"), i.get("KeySchema") or []) for i in definition.get("GlobalSecondaryIndexes") or []]
    for name, schema in indexes:
        hash_key = next((k["AttributeName"] for k in schema if k.get("KeyType") == "HASH"), None)
        partitions: dict[Any, set[str]] = defaultdict(set)
        for photo, items in written:
            if photo["photo_id"] in day:
                for item in items:
                    if hash_key in item:
                        partitions[str(item[hash_key])].add(photo["photo_id"])
        if not partitions:
            continue
        value, members = max(partitions.items(), key=lambda entry: len(entry[1]))
        share = len(members) / len(day)
        if share > max_share():
            return (f"{name}: {share:.0%} of a day's photos are written to the partition {value!r}. In a {SPIKE}x spike of "
                    f"{PHOTOS_PER_DAY:,} photos a day that is {share * spike_writes_s():,.0f} writes/s on one partition; it "
                    f"takes {PARTITION_WRITES_S:,}, and should stay under half ({max_share():.0%} of the day)")  # fmt: skip
    return ""


def _verdicts(sub: Submission, create: bool = False) -> Any:
    """The grader's own table for the run (never lent to the student's code): what one check
    measured for a later one to report."""
    dynamodb = sub.resource("dynamodb")
    name = f"lab05-grader-{sub.run_id}"
    if create:
        dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "check", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "check", "AttributeType": "S"}]).wait_until_exists()  # fmt: skip
    return dynamodb.Table(name)
