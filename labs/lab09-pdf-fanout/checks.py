"""Large PDFs within Lambda's limits: ranges packed to the timeout from page estimates, counted exactly once."""

from __future__ import annotations

import re
import threading
import uuid
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from labs.grader import Partial, StudentError, Submission, check
from labs.grader.submission import unique_name

FILES = ["fanout.py"]
TIME_LIMIT_S = 300

TIMEOUTS = (30, 60, 120, 300, 900)  # seconds
HEADROOMS = (0.5, 0.75)
QUARTER = 0.25  # page estimates and overheads are multiples of a quarter second: sums are exact in binary
WRITES = frozenset({"put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item"})
READS = frozenset({"get_item", "query", "scan", "transact_get_items", "batch_get_item"})
ATTEMPTS = 4  # deliveries of one range before the check gives up on it (SQS: maxReceiveCount)


# ----------------------------------------------------------------------------- packing
def _quarters(rng: Any, low: float, high: float) -> float:
    return max(QUARTER, round(rng.uniform(low, high) / QUARTER) * QUARTER)


def draw_document(rng: Any, refuse: bool = False, exact: bool = False) -> dict[str, Any]:
    """A document to pack: per-page estimates (text, scanned, heavy pages), timeout, headroom,
    overhead. Some (``exact``: this one) are made of groups of pages that fill a range exactly;
    ``refuse`` adds one page that cannot fit any range."""
    timeout, headroom = rng.choice(TIMEOUTS), rng.choice(HEADROOMS)
    overhead = round(rng.uniform(0, 0.4 * timeout * headroom) / QUARTER) * QUARTER
    budget = timeout * headroom - overhead
    pages = rng.randrange(1, 400)
    if exact or rng.random() < 0.25:  # groups of pages that fill a range exactly: "at most" includes equal
        seconds = []
        units = round(budget / QUARTER)
        while len(seconds) < max(pages, 10):
            cuts = sorted(rng.sample(range(1, units), rng.randint(1, 5)))
            seconds += [(end - start) * QUARTER for start, end in zip([0, *cuts], [*cuts, units], strict=True)]
    else:
        weights = (rng.uniform(0.3, 0.8), rng.uniform(0.1, 0.5), rng.uniform(0.0, 0.15))
        kinds = rng.choices([(0.25, 1.5), (1.5, 6.0), (6.0, 20.0)], weights=weights, k=pages)
        seconds = [min(_quarters(rng, low, high), budget) for low, high in kinds]
    if refuse:
        page = rng.randrange(len(seconds))
        seconds[page] = budget + QUARTER * rng.randrange(1, 40)
    return {"page_seconds": seconds, "timeout_s": timeout, "headroom": headroom, "overhead_s": overhead}


def _describe(document: dict[str, Any]) -> str:
    seconds = document["page_seconds"]
    return (f"{len(seconds)} pages of {min(seconds):g}-{max(seconds):g} s, timeout {document['timeout_s']} s, "
            f"headroom {document['headroom']}, overhead {document['overhead_s']:g} s")  # fmt: skip


def fit_problem(ranges: Any, document: dict[str, Any]) -> str:
    """What is wrong with ``ranges`` for ``document`` ('' if every page is in one range that fits).

    >>> fit_problem([(1, 2), (3, 3)], {"page_seconds": [1, 1, 2], "timeout_s": 4, "headroom": 0.5, "overhead_s": 0})
    ''
    >>> fit_problem([(1, 3)], {"page_seconds": [1, 1, 2], "timeout_s": 4, "headroom": 0.5, "overhead_s": 0})
    'range (1, 3) needs 0 + 4 s, over the budget of 2 s'
    """
    seconds = document["page_seconds"]
    budget = document["headroom"] * document["timeout_s"] - document["overhead_s"]
    try:
        pairs = [(int(first), int(last)) for first, last in ranges]
    except (TypeError, ValueError):
        return f"returned {ranges!r:.200}, not a list of (first, last) pairs"
    covered = [page for first, last in pairs for page in range(first, last + 1)]
    if covered != list(range(1, len(seconds) + 1)) or any(first > last for first, last in pairs):
        return f"the ranges {pairs[:6]}... do not cover pages 1..{len(seconds)} once each, in order"
    for first, last in pairs:
        needed = sum(seconds[first - 1 : last])
        if needed > budget + 1e-9:
            return f"range {(first, last)} needs {document['overhead_s']:g} + {needed:g} s, over the budget of {budget:g} s"
    return ""


