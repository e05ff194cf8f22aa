"""Infrastructure as code: dead-letter queue, visibility timeout, least privilege, private buckets."""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path
from typing import Any

from labs.grader import Submission, check

FILES = ["template.yaml"]
TIME_LIMIT_S = 600

REQUIRED_ACTIONS = {
    "s3:GetObject": "IngestBucket",
    "s3:PutObject": "DeliveryBucket",
    "sqs:ReceiveMessage": "IngestQueue",
    "sqs:DeleteMessage": "IngestQueue",
    "sqs:GetQueueAttributes": "IngestQueue",
    "dynamodb:UpdateItem": "ImagesTable",
    "dynamodb:PutItem": "IdempotencyTable",
}


# ----------------------------------------------------------------------------- reading the template
def _template(sub: Submission) -> dict[str, Any]:
    from cfnlint.decode import decode_str

    parsed, errors = decode_str(sub.text("template.yaml"))
    assert not errors and parsed, f"template.yaml does not parse: {errors[0] if errors else 'empty'}"
    return parsed


def _resources(template: dict, kind: str) -> dict[str, dict]:
    return {name: r for name, r in template.get("Resources", {}).items() if r.get("Type") == kind}


def _mentions(value: Any, name: str) -> bool:
    """Does a (possibly intrinsic-function) value refer to the resource ``name``?"""
    return name in json.dumps(value, default=str)


def _number(value: Any, template: dict, overrides: dict[str, str]) -> int:
    """Evaluate a literal, a Ref to a parameter, or a FindInMap over parameters."""
    if isinstance(value, dict) and "Ref" in value:
        name = value["Ref"]
        if name in overrides:
            return int(overrides[name])
        return int(template["Parameters"][name]["Default"])
    if isinstance(value, dict) and "Fn::FindInMap" in value:
        mapping, first, second = value["Fn::FindInMap"]
        key = str(_number(first, template, overrides)) if isinstance(first, dict) else str(first)
        return int(template["Mappings"][mapping][key][second])
    return int(value)


def _statements(document: Any) -> list[dict]:
    """Policy statements, with each side of an Fn::If flattened in."""
    found: list[dict] = []
    for statement in (document or {}).get("Statement", []):
        if isinstance(statement, dict) and "Fn::If" in statement:
            found += [s for s in statement["Fn::If"][1:] if isinstance(s, dict) and "Effect" in s]
        elif isinstance(statement, dict):
            found.append(statement)
    return found


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _function(template: dict) -> dict:
    functions = _resources(template, "AWS::Lambda::Function")
    assert len(functions) == 1, f"expected one Lambda function, found {len(functions)}"
    return next(iter(functions.values()))


def _role_statements(template: dict) -> list[dict]:
    role_ref = _function(template)["Properties"]["Role"]
    roles = [name for name in _resources(template, "AWS::IAM::Role") if _mentions(role_ref, name)]
    assert roles, "the function's Role is not a role defined in this template"
    role = template["Resources"][roles[0]]["Properties"]
    assert not role.get("ManagedPolicyArns"), "attach no managed policies: they are not least privilege for this function"
    statements = [s for p in role.get("Policies", []) for s in _statements(p.get("PolicyDocument"))]
    for policy in _resources(template, "AWS::IAM::Policy").values():
        if _mentions(policy["Properties"].get("Roles"), roles[0]):
            statements += _statements(policy["Properties"].get("PolicyDocument"))
    return statements


# ----------------------------------------------------------------------------- static checks
@check(10, timeout_s=60, hint="Run `cfn-lint template.yaml` and fix what it reports (errors and warnings).")
def lint(sub: Submission) -> None:
    """cfn-lint reports nothing"""
    import cfnlint.api

    matches = cfnlint.api.lint(sub.text("template.yaml"), regions=["us-east-1"])
    assert not matches, "cfn-lint: " + "; ".join(f"{m.rule.id} line {m.linenumber}: {m.message}" for m in matches[:5])


@check(15, hint="AWS::SQS::Queue RedrivePolicy: deadLetterTargetArn (a second queue) and maxReceiveCount.")
def dead_letter_queue(sub: Submission) -> None:
    """the ingest queue redrives to a dead-letter queue that keeps messages longer"""
    template = _template(sub)
    queues = _resources(template, "AWS::SQS::Queue")
    source = next((q for name, q in queues.items() if _mentions(_function_sources(template), name)), None)
    assert source is not None, "no SQS queue feeds the function through an event source mapping"
    redrive = source.get("Properties", {}).get("RedrivePolicy")
    assert redrive, "the queue that feeds the function has no RedrivePolicy"
    targets = [name for name in queues if _mentions(redrive.get("deadLetterTargetArn"), name)]
    assert targets, "RedrivePolicy.deadLetterTargetArn must be the ARN of a queue in this template"
    receives = _number(redrive.get("maxReceiveCount", 0), template, {})
    assert 1 <= receives <= 10, f"maxReceiveCount is {receives}: retry a few times (1-10), not {receives}"
    kept = _number(queues[targets[0]].get("Properties", {}).get("MessageRetentionPeriod", 345600), template, {})
    source_kept = _number(source["Properties"].get("MessageRetentionPeriod", 345600), template, {})
    assert kept > source_kept, (
        f"the dead-letter queue keeps messages {kept} s, not longer than the source queue ({source_kept} s): "
        "a redriven message keeps its original timestamp and would expire early"
    )


def _function_sources(template: dict) -> list:
    return [m["Properties"].get("EventSourceArn") for m in _resources(template, "AWS::Lambda::EventSourceMapping").values()]


@check(15, hint="AWS: the source queue's visibility timeout should be at least 6× the function timeout. "
       "CloudFormation has no arithmetic: a Mappings table keyed by the allowed timeouts works.")
