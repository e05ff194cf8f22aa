"""Find what is left of p4lab in an account: everything tagged ``project=p4lab``, and more.

A sandbox bill rarely comes from the stack a student knows about; it comes from what
survived a teardown: a bucket that was not empty, a budget, a log group recreated by a late
invocation, a stack stuck in DELETE_FAILED. `p4lab doctor` asks the Resource Groups
Tagging API for every resource carrying the project tag (the stack's tags reach every
taggable resource), then checks by name what that API cannot see: the stack itself, the
artifacts bucket (created outside the stack), the function's log group and the budget.

    $ p4lab destroy --target aws && p4lab doctor --target aws   # exit 0: nothing left

Limitations: the Tagging API lists only resources of the queried region (plus us-east-1,
queried too for CloudFront) and only services it supports (IAM roles are not among them on
AWS, but they cost nothing). Resources that were never tagged are found only by the name
checks below.
"""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError
from rich.table import Table

from reference import deploy
from reference.targets import Target

# What a leftover costs while nothing uses it, by the ARN's service (us-east-1 list prices).
IDLE_COST = {
    "s3": "storage, per GB-month",
    "dynamodb": "storage + backups (PITR), per GB-month",
    "logs": "log storage, per GB-month",
    "cloudwatch": "$0.10 per alarm-month",
    "cloudfront": "none idle; per request and GB served",
    "sqs": "none idle; per request",
    "lambda": "none idle; per request and GB-s",
    "ssm": "none (standard parameter)",
    "iam": "none",
    "budgets": "none (no budget actions)",
    "cloudformation": "none; but its resources may",
}


@dataclass(frozen=True)
class Leftover:
    """One resource that still exists, and how it was found."""

    arn: str
    service: str
    kind: str
    found_by: str
    owner: str = ""
    stack: str = ""  # the CloudFormation stack that created it, when tagged by one

    @property
    def idle_cost(self) -> str:
        return IDLE_COST.get(self.service, "see the service's pricing page")

    @property
    def bills_while_idle(self) -> bool:
        return not self.idle_cost.startswith("none")


