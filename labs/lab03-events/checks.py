"""Events three ways and at-least-once delivery: S3, SNS and EventBridge envelopes, partial batch
failures, and a claim that exactly one delivery wins.

Every check draws its inputs at random (seeded: a failure names the seed, and
`p4lab grade lab03 --seed N` repeats it): keys full of spaces, pluses, percents and accents,
in any of the three envelopes. Parsed uploads are compared with the answer key's. The claim
runs against a real DynamoDB table on the embedded emulator, and its race is made
deterministic: every read waits until every racing delivery has read, the worst timing there
is, every time. ``messages.py`` builds the message bodies: use it to test your code.
"""

from __future__ import annotations

import importlib.util
import json
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from labs.grader import StudentError, Submission, check, unique_name

FILES = ["events.py", "delivery.py"]
TIME_LIMIT_S = 240

_spec = importlib.util.spec_from_file_location("lab03_messages", Path(__file__).with_name("messages.py"))
assert _spec and _spec.loader
messages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(messages)

FIELDS = ("bucket", "key", "version_id", "size", "event_time")
RACERS = range(4, 9)  # simultaneous deliveries of one version
RACE_WAIT_S = 5.0  # how long a read is held for the other racers' reads: they come within milliseconds


def _uploads(items: Any) -> list[tuple]:
    """Parsed work items as plain tuples of their fields (read from the student's objects)."""
    return [tuple(getattr(item, name) for name in FIELDS) for item in items]


def _compare_parse(sub: Submission, bodies: list[tuple[str, str]]) -> None:
    events, key = sub.module("events"), sub.answer("events")
    for what, body in bodies:
        expected = _uploads(key.parse(body))
        got = _uploads(events.parse(body))
        assert got == expected, f"parse({what}) gave {got}; expected {expected}\nThe body: {body[:1500]}"


def _some_uploads(rng: random.Random) -> list[dict[str, Any]]:
    """One to three uploads; the first always has a key with a space, a plus and a percent sign."""
    uploads = [messages.upload(rng) for _ in range(rng.randrange(1, 4))]
    uploads[0]["key"] = f"uploads/ana/{rng.choice(messages.WORDS)} 1+1 {rng.randrange(100)}% off.png"
    return uploads


@check(15, hint="S3 writes keys the way an HTML form encodes its fields. Which urllib function undoes exactly that?")
def direct(sub: Submission) -> None:
    """S3 → SQS: each record of S3's notification becomes an Upload, its key decoded"""
    rng = sub.rng
    _compare_parse(sub, [(f"an S3 event with {len(u)} record(s)", messages.s3_event(u)) for u in (_some_uploads(rng) for _ in range(4))])


@check(15, hint="SNS wraps what it delivers: the S3 event is a string inside SNS's envelope. Unwrap, then parse as before.")
def through_sns(sub: Submission) -> None:
    """S3 → SNS → SQS: the S3 event inside SNS's envelope gives the same Uploads"""
    rng = sub.rng
    bodies = [(f"an SNS notification of an S3 event with {len(u)} record(s)", messages.sns(messages.s3_event(u), rng))
              for u in (_some_uploads(rng) for _ in range(4))]  # fmt: skip
    _compare_parse(sub, bodies)


@check(15, hint="EventBridge's S3 events carry the key as it is stored. What does decoding do to a key that contains "
                "'+' or '%41' when nothing was encoded?")  # fmt: skip
def through_eventbridge(sub: Submission) -> None:
    """S3 → EventBridge → SQS: an "Object Created" event becomes one Upload, its key left as it is"""
    rng = sub.rng
    bodies = []
    for _ in range(4):
        facts = messages.upload(rng)
        facts["key"] = f"uploads/bo/{rng.choice(messages.WORDS)} {rng.choice(['1+1', 'x%2By', '50%25 off', 'a+b c'])}.gif"
        bodies.append(("an EventBridge event", messages.eventbridge(facts)))
    _compare_parse(sub, bodies)


@check(5, hint="Three messages are no work and no error: S3's test event (directly or through SNS), and EventBridge "
               "events about something other than a new object.")  # fmt: skip
def no_work(sub: Submission) -> None:
    """S3's test event, direct or through SNS, and EventBridge events other than "Object Created" are no work"""
    events, rng = sub.module("events"), sub.rng
    facts = messages.upload(rng)
    bodies = [
        ("S3's s3:TestEvent", messages.s3_test_event(facts["bucket"])),
        ("S3's s3:TestEvent through SNS", messages.sns(messages.s3_test_event(facts["bucket"]), rng)),
        *[(f"an EventBridge {kind!r} event", messages.eventbridge(facts, kind)) for kind in rng.sample(messages.NOT_CREATED, 2)],
    ]
    for what, body in bodies:
        got = events.parse(body)
        assert len(got) == 0, f"parse({what}) gave {got!r}; it is no work: expected []"


