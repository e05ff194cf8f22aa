"""Observability: a retry-ratio alarm (metric math), a p95 processing-time alarm and one page per incident.

Nothing the student writes runs: ``observability.yaml`` is read as data, merged into the
reference template and linted. The alarms are then evaluated by the grader (``chaos.alarms``,
CloudWatch's rules) on two kinds of data: a day at production scale drawn per run (traffic,
transient errors, incidents of four kinds), and what a real drill on the emulator produced
(the function's EMF log lines, the queues' depths).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import tempfile
import threading
import time
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from chaos.alarms import (
    ALARM,
    INSUFFICIENT,
    OK,
    Metric,
    Unsupported,
    alarm_series,
    breaching,
    composite_state,
    definitions,
    emf_samples,
    states,
    watched,
)
from labs.grader import Partial, Submission, check
from labs.grader.drills import drill_stack

FILES = ["observability.yaml"]
TIME_LIMIT_S = 600

ALLOWED_TYPES = ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm", "AWS::CloudWatch::Dashboard",
                 "AWS::SNS::Topic", "AWS::SNS::Subscription", "AWS::SNS::TopicPolicy")  # fmt: skip
NAMESPACE, SERVICE = "p4lab", {"service": "p4lab-processor"}  # POWERTOOLS_METRICS_NAMESPACE / _SERVICE_NAME
QUEUES = {"dlq": "DeadLetterQueue", "ingest": "IngestQueue"}  # QueueName dimensions, by logical id

# The objectives the README states; the scenario checks judge them.
IMAGES_PER_DAY = 10_000_000
TRANSIENT_RETRY_RATE = 0.001  # 0.1 % of records fail once and are retried: the system working
NORMAL_RETRY_SHARES = (0.0005, 0.003)  # what a drawn day's normal share of retried records lies between
RATIO_DEADLINE_MIN = SLOW_DEADLINE_MIN = 5  # ALARM within this many minutes of an incident's start
PAGE_DEADLINE_MIN = 15  # the page: within 15 minutes (a backlog takes minutes to become one)
RECOVERY_MIN = 15  # back to OK within this long after an incident ends
SLOW_P95_MS = 3000  # "95 % of uploads processed within 3 s"
HOURS = 7
SAMPLES_PER_MINUTE = 20  # ProcessingTime values drawn per minute (percentiles of a minute's uploads)


# ----------------------------------------------------------------------------- the submission
def decode(text: str) -> Any:
    """CloudFormation YAML as plain data, short tags as their long form (``!Ref X`` -> ``{"Ref": "X"}``).

    What cfn-lint's decoder gives, without importing cfn-lint (0.7 s): the checks evaluated for
    many seeds read the template this way, and only the lint check pays for cfn-lint.
    """

    class Loader(yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):  # type: ignore[misc,name-defined]
        pass

    def tagged(loader: Any, tag: str, node: Any) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        if tag in ("Ref", "Condition"):
            return {tag: value}
        if tag == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {f"Fn::{tag}": value}

    Loader.add_multi_constructor("!", tagged)
    return yaml.load(text, Loader=Loader)  # noqa: S506  (a SafeLoader subclass)


def base_template() -> dict[str, Any]:
    """The reference template (``reference.deploy.TEMPLATE_PATH``, found without importing boto3), its alarms included."""
    return decode(files("reference").joinpath("infra", "template.yaml").read_text(encoding="utf-8"))


def merged(sub: Submission) -> tuple[dict[str, Any], set[str]]:
    """The reference template with the student's resources added, and the names the student added."""

    try:
        added = decode(sub.text("observability.yaml"))
    except yaml.YAMLError as error:
        raise AssertionError(f"observability.yaml does not parse: {error}") from None
    assert isinstance(added, dict), "observability.yaml must be a YAML mapping with Resources"
    resources = added.get("Resources") or {}
    assert isinstance(resources, dict), "observability.yaml must have a Resources mapping"
    assert resources, "observability.yaml adds no resources yet"
    unknown = set(added) - {"Resources", "Outputs"}
    assert not unknown, f"only Resources (and Outputs) are yours to add, not {', '.join(sorted(unknown))}"
    foreign = {name: r.get("Type") for name, r in resources.items() if not isinstance(r, dict) or r.get("Type") not in ALLOWED_TYPES}
    assert not foreign, f"only alarms, dashboards and SNS topics are yours to add, not {foreign}"
    template = base_template()
    clash = set(resources) & set(template["Resources"])
    assert not clash, f"these names are already in the template: {', '.join(sorted(clash))}"
    template["Resources"].update(resources)
    template.setdefault("Outputs", {}).update(added.get("Outputs") or {})
    return template, set(resources)