def _pack(sub: Submission, document: dict[str, Any]) -> Any:
    return sub.module("fanout").pack_ranges(
        document["page_seconds"], document["timeout_s"], headroom=document["headroom"], overhead_s=document["overhead_s"]
    )


@check(35, hint="A range's time is the overhead plus its pages' estimates, within headroom × timeout ('at most': "
       "filling it exactly is fine). Each extra range pays the overhead and an invocation again. A page that does not fit "
       "even alone fits no split: refuse the document rather than let a range time out again and again.")  # fmt: skip
def packs_ranges(sub: Submission) -> None | Partial:
    """pages packed into the fewest ranges that fit headroom × timeout; a page too slow for any range refused"""
    key = sub.answer("fanout")
    more = []
    for number in range(7):
        document = draw_document(sub.rng, refuse=number == 3, exact=number == 0)
        if number == 3:
            _refuses(sub, document)
            continue
        got = _pack(sub, document)
        problem = fit_problem(got, document)
        assert not problem, f"pack_ranges for {_describe(document)}: {problem}"
        fewest = len(key.pack_ranges(document["page_seconds"], document["timeout_s"], headroom=document["headroom"],
                                     overhead_s=document["overhead_s"]))  # fmt: skip
        if len(got) != fewest:
            more.append(f"{len(got)} ranges where {fewest} fit ({_describe(document)})")
    if more:
        return Partial(4 / 7, "the ranges fit, but more than needed, and each pays the overhead and an invocation "
                              "again: " + "; ".join(more[:3]))  # fmt: skip
    return None


def _refuses(sub: Submission, document: dict[str, Any]) -> None:
    budget = document["headroom"] * document["timeout_s"] - document["overhead_s"]
    slow = next(page for page, seconds in enumerate(document["page_seconds"], 1) if seconds > budget)
    try:
        got = _pack(sub, document)
    except StudentError as error:
        if error.is_a("NotImplementedError") or not error.is_a("ValueError"):
            raise
        assert re.search(rf"\b{slow}\b", error.message), f"the ValueError must name page {slow}: {error.message!r}"
        return
    raise AssertionError(f"page {slow} alone needs more than a range may use ({_describe(document)}), "
                         f"yet pack_ranges returned {str(got)[:120]} instead of raising ValueError")  # fmt: skip


# ----------------------------------------------------------------------------- counting, on DynamoDB
def range_key(first: int, last: int) -> str:
    return f"RANGE#{first:05d}-{last:05d}"


def new_table(sub: Submission) -> Any:
    table = sub.resource("dynamodb").create_table(
        TableName=unique_name("lab09-documents"),
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    )
    table.wait_until_exists()
    return table


def start_document(table: Any, doc_id: str, ranges: list[tuple[int, int]]) -> None:
    """The document's item as the fan-out leaves it: PROCESSING, nothing counted yet."""
    table.put_item(Item={"pk": f"DOC#{doc_id}", "sk": "META", "status": "PROCESSING", "pages_total": ranges[-1][1], "pages_done": 0})


def draw_ranges(rng: Any) -> list[tuple[int, int]]:
    pages = rng.randrange(12, 400)
    cuts = sorted(rng.sample(range(1, pages), rng.randrange(2, 6)))
    starts = [1, *(cut + 1 for cut in cuts)]
    ends = [*cuts, pages]
    return list(zip(starts, ends, strict=True))


