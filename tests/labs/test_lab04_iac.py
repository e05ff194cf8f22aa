"""Lab 04 (IaC): the starter leaves the lab's TODOs and nothing else, the key is not the reference's
template, the README states the lab's own values, the vetting refuses code, and try_it.py works."""

from __future__ import annotations

import dataclasses
import doctest
import json
from pathlib import Path
from types import ModuleType

import pytest

from labs.grader import find_lab
from labs.grader.templates import vet
from reference import emulator
from reference.deploy import TEMPLATE_PATH
from tests.labs.helpers import load_isolated, solution
from tests.labs.readmes import flat, grading_table, public_points, text

LAB = find_lab("lab04")
GIVEN = {"ExportLimits", "ExporterLogGroup", "Exporter"}  # what the starter holds, as the key does
TODO = {"ExportBucket", "ExportBucketPolicy", "RequestQueue", "DeadLetterQueue", "RequestQueuePolicy", "DeadLetterAlarm",
        "ExporterRole", "ExporterEventSource", "OriginAccessControl", "Distribution"}  # fmt: skip


@pytest.fixture(scope="module")
def checks() -> ModuleType:
    return load_isolated(LAB.folder / "checks.py", "lab04_checks_for_tests")  # type: ignore[return-value]


def _template(checks: ModuleType, path: Path) -> dict:
    return checks.parse(path.read_text(encoding="utf-8"))


def test_starter_gives_the_interface_and_leaves_the_todos(checks: ModuleType) -> None:
    starter = _template(checks, LAB.folder / "template.yaml")
    key = _template(checks, solution(LAB) / "template.yaml")
    def interface(template: dict) -> dict:  # descriptions may differ: the key's explains its answer
        return {name: {k: v for k, v in p.items() if k != "Description"} for name, p in template["Parameters"].items()}

    assert interface(starter) == interface(key), "the starter's parameters are the lab's interface, as in the key"
    assert starter["Outputs"] == key["Outputs"]
    assert set(starter["Resources"]) == GIVEN and set(key["Resources"]) == GIVEN | TODO
    for name in GIVEN:
        assert starter["Resources"][name] == key["Resources"][name], f"{name} differs from the answer key's"
    receives = starter["Parameters"]["MaxReceiveCount"]
    assert receives["Default"] >= checks.MIN_RECEIVES and receives["MinValue"] >= checks.MIN_RECEIVES
    assert starter["Parameters"]["FunctionTimeout"]["AllowedValues"] == list(checks.FUNCTION_TIMEOUTS)


def test_the_key_is_not_the_reference_template(checks: ModuleType) -> None:
    key = _template(checks, solution(LAB) / "template.yaml")["Resources"]
    reference = _template(checks, TEMPLATE_PATH)["Resources"]
    alike = [name for name in set(key) & set(reference) if key[name] == reference[name]]
    assert not alike, f"resources copied from the reference template: {alike}"


def test_readme_states_what_the_checks_do(checks: ModuleType) -> None:
    assert text(LAB).splitlines()[2].startswith("**What you build that isn't in `reference/`:**")
    body = flat(text(LAB))
    assert grading_table(LAB) == public_points(LAB)
    values = ", ".join(map(str, checks.FUNCTION_TIMEOUTS[:-1])) + f" and {checks.FUNCTION_TIMEOUTS[-1]} s"
    assert f"`FunctionTimeout` must accept {values}" in body
    assert f"**at least {checks.MIN_RECEIVES}**" in body
    for kind in checks.ALLOWED_TYPES:  # every type the grader deploys is named in the README's list
        assert README_NAMES[kind] in body, f"the README does not say that {kind} may be deployed"


README_NAMES = {
    "AWS::S3::Bucket": "S3 buckets",
    "AWS::S3::BucketPolicy": "bucket policies",
    "AWS::SQS::Queue": "SQS queues",
    "AWS::SQS::QueuePolicy": "queue policies",
    "AWS::IAM::Role": "IAM roles",
    "AWS::IAM::Policy": "IAM roles and policies",
    "AWS::Lambda::Function": "the Lambda function",
    "AWS::Lambda::EventSourceMapping": "its event source mapping",
    "AWS::Logs::LogGroup": "log groups",
    "AWS::SSM::Parameter": "SSM parameters",
    "AWS::CloudFront::Distribution": "CloudFront distributions",
    "AWS::CloudFront::OriginAccessControl": "origin access controls",
    "AWS::CloudFront::CachePolicy": "cache and response-headers policies",
    "AWS::CloudFront::ResponseHeadersPolicy": "response-headers policies",
    "AWS::CloudWatch::Alarm": "CloudWatch alarms",
    "AWS::SNS::Topic": "SNS topics",
}
INLINE_CODE = {"Code": {"ZipFile": "import os"}, "Handler": "exporter.handler", "Runtime": "python3.12"}


@pytest.mark.parametrize(
    ("resources", "problem"),
    [
        ({"F": {"Type": "AWS::Lambda::Function", "Properties": INLINE_CODE}}, "Code must be exactly"),
        ({"C": {"Type": "AWS::CloudFormation::CustomResource", "Properties": {}}}, "C is a AWS::CloudFormation::CustomResource"),
        ({"J": {"Type": "AWS::CloudFront::Function", "Properties": {}}}, "J is a AWS::CloudFront::Function"),
        ({"S": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "https://x"}}}, "S is a AWS::CloudFormation::Stack"),
    ],
    ids=["inline-code", "custom-resource", "cloudfront-function", "nested-stack"],
)
def test_vetting_refuses_what_would_run_code(checks: ModuleType, resources: dict, problem: str) -> None:
    with pytest.raises(AssertionError, match=problem):
        vet({"Resources": resources}, checks.ALLOWED_TYPES, checks.FUNCTIONS)
    with pytest.raises(AssertionError, match="Transform"):
        vet({"Transform": "AWS::Serverless-2016-10-31", "Resources": {}}, checks.ALLOWED_TYPES, checks.FUNCTIONS)


@pytest.mark.e2e
def test_try_it_deploys_and_exports_on_a_kept_emulator(running_emulator: emulator.Emulator, capsys: pytest.CaptureFixture) -> None:
    """What a student runs after `p4lab up`: the session's emulator, recorded as the kept one."""
    try_it = load_isolated(LAB.folder / "try_it.py", "lab04_try_it")
    kept = emulator.state_dir() / "embedded.json"
    kept.write_text(json.dumps(dataclasses.asdict(running_emulator)))
    try:
        assert try_it.main([str(solution(LAB) / "template.yaml")]) == 0  # type: ignore[attr-defined]
        assert "Exported and served through CloudFront" in capsys.readouterr().out
        assert try_it.main([str(LAB.folder / "template.yaml")]) == 1  # type: ignore[attr-defined]
        assert "AWS would refuse to create this stack" in capsys.readouterr().err
        assert try_it.main([]) == 2  # type: ignore[attr-defined]
    finally:
        kept.unlink()


def test_docstring_examples_of_the_checks(checks: ModuleType) -> None:
    """The project's doctest run skips lab folders (they hold students' code): the checks' run here."""
    results = doctest.testmod(checks)
    assert results.attempted > 0 and results.failed == 0
