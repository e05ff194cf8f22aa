"""Lab 10 (observability): the answer is not in the reference template, the README's numbers come
from the code, the fast template reader agrees with cfn-lint's, and cheats earn nothing (graded on
the cheap checks; the drill runs in the soundness test)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode_str

from chaos.alarms import definitions
from labs.grader import find_lab, grade
from reference.deploy import TEMPLATE_PATH
from tests.labs.helpers import load_isolated

LAB = find_lab("lab10")
README = (LAB.folder / "README.md").read_text()
PROSE = " ".join(README.split())  # the README's words, line breaks aside
CHECKS: Any = load_isolated(LAB.folder / "checks.py", "lab10_checks_for_tests")
KEY = CHECKS.decode((LAB.solution_folder / "observability.yaml").read_text())
DRILL = json.loads((LAB.folder / "drill.json").read_text())
CHEAP = [c.name for c in LAB.checks() if not c.needs_emulator]


def test_the_fast_reader_agrees_with_cfn_lint() -> None:
    text = TEMPLATE_PATH.read_text()
    assert CHECKS.base_template() == json.loads(json.dumps(decode_str(text)[0], default=str))
    key = (LAB.solution_folder / "observability.yaml").read_text()
    assert KEY == json.loads(json.dumps(decode_str(key)[0], default=str))


def test_the_answer_key_is_not_in_the_reference_template() -> None:
    template = definitions(CHECKS.base_template())
    assert all(a.kind == "metric" for a in template.values()), "the template has a composite alarm"
    watched = {m.name for a in template.values() for m in __import__("chaos.alarms").alarms.watched(a)}
    assert not watched & {"RecordsRetried", "ProcessingTime"}, "the template already alarms on the handler's metrics"
    assert not set(KEY["Resources"]) & set(CHECKS.base_template()["Resources"])
    assert README.splitlines()[2].startswith("**What you build that isn't in the repository:**")


def test_readme_numbers_come_from_the_code() -> None:
    environment = CHECKS.base_template()["Resources"]["Processor"]["Properties"]["Environment"]["Variables"]
    assert (environment["POWERTOOLS_METRICS_NAMESPACE"], {"service": environment["POWERTOOLS_SERVICE_NAME"]}) == (
        CHECKS.NAMESPACE, CHECKS.SERVICE)  # fmt: skip
    assert f"namespace `{CHECKS.NAMESPACE}` with the dimension set `service={CHECKS.SERVICE['service']}`" in PROSE
    per_minute = CHECKS.IMAGES_PER_DAY / 1440 * CHECKS.TRANSIENT_RETRY_RATE
    assert f"At {CHECKS.IMAGES_PER_DAY:,} images a day, {CHECKS.TRANSIENT_RETRY_RATE:.1%} transient" in PROSE
    assert f"about {round(per_minute)} retried records a minute" in PROSE and round(per_minute) == 7
    assert f"{CHECKS.HOURS} hours of a production day drawn per run ({CHECKS.IMAGES_PER_DAY:,} images/day," in PROSE
    oldest = CHECKS.base_template()["Resources"]["OldestMessageAlarm"]["Properties"]
    assert f"more than {oldest['Threshold']} s for {oldest['EvaluationPeriods'] * oldest['Period'] // 60} minutes" in PROSE
    assert f"within {CHECKS.SLOW_P95_MS // 1000} s" in PROSE and f"above {CHECKS.SLOW_P95_MS // 1000} s" in PROSE
    assert f"within {CHECKS.RATIO_DEADLINE_MIN} minutes of a retry storm" in PROSE
    assert f"within {CHECKS.SLOW_DEADLINE_MIN} minutes of p95" in PROSE
    assert f"within {CHECKS.PAGE_DEADLINE_MIN} minutes of every incident" in PROSE
    assert f"may take {CHECKS.RECOVERY_MIN} minutes" in PROSE
    storm = CHECKS._level(__import__("random").Random(0), "retry storm", True)
    normal = CHECKS.NORMAL_RETRY_SHARES[1]
    assert f"({storm:.0%} or more of records retried), never in normal operation (up to {normal:.1%} retried)" in PROSE
    config = DRILL["configuration"]
    assert f"slow S3 reads ({config['latency_ms'] / 1000:g} s each)" in PROSE and f"({config['error_for_s']} s of failures" in PROSE
    table = dict(re.findall(r"^\| (\w+) \| (\d+) \|", README, re.MULTILINE))
    points = {c.function.__name__: c.points for c in LAB.checks(public_only=True)}
    assert {name: float(value) for name, value in table.items()} == points and sum(points.values()) == 100


def _submission(tmp_path: Path, resources: dict, **sections: Any) -> Path:
    (tmp_path / "observability.yaml").write_text(json.dumps({"Resources": resources, **sections}))
    return tmp_path


def _key_with(**changes: Any) -> dict:
    resources = json.loads(json.dumps(KEY["Resources"]))
    for name, properties in changes.items():
        resources.setdefault(name, {"Type": "AWS::CloudWatch::Alarm", "Properties": {}})["Properties"].update(properties)
    return resources


INJECTED = "__import__('os').system('touch /tmp/p4lab-lab10-injected')"
LAMBDA = "arn:aws:lambda:us-east-1:1:function:f"  # not a topic: pages nobody
ALL_BUT_THE_PAGE = 10 + 30 + 13.34  # lint, two thirds of the day, two thirds of the hidden check
CHEATS = {  # name: (resources, extra sections, the most the cheap checks may give: nothing for what is cheated)
    "a custom resource that runs code": ({**KEY["Resources"], "Writer": {"Type": "AWS::Lambda::Function", "Properties": {}}}, {}, 0),
    "a page that is always in ALARM": (_key_with(PageOnCall={"AlarmRule": "TRUE"}), {}, ALL_BUT_THE_PAGE),
    "a page whose action notifies nobody": (_key_with(PageOnCall={"AlarmActions": [LAMBDA]}), {}, ALL_BUT_THE_PAGE),
    "the template's DLQ alarm redefined": (_key_with(DeadLetterAlarm={"Threshold": 100}), {}, 0),
    "template parameters added": (KEY["Resources"], {"Parameters": {"X": {"Type": "String"}}}, 0),
    "code in a metric-math expression": (json.loads(json.dumps(KEY["Resources"]).replace("FILL(retried, 0) / received", INJECTED)),
                                         {}, 10),  # fmt: skip
}


@pytest.mark.parametrize("name", CHEATS)
def test_cheats_earn_nothing_they_did_not_do(name: str, tmp_path: Path) -> None:
    resources, sections, most = CHEATS[name]
    report = grade(LAB, _submission(tmp_path, resources, **sections), seed=11, only=CHEAP)
    earned = "; ".join(f"{o.name}: {o.score} {o.output[:200]}" for o in report.outcomes)
    assert report.score <= most, f"{name} scores {report.score}: {earned}"
    assert not Path("/tmp/p4lab-lab10-injected").exists()
