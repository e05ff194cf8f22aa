"""Chaos engineering: a drill of your own, killing the workers that render a long PDF's pages.

The experiment is code (``vet``), and its claims are not taken on trust: the hypothesis is
judged by Chaos Toolkit's own tolerance logic on pipeline states drawn per run, and the graded
drill's outcome (lost uploads, dead letters, duplicates, page counts, kills, restored settings)
is measured by the grader from the pipeline and the drill's record, whatever the experiment's
own probes say.
"""

from __future__ import annotations

import copy
import json
import logging
import sys
import tempfile
import time
import types
from datetime import datetime
from pathlib import Path
from typing import Any

# Chaos Toolkit is imported with the lab (0.2 s), not in each check: every check process is forked
# from the grader and starts with it, which matters when the hypothesis check runs for many seeds.
from chaoslib.exceptions import InvalidExperiment
from chaoslib.experiment import ensure_experiment_is_valid
from chaoslib.hypothesis import run_steady_state_hypothesis
from chaoslib.run import EventHandlerRegistry

from labs.grader import Partial, Submission, check
from labs.grader.drills import drill_stack
from labs.grader.experiments import DRILL_MODULES, vet

FILES = ["experiment.json"]
TIME_LIMIT_S = 900

MODULES = DRILL_MODULES | {"chaos.documents"}
# The promises of the drill: a probe each, judged on states the grader draws.
PROMISES = {
    ("chaos.pipeline", "dead_letters"): "nothing dead-lettered",
    ("chaos.pipeline", "unfinished_uploads"): "no upload lost or stuck",
    ("chaos.pipeline", "duplicate_outputs"): "nothing processed into two items",
    ("chaos.documents", "miscounted_pages"): "every page counted exactly once",
}
UPLOAD_DOCUMENTS = ("chaos.documents", "upload_documents")
WAIT_FOR_SPLIT = ("chaos.documents", "wait_for_split")
KILL = ("chaos.workers", "kill_workers")
DRAIN = ("chaos.pipeline", "wait_for_drain")
RESTORES = {  # an action that changes the pipeline -> the rollback that puts it back
    ("chaos.clocks", "shorten_redelivery"): ("chaos.clocks", "restore_redelivery"),
    ("chaos.capacity", "throttle"): ("chaos.capacity", "restore_concurrency"),
    ("chaos.faults", "set_fault_injection"): ("chaos.faults", "clear_fault_injection"),
    ("chaos.faults", "deny_reads"): ("chaos.faults", "allow_reads"),
}
CONNECTION_KEYS = ("p4lab_target", "p4lab_stack", "p4lab_endpoint", "p4lab_ca_bundle", "p4lab_pgid")
# The graded run is a short drill: these configuration values are lowered to at most this.
SHORT_DRILL = {"documents": 1, "pages": 60, "kill_for_s": 5, "split_timeout_s": 60, "drain_timeout_s": 90}
STATE_MODULE = "p4lab_lab08_state"  # where the hypothesis check's probes read the drawn state


# ----------------------------------------------------------------------------- reading the experiment
def _experiment(sub: Submission) -> dict[str, Any]:
    try:
        experiment = json.loads(sub.text("experiment.json"))
    except json.JSONDecodeError as error:
        raise AssertionError(f"experiment.json is not JSON: {error}") from None
    assert isinstance(experiment, dict), "experiment.json must hold one JSON object"
    vet(experiment, MODULES)  # the experiment is code: only p4lab's drill steps may run (before validating imports them)
    return experiment


def _call(activity: Any) -> tuple[str, str]:
    provider = activity.get("provider") or {} if isinstance(activity, dict) else {}
    return str(provider.get("module", "")), str(provider.get("func", ""))


def _method(experiment: dict) -> list[tuple[str, str]]:
    """The calls of the method in order, references to other activities resolved."""
    named = {a.get("name"): a for section in _sections(experiment) for a in section if isinstance(a, dict) and "provider" in a}
    return [_call(named.get(a.get("ref"), a)) if isinstance(a, dict) else ("", "") for a in experiment.get("method") or []]


def _sections(experiment: dict) -> list[list]:
    hypothesis = experiment.get("steady-state-hypothesis") or {}
    return [hypothesis.get("probes") or [], experiment.get("method") or [], experiment.get("rollbacks") or []]