class Faults:
    """Stops an armed delivery at its second write (a timeout or crash between two writes); the
    student's code sees a ClientError, as from AWS."""

    def __init__(self) -> None:
        self.armed = False
        self.writes = 0
        self.fired = 0
        self._lock = threading.Lock()

    def arm(self, armed: bool) -> None:
        with self._lock:
            self.armed, self.writes = armed, 0

    def __call__(self, operation: str, kwargs: dict[str, Any]) -> None:
        if operation not in WRITES:
            return
        with self._lock:
            if not self.armed:
                return
            self.writes += 1
            if self.writes < 2:
                return
            self.armed = False
            self.fired += 1
        from botocore.exceptions import ClientError

        raise ClientError({"Error": {"Code": "InternalServerError", "Message": "the grader stopped this delivery here, "
                                     "between two writes (as a timeout or a crash would)"}}, operation)  # fmt: skip


class Document:
    """What the grader knows of one document while its ranges are delivered, and what the table
    must say after each delivery: the pages of the ranges delivered so far, counted once each."""

    def __init__(self, table: Any, doc_id: str, ranges: list[tuple[int, int]]) -> None:
        self.table, self.doc_id, self.ranges = table, doc_id, ranges
        self.attempted: set[tuple[int, int]] = set()  # a delivery began (it may have stopped after counting)
        self.delivered: set[tuple[int, int]] = set()  # a delivery returned
        self.returned: list[Any] = []

    def state(self) -> dict[str, Any]:
        return self.table.get_item(Key={"pk": f"DOC#{self.doc_id}", "sk": "META"}, ConsistentRead=True).get("Item", {})

    def after(self, what: str, returned: list[Any]) -> None:
        """AssertionError if the document, after ``what``, is not what those deliveries make it."""
        self.returned += returned
        item = self.state()
        done = int(item.get("pages_done", -1))
        low = sum(last - first + 1 for first, last in self.delivered)
        high = sum(last - first + 1 for first, last in self.attempted)
        complete = self.attempted >= set(self.ranges)
        expected = f"{low}" if low == high else f"{low} to {high} (a delivery stopped midway may have counted)"
        assert low <= done <= high, (
            f"after {what}, pages_done is {item.get('pages_done')}: the ranges delivered so far hold {expected} pages, "
            f"each counted once ({len(self.delivered)} of {len(self.ranges)} ranges)"
        )
        assert item.get("status") != "DONE" or complete, f"after {what}, the document is DONE, but not every range has arrived"
        assert True not in returned or complete, f"after {what}, a call reported finishing the document before every range arrived"


def deliver(fanout: Any, lent: Any, document: Document, deliveries: list[tuple[int, int]], stopped: set[int] | None = None,
            faults: Faults | None = None) -> list[Any]:  # fmt: skip
    """SQS as the check plays it: each delivery calls complete_range (and the document is read
    after it); one that fails comes back at the end of the queue (after its visibility timeout).
    What the calls returned, in order."""
    queue = deque(enumerate(deliveries))
    attempts: Counter[int] = Counter()
    returned: list[Any] = []
    while queue:
        number, (first, last) = queue.popleft()
        if faults:
            faults.arm(number in (stopped or set()) and attempts[number] == 0)
        document.attempted.add((first, last))
        try:
            returned.append(fanout.complete_range(lent, document.doc_id, first, last))
            document.delivered.add((first, last))
            document.after(f"delivering {deliveries[: number + 1]} (0-based delivery {number})", returned[-1:])
        except StudentError as error:
            if error.is_a("NotImplementedError"):
                raise
            attempts[number] += 1
            assert attempts[number] < ATTEMPTS, f"the delivery of range {first}-{last} failed {ATTEMPTS} times: {error}"
            queue.append((number, (first, last)))
            document.after(f"delivery {number} (range {first}-{last}) stopped", [])
        finally:
            if faults:
                faults.arm(False)
    return returned


def outcome_problems(table: Any, doc_id: str, ranges: list[tuple[int, int]], returned: list[Any]) -> list[str]:
    """How the document ended, against exactly once: all pages counted once, DONE, finished once."""
    item = table.get_item(Key={"pk": f"DOC#{doc_id}", "sk": "META"}, ConsistentRead=True).get("Item", {})
    pages = ranges[-1][1]
    problems = []
    if int(item.get("pages_done", -1)) != pages:
        problems.append(f"pages_done is {item.get('pages_done')}, expected {pages}")
    if item.get("status") != "DONE":
        problems.append(f"the status is {item.get('status')}, expected DONE")
    if returned.count(True) != 1:
        problems.append(f"{returned.count(True)} calls reported finishing the document, expected exactly 1")
    return problems


