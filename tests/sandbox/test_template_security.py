"""Our own security rules for what students deploy to a real account.

checkov (tests/sandbox/test_checkov_scan.py) checks generic best practice; these tests pin
what *this* pipeline promises: least-privilege IAM, private + encrypted + TLS-only buckets,
the delivery bucket readable only by our distribution, uploads limited in size and type,
and the cost guardrails (tags, budget, log retention, lifecycle rules).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import boto3
import pytest
from cfnlint.decode import decode

from reference import deploy, upload
from reference.deploy import TEMPLATE_PATH
from reference.errors import UserError
from reference.targets import Target, TargetName


@pytest.fixture(scope="module")
def template() -> dict:
    parsed, errors = decode(str(TEMPLATE_PATH))
    assert not errors
    return parsed


def _resources(template: dict, kind: str) -> dict[str, dict]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _statements(document: dict) -> list[dict]:
    """Statements of a policy document, with `Fn::If` branches unwrapped (both taken)."""
    found = []
    for statement in _as_list(document["Statement"]):
        if isinstance(statement, dict) and "Fn::If" in statement:
            found += [branch for branch in statement["Fn::If"][1:] if "Effect" in branch]
        else:
            found.append(statement)
    return found


def _iam_statements(template: dict) -> list[tuple[str, dict]]:
    found = []
    for name, role in _resources(template, "AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            found += [(f"{name}/{policy['PolicyName']}", s) for s in _statements(policy["PolicyDocument"])]
    for kind in ("AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy"):
        for name, resource in _resources(template, kind).items():
            found += [(name, s) for s in _statements(resource["Properties"]["PolicyDocument"])]
    return found


# ------------------------------------------------------------------ IAM
def test_no_wildcard_action_or_resource_in_any_allow(template: dict) -> None:
    """`*` is allowed only in Deny statements (deny everything over plain HTTP)."""
    allows = [(where, s) for where, s in _iam_statements(template) if s["Effect"] == "Allow"]
    assert len(allows) >= 10
    for where, statement in allows:
        for action in _as_list(statement["Action"]):
            assert action != "*" and not action.endswith(":*"), f"{where} {statement.get('Sid')}: action {action}"
        for resource in _as_list(statement.get("Resource", [])):
            text = json.dumps(resource)
            assert text not in ('"*"', '"arn:aws:*"'), f"{where} {statement.get('Sid')}: resource {text}"
            assert "NotResource" not in statement and "NotAction" not in statement


def test_function_role_names_each_resource(template: dict) -> None:
    """Every Allow of the function's role points at one of the stack's own resources."""
    policy = template["Resources"]["ProcessorRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    for statement in _statements(policy):
        resource = json.dumps(statement["Resource"])
        ours = ("IngestBucket", "DeliveryBucket", "IngestQueue", "Table", "ProcessorLogGroup", "FaultInjectionParameter")
        assert any(ref in resource for ref in ours), statement


def test_queue_accepts_events_only_from_our_bucket(template: dict) -> None:
    (statement,) = _statements(template["Resources"]["IngestQueuePolicy"]["Properties"]["PolicyDocument"])
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert "aws:SourceArn" in statement["Condition"]["ArnEquals"]
    assert "aws:SourceAccount" in statement["Condition"]["StringEquals"]


# ------------------------------------------------------------------ buckets
def _bucket_policy(template: dict, bucket: str) -> list[dict]:
    for policy in _resources(template, "AWS::S3::BucketPolicy").values():
        if policy["Properties"]["Bucket"] == {"Ref": bucket}:
            return _statements(policy["Properties"]["PolicyDocument"])
    raise AssertionError(f"{bucket} has no bucket policy")


def test_every_bucket_is_private_encrypted_and_tls_only(template: dict) -> None:
    buckets = _resources(template, "AWS::S3::Bucket")
    assert set(buckets) == {"IngestBucket", "DeliveryBucket"}
    for name, bucket in buckets.items():
        properties = bucket["Properties"]
        assert all(properties["PublicAccessBlockConfiguration"].values()), name
        assert len(properties["PublicAccessBlockConfiguration"]) == 4, name
        assert properties["OwnershipControls"]["Rules"][0]["ObjectOwnership"] == "BucketOwnerEnforced", name
        encryption = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
        assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms"), name
        deny = [s for s in _bucket_policy(template, name) if s["Effect"] == "Deny"]
        assert any(
            s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            and s["Principal"] == "*"
            and {json.dumps(r) for r in s["Resource"]}
            == {json.dumps({"Fn::GetAtt": [name, "Arn"]}), json.dumps({"Fn::Sub": f"${{{name}.Arn}}/*"})}
            for s in deny
        ), f"{name} does not deny plain HTTP on the bucket and its objects"


def test_delivery_bucket_is_readable_only_by_our_distribution(template: dict) -> None:
    allows = [s for s in _bucket_policy(template, "DeliveryBucket") if s["Effect"] == "Allow"]
    assert len(allows) == 1
    (allow,) = allows
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    assert allow["Resource"] == {"Fn::Sub": "${DeliveryBucket.Arn}/images/*"}
    source = allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    assert source.endswith("distribution/${Distribution}"), "any distribution of the account could read"
    origin = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]["Origins"][0]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["OriginAccessControl", "Id"]}
    assert template["Resources"]["OriginAccessControl"]["Properties"]["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    # The ingest bucket has no Allow at all: uploads come only through presigned POSTs.
    assert not [s for s in _bucket_policy(template, "IngestBucket") if s["Effect"] == "Allow"]


class _RecordingS3:
    """Stands in for the S3 client: records the calls that create the artifacts bucket."""

    def __init__(self) -> None:
        self.calls: dict[str, dict] = {}

    def head_bucket(self, **_: Any) -> None:
        from botocore.exceptions import ClientError

        raise ClientError({"Error": {"Code": "404"}}, "HeadBucket")

    def __getattr__(self, name: str) -> Any:
        return lambda **kwargs: self.calls.__setitem__(name, kwargs)


def test_artifacts_bucket_gets_the_same_protections_and_the_project_tag() -> None:
    s3 = _RecordingS3()

    class FakeTarget:
        session = boto3.Session(region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="y")

        def client(self, _service: str) -> _RecordingS3:
            return s3

    deploy._ensure_artifacts_bucket(FakeTarget(), "p4lab-artifacts-1-eu-west-1")  # type: ignore[arg-type]
    assert all(s3.calls["put_public_access_block"]["PublicAccessBlockConfiguration"].values())
    assert s3.calls["put_bucket_encryption"]["ServerSideEncryptionConfiguration"]["Rules"][0]
    policy = json.loads(s3.calls["put_bucket_policy"]["Policy"])
    assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert {"Key": "project", "Value": "p4lab"} in s3.calls["put_bucket_tagging"]["Tagging"]["TagSet"]


# ------------------------------------------------------------------ uploads
class _FakeTable:
    def __init__(self) -> None:
        self.items: list[dict] = []

    def put_item(self, Item: dict, **_: Any) -> None:  # noqa: N803 - boto3's spelling
        self.items.append(Item)


def _offline_target(table: _FakeTable) -> Target:
    """A target whose S3 client signs offline (presigning needs no network) and whose table is fake."""
    session = boto3.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret", region_name="us-east-1")

    class OfflineTarget(Target):
        def resource(self, service: str) -> Any:
            class Resource:
                def Table(self, _name: str) -> _FakeTable:  # noqa: N802 - boto3's spelling
                    return table

            return Resource()

    return OfflineTarget(TargetName.aws, session)


def test_presigned_post_pins_key_type_and_size() -> None:
    table = _FakeTable()
    outputs = {"IngestBucketName": "ingest", "TableName": "images", "UploadPrefix": "uploads/"}
    slot = upload.create_slot(_offline_target(table), outputs, owner="ana", filename="cat.jpg", content_type="image/jpeg")
    policy = json.loads(base64.b64decode(slot.fields["policy"]))
    conditions = policy["conditions"]
    assert {"Content-Type": "image/jpeg"} in conditions
    assert ["content-length-range", 1, upload.MAX_UPLOAD_BYTES] in conditions
    assert {"key": slot.key} in conditions, "the key must be fixed, not a prefix the client can extend"
    assert {"bucket": "ingest"} in conditions
    assert upload.MAX_UPLOAD_BYTES <= 50 * 1024 * 1024
    assert slot.key.startswith("uploads/ana/")
    assert table.items[0]["status"] == "PENDING"


@pytest.mark.parametrize("content_type", ["text/html", "application/x-msdownload", "image/svg+xml", ""])
def test_upload_slot_refuses_other_types(content_type: str) -> None:
    """SVG and HTML are refused on purpose: served from our CDN they could run script."""
    outputs = {"IngestBucketName": "ingest", "TableName": "images"}
    with pytest.raises(UserError, match="not accepted"):
        upload.create_slot(_offline_target(_FakeTable()), outputs, owner="ana", filename="x", content_type=content_type)


def test_cors_allows_only_post_from_the_local_page(template: dict) -> None:
    rules = template["Resources"]["IngestBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    assert [rule["AllowedMethods"] for rule in rules] == [["POST"]]
    default = template["Parameters"]["CorsAllowedOrigins"]["Default"]
    assert "*" not in default


# ------------------------------------------------------------------ checkov skips
def test_every_checkov_skip_says_why(template: dict) -> None:
    skips = [
        (name, skip)
        for name, resource in template["Resources"].items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert skips
    for name, skip in skips:
        assert skip["id"].startswith("CKV_"), name
        assert len(skip.get("comment", "")) >= 60, f"{name} skips {skip['id']} without a real reason"


# ------------------------------------------------------------------ cost guardrails
def test_stack_tags_carry_project_owner_and_course() -> None:
    tags = {t["Key"]: t["Value"] for t in deploy.stack_tags({"Owner": "ana", "Course": "cloud-101"})}
    assert tags == {"project": "p4lab", "owner": "ana", "course": "cloud-101"}
    defaults = {t["Key"]: t["Value"] for t in deploy.stack_tags({})}
    assert defaults["course"] == deploy.DEFAULT_COURSE and defaults["owner"]


def test_template_defaults_match_the_deploy_code(template: dict) -> None:
    parameters = template["Parameters"]
    assert parameters["Course"]["Default"] == deploy.DEFAULT_COURSE
    assert parameters["FunctionArchitecture"]["Default"] == deploy.DEFAULT_ARCHITECTURE


def test_budget_exists_only_with_an_email_and_alerts_it(template: dict) -> None:
    budget = template["Resources"]["MonthlyBudget"]
    assert budget["Condition"] == "BudgetAlertEnabled"
    assert template["Conditions"]["BudgetAlertEnabled"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "BudgetAlertEmail"}, ""]}]}
    assert template["Parameters"]["BudgetAlertEmail"]["Default"] == ""
    notifications = budget["Properties"]["NotificationsWithSubscribers"]
    assert {n["Notification"]["NotificationType"] for n in notifications} == {"ACTUAL", "FORECASTED"}
    for notification in notifications:
        assert notification["Subscribers"] == [{"SubscriptionType": "EMAIL", "Address": {"Ref": "BudgetAlertEmail"}}]
    tags = {t["Key"] for t in budget["Properties"]["ResourceTags"]}
    assert tags == {"project", "owner", "course"}


def test_logs_expire_and_buckets_clean_up_after_themselves(template: dict) -> None:
    assert "RetentionInDays" in template["Resources"]["ProcessorLogGroup"]["Properties"]
    assert template["Resources"]["Processor"]["Properties"]["LoggingConfig"]["LogGroup"] == {"Ref": "ProcessorLogGroup"}
    for name in ("IngestBucket", "DeliveryBucket"):
        rules = template["Resources"][name]["Properties"]["LifecycleConfiguration"]["Rules"]
        assert any(r.get("AbortIncompleteMultipartUpload", {}).get("DaysAfterInitiation") == 1 for r in rules), name
        assert any("NoncurrentVersionExpiration" in r for r in rules), f"{name} keeps old versions forever"
    ingest_rules = template["Resources"]["IngestBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert any(r.get("ExpirationInDays") == {"Ref": "IngestRetentionDays"} for r in ingest_rules)
