"""Command-line options shared by every `p4lab` command group, so they read and behave alike."""

from __future__ import annotations

from typing import Annotated

import typer

from reference import targets

TargetOption = Annotated[
    targets.TargetName,
    typer.Option("--target", "-t", envvar=targets.TARGET_ENV, help="embedded (default), localstack or aws."),
]
StackOption = Annotated[str, typer.Option("--stack", envvar="P4LAB_STACK", help="CloudFormation stack name.")]
OwnerOption = Annotated[str, typer.Option("--owner", envvar="P4LAB_OWNER", help="Whose uploads (default: your login name).")]