def _plan(rng: Any) -> tuple[str, list[tuple[int, int]], list[tuple[int, int]]]:
    """A document id, its ranges, and deliveries: every range once or twice, one at least twice, in any order."""
    ranges = draw_ranges(rng)
    copies = [rng.choice([1, 1, 2]) for _ in ranges]
    copies[rng.randrange(len(ranges))] = 2
    deliveries = [r for r, n in zip(ranges, copies, strict=True) for _ in range(n)]
    rng.shuffle(deliveries)
    return f"{rng.getrandbits(64):016x}", ranges, deliveries


@check(30, needs_emulator=True, timeout_s=60, hint="A second delivery of a range must change nothing: what in the table "
       "tells that a range was counted, and can the write that counts be conditional on it? A delivery stopped after "
       "its first write comes back: two writes that must both happen belong in one transaction, and a range already "
       "counted may still have a document to finish.")  # fmt: skip
def counts_once(sub: Submission) -> None | Partial:
    """ranges delivered out of order, twice, or stopped between two writes: every page counted once, finished once"""
    fanout, table = sub.module("fanout"), new_table(sub)
    doc_id, ranges, deliveries = _plan(sub.rng)
    start_document(table, doc_id, ranges)
    returned = deliver(fanout, sub.lend_table(table), Document(table, doc_id, ranges), deliveries)
    problems = outcome_problems(table, doc_id, ranges, returned)
    assert not problems, f"after delivering {deliveries}: " + "; ".join(problems)
    doc_id, ranges, deliveries = _plan(sub.rng)
    last_needed = max(deliveries.index(r) for r in ranges)  # the delivery that completes the count
    stopped = {last_needed, sub.rng.randrange(len(deliveries))}
    start_document(table, doc_id, ranges)
    faults = Faults()
    try:
        returned = deliver(fanout, sub.lend_table(table, before=faults), Document(table, doc_id, ranges), deliveries, stopped, faults)
    except AssertionError as problem:
        return Partial(0.5, f"duplicates are counted once, but with deliveries {sorted(stopped)} (0-based) stopped at "
                            f"their second write and redelivered: {problem}")  # fmt: skip
    problems = outcome_problems(table, doc_id, ranges, returned)
    if problems:
        return Partial(0.5, f"duplicates are counted once, but after delivering {deliveries} with deliveries "
                            f"{sorted(stopped)} (0-based) stopped at their second write and redelivered: "
                            + "; ".join(problems))  # fmt: skip
    return None


class ReadBarrier:
    """Holds every racing copy's read results until all copies have read (then lets them write):
    held after the read, so no copy can read, write and return before another has read."""

    def __init__(self) -> None:
        self.barrier: threading.Barrier | None = None

    def __call__(self, operation: str, kwargs: dict[str, Any]) -> None:
        barrier = self.barrier
        if operation in READS and barrier is not None:
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                pass  # a copy read less often than the others: let it go on


RACE_RANGES = [(1, 7), (8, 20), (21, 22), (23, 40), (41, 41), (42, 60)]
RACERS = 4


@check(20, needs_emulator=True, timeout_s=90, hint="Copies of a range delivered at the same moment all read before "
       "any of them writes: 'read, then write if not counted' counts them all. Let the write itself refuse a copy, and "
       "remember what was counted where every execution environment sees it: in the table, not in memory.")  # fmt: skip
