"""The function package for AWS carries everything the handler imports: proved by running it.

`p4lab deploy --target aws` ships a zip of the handler plus manylinux wheels, and nothing on
the emulator runs that zip (MiniStack runs the code on this virtualenv). So here the same
package is built for *this* machine's Python and CPU (same code path as for Lambda's
python3.12, other wheel tags), unpacked into an empty folder, and its handler is run by a
fresh interpreter that sees only the stdlib, the bundle and boto3 with its own dependencies
(what the Lambda runtime provides) — not this project's virtualenv. It gets a real SQS event:
a photo and a PDF uploaded through presigned POSTs to a stack of its own, whose S3 events are
read from its queue (the queue -> function mapping is switched off so that the emulator's
own workers do not take them first). The items must end DONE with their variants in the
delivery bucket, and every module the handler loaded must come from the bundle, boto3's
folder or the stdlib.
"""

from __future__ import annotations

import importlib.metadata
import io
import json
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from reference import deploy, emulator, package, samples, targets
from reference.status import Images
from reference.upload import upload_file

STACK = "p4lab-bundle"
# What the Lambda runtime provides besides the stdlib: the AWS SDK.
RUNTIME_DISTRIBUTIONS = ("boto3",)

RUNNER = r"""
import json, sys, sysconfig
bundle, sdk, event_path = sys.argv[1:4]
sys.path[:0] = [bundle, sdk]
from reference.handler import app

class Context:  # what Lambda passes: the fields Powertools reads
    function_name = "p4lab-bundle-processor"
    function_version = "$LATEST"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:p4lab-bundle-processor"
    aws_request_id = "bundle-test"
    log_group_name = log_stream_name = "bundle-test"
    def get_remaining_time_in_millis(self):
        return 60_000

response = app.lambda_handler(json.load(open(event_path)), Context())
allowed = [bundle, sdk, sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"]]
foreign = sorted(
    name for name, module in list(sys.modules.items())
    if getattr(module, "__file__", None) and not any(module.__file__.startswith(root) for root in allowed)
)
print(json.dumps({"response": response, "handler": app.__file__, "foreign": foreign}))
"""


def _requirements(distribution: str) -> set[str]:
    """A distribution and everything it needs (no extras), by name."""
    found, todo = set(), [distribution]
    while todo:
        name = todo.pop()
        if name.lower() in found:
            continue
        found.add(name.lower())
        for requirement in importlib.metadata.requires(name) or []:
            if "extra ==" not in requirement:
                todo.append(re.split(r"[<>=!~\[; (]", requirement, maxsplit=1)[0])
    return found


def sdk_folder(directory: Path) -> Path:
    """boto3 and its dependencies alone in a folder (links to this venv's copies)."""
    directory.mkdir()
    for name in set().union(*(_requirements(d) for d in RUNTIME_DISTRIBUTIONS)):
        distribution = importlib.metadata.distribution(name)
        tops = {Path(str(f)).parts[0] for f in distribution.files or []}
        for top in tops:
            if top.endswith((".dist-info", ".egg-info")) or top in ("..", "bin", "__pycache__"):
                continue
            source = Path(str(distribution.locate_file(top)))
            if source.exists():
                (directory / top).symlink_to(source)
    return directory


def _sqs_event(target: targets.Target, queue_url: str, wanted: int) -> dict:
    """Receive the S3 events as the event source mapping would, in Lambda's SQS event shape."""
    sqs = target.client("sqs")
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    records, deadline = [], time.monotonic() + 30
    while sum('"ObjectCreated' in r["body"] for r in records) < wanted and time.monotonic() < deadline:
        for message in sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1, AttributeNames=["All"], VisibilityTimeout=120
        ).get("Messages", []):
            records.append(
                {
                    "messageId": message["MessageId"],
                    "receiptHandle": message["ReceiptHandle"],
                    "body": message["Body"],
                    "attributes": message.get("Attributes", {}),
                    "messageAttributes": {},
                    "md5OfBody": message["MD5OfBody"],
                    "eventSource": "aws:sqs",
                    "eventSourceARN": arn,
                    "awsRegion": target.region,
                }
            )
    return {"Records": records}


@pytest.mark.e2e
def test_the_function_bundle_runs_alone_on_a_real_event(running_emulator: emulator.Emulator, tmp_path: Path) -> None:
    target = targets.embedded(running_emulator)
    outputs = deploy.deploy(target, STACK).outputs
    try:
        lam = target.client("lambda")
        (mapping,) = lam.list_event_source_mappings(FunctionName=outputs["FunctionName"])["EventSourceMappings"]
        lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)
        assert lam.get_event_source_mapping(UUID=mapping["UUID"])["State"] in ("Disabled", "Disabling")

        build = package.build(
            bundle_dependencies=True, architecture=package.host_architecture(), python_version=package.HOST_PYTHON
        )
        bundle = tmp_path / "bundle"
        with zipfile.ZipFile(io.BytesIO(build.data)) as archive:
            archive.extractall(bundle)
        assert not (bundle / "boto3").exists() and not (bundle / "botocore").exists()  # the runtime's, not ours
        sdk = sdk_folder(tmp_path / "sdk")

        photo, pdf = tmp_path / "harbour photo.jpg", tmp_path / "notes.pdf"
        samples.photo(1600, 1000, seed=7).save(photo, "JPEG", quality=90)
        pdf.write_bytes(samples.document(2))
        ids = [upload_file(target, outputs, path, "bundle") for path in (photo, pdf)]
        event = _sqs_event(target, outputs["QueueUrl"], wanted=2)
        (tmp_path / "event.json").write_text(json.dumps(event))

        configuration = lam.get_function_configuration(FunctionName=outputs["FunctionName"])
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            **configuration["Environment"]["Variables"],
            "AWS_ENDPOINT_URL": running_emulator.endpoint,
            "AWS_CA_BUNDLE": running_emulator.ca_bundle,
            "AWS_ACCESS_KEY_ID": emulator.ROOT_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": emulator.ROOT_SECRET_KEY,
            "AWS_DEFAULT_REGION": target.region,
            "AWS_REGION": target.region,
            "AWS_LAMBDA_FUNCTION_NAME": configuration["FunctionName"],
        }
        # -I: no PYTHON* variables, no user site, no script folder; -S: no site-packages at all.
        run = subprocess.run(
            [sys.executable, "-I", "-S", "-c", RUNNER, str(bundle), str(sdk), str(tmp_path / "event.json")],
            env=environment, cwd=tmp_path, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr[-3000:]
        result = json.loads(run.stdout.strip().splitlines()[-1])
        assert result["handler"].startswith(str(bundle)), result["handler"]
        assert result["foreign"] == [], f"imported from outside the bundle: {result['foreign']}"
        assert result["response"] == {"batchItemFailures": []}, result["response"]

        items = Images(target, outputs).get(ids)
        assert [item["status"] for item in items] == ["DONE", "DONE"], [(i.get("status"), i.get("reason"), i.get("message")) for i in items]
        photo_item, pdf_item = items
        assert photo_item["kind"] == "image" and len(photo_item["variants"]) == 6
        assert pdf_item["kind"] == "pdf" and len(pdf_item["variants"]) >= 2
        s3 = target.client("s3")
        for item in items:
            for variant in item["variants"]:
                assert s3.head_object(Bucket=outputs["DeliveryBucketName"], Key=variant["key"])["ContentLength"] > 0
    finally:
        deploy.destroy(target, STACK)
