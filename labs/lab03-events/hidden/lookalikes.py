"""Hidden check for lab 03: keys that look encoded, unversioned buckets, long messages, and
identities that must tell versions apart.

The public checks' keys mix spaces, pluses and percents. Here EventBridge keys *look* encoded
(``%41``, ``a+b``, ``%2F``) and must stay as they are; direct S3 keys were literally named like
encodings, so S3 encoded them once more and one decoding is right, two are wrong; SNS carries
ten records at once; some buckets have no versioning. And ``idempotency_key`` must give the same
identity to the same object version and different ones to versions, keys and buckets that
differ. Inputs from ``sub.rng``; expected uploads from the answer key.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from labs.grader import Submission, check

_spec = importlib.util.spec_from_file_location("lab03_messages_hidden", Path(__file__).parents[1] / "messages.py")
assert _spec and _spec.loader
messages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(messages)

FIELDS = ("bucket", "key", "version_id", "size", "event_time")
LOOKALIKES = ["%41", "a+b", "%2F", "%25", "x%2By", "100%", "+", "%E2%9C%93", "%%20"]


@check(10, hint="Decode what was encoded, exactly once, and nothing else; and an identity must separate everything "
                "that makes an upload new work.")  # fmt: skip
def lookalikes(sub: Submission) -> None:
    """keys that look encoded, unversioned buckets, ten records through SNS, and distinct identities per version"""
    events, delivery, key, rng = sub.module("events"), sub.module("delivery"), sub.answer("events"), sub.rng
    uploads = [messages.upload(rng, key=f"uploads/chen/{rng.choice(LOOKALIKES)} {rng.choice(LOOKALIKES)}.jpg",
                               versioned=rng.random() < 0.5) for _ in range(10)]  # fmt: skip
    bodies = [messages.s3_event(uploads[:3]), messages.sns(messages.s3_event(uploads), rng),
              *[messages.eventbridge(facts) for facts in uploads[:4]]]  # fmt: skip
    for body in bodies:
        got = [tuple(getattr(item, name) for name in FIELDS) for item in events.parse(body)]
        expected = [tuple(getattr(item, name) for name in FIELDS) for item in key.parse(body)]
        assert got == expected, f"parse() gave {got}; expected {expected}\nThe body: {body[:1500]}"
    facts = uploads[0]
    same = delivery.idempotency_key(events.Upload(*(facts[n] for n in FIELDS)))
    assert same == delivery.idempotency_key(events.Upload(*(facts[n] for n in FIELDS))), "one upload, two identities"
    for field, other in [
        ("version_id", "v2-" + str(rng.randrange(10**6))),
        ("bucket", facts["bucket"] + "-eu"),
        ("key", facts["key"] + "x"),
    ]:
        changed = delivery.idempotency_key(events.Upload(*({**facts, field: other}[n] for n in FIELDS)))
        assert changed != same, f"uploads differing in {field} got the same identity {same!r}: one of them would be dropped as a duplicate"
