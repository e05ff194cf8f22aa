"""The template is valid, and the rules that keep the pipeline correct hold in it."""

from pathlib import Path

import pytest
from cfnlint.api import lint
from cfnlint.decode import decode

from reference.deploy import TEMPLATE_PATH


@pytest.fixture(scope="module")
def template() -> dict:
    parsed, errors = decode(str(TEMPLATE_PATH))
    assert not errors
    return parsed


def test_cfn_lint_reports_no_errors() -> None:
    # us-east-1: CloudFront's home region, and the region the course deploys to.
    problems = lint(Path(TEMPLATE_PATH).read_text(), regions=["us-east-1"])
    errors = [p for p in problems if p.rule.id.startswith("E")]
    assert not errors, "\n".join(str(p) for p in errors)


def test_visibility_timeout_is_at_least_six_function_timeouts(template: dict) -> None:
    allowed = template["Parameters"]["FunctionTimeout"]["AllowedValues"]
    mapping = template["Mappings"]["VisibilityTimeout"]
    for timeout in allowed:
        assert mapping[str(timeout)]["Seconds"] >= 6 * int(timeout)


def test_standard_queue_with_redrive_to_dlq(template: dict) -> None:
    queue = template["Resources"]["IngestQueue"]["Properties"]
    assert "FifoQueue" not in queue
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}


def test_event_source_mapping_reports_partial_failures(template: dict) -> None:
    mapping = template["Resources"]["ProcessorEventSource"]["Properties"]
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert "MaximumConcurrency" in mapping["ScalingConfig"]


def test_function_role_has_no_wildcard_actions(template: dict) -> None:
    for policy in template["Resources"]["ProcessorRole"]["Properties"]["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert all("*" not in action for action in actions), statement


def test_table_serves_the_three_access_patterns(template: dict) -> None:
    table = template["Resources"]["ImagesTable"]["Properties"]
    assert [k["AttributeName"] for k in table["KeySchema"]] == ["pk", "sk"]
    assert {index["IndexName"] for index in table["GlobalSecondaryIndexes"]} == {"ByOwner", "ByStatus"}


def test_template_declares_the_owner_parameter_deploy_relies_on(template: dict) -> None:
    """`deploy()` passes Owner to the reference template without parsing it first."""
    assert "Owner" in template["Parameters"]


def test_every_allowed_concurrency_maps_to_that_integer(template: dict) -> None:
    allowed = template["Parameters"]["MaximumConcurrency"]["AllowedValues"]
    mapping = template["Mappings"]["MaximumConcurrency"]
    assert set(mapping) == set(allowed)
    assert all(mapping[value]["Value"] == int(value) for value in allowed)
    assert template["Parameters"]["MaximumConcurrency"]["Default"] == "50"  # AWS keeps its default


@pytest.mark.parametrize("cores", [1, 2, 3, 8, 32, 96])
def test_the_embedded_target_sizes_concurrency_to_the_cores(template: dict, cores: int) -> None:
    from reference.targets import embedded_parameters

    parameters = embedded_parameters(cores=cores)
    assert parameters["MaximumConcurrency"] == str(min(max(cores, 2), 32))
    assert parameters["MaximumConcurrency"] in template["Parameters"]["MaximumConcurrency"]["AllowedValues"]
    for name, value in parameters.items():  # every value is one the template accepts
        declared = template["Parameters"][name]
        assert declared.get("MinValue", -1) <= int(value) <= declared.get("MaxValue", 10**6)


def test_other_targets_keep_the_template_defaults() -> None:
    from reference.targets import localstack

    assert not {"MaximumConcurrency", "BatchSize", "BatchingWindowSeconds"} & set(localstack().template_parameters)
