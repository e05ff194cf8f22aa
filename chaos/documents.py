"""Drill documents: long PDFs the function splits into page ranges, and whether every page was
counted exactly once.

A PDF longer than the function's ``pdf_pages_per_invocation`` (20 by default) is not rendered in
one invocation: the upload's invocation writes the item ``PROCESSING`` with ``pages_total`` and
queues one page-range task per range (``reference/handler/app.py``, ``_fan_out``); each task
renders its pages and counts them on the item, and the range that completes the count sets the
document ``DONE`` (``ImageStore.complete_page_range``). Kill a worker mid-range and that range
comes back after the visibility timeout: it must be rendered again and counted once.

* ``upload_documents`` — PDFs of ``pages`` pages through the real presigned POST, recorded in
  the drill (each must end DONE);
* ``wait_for_split`` — wait until every drill document has been split into page-range tasks,
  so that a fault started next hits page rendering;
* ``track`` — judge a document written some other way (a test's own item) like an upload;
* ``miscounted_pages`` — drill documents whose page accounting is wrong (a probe: 0 before the
  method, 0 after).

Limitations: the counts are judged from the item (``pages_total``, ``pages_done``,
``ranges_done``, the variants it lists); objects written twice under one key (a retried range)
are rewrites, which ``chaos.pipeline.duplicate_outputs`` checks and reports.
"""

from __future__ import annotations

import functools
import re
import time
from typing import Any

from chaos import drill
from chaos.context import Configuration, resolve
from reference import samples
from reference.handler.store import DONE, FAILED, PROCESSING
from reference.status import Images
from reference.upload import create_slot, post_file

PAGE_VARIANT = re.compile(r"^page-(\d+)(?:-[a-z]+)?$")
POLL_S = 0.25
_pages: dict[tuple[str, str], int] = {}  # (drill id, image id) -> pages uploaded


@functools.lru_cache(maxsize=8)
def _pdf(pages: int) -> bytes:
    return samples.document(pages, title="Chaos drill document")


def upload_documents(
    count: int = 1, pages: int = 45, group: str = "documents", configuration: Configuration | None = None
) -> dict[str, Any]:
    """Upload ``count`` PDFs of ``pages`` pages as the group's owner; each must end DONE."""
    if int(pages) < 1:
        raise ValueError(f"a document needs at least one page, not {pages}")
    stack = resolve(configuration)
    record = drill.current()
    started = time.monotonic()
    ids = []
    with drill.uploading():
        for index in range(int(count)):
            name = f"{group}-{index:03d}.pdf"
            slot = create_slot(stack.target, stack.outputs, owner=record.owner(group), filename=name, content_type="application/pdf")
            post_file(stack.target, slot, _pdf(int(pages)), name, "application/pdf")
            track(slot.image_id, int(pages), group, name)
            ids.append(slot.image_id)
    return {"group": group, "uploaded": len(ids), "pages": int(pages), "seconds": round(time.monotonic() - started, 2)}


def track(image_id: str, pages: int, group: str, name: str) -> None:
    """Judge a document in this drill: it must end DONE with ``pages`` pages counted once.

    ``upload_documents`` calls it for its own uploads; a test that writes a document's item
    itself (e.g. to break its count on purpose) calls it too.
    """
    _pages[(drill.current().id, image_id)] = int(pages)
    drill.add_upload(drill.Upload(image_id, group, drill.DONE, name, time.time()))


def documents() -> dict[str, int]:
    """The current drill's documents: image id -> pages uploaded."""
    record = drill.current()
    return {image_id: pages for (drill_id, image_id), pages in _pages.items() if drill_id == record.id}


def wait_for_split(timeout_s: float = 60, configuration: Configuration | None = None) -> dict[str, Any]:
    """Wait until every drill document is split (PROCESSING with its page count) or final.

    Records the expectation "documents split" in the drill: a document the function never
    picked up within ``timeout_s`` means the fault that follows would hit an idle function.
    """
    stack = resolve(configuration)
    started = time.monotonic()
    drill.wait_for_uploaders(float(timeout_s))
    wanted = list(documents())
    states: dict[str, str] = {}
    while True:
        items = Images(stack.target, stack.outputs).get(wanted)
        states = {item["image_id"]: item.get("status", "?") for item in items}
        split = [i for i in wanted if states.get(i) in (DONE, FAILED) or (states.get(i) == PROCESSING and _has_total(items, i))]
        if len(split) == len(wanted) or time.monotonic() - started > float(timeout_s):
            break
        time.sleep(POLL_S)
    seconds = round(time.monotonic() - started, 1)
    drill.expect("documents split", len(split) == len(wanted), f"{len(split)} of {len(wanted)} split after {seconds} s")
    return {"split": len(split), "documents": len(wanted), "states": states, "seconds": seconds}


def _has_total(items: list[dict], image_id: str) -> bool:
    return any(item["image_id"] == image_id and "pages_total" in item for item in items)


def page_problems(item: dict | None, pages: int) -> list[str]:
    """What is wrong with one document's page accounting (empty: every page counted once).

    A document still being processed is judged on what it has so far (never more than its
    pages); a DONE one must list every page exactly once, in ranges that cover it exactly.

        >>> done = {"status": "DONE", "pages_total": 3, "pages_done": 3, "ranges_done": {"1-2", "3-3"},
        ...         "variants": [{"name": n} for n in ("page-0001", "page-0002", "page-0003")]}
        >>> page_problems(done, 3)
        []
        >>> page_problems({**done, "pages_done": 5, "ranges_done": {"1-2", "2-3"}}, 3)
        ['5 pages counted of 3', 'ranges 1-2, 2-3 overlap or leave gaps in pages 1-3']
        >>> page_problems({**done, "variants": done["variants"] * 2}, 3)
        ['3 variants listed twice']
    """
    if item is None or "pages_total" not in item:
        return [] if not item or item.get("status") != DONE else ["DONE without a page count: it was never split"]
    problems = []
    total, done = int(item["pages_total"]), int(item.get("pages_done", 0))
    if total != pages:
        problems.append(f"pages_total is {total}, the document has {pages}")
    if done > total or (item.get("status") == DONE and done != total):
        problems.append(f"{done} pages counted of {total}")
    ranges = sorted(tuple(int(n) for n in r.split("-")) for r in item.get("ranges_done") or set())
    covered = [page for first, last in ranges for page in range(first, last + 1)]
    if len(covered) != len(set(covered)) or (item.get("status") == DONE and sorted(covered) != list(range(1, pages + 1))):
        problems.append(f"ranges {', '.join(f'{a}-{b}' for a, b in ranges)} overlap or leave gaps in pages 1-{pages}")
    names = [str(v.get("name", "")) for v in item.get("variants") or []]
    repeated = len(names) - len(set(names))
    if repeated:
        problems.append(f"{repeated} variants listed twice")
    if item.get("status") == DONE:
        numbered = {int(m.group(1)) for m in map(PAGE_VARIANT.match, names) if m}
        if numbered != set(range(1, pages + 1)):
            problems.append(f"variants for {len(numbered)} of {pages} pages")
    return problems


def miscounted_pages(configuration: Configuration | None = None) -> int:
    """Drill documents whose pages are not counted exactly once so far (0 with no documents)."""
    wanted = documents()
    if not wanted:
        return 0
    stack = resolve(configuration)
    items = {item["image_id"]: item for item in Images(stack.target, stack.outputs).get(list(wanted))}
    return sum(1 for image_id, pages in wanted.items() if page_problems(items.get(image_id), pages))