@check(5, hint="A message that can never parse must not be retried forever: raise MalformedMessage so the caller drops it.")
def malformed(sub: Submission) -> None:
    """bodies that are none of the three envelopes raise MalformedMessage"""
    events, rng = sub.module("events"), sub.rng
    facts = messages.upload(rng)
    record = messages.s3_record(facts)
    del record["s3"][rng.choice(["bucket", "object"])]
    created = messages.eventbridge(facts).replace('"object"', '"obj"')
    bodies = [
        ("text that is not JSON", rng.choice(["not json", "{'Records': []}", "<Error/>"])),
        ("a JSON list", "[1, 2]"),
        ("an unknown JSON object", '{"hello": "world"}'),
        ("an S3 record without its bucket or object", json.dumps({"Records": [record]})),
        ("an SNS notification whose Message is not JSON", messages.sns("Hello from SNS", rng)),
        ("an EventBridge Object Created event without detail.object", created),
    ]
    for what, body in bodies:
        try:
            events.parse(body)
        except StudentError as error:
            if error.is_a("MalformedMessage"):
                continue
            raise AssertionError(f"parse({what}) raised {error.type_name}, not MalformedMessage") from None
        raise AssertionError(f"parse({what}) did not raise MalformedMessage\nThe body: {body[:600]}")


@check(15, hint="Each record's fate is its own: report the message ids of those whose handler raised, and only those.")
def partial_batch(sub: Submission) -> None:
    """a batch reports exactly its failed records in batchItemFailures, and a clean batch none"""
    delivery, rng = sub.module("delivery"), sub.rng
    for size in (rng.randrange(2, 11), rng.randrange(2, 11)):
        ids = [f"{rng.randrange(16**8):08x}-{number}" for number in range(size)]
        poison = set(rng.sample(ids, rng.randrange(1, size)))  # some fail, never all

        def handler(record: Any, poison: set[str] = poison) -> None:
            body = record["body"] if isinstance(record, dict) else record.body
            if body in poison:
                raise ValueError(f"cannot process {body}")

        response = delivery.process_batch(messages.sqs_event({i: i for i in ids}), handler)
        failures = [failure.get("itemIdentifier") for failure in response.get("batchItemFailures", [])]
        assert sorted(failures) == sorted(poison), f"a batch of {size} with {len(poison)} failing: batchItemFailures names " \
                                                   f"{sorted(failures)}, expected {sorted(poison)}"  # fmt: skip
    clean = delivery.process_batch(messages.sqs_event({f"ok-{n}": f"ok-{n}" for n in range(rng.randrange(1, 11))}), lambda record: None)
    assert clean.get("batchItemFailures") == [], f"a clean batch should report no failures, got {clean}"


class ReadGate:
    """Holds every read's result until each of ``racers`` claims has read (or finished without
    reading): the timing where every delivery checks the table before any writes, every time.
    (Held *after* the read: released together before it, one racer could still read, write and
    return before another had read — under load it did, once in twenty seeds.)"""

    READS = frozenset({"get_item", "query", "scan", "batch_get_item", "transact_get_items"})

    def __init__(self, racers: int) -> None:
        self.racers, self.held, self.finished = racers, 0, 0
        self.opened, self.timed_out = False, False
        self.changed = threading.Condition()

    def after(self, operation: str, kwargs: dict[str, Any]) -> None:
        if operation not in self.READS:
            return
        with self.changed:
            self.held += 1
            self._open_when_all_came()
            if not self.changed.wait_for(lambda: self.opened, timeout=RACE_WAIT_S):
                self.opened = self.timed_out = True
                self.changed.notify_all()

    def run(self, claim: Any) -> Any:
        try:
            return claim()
        finally:
            with self.changed:
                self.finished += 1
                self._open_when_all_came()

    def _open_when_all_came(self) -> None:
        if self.held + self.finished >= self.racers:
            self.opened = True
            self.changed.notify_all()


@check(30, needs_emulator=True, timeout_s=60,
       hint="Reading and then writing leaves a gap in which another delivery reads the same empty table. DynamoDB "
            "can refuse a write in the same request that makes it: make the refusal mean 'a duplicate'.")  # fmt: skip
