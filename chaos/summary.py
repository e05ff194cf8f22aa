"""Read a Chaos Toolkit journal back as the few numbers a drill is judged by.

The journal is the only input, so a run made with ``chaos run FILE`` is summarised (and
reported) exactly like one made with ``p4lab chaos run``. The numbers come from the output of
the method's ``drill-summary`` probe (the drill record plus the uploads' final states) and
from the hypothesis results Chaos Toolkit recorded before and after the method.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

SUMMARY_PROBE = "drill-summary"
FINAL = {"DONE", "FAILED"}


@dataclass
class Summary:
    title: str
    status: str
    hypothesis_before: bool | None
    hypothesis_after: bool | None
    uploads: int = 0
    processed: int = 0          # ended in the state they had to end in
    lost: int = 0               # never reached a final state
    wrong: int = 0              # final, but not the expected state (e.g. a healthy photo FAILED)
    duplicates: int = 0
    rewrites: int = 0           # a key written more than once (a retry): harmless, reported
    kills: int = 0
    dead_letters: int = 0
    drain_s: float | None = None      # end of the last fault -> last upload final
    total_s: float | None = None      # first upload -> last upload final
    failed_activities: list[str] = field(default_factory=list)
    expectations: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    timeline: dict[str, Any] = field(default_factory=dict)

    @property
    def held(self) -> bool:
        """The drill passed: the hypothesis held before and after, and every activity ran."""
        return bool(self.hypothesis_before) and bool(self.hypothesis_after) and not self.failed_activities


def epoch(iso: str | None) -> float | None:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() if iso else None


def _steady(journal: dict[str, Any], when: str) -> bool | None:
    state = (journal.get("steady_states") or {}).get(when)
    return None if state is None else bool(state.get("steady_state_met"))


def summarise(journal: dict[str, Any]) -> Summary:
    runs = journal.get("run") or []
    summary = Summary(
        title=journal.get("experiment", {}).get("title", "?"),
        status="deviated" if journal.get("deviated") else str(journal.get("status")),
        hypothesis_before=_steady(journal, "before"),
        hypothesis_after=_steady(journal, "after"),
        failed_activities=[
            f"{run['activity']['name']}: {run.get('exception', [''])[-1].strip() if run.get('exception') else 'failed'}"
            for run in runs + (journal.get("rollbacks") or [])
            if run.get("status") != "succeeded"
        ],
    )
    record = next((run.get("output") for run in runs if run["activity"]["name"] == SUMMARY_PROBE), None)
    if not record:
        return summary
    uploads = record["uploads"]
    summary.uploads = len(uploads)
    summary.processed = sum(1 for u in uploads if u["status"] == u["expect"])
    summary.lost = sum(1 for u in uploads if u["status"] not in FINAL)
    summary.wrong = summary.uploads - summary.processed - summary.lost
    summary.duplicates = record["duplicates"]["items"] + record["duplicates"]["variants"]
    summary.rewrites = record["duplicates"]["rewrites"]
    summary.kills = len(record["kills"])
    summary.dead_letters = record["dead_letters"]
    summary.expectations = record["expectations"]
    summary.notes = record["notes"]
    summary.timeline = _timeline(record)
    if summary.timeline["completions"]:
        last = max(summary.timeline["completions"])
        fault_end = max((w["end"] for w in summary.timeline["windows"] if w["end"] is not None), default=None)
        summary.total_s = round(last - min(summary.timeline["posted"]), 1)
        summary.drain_s = round(max(0.0, last - fault_end), 1) if fault_end is not None else summary.total_s
    return summary


def _timeline(record: dict[str, Any]) -> dict[str, Any]:
    """Times in seconds since the drill started: uploads posted, uploads final, faults, kills."""
    zero = record["started_at"]
    return {
        "posted": [u["posted_at"] - zero for u in record["uploads"]],
        "completions": [epoch(u["done_at"]) - zero for u in record["uploads"] if u["status"] in FINAL and u["done_at"]],
        "windows": [
            {"label": w["label"], "start": w["start"] - zero, "end": None if w["end"] is None else w["end"] - zero}
            for w in record["windows"]
        ],
        "kills": [k["at"] - zero for k in record["kills"]],
    }
