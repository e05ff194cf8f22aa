"""Command-line options shared by every `p4lab` command that acts on a deployed pipeline.

A command that needs the pipeline takes a :class:`~reference.stack.Stack` as its first
parameter and is decorated with :func:`on_stack`; the decorator adds the options that say
which one (``--target/-t``, ``--stack``, ``--profile``, ``--region``) and resolves them once::

    @app.command()
    @on_stack
    def outputs(stack: Stack, json_output: JsonOption = False) -> None:
        print(stack.outputs)

so every such command reads and behaves alike, and none repeats the connect-then-outputs
preamble. Only ``typer`` is imported here: ``p4lab --help`` builds every command's options.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any, Optional, TypeVar

import typer

from reference.stack import DEFAULT_STACK
from reference.targets import TARGET_ENV, TargetName

TargetOption = Annotated[
    TargetName,
    typer.Option(
        "--target", "-t", envvar=TARGET_ENV, metavar="TARGET", show_default=False,
        help="Where the pipeline runs: embedded (default; the emulator `p4lab up` started), localstack or aws.",
    ),
]  # fmt: skip
StackOption = Annotated[
    str, typer.Option("--stack", envvar="P4LAB_STACK", metavar="NAME", help="CloudFormation stack name.")
]
ProfileOption = Annotated[
    Optional[str],
    typer.Option(
        "--profile", metavar="PROFILE", show_default=False,
        help="AWS profile (target aws), as in the AWS CLI; default: AWS_PROFILE, else the default chain.",
    ),
]  # fmt: skip
RegionOption = Annotated[
    Optional[str],
    typer.Option(
        "--region", metavar="REGION", show_default=False,
        help="AWS Region (target aws); default: AWS_REGION, AWS_DEFAULT_REGION, else the profile's.",
    ),
]  # fmt: skip
YesOption = Annotated[
    bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (on aws, a change asks first).")
]
OwnerOption = Annotated[
    str, typer.Option("--owner", envvar="P4LAB_OWNER", metavar="OWNER", help="Whose uploads (default: your login name).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]

Command = TypeVar("Command", bound=Callable[..., Any])


def _parameter(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)


_STACK_PARAMETERS = [
    _parameter("target", TargetOption, TargetName.embedded),
    _parameter("stack_name", StackOption, DEFAULT_STACK),
    _parameter("profile", ProfileOption, None),
    _parameter("region", RegionOption, None),
]


def on_stack(command: Command) -> Command:
    """Give ``command(stack, ...)`` the options naming a stack, and call it with that Stack."""
    from_signature = inspect.signature(command, eval_str=True)
    own = [p for name, p in from_signature.parameters.items() if name != "stack"]

    @functools.wraps(command)
    def with_stack(*, target: TargetName, stack_name: str, profile: str | None, region: str | None, **kwargs: Any) -> Any:
        from reference import targets
        from reference.stack import Stack

        return command(Stack(stack_name, target, lambda: targets.connect(target, profile=profile, region=region)), **kwargs)

    parameters = own + _STACK_PARAMETERS
    with_stack.__signature__ = from_signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    # Typer reads annotations too: give it the real ones (the command's are strings).
    with_stack.__annotations__ = {p.name: p.annotation for p in parameters}
    return with_stack  # type: ignore[return-value]
