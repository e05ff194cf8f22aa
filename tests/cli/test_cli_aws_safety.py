"""`--target aws` is safe in a shell that still holds an emulator's settings, says which
account it is about to change, refuses an emulator's account, and asks before destroying.

No AWS account is used: where a call would reach AWS, botocore's Stubber answers instead
(it refuses any call that was not queued, so "nothing else was called" is checked too).
docs/aws-sandbox.md says which behaviours were verified only this way.
"""

from __future__ import annotations

import functools
import io
import os
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from reference import emulator, targets
from reference.targets import Target, TargetName

ACCOUNT = "123456789012"
REGION = "eu-west-1"


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A shell with AWS keys and no ~/.aws files: only what each test sets applies."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")


@functools.cache
def _session() -> boto3.Session:
    """One session for every fake: its loaded service models are reused (clients are not)."""
    return boto3.Session(aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x", region_name=REGION)


class FakeAws:
    """An `aws` target whose clients are stubbed; each service answers only what a test queues."""

    def __init__(self, account: str) -> None:
        self.target = Target(TargetName.aws, _session(), bundle_dependencies=True, ignore_configured_endpoints=True)
        self.stubs: dict[str, Stubber] = {}
        for service in ("sts", "cloudformation", "s3", "dynamodb", "lambda"):
            self.stubs[service] = Stubber(self.target.client(service))
            self.stubs[service].activate()
        arn = f"arn:aws:iam::{account}:user/student"
        self.stubs["sts"].add_response("get_caller_identity", {"Account": account, "Arn": arn, "UserId": "AIDAEXAMPLE"})


@pytest.fixture
def use_aws(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], FakeAws]:
    """``use_aws(account)``: `--target aws` connects to a stubbed AWS answering as ``account``."""

    def use(account: str) -> FakeAws:
        fake = FakeAws(account)
        monkeypatch.setattr(targets, "aws", lambda profile=None, region=None: fake.target)
        return fake

    return use


class Terminal(io.StringIO):
    """stdin as a terminal, with the user's answers already typed."""

    def isatty(self) -> bool:
        return True