def racing_copies(sub: Submission) -> None:
    """copies of each range delivered at once (and again to a new environment): counted once, finished once"""
    fanout, table, gate = sub.module("fanout"), new_table(sub), ReadBarrier()
    doc_id = uuid.uuid4().hex[:16]
    start_document(table, doc_id, RACE_RANGES)
    lent, document = sub.lend_table(table, after=gate), Document(table, doc_id, RACE_RANGES)
    with ThreadPoolExecutor(RACERS) as pool:
        for first, last in RACE_RANGES:
            gate.barrier = threading.Barrier(RACERS, timeout=2)
            document.attempted.add((first, last))
            copies = [pool.submit(_attempt, fanout, lent, doc_id, first, last) for _ in range(RACERS)]
            returned = [copy.result() for copy in copies]
            document.delivered.add((first, last))
            document.after(f"{RACERS} copies of range {first}-{last} at once", returned)
    problems = outcome_problems(table, doc_id, RACE_RANGES, document.returned)
    assert not problems, f"{RACERS} copies of each of {RACE_RANGES} at once: " + "; ".join(problems)
    sub.restart()  # another execution environment: what the code kept in memory is gone, the table is not
    late = [RACE_RANGES[1], RACE_RANGES[-1]]
    try:
        deliver(sub.module("fanout"), sub.lend_table(table), document, late)
    except AssertionError as problem:
        raise AssertionError(f"after the races, {late} delivered again to a new execution environment: {problem}") from None
    problems = outcome_problems(table, doc_id, RACE_RANGES, document.returned)
    assert not problems, f"after the races, {late} delivered again to a new execution environment: " + "; ".join(problems)


def _attempt(fanout: Any, table: Any, doc_id: str, first: int, last: int) -> Any:
    """One racing copy; a failed one is retried (after the race), as SQS would."""
    for _ in range(ATTEMPTS):
        try:
            return fanout.complete_range(table, doc_id, first, last)
        except StudentError as error:
            if error.is_a("NotImplementedError"):
                raise
            failure = error
    raise AssertionError(f"a copy of range {first}-{last} failed {ATTEMPTS} times: {failure}")


LAYOUT_RANGES = [(1, 30), (31, 55), (56, 56), (57, 90), (91, 120), (121, 160), (161, 175), (176, 200)]


@check(15, needs_emulator=True, timeout_s=60, hint="One RANGE item per range counted, keyed as the module docstring "
       "says; the document's own item keeps only its status and counters, however many ranges there are.")  # fmt: skip
def one_item_per_range(sub: Submission) -> None | Partial:
    """one RANGE item per range counted, and a document item that does not grow with its ranges"""
    fanout, table = sub.module("fanout"), new_table(sub)
    doc_id = uuid.uuid4().hex[:16]
    start_document(table, doc_id, LAYOUT_RANGES)
    lent, document = sub.lend_table(table), Document(table, doc_id, LAYOUT_RANGES)
    sizes = []
    for first, last in LAYOUT_RANGES:
        deliver(fanout, lent, document, [(first, last)])
        sizes.append(_size(document.state()))
    from boto3.dynamodb.conditions import Key

    items = table.query(KeyConditionExpression=Key("pk").eq(f"DOC#{doc_id}") & Key("sk").begins_with("RANGE#"))["Items"]
    found = {item["sk"]: item for item in items}
    expected = {range_key(first, last): (first, last) for first, last in LAYOUT_RANGES}
    assert set(found) == set(expected), f"RANGE items {sorted(found)[:4]}..., expected one per range: {sorted(expected)[:4]}..."
    wrong = [sk for sk, (first, last) in expected.items()
             if (int(found[sk].get("first", -1)), int(found[sk].get("last", -1)), int(found[sk].get("pages", -1)))
             != (first, last, last - first + 1)]  # fmt: skip
    assert not wrong, f"{wrong[0]} does not hold its first, last and pages"
    if sizes[-1] > sizes[0] + 16:
        return Partial(0.5, f"the document's item grows with its ranges ({sizes[0]} bytes after one, {sizes[-1]} after "
                            f"{len(sizes)}): every update rewrites it, and it would reach DynamoDB's 400 KB limit")  # fmt: skip
    return None


def _size(item: dict[str, Any]) -> int:
    """Roughly DynamoDB's item size: names plus values as text."""
    return sum(len(name) + len(str(value)) for name, value in item.items())
