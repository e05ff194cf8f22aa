"""On the embedded emulator: the stack's resources carry the cost tags, `p4lab doctor` sees
them, and after `destroy` it finds nothing (exit 0).

Uses its own emulator, not the session's: "nothing is left" must be true of a whole account.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reference import deploy, doctor, emulator, targets

EXPECTED_TAGS = {"project": "p4lab", "owner": "tester", "course": "cloud-phase4"}


@pytest.fixture()
def own_emulator() -> Iterator[emulator.Emulator]:
    running = emulator.start(keep=True)  # kept: the CLI commands below find it through the state file
    try:
        yield running
    finally:
        emulator.stop(running)


@pytest.mark.e2e
def test_tags_doctor_destroy_doctor(own_emulator: emulator.Emulator, p4lab) -> None:
    target = targets.embedded(own_emulator)
    result = deploy.deploy(target, parameters={"Owner": "tester"})
    outputs = result.outputs

    # Stack tags reached the resources MiniStack can tag from a stack (not buckets: see docs).
    function_tags = target.client("lambda").list_tags(Resource=target.client("lambda").get_function(
        FunctionName=outputs["FunctionName"])["Configuration"]["FunctionArn"])["Tags"]
    assert EXPECTED_TAGS.items() <= function_tags.items()
    table_arn = target.client("dynamodb").describe_table(TableName=outputs["TableName"])["Table"]["TableArn"]
    table_tags = {t["Key"]: t["Value"] for t in target.client("dynamodb").list_tags_of_resource(ResourceArn=table_arn)["Tags"]}
    assert EXPECTED_TAGS.items() <= table_tags.items()

    leftovers, problems = doctor.examine(target)
    assert not problems
    kinds = {(item.service, item.kind) for item in leftovers}
    assert {("lambda", "function"), ("dynamodb", "table"), ("sqs", "queue"), ("s3", "bucket"), ("cloudformation", "stack")} <= kinds
    assert any(item.arn.endswith(deploy.artifacts_bucket_name(target, deploy.DEFAULT_STACK)) for item in leftovers)

    found = p4lab("doctor")
    assert found.exit_code == 1, found.output
    assert "remain" in found.stderr

    destroyed = p4lab("destroy")
    assert destroyed.exit_code == 0, destroyed.output
    assert deploy.stack_status(target, deploy.DEFAULT_STACK) is None

    clean = p4lab("doctor")
    assert clean.exit_code == 0, clean.output
    assert "Nothing of p4lab is left" in clean.output