# ----------------------------------------------------------------------------- the environment
def test_aws_ignores_an_emulator_endpoint_and_says_so(
    aws_env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://127.0.0.1:4566")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "https://127.0.0.1:4567")
    monkeypatch.setenv("AWS_REGION", REGION)  # AWS_REGION alone: boto3 would not read it
    # Without the guard, botocore sends S3 calls to the emulator (the check below can fail).
    assert boto3.Session(region_name=REGION).client("s3").meta.endpoint_url == "https://127.0.0.1:4567"

    target = targets.connect(TargetName.aws)
    assert target.region == REGION
    assert target.client("s3").meta.endpoint_url == f"https://s3.{REGION}.amazonaws.com"
    assert target.client("sts").meta.endpoint_url == f"https://sts.{REGION}.amazonaws.com"
    warned = capsys.readouterr().err
    assert "AWS_ENDPOINT_URL=https://127.0.0.1:4566" in warned and "AWS_ENDPOINT_URL_S3" in warned


def test_aws_does_not_use_the_emulator_certificate(aws_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from reference import tls

    certificate, _ = tls.ensure_certificate(tmp_path / "emulator")
    monkeypatch.setenv("AWS_CA_BUNDLE", str(certificate))
    monkeypatch.setenv("AWS_REGION", REGION)
    target = targets.connect(TargetName.aws)
    assert target.system_roots_only
    assert target.client("s3")._endpoint.http_session._verify is True  # the system's roots, not the emulator's


def test_aws_refuses_the_emulator_keys_before_connecting(aws_env: None, monkeypatch: pytest.MonkeyPatch, p4lab) -> None:  # noqa: ANN001
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", emulator.ROOT_ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", emulator.ROOT_SECRET_KEY)
    result = p4lab("outputs", "--target", "aws", "--region", REGION)
    assert result.exit_code == 2 and "an emulator's key" in result.output and "unset AWS_ACCESS_KEY_ID" in result.output


def test_aws_region_from_aws_region_and_the_flag(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    assert targets.aws().region == "us-west-2"
    monkeypatch.setenv("AWS_REGION", REGION)  # the AWS CLI's order: AWS_REGION before AWS_DEFAULT_REGION
    assert targets.aws().region == REGION
    assert targets.aws(region="ap-south-1").region == "ap-south-1"


def test_aws_without_a_region_or_with_an_unknown_profile_is_bad_input(aws_env: None, p4lab) -> None:  # noqa: ANN001
    no_region = p4lab("outputs", "--target", "aws")
    assert no_region.exit_code == 2 and "--region" in no_region.output and "AWS_REGION" in no_region.output
    no_profile = p4lab("outputs", "--target", "aws", "--profile", "nosuch", "--region", REGION)
    assert no_profile.exit_code == 2 and "'nosuch' is not configured" in no_profile.output


def test_profile_and_region_on_an_emulator_target_are_flagged(p4lab) -> None:  # noqa: ANN001
    result = p4lab("outputs", "--region", REGION)
    assert "--region only apply to --target aws" in result.output
    assert result.exit_code == 1 and "No embedded emulator is running" in result.output


# ----------------------------------------------------------------------------- identity before change
@pytest.mark.parametrize(
    "args",
    [
        ["deploy"],
        ["destroy", "--yes"],
        ["upload", "{photo}"],
        ["serve"],
        ["doctor"],
        ["chaos", "run", "kill-workers"],
        ["chaos", "restore"],
    ],
    ids=lambda args: " ".join(args[:2]) if args[0] == "chaos" else args[0],
)
def test_an_emulator_account_is_refused_before_any_change(args: list[str], use_aws, p4lab, tmp_path: Path) -> None:  # noqa: ANN001
    """What the issue saw: `--target aws` answering from account 000000000000."""
    from reference import samples

    photo = tmp_path / "a.jpg"
    samples.photo(32, 32, seed=1).save(photo, "JPEG")
    fake = use_aws(targets.EMULATOR_ACCOUNT)
    if args[:2] == ["chaos", "restore"]:  # it reads the stack's outputs first (a read, no change)
        stack = {"StackName": "p4lab", "StackStatus": "CREATE_COMPLETE", "CreationTime": "2026-01-01T00:00:00Z", "Outputs": []}
        fake.stubs["cloudformation"].add_response("describe_stacks", {"Stacks": [stack]})
    result = p4lab(*[a.format(photo=photo) for a in args], "--target", "aws")
    assert result.exit_code == 2, result.output
    assert "000000000000, which is an emulator's" in result.output and "Nothing was changed" in result.output
    # Any call but GetCallerIdentity would have raised in a stub (and ended in exit 1).
    fake.stubs["sts"].assert_no_pending_responses()


def test_destroy_on_aws_shows_the_account_and_asks(use_aws, p4lab, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    use_aws(ACCOUNT)
    monkeypatch.setattr("sys.stdin", Terminal("n\n"))
    result = p4lab("destroy", "--target", "aws")
    assert result.exit_code == 1 and "nothing was changed" in result.output
    assert f"Destroying stack p4lab in AWS account {ACCOUNT}, region {REGION}, as arn:aws:iam::{ACCOUNT}:user/student" in result.output


def test_destroy_on_aws_goes_ahead_when_told_yes(use_aws, p4lab, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    stubs = use_aws(ACCOUNT).stubs
    stubs["cloudformation"].add_client_error(
        "describe_stacks", "ValidationError", "Stack with id p4lab does not exist", expected_params={"StackName": "p4lab"}
    )
    stubs["s3"].add_client_error("head_bucket", "404", "Not Found", 404, expected_params={"Bucket": f"p4lab-artifacts-{ACCOUNT}-{REGION}"})
    monkeypatch.setattr("sys.stdin", Terminal("y\n"))
    result = p4lab("destroy", "--target", "aws")
    assert result.exit_code == 0, result.output
    assert "Nothing to destroy: stack p4lab is not deployed." in result.stdout
    for stub in stubs.values():
        stub.assert_no_pending_responses()


def test_destroy_on_aws_in_a_script_needs_yes_and_asks_nothing_of_aws(use_aws, p4lab, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    fake = use_aws(ACCOUNT)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal
    result = p4lab("destroy", "--target", "aws")
    assert result.exit_code == 2 and "add --yes" in result.output
    with pytest.raises(AssertionError):  # GetCallerIdentity was never called
        fake.stubs["sts"].assert_no_pending_responses()


def test_the_localstack_target_says_how_to_start_localstack(p4lab, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("LOCALSTACK_HOST", f"127.0.0.1:{port}")
    result = p4lab("status", "--target", "localstack")
    assert result.exit_code == 1
    assert f"LocalStack does not answer at http://127.0.0.1:{port} (LOCALSTACK_HOST)" in result.output
    assert "docker compose up -d" in result.output
