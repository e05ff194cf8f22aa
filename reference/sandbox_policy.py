"""The IAM policy a student's user needs to deploy, use and destroy the p4lab stack.

The policy lives in ``reference/infra/deploy-policy.json`` with ``<ACCOUNT_ID>`` and
``<REGION>`` placeholders; every statement names the stack's own resources by their
``p4lab`` prefix, and ``"*"`` appears only for actions IAM cannot scope to a resource (the
tests check both against IAM's action catalogue). Render it for your account:

    $ python -m reference.sandbox_policy 123456789012 us-east-1 > p4lab-deploy-policy.json

Limitations: stack names must start with ``p4lab`` (the default is ``p4lab``); checked
offline and on the emulator with IAM enforcement, which cannot prove that CloudFormation's
own resource handlers need nothing more on AWS (see docs/aws-sandbox.md, "When something fails").
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

POLICY_PATH = Path(__file__).resolve().parent / "infra" / "deploy-policy.json"
_ACCOUNT = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")


def render(account_id: str, region: str) -> str:
    """The policy JSON for one account and region; ValueError on a malformed id or region."""
    if not _ACCOUNT.match(account_id):
        raise ValueError(f"{account_id!r} is not a 12-digit AWS account id (see `aws sts get-caller-identity`).")
    if not _REGION.match(region):
        raise ValueError(f"{region!r} is not an AWS region name like us-east-1.")
    text = POLICY_PATH.read_text().replace("<ACCOUNT_ID>", account_id).replace("<REGION>", region)
    json.loads(text)  # still valid JSON
    return text


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m reference.sandbox_policy ACCOUNT_ID REGION", file=sys.stderr)
        return 2
    try:
        sys.stdout.write(render(*argv))
    except ValueError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