# ----------------------------------------------------------------------------- static checks
@check(10, hint="Run `chaos validate experiment.json`: a title, a description, a hypothesis with a title, a method.")
def valid(sub: Submission) -> None:
    """Chaos Toolkit accepts the experiment, and it runs only p4lab's drill steps"""
    experiment = _experiment(sub)
    try:
        ensure_experiment_is_valid(experiment)
    except InvalidExperiment as error:
        raise AssertionError(f"Chaos Toolkit says: {error}") from None
    assert experiment.get("method"), "the method is empty: an experiment must do something"
    assert "TODO" not in json.dumps(experiment), "TODOs are left in experiment.json"


def _state_module() -> types.ModuleType:
    """A module Chaos Toolkit can import by name, whose probe returns the value it is given."""
    module = sys.modules.get(STATE_MODULE)
    if module is None:
        module = types.ModuleType(STATE_MODULE)
        module.value = lambda value: value  # type: ignore[attr-defined]
        sys.modules[STATE_MODULE] = module
    return module


def _drawn_states(rng: Any) -> list[dict[tuple[str, str], int]]:
    """Healthy states, each promise broken alone by one (one lost upload is one too many), and mixes."""
    promises = list(PROMISES)
    states = [dict.fromkeys(promises, 0) for _ in range(2)]
    states += [{p: int(p == broken) for p in promises} for broken in promises]
    for _ in range(6):
        mix = {p: (rng.randint(1, 40) if rng.random() < 0.5 else 0) for p in promises}
        mix[rng.choice(promises)] = rng.randint(1, 400)
        states.append(mix)
    rng.shuffle(states)
    return states


def _judged(experiment: dict, state: dict[tuple[str, str], int]) -> bool:
    """What Chaos Toolkit says of the experiment's hypothesis if its probes returned ``state``."""
    _state_module()
    judged = copy.deepcopy(experiment)
    probes = []
    for probe in (judged.get("steady-state-hypothesis") or {}).get("probes") or []:
        if _call(probe) in state:
            probe.pop("pauses", None)
            probe["provider"] = {"type": "python", "module": STATE_MODULE, "func": "value", "arguments": {"value": state[_call(probe)]}}
            probes.append(probe)
    judged["steady-state-hypothesis"]["probes"] = probes
    configuration = {k: v for k, v in (experiment.get("configuration") or {}).items() if not isinstance(v, dict)}
    result = run_steady_state_hypothesis(judged, configuration, {}, None, EventHandlerRegistry())
    return bool(result and result.get("steady_state_met"))


@check(25, hint="A steady state you can measure: one probe per promise of the drill, each tolerating nothing "
       "(a single lost upload or miscounted page breaks the promise). The probes are listed in the README.")
def hypothesis(sub: Submission) -> str | Partial:
    """the hypothesis holds on a healthy pipeline and breaks when any promise breaks, by even one"""
    logging.getLogger("chaostoolkit").setLevel(logging.CRITICAL)
    experiment = _experiment(sub)
    assert (experiment.get("steady-state-hypothesis") or {}).get("probes"), "the hypothesis has no probes"
    states = _drawn_states(sub.rng)
    missed: dict[tuple[str, str], str] = {}
    for state in states:
        steady, held = not any(state.values()), _judged(experiment, state)
        if steady and not held:
            raise AssertionError("on a healthy pipeline (every probe 0) your hypothesis does not hold: the drill could never start")
        if held and not steady:
            for promise, n in state.items():
                if n and promise not in missed and _judged(experiment, {p: n if p == promise else 0 for p in state}):
                    missed[promise] = f"{PROMISES[promise]} ({promise[0]}.{promise[1]} = {n} passed)"
    if not missed:
        return f"judged {len(states)} drawn states correctly"
    caught = 1 - len(missed) / len(PROMISES)
    return Partial(caught, "your hypothesis still holds when a promise is broken: " + "; ".join(missed.values()))


@check(10, hint="The fault must hit the work under test: a long PDF uploaded, split into page ranges, and its "
       "rendering workers killed; then the drain, before the hypothesis is checked again.")