def alarms(sub: Submission) -> tuple[dict[str, Any], set[str]]:
    """Every alarm of the merged template (``chaos.alarms.Definition``), and the student's names.

    A composite alarm counts as a page only if its actions notify an SNS topic (of the template,
    or by ARN): its ``actions`` are narrowed to those.
    """
    template, added = merged(sub)
    found = definitions(template)
    topics = {name for name, r in template["Resources"].items() if isinstance(r, dict) and r.get("Type") == "AWS::SNS::Topic"}
    for alarm in found.values():
        if alarm.kind == "composite":
            notified = [a for a in alarm.actions if a in topics or str(a).startswith("arn:aws:sns:")]
            alarm.properties = {**alarm.properties, "AlarmActions": notified}
    return found, added


def _reads(alarm: Any, metric_name: str) -> bool:
    return alarm.kind == "metric" and any(m.namespace == NAMESPACE and m.name == metric_name for m in watched(alarm))


def candidates(all_alarms: dict[str, Any], added: set[str], purpose: str) -> list[Any]:
    """The student's alarms for one purpose, found by what they watch (names are free)."""
    if purpose == "page":
        return [all_alarms[n] for n in sorted(added) if n in all_alarms and all_alarms[n].kind == "composite"]
    metric = {"retries": "RecordsRetried", "slow": "ProcessingTime"}[purpose]
    return [all_alarms[n] for n in sorted(added) if n in all_alarms and _reads(all_alarms[n], metric)]


# ----------------------------------------------------------------------------- a day at scale
class Scenario:
    """Minutes of production traffic with incidents: metrics as the function and SQS publish them.

    (A plain class: the grader loads checks modules by path, where dataclasses cannot resolve
    their own module.)
    """

    def __init__(self, minutes: int) -> None:
        self.minutes = minutes
        self.samples: dict[Any, list[tuple[float, float]]] = {}
        self.incidents: list[tuple[str, int, int]] = []  # (kind, first minute, end minute)
        self.spikes: list[tuple[int, int]] = []
        self.description = ""

    def add(self, metric: Any, minute: int, value: float) -> None:
        self.samples.setdefault(metric, []).append((minute * 60 + 30.0, float(value)))

    @property
    def times(self) -> list[float]:
        return [60.0 * (minute + 1) for minute in range(self.minutes)]


