"""Hidden check for lab 09: two documents in one table, with the same range numbers, delivered interleaved.

The public checks count one document at a time. A range is "1-10" in every document: its item,
its condition and its counter must all belong to *its* document, or one document's ranges are
skipped (or counted) on the other.
"""

from __future__ import annotations

import importlib.util
import uuid
from pathlib import Path

from labs.grader import Submission, check

_spec = importlib.util.spec_from_file_location("lab09_checks_for_hidden", Path(__file__).resolve().parent.parent / "checks.py")
assert _spec and _spec.loader
lab = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lab)

FIRST = [(1, 10), (11, 20), (21, 25)]
SECOND = [(1, 10), (11, 20), (21, 30), (31, 31)]


@check(10, needs_emulator=True, timeout_s=60, hint="Is every key you write (and every condition you test) scoped to the "
       "document, or only to the range's page numbers?")  # fmt: skip
def two_documents(sub: Submission) -> None:
    """two documents share a table and their range numbers, delivered interleaved: each counted on its own"""
    fanout, table = sub.module("fanout"), lab.new_table(sub)
    first_id, second_id = uuid.uuid4().hex[:16], uuid.uuid4().hex[:16]
    lab.start_document(table, first_id, FIRST)
    lab.start_document(table, second_id, SECOND)
    lent = sub.lend_table(table)
    documents = {first_id: lab.Document(table, first_id, FIRST), second_id: lab.Document(table, second_id, SECOND)}
    order = [(second_id, SECOND[0]), (first_id, FIRST[0]), (first_id, FIRST[1]), (second_id, SECOND[1]), (second_id, SECOND[0]),
             (first_id, FIRST[2]), (second_id, SECOND[2]), (first_id, FIRST[0]), (second_id, SECOND[3])]  # fmt: skip
    for doc_id, (first, last) in order:
        lab.deliver(fanout, lent, documents[doc_id], [(first, last)])
    problems = [f"document {n}: {p}" for n, (doc_id, document) in enumerate(documents.items(), 1)
                for p in lab.outcome_problems(table, doc_id, document.ranges, document.returned)]  # fmt: skip
    assert not problems, "; ".join(problems)