def method(sub: Submission) -> None:
    """the method kills workers while a long PDF's pages render, then waits for the drain"""
    calls = _method(_experiment(sub))
    assert UPLOAD_DOCUMENTS in calls, "the method uploads no document (chaos.documents.upload_documents)"
    assert KILL in calls, "the method kills no workers (chaos.workers.kill_workers)"
    first_upload, first_kill = calls.index(UPLOAD_DOCUMENTS), calls.index(KILL)
    assert WAIT_FOR_SPLIT in calls[first_upload:first_kill], (
        "wait for the split (chaos.documents.wait_for_split) between the upload and the kills: "
        "the hypothesis is about page ranges, so the fault must land while they render"
    )
    assert DRAIN in calls[first_kill:], (
        "wait for the drain (chaos.pipeline.wait_for_drain) after the kills, or the hypothesis is checked too early"
    )


@check(10, hint="Whatever the method changes (redelivery clock, concurrency, faults), a rollback restores, even if the run fails.")
def rollbacks(sub: Submission) -> None:
    """every change the method makes is undone by a rollback"""
    experiment = _experiment(sub)
    calls = _method(experiment)
    assert calls, "there is no method yet, so nothing to roll back"
    undone = {_call(a) for a in experiment.get("rollbacks") or []}
    for change in dict.fromkeys(c for c in calls if c in RESTORES):
        assert RESTORES[change] in undone, f"{'.'.join(change)} is never undone: add {'.'.join(RESTORES[change])} to the rollbacks"


# ----------------------------------------------------------------------------- the drill
def _shortened(experiment: dict) -> dict[str, Any]:
    """SHORT_DRILL values for the keys the experiment declares with a larger plain number."""
    declared = experiment.get("configuration") or {}
    return {k: limit for k, limit in SHORT_DRILL.items() if isinstance(declared.get(k), (int, float)) and declared[k] > limit}


def _settings(stack: Any) -> dict[str, Any]:
    """What a drill may change, read from the services."""
    function = stack.outputs["FunctionName"]
    lam = stack.client("lambda")
    return {
        "visibility timeout": stack.client("sqs").get_queue_attributes(
            QueueUrl=stack.outputs["QueueUrl"], AttributeNames=["VisibilityTimeout"])["Attributes"]["VisibilityTimeout"],
        "function timeout": lam.get_function_configuration(FunctionName=function)["Timeout"],
        "reserved concurrency": lam.get_function_concurrency(FunctionName=function).get("ReservedConcurrentExecutions"),
        "fault switch": stack.client("ssm").get_parameter(Name=stack.outputs["FaultInjectionParameterName"])["Parameter"]["Value"],
    }  # fmt: skip


def _epoch(iso: str | None) -> float | None:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() if iso else None


