"""Where the pipeline runs: the only place that knows the difference between targets.

Every other module receives a :class:`Target` and uses ``target.client("s3")`` and
friends. A target differs from another in exactly three things: the endpoint, the
credentials, and a few template parameters (e.g. no CloudFront on LocalStack's free
edition). Nothing else in p4lab may branch on the target's name.
"""

from __future__ import annotations

import os
import platform
import threading
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from reference.errors import UserError

if TYPE_CHECKING:  # boto3 takes a tenth of a second to import: not for `p4lab --help`
    import boto3

    from reference.emulator import Emulator

TARGET_ENV = "P4LAB_TARGET"
LOCALSTACK_ENDPOINT_ENV = "P4LAB_LOCALSTACK_ENDPOINT"
DEFAULT_LOCALSTACK_ENDPOINT = "http://localhost:4566"


def _client_config() -> Any:
    """Retries with AWS's adaptive mode: throttling from the emulator or from AWS is absorbed."""
    from botocore.config import Config

    return Config(retries={"max_attempts": 8, "mode": "adaptive"}, connect_timeout=5, read_timeout=60)


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
    # The embedded emulator's process group: its Lambda workers live there (chaos drills kill them).
    process_group: int | None = None
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict, init=False, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def client(self, service: str) -> Any:
        """One client per service, reused: creating one costs ~50 ms, and pollers ask often.

        boto3 sessions are not thread-safe while creating clients (drills poll from threads),
        hence the lock; the clients themselves are thread-safe.
        """
        return self._cached("client", service)

    def resource(self, service: str) -> Any:
        return self._cached("resource", service)

    def _cached(self, kind: str, service: str) -> Any:
        with self._lock:
            if (kind, service) not in self._clients:
                factory = self.session.client if kind == "client" else self.session.resource
                self._clients[kind, service] = factory(
                    service, endpoint_url=self.endpoint_url, config=_client_config(), verify=self.ca_bundle
                )
            return self._clients[kind, service]

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


# The embedded emulator runs each concurrent batch in a worker process of its own, on this
# machine's cores: AWS's default of 50 concurrent batches made 40 workers (4.9 GB) fight over
# 2 cores, most of their CPU spent importing the handler. One batch per usable core keeps every
# core busy with one warm worker; the template allows 2 (AWS's minimum) to 32.
EMBEDDED_MAX_CONCURRENCY = 32


def usable_cores() -> int:
    """Cores this process may run on (its affinity mask: a container's or `taskset`'s limit).

    >>> usable_cores() >= 1
    True
    """
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no affinity mask
        return os.cpu_count() or 1


def embedded_parameters(cores: int | None = None) -> dict[str, str]:
    """Template parameters sized to the machine the emulator's Lambda workers share.

    * ``MaximumConcurrency``: one batch (one worker process) per usable core.
    * ``BatchSize`` 1: MiniStack hands a free worker whatever is visible at once (it does not
      wait out a batching window), so a batch of 10 taken by one worker while the others
      idle would make the last images of a burst wait for ten. One message per batch
      spreads the work evenly; a warm invocation costs a few milliseconds.
    * ``BatchingWindowSeconds`` 0: what MiniStack does anyway, said so (the load test's
      record and the simulator read it from the stack).

    >>> embedded_parameters(cores=2)["MaximumConcurrency"], embedded_parameters(cores=64)["MaximumConcurrency"]
    ('2', '32')
    """
    cores = usable_cores() if cores is None else cores
    concurrency = min(max(cores, 2), EMBEDDED_MAX_CONCURRENCY)
    return {"MaximumConcurrency": str(concurrency), "BatchSize": "1", "BatchingWindowSeconds": "0"}


def embedded(emulator: Emulator) -> Target:
    """The emulator ``emulator`` as a target (its root credentials, its certificate)."""
    return embedded_at(emulator.endpoint, emulator.ca_bundle, emulator.pgid)


def embedded_at(endpoint: str, ca_bundle: str, process_group: int | None = None) -> Target:
    """An embedded emulator known only by its address (a chaos experiment's configuration)."""
    import boto3

    from reference import emulator as emulator_mod

    session = boto3.Session(
        aws_access_key_id=emulator_mod.ROOT_ACCESS_KEY,
        aws_secret_access_key=emulator_mod.ROOT_SECRET_KEY,
        region_name=emulator_mod.REGION,
    )
    return Target(
        TargetName.embedded,
        session,
        endpoint,
        embedded_parameters(),
        ca_bundle=ca_bundle,
        process_group=process_group,
    )


def localstack() -> Target:
    import boto3

    session = boto3.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    endpoint = os.environ.get(LOCALSTACK_ENDPOINT_ENV, DEFAULT_LOCALSTACK_ENDPOINT)
    # CloudFront is not part of LocalStack's free edition. Its Lambda containers run on this
    # machine's CPU, so the function (and its bundled wheels) must match it.
    parameters = {"EnableCdn": "false", "FunctionArchitecture": _host_architecture()}
    return Target(TargetName.localstack, session, endpoint, parameters, bundle_dependencies=True)


def _host_architecture() -> str:
    return "arm64" if platform.machine().lower() in ("arm64", "aarch64") else "x86_64"


def aws(profile: str | None = None, region: str | None = None) -> Target:
    """The default credential chain (env, profile, SSO, instance role), as every AWS tool."""
    import boto3

    session = boto3.Session(profile_name=profile, region_name=region)
    if session.get_credentials() is None:
        raise UserError(
            "No AWS credentials found. Configure them (`aws configure` or `aws sso login`) "
            "or set AWS_PROFILE; see docs/targets.md."
        )
    if session.region_name is None:
        raise UserError("No AWS region configured. Set AWS_REGION (e.g. us-east-1) or a profile region.")
    return Target(TargetName.aws, session, bundle_dependencies=True)


def connect(name: TargetName, *, profile: str | None = None, region: str | None = None) -> Target:
    """A target for commands that need a running one (for `embedded`, `p4lab up` first).

    ``profile`` and ``region`` choose the AWS credentials and Region (``--profile``/``--region``).
    """
    if name is TargetName.embedded:
        from reference import emulator as emulator_mod

        running = emulator_mod.load_kept()
        if running is None:
            raise UserError(
                "No embedded emulator is running. Start one with `p4lab up` "
                "(`p4lab demo` starts its own), or choose --target localstack|aws."
            )
        return embedded(running)
    if name is TargetName.localstack:
        return localstack()
    return aws(profile, region)
