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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from reference.targets import Target

DEFAULT_STACK = "p4lab"  # the stack name when neither --stack nor P4LAB_STACK is given


@dataclass(frozen=True)
class Stack:
    name: str
    connect: Callable[[], Target] = field(repr=False, compare=False)

    @classmethod
    def on(cls, target: Target, name: str = DEFAULT_STACK) -> Stack:
        """A stack on a target already connected (tests, chaos activities, the demo)."""
        return cls(name, lambda: target)

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