def measure(stack: Any, record: dict[str, Any], pages: dict[str, int]) -> dict[str, Any]:
    """The drill's outcome, measured by the grader: from the pipeline and the drill's own record."""
    from chaos import pipeline
    from chaos.documents import page_problems
    from chaos.drill import Upload
    from reference.status import Images

    uploads = [Upload(**u) for u in record["uploads"]]
    items = {i["image_id"]: i for i in Images(stack.target, stack.outputs).get([u.image_id for u in uploads])}
    outcome: dict[str, Any] = {"uploads": len(uploads), "documents": len(pages), "lost": [], "wrong": [], "miscounted": []}
    for upload in uploads:
        status = items.get(upload.image_id, {}).get("status", "MISSING")
        if status not in ("DONE", "FAILED"):
            outcome["lost"].append(f"{upload.name} {status}")
        elif status != upload.expect:
            outcome["wrong"].append(f"{upload.name} {status}, expected {upload.expect}")
    for image_id, count in pages.items():
        problems = page_problems(items.get(image_id), count)
        if problems:
            outcome["miscounted"].append(f"{items.get(image_id, {}).get('name', image_id)}: {'; '.join(problems)}")
    outcome["split"] = sum(1 for i in pages if "pages_total" in (items.get(i) or {}))  # only a fan-out sets it
    dlq = stack.client("sqs").get_queue_attributes(
        QueueUrl=stack.outputs["DeadLetterQueueUrl"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    outcome["dead letters"] = sum(int(v) for v in dlq.values())
    found = pipeline.duplicates(stack, uploads, items) if uploads else {"items": 0, "variants": 0}
    outcome["duplicates"] = found["items"] + found["variants"]
    # A kill counts as the fault under test if it came while a document was in flight.
    now = time.time()
    flights = [(u.posted_at, _epoch(items.get(u.image_id, {}).get("done_at")) or now) for u in uploads if u.image_id in pages]
    outcome["kills"] = len(record["kills"])
    outcome["kills in flight"] = sum(1 for k in record["kills"] if any(start <= k["at"] <= end for start, end in flights))
    return outcome


def verdict(outcome: dict[str, Any]) -> list[str]:
    """The promises the pipeline broke during the drill, as the grader measured them (empty: none)."""
    broken = []
    if outcome["lost"]:
        lost = "; ".join(outcome["lost"][:3])
        broken.append(f"{len(outcome['lost'])} of {outcome['uploads']} uploads not final when the drill ended ({lost})")
    if outcome["wrong"]:
        broken.append("; ".join(outcome["wrong"][:3]))
    if outcome["dead letters"]:
        broken.append(f"{outcome['dead letters']} messages in the dead-letter queue")
    if outcome["duplicates"]:
        broken.append(f"{outcome['duplicates']} duplicate items or variants")
    if outcome["miscounted"]:
        broken.append("pages miscounted: " + "; ".join(outcome["miscounted"][:3]))
    return broken


@check(45, needs_emulator=True, timeout_s=420, hint="Run it yourself (`p4lab chaos run experiment.json`) and read the "
       "report: was a document split, were its workers killed while pages rendered, did everything drain?")
def drill(sub: Submission) -> str | Partial:
    """your drill, run on the embedded pipeline: a real fault, every promise kept, every setting restored"""
    from chaos import context, documents, ledger, runner
    from chaos import drill as drill_record
    from reference.errors import UserError

    logging.getLogger("chaostoolkit").setLevel(logging.CRITICAL)
    experiment = _experiment(sub)
    missing = [key for key in CONNECTION_KEYS if key not in (experiment.get("configuration") or {})]
    assert not missing, f"the configuration must declare {', '.join(missing)} (keep the starter's block) so the drill finds the stack"
    calls = _method(experiment)
    assert UPLOAD_DOCUMENTS in calls and KILL in calls, "the method uploads no document or kills no worker: there is no drill to run"
    connection = drill_stack(sub, "lab08")
    context.forget()
    stack = context.resolve(connection)
    before = _settings(stack)
    with tempfile.TemporaryDirectory() as folder:
        try:
            journal = runner.run(sub.path("experiment.json"), {**_shortened(experiment), **connection}, Path(folder) / "journal.json")
        except UserError as error:
            raise AssertionError(f"the drill could not start: {error}") from None
    outcome = measure(stack, drill_record.snapshot(), documents.documents())
    restored = _settings(stack)
    left = ledger.pending(stack)
    ledger.restore_all(stack)  # leave the stack as deployed, whatever the experiment did
    summary = f"{outcome['documents']} document(s), {outcome['kills']} workers killed ({outcome['kills in flight']} while pages rendered)"
    before_met = ((journal.get("steady_states") or {}).get("before") or {}).get("steady_state_met")
    assert before_met, ("your hypothesis did not hold before the method, on a pipeline that had done nothing for this drill "
                        "yet, so Chaos Toolkit skipped the method")  # fmt: skip
    assert outcome["documents"], "the drill uploaded no document"
    assert outcome["split"] == outcome["documents"], (
        f"{outcome['documents'] - outcome['split']} document(s) were never split into page ranges: "
        "use more pages than one invocation renders (see the README)"
    )
    assert outcome["kills in flight"], f"{summary}: no worker was killed while a document was being processed, so the drill tested nothing"
    broken = verdict(outcome)
    assert not broken, f"{summary}, but the pipeline did not keep its promises when your drill ended: " + "; ".join(broken)
    problems = []
    held = ((journal.get("steady_states") or {}).get("after") or {}).get("steady_state_met")
    if not held:
        problems.append((0.5, "the pipeline kept every promise, but your hypothesis says it did not hold afterwards: "
                              "a probe or tolerance judges something else"))  # fmt: skip
    changed = {k: f"{before[k]} -> {restored[k]}" for k in before if before[k] != restored[k]}
    if changed or left:
        what = ", ".join([f"{k} {v}" for k, v in changed.items()] + ([f"{len(left)} changes still in the ledger"] if left else []))
        problems.append((0.25, f"the drill left the stack changed ({what}): roll back what the method changes"))
    if problems:
        return Partial(1 - sum(cost for cost, _ in problems), f"{summary}. " + " ".join(message for _, message in problems))
    return f"{summary}; nothing lost, dead-lettered or duplicated, every page counted once, settings restored"
