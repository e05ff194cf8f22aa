"""Where the pipeline runs: the only place that knows the difference between targets.

Every other module receives a :class:`Target` and uses ``target.client("s3")`` and
friends. A target differs from another in exactly three things: the endpoint, the
credentials, and a few template parameters (e.g. no CloudFront on LocalStack's free
edition). Nothing else in p4lab may branch on the target's name.
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.config import Config

from reference import emulator as emulator_mod
from reference.errors import UserError

TARGET_ENV = "P4LAB_TARGET"
LOCALSTACK_ENDPOINT_ENV = "P4LAB_LOCALSTACK_ENDPOINT"
DEFAULT_LOCALSTACK_ENDPOINT = "http://localhost:4566"

# Retries with AWS's adaptive mode: throttling from the emulator or from AWS is absorbed.
_CLIENT_CONFIG = Config(retries={"max_attempts": 8, "mode": "adaptive"}, connect_timeout=5, read_timeout=60)


class TargetName(str, Enum):
    embedded = "embedded"
    localstack = "localstack"
    aws = "aws"


@dataclass(frozen=True)
class Target:
    """An endpoint + credentials + template parameter overrides."""

    name: TargetName
    session: boto3.Session
    endpoint_url: str | None = None
    template_parameters: dict[str, str] = field(default_factory=dict)
    # CA bundle for an emulator's self-signed certificate; None means the system's roots.
    ca_bundle: str | None = None
    # Whether the function zip must carry its dependencies as Lambda-platform wheels. A property
    # of where the function runs: Lambda's runtime (AWS, LocalStack's runtime containers) has
    # only boto3; MiniStack runs it on this venv's interpreter, where foreign wheels won't import.
    bundle_dependencies: bool = False

    def client(self, service: str) -> Any:
        return self.session.client(
            service, endpoint_url=self.endpoint_url, config=_CLIENT_CONFIG, verify=self.ca_bundle
        )

    def resource(self, service: str) -> Any:
        return self.session.resource(
            service, endpoint_url=self.endpoint_url, config=_CLIENT_CONFIG, verify=self.ca_bundle
        )

    @property
    def verify(self) -> str | bool:
        """What ``requests`` needs for ``verify=`` to trust this target's HTTPS endpoints."""
        return self.ca_bundle or True

    def cdn_address(self, domain: str) -> tuple[str, str]:
        """(base URL to connect to, Host header) for a CloudFront distribution's domain.

        On AWS that is the domain itself over HTTPS. An emulator serves every distribution
        on its own port and picks one by the Host header.
        """
        if self.endpoint_url is None:
            return f"https://{domain}", domain
        return self.endpoint_url, domain

    def cdn_public_url(self, domain: str, path: str) -> str:
        """A URL a person can open. Browsers resolve ``*.localhost`` to the loopback address,
        which MiniStack maps to the distribution named by the first label."""
        if self.endpoint_url is None:
            return f"https://{domain}{path}"
        port = urlsplit(self.endpoint_url).port
        label = domain.split(".", 1)[0]
        return f"https://{label}.cloudfront.localhost:{port}{path}"


def default_target_name() -> TargetName:
    raw = os.environ.get(TARGET_ENV, TargetName.embedded.value)
    try:
        return TargetName(raw)
    except ValueError:
        choices = ", ".join(t.value for t in TargetName)
        raise UserError(f"{TARGET_ENV}={raw!r} is not a target; choose one of: {choices}.", 2) from None


def embedded(emulator: emulator_mod.Emulator) -> Target:
    session = boto3.Session(
        aws_access_key_id=emulator_mod.ROOT_ACCESS_KEY,
        aws_secret_access_key=emulator_mod.ROOT_SECRET_KEY,
        region_name=emulator_mod.REGION,
    )
    return Target(TargetName.embedded, session, emulator.endpoint, ca_bundle=emulator.ca_bundle)


def localstack() -> Target:
    session = boto3.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    endpoint = os.environ.get(LOCALSTACK_ENDPOINT_ENV, DEFAULT_LOCALSTACK_ENDPOINT)
    # CloudFront is not part of LocalStack's free edition. Its Lambda containers run on this
    # machine's CPU, so the function (and its bundled wheels) must match it.
    parameters = {"EnableCdn": "false", "FunctionArchitecture": _host_architecture()}
    return Target(TargetName.localstack, session, endpoint, parameters, bundle_dependencies=True)


def _host_architecture() -> str:
    return "arm64" if platform.machine().lower() in ("arm64", "aarch64") else "x86_64"


def aws() -> Target:
    """The default credential chain (env, profile, SSO, instance role), as every AWS tool."""
    session = boto3.Session()
    if session.get_credentials() is None:
        raise UserError(
            "No AWS credentials found. Configure them (`aws configure` or `aws sso login`) "
            "or set AWS_PROFILE; see docs/targets.md."
        )
    if session.region_name is None:
        raise UserError("No AWS region configured. Set AWS_REGION (e.g. us-east-1) or a profile region.")
    return Target(TargetName.aws, session, bundle_dependencies=True)


def connect(name: TargetName) -> Target:
    """A target for commands that need a running one (for `embedded`, `p4lab up` first)."""
    if name is TargetName.embedded:
        running = emulator_mod.load_kept()
        if running is None:
            raise UserError(
                "No embedded emulator is running. Start one with `p4lab up` "
                "(`p4lab demo` starts its own), or choose --target localstack|aws."
            )
        return embedded(running)
    if name is TargetName.localstack:
        return localstack()
    return aws()
