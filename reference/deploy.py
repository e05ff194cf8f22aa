"""Deploy, inspect and destroy the pipeline's CloudFormation stack.

Deploys go through change sets, as a careful operator would: the change set shows what
will change before anything does, and a change set with no changes is discarded, so a
second deploy of the same code and parameters is a no-op.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError, WaiterError
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from reference import package
from reference.errors import UserError
from reference.stack import DEFAULT_STACK
from reference.targets import Target
from reference.upload import default_owner

TEMPLATE_PATH = Path(__file__).resolve().parent / "infra" / "template.yaml"
PROJECT_TAG_KEY = "project"
PROJECT_TAG_VALUE = "p4lab"
DEFAULT_COURSE = "cloud-phase4"  # keep equal to the template's Course default
DEFAULT_ARCHITECTURE = "arm64"  # keep equal to the template's FunctionArchitecture default
_TERMINAL_OK = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"}
_IN_PROGRESS_SUFFIX = "_IN_PROGRESS"


@dataclass(frozen=True)
class DeployResult:
    changed: bool
    outputs: dict[str, str]
    seconds: float


def stack_tags(params: dict[str, str]) -> list[dict[str, str]]:
    """Tags for the stack; CloudFormation copies them onto every resource that takes tags.

    ``project`` is what `p4lab doctor` and a cost-allocation report filter on; ``owner`` and
    ``course`` say whose sandbox spend it is. Values come from the Owner/Course parameters so
    the template and the tags cannot disagree.
    """
    return [
        {"Key": PROJECT_TAG_KEY, "Value": PROJECT_TAG_VALUE},
        {"Key": "owner", "Value": params.get("Owner") or default_owner()},
        {"Key": "course", "Value": params.get("Course") or DEFAULT_COURSE},
    ]


def _declared_parameters(template: Path) -> set[str]:
    """Parameter names the template declares (cfn-lint's parser understands !Ref and friends)."""
    from cfnlint.decode import decode_str

    parsed, errors = decode_str(template.read_text())
    if errors or parsed is None:
        raise UserError(f"{template} is not a readable CloudFormation template: {errors[0] if errors else 'empty'}")
    return set(parsed.get("Parameters") or {})


def artifacts_bucket_name(target: Target, stack: str) -> str:
    return f"{stack}-artifacts-{target.identity.account}-{target.region}"


def _ensure_artifacts_bucket(target: Target, bucket: str) -> None:
    """Create the code bucket on first deploy, with the same protections as the stack's."""
    s3 = target.client("s3")
    try:
        s3.head_bucket(Bucket=bucket)
        return
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("404", "NoSuchBucket", "NotFound"):
            raise
    region = target.session.region_name
    create: dict[str, Any] = {"Bucket": bucket}
    if region != "us-east-1":
        create["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**create)
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(_tls_only_policy(bucket)))
    # Created outside the stack, so stack tags do not reach it: tag it ourselves, or
    # `p4lab doctor` and the cost report could not attribute it.
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": PROJECT_TAG_KEY, "Value": PROJECT_TAG_VALUE}]})


def _tls_only_policy(bucket: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


def _upload_package(target: Target, bucket: str, build: package.Package) -> None:
    s3 = target.client("s3")
    try:
        s3.head_object(Bucket=bucket, Key=build.key)
        return  # same content hash: already uploaded
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("404", "NoSuchKey", "NotFound"):
            raise
    s3.put_object(Bucket=bucket, Key=build.key, Body=build.data, ContentType="application/zip")


def _describe(target: Target, stack: str) -> dict[str, Any] | None:
    """The stack's description, or None if it does not exist on this target."""
    try:
        stacks = target.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    except ClientError as error:
        if "does not exist" in error.response["Error"].get("Message", ""):
            return None
        raise
    return stacks[0] if stacks else None


def stack_status(target: Target, stack: str) -> str | None:
    description = _describe(target, stack)
    return description["StackStatus"] if description else None


def outputs(target: Target, stack: str) -> dict[str, str]:
    """The stack's outputs as a plain dict; a clear error if the stack is not deployed."""
    description = _describe(target, stack)
    if description is None:
        raise UserError(f"Stack {stack!r} is not deployed on this target. Run `p4lab deploy` first.")
    return {o["OutputKey"]: o["OutputValue"] for o in description.get("Outputs", [])}


def deploy(
    target: Target,
    stack: str = DEFAULT_STACK,
    parameters: dict[str, str] | None = None,
    console: Console | None = None,
    template: Path = TEMPLATE_PATH,
) -> DeployResult:
    """Package the handler, upload it, and create or update the stack through a change set.

    ``template`` defaults to the reference template; the IaC lab deploys a student's copy.
    """
    console = console or Console(stderr=True)
    started = time.monotonic()
    cfn = target.client("cloudformation")
    bucket = artifacts_bucket_name(target, stack)
    defaults = {"Owner": default_owner(), **target.template_parameters}
    # The target's defaults fit the reference template; another one (the IaC lab's) gets those
    # it declares. What the caller passes is always sent: CloudFormation says if it is unknown.
    if template != TEMPLATE_PATH:
        declared = _declared_parameters(template)
        defaults = {name: value for name, value in defaults.items() if name in declared}
    params = {**defaults, **(parameters or {})}
    tags = stack_tags(params)  # the owner tag applies even when the template has no Owner parameter
    architecture = params.get("FunctionArchitecture", DEFAULT_ARCHITECTURE)
    with console.status(f"Packaging the handler ({architecture if target.bundle_dependencies else 'code only'})"):
        build = package.build(bundle_dependencies=target.bundle_dependencies, architecture=architecture)
        _ensure_artifacts_bucket(target, bucket)
        _upload_package(target, bucket, build)
    if build.architecture:
        console.print(
            f"Function package {build.key}: {len(build.data) / 1e6:.1f} MB zipped, "
            f"{build.unzipped_bytes / 1e6:.1f} MB unzipped (Lambda allows {package.UNZIPPED_LIMIT_BYTES / 1e6:.0f} MB)"
        )
    params.update(CodeBucket=bucket, CodeKey=build.key)
    status = stack_status(target, stack)
    if status == "ROLLBACK_COMPLETE":
        # A stack whose creation failed cannot be updated; AWS requires deleting it first.
        console.print(f"[yellow]Stack {stack} is in ROLLBACK_COMPLETE from a failed create; deleting it first.")
        _delete_stack(target, stack, console)
        status = None
    elif status and status.endswith(_IN_PROGRESS_SUFFIX):
        raise UserError(f"Stack {stack} is busy ({status}); wait for it to finish and deploy again.")

    change_set_type = "CREATE" if status is None else "UPDATE"
    change_set_name = f"p4lab-{uuid.uuid4().hex[:12]}"
    cfn.create_change_set(
        StackName=stack,
        ChangeSetName=change_set_name,
        ChangeSetType=change_set_type,
        TemplateBody=template.read_text(),
        Parameters=[{"ParameterKey": k, "ParameterValue": str(v)} for k, v in params.items()],
        Capabilities=["CAPABILITY_IAM"],
        Tags=tags,
    )
    try:
        cfn.get_waiter("change_set_create_complete").wait(
            StackName=stack, ChangeSetName=change_set_name, WaiterConfig={"Delay": 1, "MaxAttempts": 300}
        )
    except WaiterError:
        description = cfn.describe_change_set(StackName=stack, ChangeSetName=change_set_name)
        reason = description.get("StatusReason", "")
        if "didn't contain changes" in reason or "No updates" in reason:
            cfn.delete_change_set(StackName=stack, ChangeSetName=change_set_name)
            console.print(f"[green]Stack {stack} is up to date: nothing to change.")
            return DeployResult(changed=False, outputs=outputs(target, stack), seconds=time.monotonic() - started)
        raise UserError(f"CloudFormation could not create the change set: {reason}") from None

    changes = cfn.describe_change_set(StackName=stack, ChangeSetName=change_set_name).get("Changes", [])
    cfn.execute_change_set(StackName=stack, ChangeSetName=change_set_name)
    _follow_stack(target, stack, total=max(len(changes), 1), verb=change_set_type.lower(), console=console)
    return DeployResult(changed=True, outputs=outputs(target, stack), seconds=time.monotonic() - started)


def _follow_stack(target: Target, stack: str, total: int, verb: str, console: Console) -> str:
    """Show resources completing until the stack leaves its *_IN_PROGRESS state."""
    cfn = target.client("cloudformation")
    seen: set[str] = set()
    done: set[str] = set()
    started = time.time()
    with Progress(
        SpinnerColumn(),
        TextColumn(f"[bold]{verb.capitalize()} {stack}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} resources"),
        TextColumn("{task.fields[last]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(verb, total=total, last="")
        while True:
            status = stack_status(target, stack)
            events = cfn.describe_stack_events(StackName=stack).get("StackEvents", [])
            for event in reversed(events):
                if event["EventId"] in seen or event["Timestamp"].timestamp() < started - 5:
                    continue
                seen.add(event["EventId"])
                resource = event["LogicalResourceId"]
                state = event["ResourceStatus"]
                if resource != stack and state.endswith("_COMPLETE"):
                    done.add(resource)
                if state.endswith("_FAILED"):
                    console.print(f"[red]{resource}: {state} {event.get('ResourceStatusReason', '')}")
                progress.update(task, completed=min(len(done), total), last=f"{resource} {state}")
            if status is None or not status.endswith(_IN_PROGRESS_SUFFIX):
                break
            time.sleep(0.5)
    if status is not None and status not in _TERMINAL_OK and not status.startswith("DELETE_COMPLETE"):
        raise UserError(f"Stack {stack} ended in {status}; see the failures above.")
    return status or "DELETE_COMPLETE"


def _empty_bucket(target: Target, bucket: str) -> int:
    """Delete every object version and delete marker; a versioned bucket is not empty otherwise."""
    s3 = target.client("s3")
    removed = 0
    try:
        pages = s3.get_paginator("list_object_versions").paginate(Bucket=bucket)
        for page in pages:
            batch = [
                {"Key": item["Key"], "VersionId": item["VersionId"]}
                for item in page.get("Versions", []) + page.get("DeleteMarkers", [])
            ]
            for start in range(0, len(batch), 1000):
                s3.delete_objects(Bucket=bucket, Delete={"Objects": batch[start : start + 1000], "Quiet": True})
            removed += len(batch)
    except ClientError as error:
        if error.response["Error"]["Code"] != "NoSuchBucket":
            raise
    return removed


def _delete_stack(target: Target, stack: str, console: Console) -> None:
    cfn = target.client("cloudformation")
    cfn.delete_stack(StackName=stack)
    _follow_stack(target, stack, total=1, verb="delete", console=console)


def _stop_processing(target: Target, resources: list[dict[str, Any]], console: Console) -> None:
    """Disable the queue -> function mapping so nothing writes to a bucket while we empty it.

    Otherwise an in-flight message can put a variant back after the bucket was emptied and
    the stack's delete fails with BucketNotEmpty.
    """
    lam = target.client("lambda")
    for resource in resources:
        if resource["ResourceType"] != "AWS::Lambda::EventSourceMapping":
            continue
        try:
            lam.update_event_source_mapping(UUID=resource["PhysicalResourceId"], Enabled=False)
            console.print("Disabled the queue -> function event source mapping")
        except ClientError as error:  # already gone or never created: nothing to stop
            console.print(f"[yellow]Could not disable the event source mapping: {error.response['Error'].get('Message')}")


def destroy(target: Target, stack: str = DEFAULT_STACK, console: Console | None = None) -> bool:
    """Stop processing, empty the stack's buckets (all versions), delete the stack, then the
    artifacts bucket.

    A delete that fails because a bucket filled up again in between is retried once after
    emptying again. Returns False if there was nothing to destroy.
    """
    console = console or Console(stderr=True)
    status = stack_status(target, stack)
    artifacts = artifacts_bucket_name(target, stack)
    if status is not None:
        resources = target.client("cloudformation").describe_stack_resources(StackName=stack)["StackResources"]
        _stop_processing(target, resources, console)
        buckets = [r["PhysicalResourceId"] for r in resources if r["ResourceType"] == "AWS::S3::Bucket"]
        for attempt in (1, 2):
            with console.status("Emptying buckets"):
                for bucket in buckets:
                    removed = _empty_bucket(target, bucket)
                    console.print(f"Emptied {bucket} ({removed} object versions)")
            try:
                _delete_stack(target, stack, console)
                break
            except UserError:
                if attempt == 2:
                    raise UserError(
                        f"Stack {stack} could not be deleted twice; see the failures above, fix them "
                        "(docs/aws-sandbox.md, 'When something fails') and run `p4lab destroy` again."
                    ) from None
                console.print("[yellow]Delete failed; emptying the buckets again and retrying once.")
    s3 = target.client("s3")
    try:
        s3.head_bucket(Bucket=artifacts)
    except ClientError:
        return status is not None
    removed = _empty_bucket(target, artifacts)
    s3.delete_bucket(Bucket=artifacts)
    console.print(f"Deleted {artifacts} ({removed} object versions)")
    return True