def _poisson(rng: Any, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 50:  # normal approximation: exact enough at these counts, and fast
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


INCIDENT_KINDS = ("retry storm", "slowdown", "backlog", "poison")


def draw_scenario(rng: Any, images_per_day: int = IMAGES_PER_DAY, hours: int = HOURS, kinds: tuple[str, ...] = INCIDENT_KINDS,
                  weakest: bool = False) -> Scenario:  # fmt: skip
    """A production day drawn from ``rng``: diurnal traffic, transient retries, spikes and incidents.

    ``weakest`` draws every incident at the mildest level the objectives still call an incident.
    """
    scenario = Scenario(minutes=hours * 60)
    per_minute = images_per_day / 1440
    phase, transient = rng.uniform(0, 2 * math.pi), rng.uniform(*NORMAL_RETRY_SHARES)
    median_ms = rng.uniform(250, 400)
    order = list(kinds)
    rng.shuffle(order)
    minute = 30
    for kind in order:
        start = minute + rng.randint(15, 25)
        scenario.incidents.append((kind, start, start + rng.randint(20, 35)))
        minute = scenario.incidents[-1][2]
        spike = minute + RECOVERY_MIN + rng.randint(2, 6)  # judged: past the incident's recovery
        scenario.spikes.append((spike, spike + rng.randint(5, 9)))
        minute = scenario.spikes[-1][1]
    assert minute < scenario.minutes, "the scenario does not fit its hours"
    level = {kind: _level(rng, kind, weakest) for kind in kinds}
    dims = {"QueueName": QUEUES["dlq"]}, {"QueueName": QUEUES["ingest"]}
    received, retried = Metric.of(NAMESPACE, "RecordsReceived", SERVICE), Metric.of(NAMESPACE, "RecordsRetried", SERVICE)
    processed, timing = Metric.of(NAMESPACE, "UploadsProcessed", SERVICE), Metric.of(NAMESPACE, "ProcessingTime", SERVICE)
    dlq_depth, backlog = Metric.of("AWS/SQS", "ApproximateNumberOfMessagesVisible", dims[0]), Metric.of(
        "AWS/SQS", "ApproximateNumberOfMessagesVisible", dims[1])  # fmt: skip
    oldest, dlq_age = Metric.of("AWS/SQS", "ApproximateAgeOfOldestMessage", dims[1]), Metric.of(
        "AWS/SQS", "ApproximateAgeOfOldestMessage", dims[0])  # fmt: skip
    for m in range(scenario.minutes):
        active = {kind: (start, end) for kind, start, end in scenario.incidents if start <= m < end}
        traffic = per_minute * (1 + 0.6 * math.sin(2 * math.pi * m / 1440 + phase))
        if any(s <= m < e for s, e in scenario.spikes):
            traffic *= 3
        if "backlog" in active:
            traffic *= 0.3  # the function is throttled: few records get through
        elif any(kind == "backlog" and end <= m < end + 5 for kind, _, end in scenario.incidents):
            traffic *= 2  # catching up
        n = _poisson(rng, traffic)
        ratio = level["retry storm"] if "retry storm" in active else transient
        k = _poisson(rng, n * ratio)
        scenario.add(received, m, n)
        scenario.add(processed, m, max(0, n - k))
        if k:
            scenario.add(retried, m, k)  # EMF: no RecordsRetried line when nothing was retried
        slowed = round(level["slowdown"][0] * SAMPLES_PER_MINUTE) if "slowdown" in active else 0
        for index in range(SAMPLES_PER_MINUTE):
            value = median_ms * math.exp(rng.gauss(0, 0.5))
            scenario.add(timing, m, value + (rng.uniform(*level["slowdown"][1]) if index < slowed else 0))
        age = 60 * (m - active["backlog"][0] + 1) if "backlog" in active else rng.uniform(0.5, 8)
        scenario.add(oldest, m, age)
        scenario.add(backlog, m, n * age / 60 if "backlog" in active else rng.randint(0, 40))
        depth = level["poison"] if "poison" in active else 0
        scenario.add(dlq_depth, m, depth)
        if depth:
            scenario.add(dlq_age, m, 60 * (m - active["poison"][0] + 1))
    incidents = ", ".join(f"{kind} at minutes {s}-{e}" for kind, s, e in scenario.incidents)
    scenario.description = f"{images_per_day:,} images/day ({hours} h), transient retries {transient:.2%}; {incidents}"
    return scenario


def _level(rng: Any, kind: str, weakest: bool) -> Any:
    if kind == "retry storm":  # share of records retried
        return 0.03 if weakest else rng.uniform(0.03, 0.25)
    if kind == "slowdown":  # (share of uploads slowed, added milliseconds)
        return (0.10, (3000, 3200)) if weakest else (rng.uniform(0.10, 0.25), (3000, 6000))
    if kind == "poison":  # messages in the DLQ
        return 1 if weakest else rng.randint(1, 5)
    return None


def judge(states: list[str], scenario: Scenario, kinds: set[str], deadline_min: int) -> list[str]:
    """What an alarm's states break: an incident of ``kinds`` not alarmed in time, or an alarm in normal operation.

    While another kind of incident goes on (and recovers), an alarm is not judged: a throttled
    function's few records can make any ratio jumpy, and the page is on already.
    """
    problems = []
    for kind, start, end in scenario.incidents:
        if kind in kinds and ALARM not in states[start : min(end, start + deadline_min)]:
            problems.append(f"the {kind} of minutes {start}-{end} was not alarmed within {deadline_min} minutes")
    incidents = [(start, end + RECOVERY_MIN) for _, start, end in scenario.incidents]
    false = [m for m, state in enumerate(states) if state == ALARM and not any(s <= m < e for s, e in incidents)]
    if false:
        spike = next((f" (a traffic spike at minutes {s}-{e})" for s, e in scenario.spikes if s <= false[0] < e + 3), "")
        problems.append(f"in ALARM at {len(false)} minutes of normal operation, first at minute {false[0]}{spike}")
    return problems


def scenario_states(all_alarms: dict[str, Any], scenario: Scenario) -> dict[str, list[str]]:
    """Every alarm's state after each minute of the scenario (composites from their children)."""
    result = {name: states(a, alarm_series(a, scenario.samples), scenario.times)
              for name, a in all_alarms.items() if a.kind == "metric"}  # fmt: skip
    for name, alarm in all_alarms.items():
        if alarm.kind == "composite":
            rule = str(alarm.properties.get("AlarmRule", ""))
            result[name] = [composite_state(rule, {n: s[m] for n, s in result.items()}) for m in range(scenario.minutes)]
    return result


PURPOSES = {  # purpose -> (incident kinds it must alarm on, deadline in minutes, what it is)
    "retries": ({"retry storm"}, RATIO_DEADLINE_MIN, "retry alarm"),
    "slow": ({"slowdown"}, SLOW_DEADLINE_MIN, "processing-time alarm"),
    "page": (set(INCIDENT_KINDS), PAGE_DEADLINE_MIN, "page"),
}
MISSING = {"retries": "no alarm of yours reads p4lab's RecordsRetried", "slow": "no alarm of yours reads p4lab's ProcessingTime",
           "page": "no composite alarm of yours has an action (AlarmActions: an SNS topic someone is subscribed to)"}  # fmt: skip


def at_scale(sub: Submission, scenario: Scenario) -> str | Partial:
    """Each purpose's best alarm judged over ``scenario``: a third of the points each."""
    all_alarms, added = alarms(sub)
    try:
        all_states = scenario_states(all_alarms, scenario)
    except Unsupported as error:
        raise AssertionError(f"cannot evaluate your alarms: {error}") from None
    noisy = sorted(name for name, alarm in all_alarms.items() if alarm.kind == "metric" and alarm.actions)
    held, problems = [], []
    for purpose, (kinds, deadline, what) in PURPOSES.items():
        found = [a for a in candidates(all_alarms, added, purpose) if purpose != "page" or a.actions]
        if not found:
            problems.append(MISSING[purpose])
            continue
        verdicts = {a.name: judge(all_states[a.name], scenario, kinds, deadline) for a in found}
        if purpose == "page" and noisy:
            verdicts = {name: [f"{', '.join(noisy)} would page too: one incident must be one page"] + v for name, v in verdicts.items()}
        best = min(verdicts, key=lambda name: len(verdicts[name]))
        if verdicts[best]:
            problems.append(f"{what} {best}: " + "; ".join(verdicts[best]))
        else:
            held.append(f"{what} {best}")
    if not problems:
        return f"{', '.join(held)} met their objectives over {scenario.description}"
    return Partial(len(held) / len(PURPOSES), f"Over {scenario.description}: " + " | ".join(problems))


# ----------------------------------------------------------------------------- static checks
@check(10, timeout_s=90, hint="Only alarms, dashboards and SNS topics are yours to add; Ref/GetAtt the template's "
       "resources by their logical ids. Run cfn-lint on the merged template.")
def lint(sub: Submission) -> None:
    """the reference template with your resources passes cfn-lint"""
    import cfnlint.api

    template, _ = merged(sub)
    matches = cfnlint.api.lint(json.dumps(template, default=str), regions=["us-east-1"])
    assert not matches, "cfn-lint: " + "; ".join(f"{m.rule.id}: {m.message}" for m in matches[:5])


@check(45, hint="Retries are normal at a low rate and their count grows with traffic: alarm on the share retried. "
       "An average hides a slow tail. One incident, one page: a composite over every alarm that means uploads are hurt.")
def production_day(sub: Submission) -> str | Partial:
    """over a production day drawn per run: retry alarm, p95 alarm and page each meet their objective"""
    alarms(sub)  # an unreadable submission fails before anything is drawn
    return at_scale(sub, draw_scenario(sub.rng))


# ----------------------------------------------------------------------------- the drill
DRILL = Path(__file__).with_name("drill.json")
PHASES = ("healthy", "slow", "failing")  # the drill's upload groups judged (warm-up is not)
EXPECTED = {  # purpose -> the state each phase must end in
    "retries": {"healthy": False, "slow": False, "failing": True},
    "slow": {"healthy": False, "slow": True, "failing": False},
    "page": {"healthy": False, "slow": True, "failing": True},
}
SAMPLE_EVERY_S = 1.0


def _sample_queues(stack: Any, into: dict[Any, list[tuple[float, float]]], stop: threading.Event) -> None:
    sqs = stack.client("sqs")
    urls = {QUEUES["dlq"]: stack.outputs["DeadLetterQueueUrl"], QUEUES["ingest"]: stack.outputs["QueueUrl"]}
    while not stop.wait(SAMPLE_EVERY_S):
        for queue, url in urls.items():
            visible = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
            metric = Metric.of("AWS/SQS", "ApproximateNumberOfMessagesVisible", {"QueueName": queue})
            into.setdefault(metric, []).append((time.time(), float(visible["ApproximateNumberOfMessages"])))


def run_drill(sub: Submission) -> dict[str, Any]:
    """Deploy the reference stack, run the drill, and keep what it produced: EMF samples, queue depths, phases."""
    from chaos import context, drill, runner
    from chaos.summary import epoch
    from reference.status import Images

    logging.getLogger("chaostoolkit").setLevel(logging.CRITICAL)
    connection = drill_stack(sub, "lab10")
    context.forget()
    stack = context.resolve(connection)
    queues: dict[Any, list[tuple[float, float]]] = {}
    stop = threading.Event()
    sampler = threading.Thread(target=_sample_queues, args=(stack, queues, stop), daemon=True)
    started = time.time()
    sampler.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            journal = runner.run(DRILL, connection, Path(folder) / "journal.json")
    finally:
        stop.set()
        sampler.join(10)
    held = ((journal.get("steady_states") or {}).get("after") or {}).get("steady_state_met")
    assert held, "the grader's drill did not end as it should (an upload lost or dead-lettered): not your doing, grade again"
    record = drill.snapshot()
    items = {i["image_id"]: i for i in Images(stack.target, stack.outputs).get([u["image_id"] for u in record["uploads"]])}
    phases = {}
    for group in PHASES:
        uploads = [u for u in record["uploads"] if u["group"] == group]
        ends = [epoch(items[u["image_id"]]["done_at"]) for u in uploads]
        phases[group] = [min(u["posted_at"] for u in uploads), max(e for e in ends if e) + 2.0]  # EMF lines follow done_at
    logs = stack.client("logs")
    pages = logs.get_paginator("filter_log_events").paginate(
        logGroupName=f"/aws/lambda/{stack.outputs['FunctionName']}", startTime=int(started * 1000) - 1000
    )
    samples = {**emf_samples(event["message"] for page in pages for event in page["events"]), **queues}
    return {"phases": phases, "samples": [[m.namespace, m.name, dict(m.dimensions), values] for m, values in samples.items()]}


CACHE_PREFIX = "p4lab-lab10-drill-"


def observed(sub: Submission) -> dict[str, Any]:
    """The drill's observations on this emulator: run once, then read back.

    The drill does not depend on the submission, so every grading run on one emulator (the test
    suite's, a class graded on one) shares it. The cache is the grader's own: a file in the temp
    folder that this user owns and no one else may read, named for the emulator's process group
    and removed once that group is gone.
    """
    emulator = sub.emulator
    assert emulator is not None
    folder = Path(tempfile.gettempdir())
    tag = hashlib.sha256(f"{emulator.endpoint}|{DRILL.read_bytes().hex()}".encode()).hexdigest()[:16]
    cache = folder / f"{CACHE_PREFIX}{emulator.pgid}-{tag}.json"
    try:
        descriptor = os.open(cache, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(descriptor) as file:
            stat = os.fstat(file.fileno())
            if stat.st_uid == os.getuid() and stat.st_mode & 0o077 == 0:
                return json.load(file)
    except (OSError, ValueError):
        pass
    data = run_drill(sub)
    _forget_stopped_emulators(folder)
    with tempfile.NamedTemporaryFile("w", dir=folder, prefix=CACHE_PREFIX, suffix=".tmp", delete=False) as file:  # mode 0600
        json.dump(data, file)
    try:
        os.replace(file.name, cache)
    except OSError:  # a file of another user's holds the name: do without the cache
        os.unlink(file.name)
    return data


def _forget_stopped_emulators(folder: Path) -> None:
    for path in folder.glob(f"{CACHE_PREFIX}*-*.json"):
        pgid = path.name.removeprefix(CACHE_PREFIX).split("-", 1)[0]
        try:
            if path.stat().st_uid == os.getuid() and pgid.isdigit():
                os.killpg(int(pgid), 0)
        except ProcessLookupError:
            path.unlink(missing_ok=True)
        except OSError:
            continue


def _phase_states(all_alarms: dict[str, Any], samples: dict[Any, list], phases: dict[str, list[float]]) -> dict[str, dict[str, str]]:
    """Each alarm's state for each phase of the drill, the phase's data taken as one period."""
    def phase_of(at: float) -> str | None:
        return next((phase for phase, (start, end) in phases.items() if start <= at < end), None)

    result: dict[str, dict[str, str]] = {}
    for name, alarm in all_alarms.items():
        if alarm.kind == "metric":
            series = alarm_series(alarm, samples, bucket=phase_of)  # type: ignore[arg-type]
            missing = {"breaching": ALARM, "notBreaching": OK}.get(str(alarm.properties.get("TreatMissingData")), INSUFFICIENT)
            result[name] = {p: (ALARM if breaching(alarm, series[p]) else OK) if p in series else missing for p in phases}
    for name, alarm in all_alarms.items():
        if alarm.kind == "composite":
            rule = str(alarm.properties.get("AlarmRule", ""))
            result[name] = {p: composite_state(rule, {n: s[p] for n, s in result.items() if p in s}) for p in phases}
    return result


def _unpublished(alarm: Any, samples: dict[Any, list]) -> str:
    """Why an alarm's metrics had no data in the drill, with what the function did publish ('' if they had)."""
    problems = []
    for metric in watched(alarm):
        if not samples.get(metric):
            published = sorted(str(m) for m in samples if m.namespace == metric.namespace and m.name == metric.name)
            problems.append(f"{metric} had no datapoints in the drill (published: {', '.join(published) or 'nothing by that name'})")
    return "; ".join(problems)


@check(45, needs_emulator=True, timeout_s=300, hint="Run the drill yourself (`p4lab chaos run labs/lab10-observability/drill.json`) "
       "and read the function's log lines: an alarm sees only the metrics, names and dimension sets published there.")
def drill_alarms(sub: Submission) -> str | Partial:
    """on a real drill's metrics: each alarm quiet while healthy, firing for its own fault"""
    all_alarms, added = alarms(sub)
    wanted = {purpose: candidates(all_alarms, added, purpose) for purpose in EXPECTED}
    assert any(wanted.values()), "you added no alarm for retries, processing time or paging: nothing to judge"
    data = observed(sub)
    samples = {Metric.of(ns, name, dims): [tuple(v) for v in values] for ns, name, dims, values in data["samples"]}
    try:
        states = _phase_states(all_alarms, samples, data["phases"])
    except Unsupported as error:
        raise AssertionError(f"cannot evaluate your alarms: {error}") from None
    passed, problems = [], []
    for purpose, found in wanted.items():
        verdicts = {}
        for alarm in found:
            unpublished = "" if alarm.kind == "composite" else _unpublished(alarm, samples)
            wrong = [f"{'in ALARM' if states[alarm.name][p] == ALARM else 'not in ALARM'} in the {p} phase"
                     for p, expected in EXPECTED[purpose].items() if (states[alarm.name][p] == ALARM) != expected]  # fmt: skip
            verdicts[alarm.name] = "; ".join(filter(None, [unpublished, *wrong]))
        best = min(verdicts, key=lambda n: len(verdicts[n])) if verdicts else ""
        if best and not verdicts[best]:
            passed.append(best)
        else:
            problems.append(f"{best}: {verdicts[best]}" if best else f"no alarm for {purpose}")
    if not problems:
        return f"{', '.join(passed)}: each quiet while healthy and in ALARM for its own fault"
    return Partial(len(passed) / len(EXPECTED), "; ".join(problems))