def claims(sub: Submission) -> None:
    """claim() wins once per object version, in the table (other instances see it), exactly once in a race, and lets other errors through"""
    events, delivery, rng = sub.module("events"), sub.module("delivery"), sub.rng
    table = _table(sub)
    _claims_in_order(sub, events, delivery, table, rng)
    _claims_in_a_race(sub, events, delivery, table, rng)


_TABLES: dict[str, Any] = {}


def _table(sub: Submission) -> Any:
    """A table keyed by the string ``id``, one per check process: run again for another seed (the
    soundness tests), the check uses it again, since every seed's uploads have ids of their own.
    The emulator goes, with its tables, when the lab run ends."""
    if sub.run_id not in _TABLES:
        _TABLES[sub.run_id] = sub.resource("dynamodb").create_table(
            TableName=unique_name("lab03-claims"),
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        )
    return _TABLES[sub.run_id]


def _upload(events: Any, facts: dict[str, Any]) -> Any:
    return events.Upload(*(facts[name] for name in FIELDS))


def _claims_in_order(sub: Submission, events: Any, delivery: Any, table: Any, rng: random.Random) -> None:
    lent = sub.lend_table(table)
    first = messages.upload(rng, versioned=True)
    shown = f"{first['bucket']}/{first['key']} version {first['version_id']}"
    assert delivery.claim(lent, _upload(events, first)) is True, f"the first delivery of {shown} must be claimed (True)"
    identity = delivery.idempotency_key(_upload(events, first))
    assert isinstance(identity, str), f"idempotency_key() returned {type(identity).__name__}, not a str"
    assert table.get_item(Key={"id": identity}, ConsistentRead=True).get("Item"), (
        f"claim() returned True but the table has no item with id {identity!r}: another Lambda instance would not see the claim"
    )
    assert delivery.claim(lent, _upload(events, first)) is False, f"a second delivery of {shown} is a duplicate: expected False"
    variants = [("a new version of the same key", {**first, "version_id": messages.upload(rng, versioned=True)["version_id"]}),
                ("the same key and version in another bucket", {**first, "bucket": messages.upload(rng)["bucket"]}),
                ("another key", {**first, "key": first["key"] + ".copy"})]  # fmt: skip
    rng.shuffle(variants)
    for what, facts in variants:
        assert delivery.claim(lent, _upload(events, facts)) is True, f"{what} is new work: claim() must return True"
    elsewhere = messages.upload(rng)
    table.put_item(Item={"id": delivery.idempotency_key(_upload(events, elsewhere)), "by": "another Lambda instance"})
    assert delivery.claim(lent, _upload(events, elsewhere)) is False, (
        "another Lambda instance already claimed this upload (its record is in the table): claim() must return False"
    )
    throttled = _upload(events, messages.upload(rng))
    try:
        result = delivery.claim(sub.lend_table(table, before=_throttle_writes), throttled)
    except StudentError as error:
        if not error.is_a("ClientError"):
            raise AssertionError(
                f"when DynamoDB throttles the write, claim() should let its ClientError through, not raise {error}"
            ) from None
    else:
        raise AssertionError(
            f"DynamoDB throttled the write (ProvisionedThroughputExceededException) and claim() returned {result!r}: only a "
            "refused condition means a duplicate; any other error must reach the caller, so the message is retried"
        )


def _throttle_writes(operation: str, kwargs: dict[str, Any]) -> None:
    if operation in ("put_item", "update_item", "transact_write_items", "batch_write_item"):
        error = {
            "Code": "ProvisionedThroughputExceededException",
            "Message": "The level of configured provisioned throughput for the table was exceeded.",
        }
        raise ClientError({"Error": error, "ResponseMetadata": {"HTTPStatusCode": 400}}, operation.title().replace("_", ""))


def _claims_in_a_race(sub: Submission, events: Any, delivery: Any, table: Any, rng: random.Random) -> None:
    racers = rng.choice(RACERS)
    facts = messages.upload(rng)
    gate = ReadGate(racers)
    lent = sub.lend_table(table, after=gate.after)
    with ThreadPoolExecutor(racers) as pool:
        wins = list(pool.map(lambda _: gate.run(lambda: delivery.claim(lent, _upload(events, facts))), range(racers)))
    assert not gate.timed_out, (
        f"the {racers} racing claims waited for each other inside your process (a lock?): separate Lambda instances "
        "share no lock, so only the table can decide who wins"
    )
    assert wins.count(True) == 1, (
        f"{racers} deliveries of one version raced (each read the table before any wrote): {wins.count(True)} claimed it, "
        "expected exactly 1"
    )