def visibility_timeout(sub: Submission) -> None:
    """visibility timeout ≥ 6 × function timeout, for every allowed FunctionTimeout"""
    template = _template(sub)
    queues = _resources(template, "AWS::SQS::Queue")
    source = next((q for name, q in queues.items() if _mentions(_function_sources(template), name)), None)
    assert source is not None, "no SQS queue feeds the function through an event source mapping"
    parameter = template.get("Parameters", {}).get("FunctionTimeout", {})
    choices = parameter.get("AllowedValues") or [parameter.get("Default", 3)]
    for timeout in choices:
        overrides = {"FunctionTimeout": str(timeout)}
        function_s = _number(_function(template)["Properties"].get("Timeout", 3), template, overrides)
        visibility_s = _number(source["Properties"].get("VisibilityTimeout", 30), template, overrides)
        assert visibility_s >= 6 * function_s, (
            f"with FunctionTimeout={timeout}: visibility timeout {visibility_s} s < 6 × {function_s} s"
        )
        assert visibility_s <= 43200, f"with FunctionTimeout={timeout}: {visibility_s} s is above SQS's 12-hour maximum"


@check(15, hint="Each statement names its actions (no '*' or 'service:*') and its resources (no bare '*').")
def least_privilege(sub: Submission) -> None:
    """the function's role grants what it needs, on named resources, and nothing broader"""
    statements = _role_statements(_template(sub))
    granted: dict[str, list] = {}
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        actions, resources = _as_list(statement.get("Action", [])), _as_list(statement.get("Resource", []))
        for action in actions:
            assert isinstance(action, str) and action != "*" and not action.endswith(":*"), f"action {action!r} is a wildcard"
            granted.setdefault(action, []).extend(resources)
        for resource in resources:
            assert resource != "*", f"statement {statement.get('Sid', '')!r} allows {actions} on every resource ('*')"
    for action, owner in REQUIRED_ACTIONS.items():
        assert action in granted, f"the function needs {action} (on {owner}) and the role does not grant it"
        assert _mentions(granted[action], owner), f"{action} is granted, but not on {owner}"
    assert not _mentions(granted.get("s3:PutObject", []), "IngestBucket"), "the function must not write to the ingest bucket"


@check(15, hint="PublicAccessBlockConfiguration on every bucket; CloudFront reads the delivery bucket through an "
       "OriginAccessControl, allowed by a bucket policy for cloudfront.amazonaws.com with an AWS:SourceArn condition.")
def private_buckets(sub: Submission) -> None:
    """every bucket is private; CloudFront reads the delivery bucket through origin access control"""
    template = _template(sub)
    for name, bucket in _resources(template, "AWS::S3::Bucket").items():
        block = bucket.get("Properties", {}).get("PublicAccessBlockConfiguration") or {}
        flags = ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"]
        missing = [flag for flag in flags if block.get(flag) is not True]
        assert not missing, f"{name} does not block public access: {', '.join(missing)} not true"
    cloudfront_allowed = False
    for name, policy in _resources(template, "AWS::S3::BucketPolicy").items():
        for statement in _statements(policy["Properties"].get("PolicyDocument")):
            principal = statement.get("Principal")
            if statement.get("Effect") != "Allow":
                continue
            assert principal not in ("*", {"AWS": "*"}), f"{name} allows anyone ({statement.get('Sid', 'a statement')})"
            if _mentions(principal, "cloudfront.amazonaws.com"):
                condition = json.dumps(statement.get("Condition", {})).lower()
                assert "aws:sourcearn" in condition, f"{name} lets every CloudFront distribution read it: add an AWS:SourceArn condition"
                cloudfront_allowed = True
    assert cloudfront_allowed, "no bucket policy allows CloudFront (cloudfront.amazonaws.com) to read the delivery bucket"
    for name, distribution in _resources(template, "AWS::CloudFront::Distribution").items():
        for origin in distribution["Properties"]["DistributionConfig"].get("Origins", []):
            if "S3OriginConfig" in origin:
                assert origin.get("OriginAccessControlId"), f"{name}'s origin {origin.get('Id')} does not use an OriginAccessControl"


# ----------------------------------------------------------------------------- the real thing
def _stack(sub: Submission) -> str:
    return f"lab04-{sub.run_id}"


@check(10, needs_emulator=True, timeout_s=300, hint="Read the failure above: CloudFormation names the resource and the reason.")
def deploys(sub: Submission) -> None:
    """the template deploys to the embedded emulator"""
    from rich.console import Console

    from reference import deploy

    deploy.deploy(sub.target(), _stack(sub), console=Console(file=io.StringIO()), template=sub.path("template.yaml"))


@check(20, needs_emulator=True, timeout_s=180, hint="If it times out, the function is probably denied an action: "
       "`p4lab up`, deploy your template and read the function's log.")
def processes_an_upload(sub: Submission) -> None:
    """an uploaded image is processed to DONE by the deployed stack"""
    from reference import deploy, samples
    from reference.status import Images
    from reference.upload import upload_file

    target = sub.target()
    status = deploy.stack_status(target, _stack(sub))
    assert status in ("CREATE_COMPLETE", "UPDATE_COMPLETE"), f"the stack is {status or 'not deployed'}; the deploy check must pass first"
    outputs = deploy.outputs(target, _stack(sub))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "lab04 check.jpg"
        samples.photo(640, 480, seed=4).save(path, "JPEG", quality=85)
        image_id = upload_file(target, outputs, path, owner="grader")
    item = Images(target, outputs).wait([image_id], timeout_s=20)[0]
    assert item.get("status") == "DONE", f"the upload ended {item.get('status')}: {item.get('reason', '')} {item.get('message', '')}"
