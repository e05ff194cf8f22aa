"""The check API: what a check sees of the student's code (data, handles, StudentError), what
it may lend it (functions, DynamoDB tables), seeds and answer keys, and credit as a value.

One toy lab with one check per behaviour is graded once per module; each test reads its
check's outcome, so a failure names the behaviour that broke."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from labs.grader import Lab, LabReport, all_labs, grade
from reference.emulator import Emulator

STUDENT = '''
import dataclasses, decimal, threading, typing

@dataclasses.dataclass
class Upload:
    bucket: str
    key: str

class Pair(typing.NamedTuple):
    first: int
    last: int

class Liar:
    def __eq__(self, other):
        return True
    def __len__(self):
        return 3
    def __str__(self):
        return "a liar"

class Rejected(ValueError):
    def __init__(self, reason):
        super().__init__(f"rejected: {reason}")
        self.reason = reason

def data():
    return {"t": (1, 2.5, float("inf")), "s": {1, 2}, "b": b"\\x00x", "d": decimal.Decimal("1.10"), "n": None,
            "l": [True, "é"], (1, "k"): frozenset({3})}

def upload():
    return Upload("bucket", "a key")

def pair():
    return Pair(1, 10)

def liar():
    return Liar()

def reject(reason):
    raise Rejected(reason)

def twice(function, value):
    return [function(value), function(value + 1)]

def call_and_catch(function):
    try:
        function()
    except ValueError as error:
        return f"caught ValueError: {error}"
    return "nothing raised"

def waits(callback, n):
    return callback(n)

def chatty():
    print("hello from the student")
    return 1

def big():
    return bytearray(900 * 1024 * 1024)
'''

CHECKS = '''
"""A lab for testing the check API."""
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from labs.grader import Partial, StudentError, check, type_name

FILES = ["answer.py"]

@check(10)
def data(sub):
    """plain data comes back as itself"""
    got = sub.module("answer").data()
    expected = {"t": (1, 2.5, float("inf")), "s": {1, 2}, "b": b"\\x00x", "d": Decimal("1.10"), "n": None,
                "l": [True, "é"], (1, "k"): frozenset({3})}
    assert got == expected and type(got["d"]) is Decimal, got

@check(10)
def handles(sub):
    """objects are handles: attributes, NamedTuples, len/str"""
    answer = sub.module("answer")
    upload = answer.upload()
    assert type_name(upload) == "Upload" and (upload.bucket, upload.key) == ("bucket", "a key")
    pair = answer.pair()
    assert pair == (1, 10) and pair.last == 10 and list(pair) == [1, 10]
    liar = answer.liar()
    assert len(liar) == 3 and str(liar) == "a liar"
    assert not hasattr(upload, "missing")

@check(10)
def liar_is_not_equal(sub):
    """a student's __eq__ cannot make a check pass"""
    assert sub.module("answer").liar() == 42, "the liar is not 42"

@check(10)
def student_error(sub):
    """student exceptions arrive as StudentError with attributes"""
    try:
        sub.module("answer").reject("too_large")
    except StudentError as error:
        assert error.is_a("Rejected") and error.is_a("ValueError") and not error.is_a("KeyError")
        assert error.reason == "too_large" and error.where.startswith("answer.py:")
        return f"{error}"
    raise AssertionError("nothing raised")

@check(10)
def callbacks(sub):
    """a check's function lent to the student runs in the check; its errors reach the student"""
    answer = sub.module("answer")
    assert answer.twice(lambda n: n * 10, 4) == [40, 50]
    def fails():
        raise ValueError("the check says no")
    assert answer.call_and_catch(fails) == "caught ValueError: the check says no"

@check(10)
def concurrent(sub):
    """eight threads call the student at once, and the student calls back concurrently"""
    answer = sub.module("answer")
    barrier = threading.Barrier(8, timeout=10)
    def meet(n):
        barrier.wait()
        return n
    with ThreadPoolExecutor(8) as pool:
        assert sorted(pool.map(lambda n: answer.waits(meet, n), range(8))) == list(range(8))

@check(10)
def seeded(sub):
    """sub.rng is seeded by the run's seed and the check"""
    return f"draw {sub.rng.random()}"

@check(10)
def answer_key(sub):
    """the answer key is loaded by the grader"""
    assert sub.answer("key").double(21) == 42
    return Partial(0.25, "a quarter")

@check(10)
def printed(sub):
    """what the student prints is shown, marked as theirs"""
    sub.module("answer").chatty()
    raise AssertionError("failing to show the output")

@check(10, memory_mb=512)
def memory(sub):
    """the student's process has a memory limit"""
    sub.module("answer").big()