def _parse_arn(arn: str) -> tuple[str, str]:
    """(service, resource type) from an ARN, e.g. ('dynamodb', 'table')."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return "unknown", "unknown"
    service, resource = parts[2], parts[5]
    kind = resource.split("/", 1)[0].split(":", 1)[0] if ("/" in resource or ":" in resource) else ""
    if service == "s3":
        kind = "bucket"
    elif service == "sqs":
        kind = "queue"
    return service, kind or resource


def _exists(target: Target, item: Leftover) -> bool:
    """Ask the owning service whether a tagged resource still exists.

    The Tagging API is an index that can lag behind deletions (and MiniStack 1.5.33 keeps a
    deleted table's tags in it), so a hit is only reported once its service confirms it.
    Services without a cheap check here are reported as found.
    """
    name = item.arn.rsplit("/", 1)[-1] if "/" in item.arn else item.arn.rsplit(":", 1)[-1]
    gone_codes = {"404", "NoSuchBucket", "NotFound", "ResourceNotFoundException", "NoSuchDistribution",
                  "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", "ParameterNotFound"}
    checks = {
        ("s3", "bucket"): lambda: target.client("s3").head_bucket(Bucket=name),
        ("dynamodb", "table"): lambda: target.client("dynamodb").describe_table(TableName=name),
        ("sqs", "queue"): lambda: target.client("sqs").get_queue_url(QueueName=name),
        ("lambda", "function"): lambda: target.client("lambda").get_function(FunctionName=name),
        ("cloudfront", "distribution"): lambda: target.client("cloudfront").get_distribution(Id=name),
    }
    check = checks.get((item.service, item.kind))
    if check is None:
        return True
    try:
        check()
    except ClientError as error:
        if error.response["Error"]["Code"] in gone_codes:
            return False
        raise
    return True


def tagged_resources(target: Target) -> list[Leftover]:
    """Every resource with ``project=p4lab`` in the target's region and in us-east-1."""
    regions = [target.region]
    if not target.is_emulated and "us-east-1" not in regions:
        regions.append("us-east-1")  # CloudFront and Budgets live there
    found: dict[str, Leftover] = {}
    for region in regions:
        client = target.client("resourcegroupstaggingapi", region=region)
        pages = client.get_paginator("get_resources").paginate(
            TagFilters=[{"Key": deploy.PROJECT_TAG_KEY, "Values": [deploy.PROJECT_TAG_VALUE]}]
        )
        for page in pages:
            for mapping in page.get("ResourceTagMappingList", []):
                arn = mapping["ResourceARN"]
                tags = {t["Key"]: t["Value"] for t in mapping.get("Tags", [])}
                service, kind = _parse_arn(arn)
                found[arn] = Leftover(
                    arn, service, kind, f"tag {deploy.PROJECT_TAG_KEY}={deploy.PROJECT_TAG_VALUE}",
                    tags.get("owner", ""), tags.get("aws:cloudformation:stack-name", ""),
                )
    return [item for item in found.values() if _exists(target, item)]


def _by_name(target: Target, stack: str) -> tuple[list[Leftover], list[str]]:
    """What the Tagging API may miss, checked by name. Returns (leftovers, checks that failed)."""
    leftovers: list[Leftover] = []
    problems: list[str] = []
    region = target.session.region_name
    status = deploy.stack_status(target, stack)
    if status is not None and status != "DELETE_COMPLETE":
        leftovers.append(Leftover(f"stack {stack} ({status})", "cloudformation", "stack", "name", stack=stack))
    checks = {
        "artifacts bucket": lambda: _artifacts_bucket(target, stack),
        "log group": lambda: _log_groups(target, stack),
        "budget": lambda: _budgets(target, stack),
    }
    for what, check in checks.items():
        try:
            leftovers += check()
        except (ClientError, BotoCoreError) as error:
            problems.append(f"could not check the {what} in {region}: {error}")
    return leftovers, problems


def _artifacts_bucket(target: Target, stack: str) -> list[Leftover]:
    bucket = deploy.artifacts_bucket_name(target, stack)
    try:
        target.client("s3").head_bucket(Bucket=bucket)
    except ClientError as error:
        if error.response["Error"]["Code"] in ("404", "NoSuchBucket", "NotFound"):
            return []
        raise
    return [Leftover(f"arn:aws:s3:::{bucket}", "s3", "bucket", "name", stack=stack)]


def _log_groups(target: Target, stack: str) -> list[Leftover]:
    groups = target.client("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{stack}-").get("logGroups", [])
    return [
        Leftover(g.get("arn", g["logGroupName"]).removesuffix(":*"), "logs", "log-group", "name", stack=stack)
        for g in groups
    ]


def _budgets(target: Target, stack: str) -> list[Leftover]:
    account = target.identity.account
    try:
        budgets = target.client("budgets").describe_budgets(AccountId=account).get("Budgets", [])
    except ClientError as error:
        if error.response["Error"]["Code"] == "NotFoundException":  # AWS's answer for "no budgets"
            return []
        raise
    return [
        Leftover(f"arn:aws:budgets::{account}:budget/{b['BudgetName']}", "budgets", "budget", "name", stack=stack)
        for b in budgets
        if b["BudgetName"].startswith(f"{stack}-")
    ]


def examine(target: Target, stack: str = deploy.DEFAULT_STACK) -> tuple[list[Leftover], list[str]]:
    """Everything of p4lab still in the account (deduplicated by ARN), and checks that failed."""
    leftovers = {item.arn: item for item in tagged_resources(target)}
    named, problems = _by_name(target, stack)
    for item in named:
        leftovers.setdefault(item.arn, item)
    ordered = sorted(leftovers.values(), key=lambda item: (not item.bills_while_idle, item.service, item.arn))
    return ordered, problems


def table(leftovers: list[Leftover]) -> Table:
    view = Table(title="Resources of p4lab still in the account")
    view.add_column("service")
    view.add_column("type")
    view.add_column("resource", overflow="fold")
    view.add_column("stack")
    view.add_column("owner")
    view.add_column("cost while idle")
    view.add_column("found by")
    for item in leftovers:
        style = "yellow" if item.bills_while_idle else ""
        view.add_row(item.service, item.kind, item.arn, item.stack, item.owner, item.idle_cost, item.found_by, style=style)
    return view
