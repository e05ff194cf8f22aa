"""Where the pipeline runs: the only place that knows the difference between targets.

Every other module receives a :class:`Target` and uses ``target.client("s3")`` and
friends. A target differs from another in exactly three things: the endpoint, the
credentials, and a few template parameters (e.g. no CloudFront on LocalStack's free
edition). Nothing else in p4lab may branch on the target's name.

Safety on ``aws``: a shell that once exported what ``p4lab up`` prints still carries the
emulator's ``AWS_ENDPOINT_URL``, certificate and ``test`` keys. On ``aws`` the endpoint
variables (``AWS_ENDPOINT_URL``, ``AWS_ENDPOINT_URL_<SERVICE>``, a profile's
``endpoint_url``) are ignored with a warning, the emulator's certificate is not used, and
its keys are refused; :meth:`Target.identity` (STS) says which account a command is about
to change, and the account emulators answer with (000000000000) is refused there.
``AWS_REGION`` is honoured as the AWS CLI does (boto3 itself reads only
``AWS_DEFAULT_REGION``).

LocalStack is found as ``awslocal`` finds it: ``AWS_ENDPOINT_URL``, else ``LOCALSTACK_HOST``
(``host[:port]``, https with ``USE_SSL=1``), else ``http://localhost:4566``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from reference.console import warning
from reference.errors import UserError

if TYPE_CHECKING:  # boto3 takes a tenth of a second to import: not for `p4lab --help`
    import boto3

    from reference.emulator import Emulator

TARGET_ENV = "P4LAB_TARGET"
DEFAULT_LOCALSTACK_ENDPOINT = "http://localhost:4566"
LOCALSTACK_PORT = 4566
LOCALSTACK_HEALTH_PATH = "/_localstack/health"
LOCALSTACK_ACCESS_KEY = "test"  # LocalStack accepts any key; "test" is its documented one
# The account LocalStack and MiniStack answer with; never a real AWS account.
EMULATOR_ACCOUNT = "000000000000"
ENDPOINT_ENV_PREFIX = "AWS_ENDPOINT_URL"  # AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>


def _client_config(*, ignore_configured_endpoints: bool = False) -> Any:
    """Retries with AWS's adaptive mode: throttling from the emulator or from AWS is absorbed.

    ``ignore_configured_endpoints``: AWS_ENDPOINT_URL* and a profile's ``endpoint_url`` do not
    apply (botocore's own switch, as ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`` does).
    """
    from botocore.config import Config

    return Config(
        retries={"max_attempts": 8, "mode": "adaptive"},
        connect_timeout=5,
        read_timeout=60,
        ignore_configured_endpoint_urls=ignore_configured_endpoints or None,
    )


class TargetName(str, Enum):
    embedded = "embedded"
    localstack = "localstack"
    aws = "aws"

    @property
    def real_account(self) -> bool:
        """Whether changes here cost money and cannot be undone by stopping an emulator:
        commands show the account before changing it, and ask before destroying."""
        return self is TargetName.aws


@dataclass(frozen=True)
class Identity:
    """Who is calling, where: what a command shows before it changes an AWS account."""

    account: str
    arn: str
    region: str

    def __str__(self) -> str:
        """``account 123456789012, region us-east-1, as arn:aws:iam::123456789012:user/ana``"""
        return f"account {self.account}, region {self.region}, as {self.arn}"


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
    # AWS only: endpoints from the environment or a profile never apply (see the module docstring).
    ignore_configured_endpoints: bool = False
    # AWS only, when AWS_CA_BUNDLE is the emulator's certificate: trust the system's roots instead.
    system_roots_only: bool = False
    _clients: dict[tuple[str, str, str | None], Any] = field(default_factory=dict, init=False, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def client(self, service: str, region: str | None = None) -> Any:
        """One client per service (and Region, default the target's), reused: creating one
        costs ~50 ms, and pollers ask often.

        boto3 sessions are not thread-safe while creating clients (drills poll from threads),
        hence the lock; the clients themselves are thread-safe.
        """
        return self._cached("client", service, region)

    def resource(self, service: str) -> Any:
        return self._cached("resource", service, None)

    def _cached(self, kind: str, service: str, region: str | None) -> Any:
        with self._lock:
            if (kind, service, region) not in self._clients:
                factory = self.session.client if kind == "client" else self.session.resource
                self._clients[kind, service, region] = factory(
                    service,
                    region_name=region,
                    endpoint_url=self.endpoint_url,
                    config=_client_config(ignore_configured_endpoints=self.ignore_configured_endpoints),
                    # None lets botocore read AWS_CA_BUNDLE; True means the system's roots only.
                    verify=self.ca_bundle or (True if self.system_roots_only else None),
                )
            return self._clients[kind, service, region]

    @property
    def region(self) -> str:
        return self.session.region_name or "us-east-1"

    @cached_property
    def identity(self) -> Identity:
        """The caller's account and ARN (STS GetCallerIdentity, which needs no permission)."""
        answer = self.client("sts").get_caller_identity()
        return Identity(answer["Account"], answer["Arn"], self.region)

    @property
    def is_emulated(self) -> bool:
        """Whether requests go to an emulator (an explicit endpoint) rather than to AWS."""
        return self.endpoint_url is not None

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


def target_name(raw: str, where: str = TARGET_ENV) -> TargetName:
    """``raw`` as a target name; a UserError naming ``where`` it came from otherwise.

    >>> target_name("aws")
    <TargetName.aws: 'aws'>
    """
    try:
        return TargetName(raw)
    except ValueError:
        choices = ", ".join(t.value for t in TargetName)
        raise UserError(f"{where}={raw!r} is not a target; choose one of: {choices}.", 2) from None


def default_target_name() -> TargetName:
    return target_name(os.environ.get(TARGET_ENV, TargetName.embedded.value))


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


def localstack_endpoint(environ: Mapping[str, str] = os.environ) -> str:
    """Where LocalStack listens, found as ``awslocal`` finds it.

    >>> localstack_endpoint({"LOCALSTACK_HOST": "ls.internal"})
    'http://ls.internal:4566'
    >>> localstack_endpoint({"LOCALSTACK_HOST": "localhost:4567", "USE_SSL": "1"})
    'https://localhost:4567'
    >>> localstack_endpoint({"AWS_ENDPOINT_URL": "http://box:4566", "LOCALSTACK_HOST": "other"})
    'http://box:4566'
    >>> localstack_endpoint({})
    'http://localhost:4566'
    """
    if endpoint := environ.get("AWS_ENDPOINT_URL"):
        return endpoint
    host = environ.get("LOCALSTACK_HOST")
    if not host:
        return DEFAULT_LOCALSTACK_ENDPOINT
    scheme = "https" if environ.get("USE_SSL", "").lower() in ("1", "true") else "http"
    return f"{scheme}://{host}" if ":" in host else f"{scheme}://{host}:{LOCALSTACK_PORT}"


def localstack() -> Target:
    """LocalStack (docker-compose.yml) where :func:`localstack_endpoint` says it listens."""
    import boto3

    endpoint = localstack_endpoint()
    session = boto3.Session(
        aws_access_key_id=LOCALSTACK_ACCESS_KEY, aws_secret_access_key=LOCALSTACK_ACCESS_KEY, region_name="us-east-1"
    )
    # CloudFront is not part of LocalStack's free edition. Its Lambda containers run on this
    # machine's CPU, so the function (and its bundled wheels) must match it.
    from reference.package import host_architecture

    parameters = {"EnableCdn": "false", "FunctionArchitecture": host_architecture()}
    return Target(TargetName.localstack, session, endpoint, parameters, bundle_dependencies=True)


def _check_localstack(endpoint: str) -> None:
    """A clear message now, instead of botocore's "Could not connect" after retries."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(endpoint.rstrip("/") + LOCALSTACK_HEALTH_PATH, timeout=3):
            return
    except urllib.error.HTTPError:
        return  # it answered: something is listening, let the API calls speak for it
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        source = "AWS_ENDPOINT_URL" if os.environ.get("AWS_ENDPOINT_URL") else (
            "LOCALSTACK_HOST" if os.environ.get("LOCALSTACK_HOST") else "the default"
        )
        raise UserError(
            f"LocalStack does not answer at {endpoint} ({source}): {reason}. Start it with "
            "`docker compose up -d` in the project folder (see docs/targets.md), or point "
            "AWS_ENDPOINT_URL / LOCALSTACK_HOST at where it runs."
        ) from None


def aws(profile: str | None = None, region: str | None = None) -> Target:
    """The default credential chain (env, profile, SSO, instance role), as every AWS tool.

    The Region is, in the AWS CLI's order: ``--region``, ``AWS_REGION``, ``AWS_DEFAULT_REGION``,
    the profile's. Leftovers of an emulator in the environment are dealt with first.
    """
    import boto3
    from botocore.exceptions import ProfileNotFound

    if profile is None:  # an explicit profile takes precedence over keys in the environment
        _refuse_emulator_credentials()
    _warn_about_endpoint_variables()
    try:
        session = boto3.Session(profile_name=profile, region_name=region or os.environ.get("AWS_REGION") or None)
    except ProfileNotFound:
        raise UserError(
            f"AWS profile {profile!r} is not configured. Create it with `aws configure --profile {profile}` "
            "(or `aws configure sso`), or choose another with --profile / AWS_PROFILE.",
            2,
        ) from None
    if session.get_credentials() is None:
        raise UserError(
            "No AWS credentials found. Configure them (`aws configure` or `aws sso login`) "
            "or set AWS_PROFILE; see docs/targets.md."
        )
    if session.region_name is None:
        raise UserError(
            "No AWS Region configured. Pass --region (e.g. us-east-1), set AWS_REGION, "
            "or give the profile a region (`aws configure set region us-east-1`).",
            2,
        )
    # Another bundle (a corporate proxy's) applies as usual; the emulator's would fail every call.
    ca_bundle = os.environ.get("AWS_CA_BUNDLE")
    emulator_bundle = bool(ca_bundle) and _is_emulator_certificate(ca_bundle or "")
    if emulator_bundle:
        warning(f"--target aws ignores AWS_CA_BUNDLE={ca_bundle}: it is the embedded emulator's certificate.")
    return Target(
        TargetName.aws, session, bundle_dependencies=True, ignore_configured_endpoints=True, system_roots_only=emulator_bundle
    )


def _warn_about_endpoint_variables() -> None:
    names = sorted(name for name in os.environ if name.startswith(ENDPOINT_ENV_PREFIX))
    if names:
        listed = ", ".join(f"{name}={os.environ[name]}" for name in names)
        warning(
            f"--target aws ignores {listed} (an emulator's endpoint?) and talks to AWS's own endpoints. "
            f"`unset {' '.join(names)}` to silence this."
        )


def _refuse_emulator_credentials() -> None:
    """The emulators' ``test`` keys, exported after ``p4lab up``, are never AWS's."""
    from reference import emulator as emulator_mod

    if os.environ.get("AWS_ACCESS_KEY_ID") in (emulator_mod.ROOT_ACCESS_KEY, LOCALSTACK_ACCESS_KEY):
        raise UserError(
            f"AWS_ACCESS_KEY_ID={os.environ['AWS_ACCESS_KEY_ID']} is an emulator's key (exported after "
            "`p4lab up`?), not an AWS one. For --target aws, open a new shell or "
            "`unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL AWS_CA_BUNDLE`, then use "
            "your profile (--profile or AWS_PROFILE).",
            2,
        )


def _is_emulator_certificate(path: str) -> bool:
    """Whether a CA bundle is p4lab's self-signed emulator certificate (one certificate, CN p4lab...)."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    try:
        data = Path(path).read_bytes()
        if data.count(b"-----BEGIN CERTIFICATE-----") != 1:
            return False  # a real bundle (the system's, a proxy's) holds several
        certificate = x509.load_pem_x509_certificate(data)
    except (OSError, ValueError):
        return False
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return bool(names) and str(names[0].value).startswith("p4lab")


def connect(name: TargetName, *, profile: str | None = None, region: str | None = None) -> Target:
    """A target for commands that need a running one (for `embedded`, `p4lab up` first).

    ``profile`` and ``region`` choose the AWS credentials and Region (``--profile``/``--region``).
    """
    if name is not TargetName.aws and (profile or region):
        given = " and ".join(flag for flag, value in (("--profile", profile), ("--region", region)) if value)
        warning(f"{given} only apply to --target aws; the {name.value} target has its own credentials and Region.")
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
        target = localstack()
        _check_localstack(target.endpoint_url or DEFAULT_LOCALSTACK_ENDPOINT)
        return target
    return aws(profile, region)
