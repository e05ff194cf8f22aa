"""The deploy policy in docs/aws-sandbox.md: complete for the template, narrow, and enough.

* every resource type of the template has its create and delete actions in the policy;
* every action exists in IAM's catalogue, and ``"*"`` is used only for actions that cannot be
  scoped to a resource (checked with policy_sentry, installed alongside checkov);
* on the emulator, whose IAM is enforced (``AUTH=true``), a user holding only this policy
  deploys, uploads, reads the state and destroys the stack.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import boto3
import pytest
from cfnlint.decode import decode
from PIL import Image
from rich.console import Console

from reference import deploy, emulator, sandbox_policy, targets
from reference.status import Images
from reference.targets import Target
from reference.upload import upload_file

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ACCOUNT, REGION = "000000000000", "us-east-1"

# What CloudFormation calls, with the caller's credentials, to create and delete each type.
NEEDED = {
    "AWS::S3::Bucket": [
        "s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucketNotification", "s3:PutLifecycleConfiguration", "s3:PutBucketTagging",
    ],  # fmt: skip
    "AWS::S3::BucketPolicy": ["s3:PutBucketPolicy", "s3:DeleteBucketPolicy"],
    "AWS::SQS::Queue": ["sqs:CreateQueue", "sqs:DeleteQueue", "sqs:TagQueue"],
    "AWS::SQS::QueuePolicy": ["sqs:SetQueueAttributes"],
    "AWS::Logs::LogGroup": ["logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy"],
    "AWS::IAM::Role": ["iam:CreateRole", "iam:DeleteRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:PassRole"],
    "AWS::Lambda::Function": ["lambda:CreateFunction", "lambda:DeleteFunction", "lambda:TagResource", "s3:GetObject"],
    "AWS::SSM::Parameter": ["ssm:PutParameter", "ssm:DeleteParameter"],
    "AWS::Lambda::EventSourceMapping": ["lambda:CreateEventSourceMapping", "lambda:DeleteEventSourceMapping"],
    "AWS::DynamoDB::Table": [
        "dynamodb:CreateTable", "dynamodb:DeleteTable", "dynamodb:UpdateContinuousBackups", "dynamodb:UpdateTimeToLive",
    ],  # fmt: skip
    "AWS::CloudFront::OriginAccessControl": ["cloudfront:CreateOriginAccessControl", "cloudfront:DeleteOriginAccessControl"],
    "AWS::CloudFront::Function": ["cloudfront:CreateFunction", "cloudfront:PublishFunction", "cloudfront:DeleteFunction"],
    "AWS::CloudFront::ResponseHeadersPolicy": ["cloudfront:CreateResponseHeadersPolicy", "cloudfront:DeleteResponseHeadersPolicy"],
    "AWS::CloudFront::Distribution": ["cloudfront:CreateDistribution", "cloudfront:DeleteDistribution", "cloudfront:TagResource"],
    "AWS::CloudWatch::Alarm": ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms"],
    "AWS::Budgets::Budget": ["budgets:ModifyBudget", "budgets:TagResource"],
}


def _policy() -> dict:
    return json.loads(sandbox_policy.render(ACCOUNT, REGION))


def _actions(policy: dict) -> set[str]:
    found: set[str] = set()
    for statement in policy["Statement"]:
        action = statement["Action"]
        found |= set(action if isinstance(action, list) else [action])
    return found


def test_policy_covers_every_resource_type_of_the_template() -> None:
    template, errors = decode(str(deploy.TEMPLATE_PATH))
    assert not errors
    types = {resource["Type"] for resource in template["Resources"].values()}
    unknown = types - set(NEEDED)
    assert not unknown, f"new resource types {unknown}: add their actions to deploy-policy.json and NEEDED"
    actions = _actions(_policy())
    missing = {t: [a for a in NEEDED[t] if a not in actions] for t in types}
    assert not any(missing.values()), missing


def test_policy_is_allow_only_with_no_wildcard_actions() -> None:
    policy = _policy()
    assert all(s["Effect"] == "Allow" for s in policy["Statement"])
    assert not [a for a in _actions(policy) if "*" in a]
    sids = [s["Sid"] for s in policy["Statement"]]
    assert len(sids) == len(set(sids))


def test_render_refuses_malformed_account_and_region() -> None:
    with pytest.raises(ValueError, match="12-digit"):
        sandbox_policy.render("12345", REGION)
    with pytest.raises(ValueError, match="region"):
        sandbox_policy.render(ACCOUNT, "mars")


_CATALOGUE_CHECK = r"""
import json, sys
from policy_sentry.querying.actions import get_action_data
policy = json.load(sys.stdin)
problems = []
for statement in policy["Statement"]:
    actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
    resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
    for action in actions:
        service, name = action.split(":")
        rows = (get_action_data(service, name) or {}).get(service) or []
        if not rows:
            problems.append(f"{action}: not an IAM action")
            continue
        scoped = [r["resource_arn_format"] for r in rows if r["resource_arn_format"] != "*"]
        if "*" in resources and scoped and not statement.get("Condition"):
            problems.append(f"{statement['Sid']}: {action} can be scoped to {scoped[0]} but uses *")
print(json.dumps(problems))
"""


def test_actions_exist_and_star_only_where_iam_has_no_resource_type() -> None:
    python = PROJECT_ROOT / ".venv-checkov" / "bin" / "python"
    if not python.exists():
        pytest.fail("policy_sentry comes with checkov in .venv-checkov; run `make test` to create it.")
    result = subprocess.run(
        [str(python), "-c", _CATALOGUE_CHECK], input=json.dumps(_policy()), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout) == []


@pytest.mark.e2e
def test_a_user_with_only_this_policy_deploys_uses_and_destroys(running_emulator: emulator.Emulator) -> None:
    root = targets.embedded(running_emulator)
    iam = root.client("iam")
    user = "p4lab-policy-test"
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="p4lab-deploy", PolicyDocument=sandbox_policy.render(ACCOUNT, REGION))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    session = boto3.Session(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"], region_name=REGION)
    student = Target(root.name, session, root.endpoint_url, ca_bundle=root.ca_bundle)
    stack = "p4lab-student"
    console = Console(record=True, width=200)
    try:
        # Enforcement is on: something outside the policy is refused.
        with pytest.raises(Exception, match="AccessDenied"):
            student.client("s3").create_bucket(Bucket="someone-elses-bucket")
        outputs = deploy.deploy(student, stack, {"Owner": "student"}, console=console).outputs
        picture = Path(tempfile.mkdtemp()) / "policy check.jpg"
        Image.new("RGB", (320, 200), "teal").save(picture)
        image_id = upload_file(student, outputs, picture, "student")
        (item,) = Images(student, outputs).wait([image_id], timeout_s=90)
        assert item["status"] == "DONE"
    finally:
        deploy.destroy(student, stack, console=console)
        iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
        iam.delete_user_policy(UserName=user, PolicyName="p4lab-deploy")
        iam.delete_user(UserName=user)
    assert deploy.stack_status(root, stack) is None
