"""One deployed pipeline as a command sees it: where it runs, its name, and its outputs.

Every command that acts on the pipeline receives a :class:`Stack`, resolved once from
``--target``/``--stack``/``--profile``/``--region`` (see ``reference/options.py``), instead of
connecting and reading the outputs itself. Chaos activities get the same value from their
experiment's configuration (``chaos/context.py``).

    stack = Stack.on(targets.embedded(emulator), "p4lab")
    stack.client("sqs").get_queue_attributes(QueueUrl=stack.outputs["QueueUrl"], ...)

Both halves are resolved on first use, so a command checks its own arguments before it
connects to anything: ``target`` connects (for ``embedded``, finds the emulator `p4lab up`
left), and ``outputs`` reads the stack (one ``DescribeStacks``) and raises a
:class:`UserError` that says to deploy when it does not exist; commands that create the
stack (``deploy``) or may find it gone (``destroy``, ``doctor``) simply do not touch it.

A command that changes an AWS account calls :meth:`Stack.before_change` first: it shows the
account, Region and principal, refuses an emulator's account, and asks when told to (so
``destroy`` on ``aws`` asks unless ``--yes``). One mechanism, for every such command.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from reference.errors import UserError
from reference.targets import EMULATOR_ACCOUNT, Identity, Target, TargetName

DEFAULT_STACK = "p4lab"  # the stack name when neither --stack nor P4LAB_STACK is given


@dataclass(frozen=True)
class Stack:
    name: str
    target_name: TargetName
    connect: Callable[[], Target] = field(repr=False, compare=False)

    @classmethod
    def on(cls, target: Target, name: str = DEFAULT_STACK) -> Stack:
        """A stack on a target already connected (tests, chaos activities, the demo)."""
        return cls(name, target.name, lambda: target)

    @cached_property
    def target(self) -> Target:
        return self.connect()

    @cached_property
    def outputs(self) -> dict[str, str]:
        from reference import deploy

        return deploy.outputs(self.target, self.name)

    def client(self, service: str) -> Any:
        return self.target.client(service)

    def resource(self, service: str) -> Any:
        return self.target.resource(service)

    def identify(self, doing: str) -> Identity | None:
        """On AWS: say which account, Region and principal ``doing`` acts on; refuse an emulator's.

        ``doing`` completes "<doing> stack p4lab in account ...", e.g. ``"Deploying"``. On
        an emulator this returns None without a request: its account is not a question.
        """
        if not self.target_name.real_account:
            return None
        from reference.console import err

        identity = self.target.identity
        if identity.account == EMULATOR_ACCOUNT:
            raise UserError(
                f"--target aws reached account {EMULATOR_ACCOUNT}, which is an emulator's (LocalStack or "
                "MiniStack), not AWS: something routes AWS calls to it (an endpoint_url in ~/.aws/config "
                "or a proxy?). Nothing was changed.",
                2,
            )
        err.print(f"{doing} stack {self.name} in AWS {identity}", soft_wrap=True)
        return identity

    def before_change(self, doing: str, *, confirm: bool = False, yes: bool = False) -> None:
        """Call before changing anything: on AWS, show where (and ask, if ``confirm``).

        Asking needs a terminal: with none and no ``yes`` this refuses (exit 2) before
        connecting, so a script cannot destroy an account by accident.
        """
        if not self.target_name.real_account:
            return
        asking = confirm and not yes
        if asking and not sys.stdin.isatty():
            raise UserError(f"{doing} stack {self.name} on AWS needs confirmation and there is no terminal to ask: add --yes.", 2)
        identity = self.identify(doing)
        if asking:
            from rich.console import Console
            from rich.prompt import Confirm

            question = f"{doing} stack {self.name} in AWS {identity}. Continue?"
            # Its own console: `-q` silences notes, never a question.
            if not Confirm.ask(question, console=Console(stderr=True), default=False):
                raise UserError("Stopped; nothing was changed.")