'''


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> Lab:
    root = tmp_path_factory.mktemp("api") / "labs"
    folder = root / "lab98-api"
    (folder / "solution").mkdir(parents=True)
    (folder / "checks.py").write_text(textwrap.dedent(CHECKS))
    (folder / "answer.py").write_text(textwrap.dedent(STUDENT))
    (folder / "solution" / "key.py").write_text("def double(n):\n    return 2 * n\n")
    return all_labs(root)[0]


@pytest.fixture(scope="module")
def report(toy: Lab) -> LabReport:
    return grade(toy, seed=7)


def outcome(report: LabReport, name: str) -> tuple[float, str]:
    found = next(o for o in report.outcomes if o.name.startswith(name))
    return found.score, found.output


@pytest.mark.parametrize("name", ["plain data", "objects are handles", "student exceptions", "a check's function", "eight threads"])
def test_passes(report: LabReport, name: str) -> None:
    score, output = outcome(report, name)
    assert score == 10, output


def test_a_students_eq_cannot_lie(report: LabReport) -> None:
    assert outcome(report, "a student's __eq__") == (0, "the liar is not 42")


def test_student_error_message_names_the_students_line(report: LabReport) -> None:
    assert outcome(report, "student exceptions")[1].startswith("Rejected: rejected: too_large (at answer.py:")


def test_partial_credit_is_returned(report: LabReport) -> None:
    assert outcome(report, "the answer key") == (2.5, "a quarter")


def test_output_of_the_student_is_marked(report: LabReport) -> None:
    score, output = outcome(report, "what the student prints")
    assert score == 0 and output.endswith("--- your code printed ---\nhello from the student")


def test_memory_limit(report: LabReport) -> None:
    score, output = outcome(report, "the student's process has a memory limit")
    assert score == 0 and "MemoryError" in output


SEEDED = '''
"""One seeded check."""
from labs.grader import check

FILES = []

@check(10)
def seeded(sub):
    """sub.rng is seeded by the run's seed and the check"""
    return f"draw {sub.rng.random()}"
'''


def test_seeds_repeat_inputs(tmp_path: Path, report: LabReport) -> None:
    draw = outcome(report, "sub.rng")[1]
    assert draw.startswith("draw ")
    folder = tmp_path / "labs" / "lab95-seeded"
    folder.mkdir(parents=True)
    (folder / "checks.py").write_text(textwrap.dedent(SEEDED))
    seeded = all_labs(tmp_path / "labs")[0]
    again, other = grade(seeded, seed=7), grade(seeded, seed=8)
    assert outcome(again, "sub.rng")[1] == draw != outcome(other, "sub.rng")[1]


LENT_CHECKS = '''
"""A lab for testing lent tables."""
from labs.grader import check
from labs.grader.submission import unique_name

FILES = ["store.py"]

@check(10, needs_emulator=True, timeout_s=60)
def lent(sub):
    """a lent table behaves like boto3's and records the calls"""
    table = sub.resource("dynamodb").create_table(
        TableName=unique_name("api"), BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
    lent = sub.lend_table(table, deny={"scan"})
    store = sub.module("store")
    assert store.claim(lent, "a") is True and store.claim(lent, "a") is False
    assert store.fill(lent, 30) == 30
    assert [int(n) for n in store.newest(lent, 3)] == [29, 28, 27]
    assert store.everything(lent) == "scan refused: AccessDenied"
    assert lent.denied == ["scan"] and {"query", "put_item", "batch_write_item"} <= {call[0] for call in lent.calls}
    assert store.other_table(lent).startswith("PermissionError")
    assert table.get_item(Key={"pk": "a", "sk": 0})["Item"]["claimed"] is True
    seen = []
    hooked = sub.lend_table(table, before=lambda op, kw: seen.append(("before", op)), after=lambda op, kw: seen.append(("after", op)))
    assert store.claim(hooked, "b") is True and store.claim(hooked, "b") is False  # the second put fails, after still runs
    assert seen == [("before", "put_item"), ("after", "put_item")] * 2, seen
'''

LENT_STUDENT = '''
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

def claim(table, pk):
    try:
        table.put_item(Item={"pk": pk, "sk": 0, "claimed": True}, ConditionExpression="attribute_not_exists(pk)")
    except table.meta.client.exceptions.ConditionalCheckFailedException:
        return False
    return True

def fill(table, n):
    with table.batch_writer() as batch:
        for number in range(n):
            batch.put_item(Item={"pk": "items", "sk": number})
    return table.query(KeyConditionExpression=Key("pk").eq("items"), Select="COUNT")["Count"]

def newest(table, limit):
    response = table.query(KeyConditionExpression=Key("pk").eq("items") & Key("sk").gte(0), ScanIndexForward=False, Limit=limit)
    return [item["sk"] for item in response["Items"]]

def everything(table):
    try:
        table.scan()
    except PermissionError:
        return "scan refused: AccessDenied"
    return "scanned"

def other_table(table):
    try:
        table.meta.client.get_item(TableName="someone-elses", Key={"pk": {"S": "x"}})
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return "read it"
'''


def test_lent_table(tmp_path: Path, running_emulator: Emulator) -> None:
    folder = tmp_path / "labs" / "lab97-lent"
    folder.mkdir(parents=True)
    (folder / "checks.py").write_text(textwrap.dedent(LENT_CHECKS))
    (folder / "store.py").write_text(textwrap.dedent(LENT_STUDENT))
    result = grade(all_labs(tmp_path / "labs")[0], emulator=running_emulator)
    assert result.score == 10, result.outcomes[0].output
