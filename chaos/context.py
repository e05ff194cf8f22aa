"""Which deployed stack a chaos activity acts on, read from the experiment's configuration.

Chaos Toolkit hands every Python activity the experiment's ``configuration`` dict. The keys
p4lab reads (all optional):

* ``p4lab_target``   — ``embedded`` (default), ``localstack`` or ``aws``;
* ``p4lab_stack``    — the CloudFormation stack (default ``p4lab``);
* ``p4lab_endpoint`` / ``p4lab_ca_bundle`` — an embedded emulator's URL and certificate;
* ``p4lab_pgid``     — the emulator's process group, where its Lambda workers live;
* ``p4lab_profile`` / ``p4lab_region`` — the AWS profile and Region (``aws``), as
  ``--profile``/``--region`` give them.

With none of them, an activity uses the emulator ``p4lab up`` left running, so that
``p4lab up && p4lab deploy && chaos run chaos/experiments/kill-workers.json`` works;
``p4lab chaos run`` passes all of them explicitly.

Example::

    stack = resolve({"p4lab_stack": "p4lab"})
    stack.client("sqs").get_queue_attributes(QueueUrl=stack.outputs["QueueUrl"], ...)
"""

from __future__ import annotations

import threading
from typing import Any

from reference import targets
from reference.errors import UserError
from reference.stack import DEFAULT_STACK, Stack

Configuration = dict[str, Any]

__all__ = ["Configuration", "Stack", "forget", "resolve"]

_stacks: dict[tuple[str, ...], Stack] = {}
_stacks_lock = threading.Lock()


def resolve(configuration: Configuration | None) -> Stack:
    """The stack named by ``configuration`` (cached for the process: one lookup per drill)."""
    config = configuration or {}
    raw = config.get("p4lab_target")
    name = targets.target_name(str(raw), "p4lab_target") if raw else targets.default_target_name()
    stack_name = str(config.get("p4lab_stack") or DEFAULT_STACK)
    endpoint = str(config.get("p4lab_endpoint") or "")
    key = (name.value, endpoint, str(config.get("p4lab_profile") or ""), str(config.get("p4lab_region") or ""), stack_name)
    with _stacks_lock:
        if key not in _stacks:
            stack = Stack.on(_target(name, endpoint, config), stack_name)
            stack.outputs  # noqa: B018  (read now: a missing stack is an error before the drill starts)
            _stacks[key] = stack
        return _stacks[key]


def forget() -> None:
    """Drop cached stacks (a redeploy changes outputs; tests start new emulators)."""
    with _stacks_lock:
        _stacks.clear()


def _target(name: targets.TargetName, endpoint: str, config: Configuration) -> targets.Target:
    if name is not targets.TargetName.embedded:
        return targets.connect(name, profile=config.get("p4lab_profile") or None, region=config.get("p4lab_region") or None)
    if endpoint:
        ca_bundle = str(config.get("p4lab_ca_bundle") or "")
        if not ca_bundle:
            raise UserError("p4lab_endpoint is set but p4lab_ca_bundle is not: the emulator's certificate is needed for HTTPS.", 2)
        pgid = int(config["p4lab_pgid"]) if config.get("p4lab_pgid") else None
        return targets.embedded_at(endpoint, ca_bundle, pgid)
    from reference import emulator

    kept = emulator.load_kept()
    if kept is None:
        raise UserError(
            "No embedded emulator is running and the experiment names none. Run `p4lab up && p4lab deploy` "
            "before `chaos run`, or use `p4lab chaos run NAME`, which starts one."
        )
    return targets.embedded(kept)
