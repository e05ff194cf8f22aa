"""Fault injection for chaos drills, switched on from outside the code.

The switch is an SSM parameter the stack creates (``FAULTS_PARAMETER``), holding JSON:

    {"latency_ms": 0, "error_rate": 0.0, "dependencies": ["s3", "dynamodb"]}

An operator (or ``p4lab chaos``) edits the parameter; within ``REFRESH_S`` seconds every
warm execution environment picks the change up, with no deploy. The handler calls
``before("s3")`` / ``before("dynamodb")`` in front of its dependency calls: the call is
delayed by ``latency_ms`` and, with probability ``error_rate``, fails with
``InjectedFault``, a retryable error like the throttling it imitates. With the default
(all zero) configuration the cost is one cached dictionary lookup.
"""

from __future__ import annotations

import os
import random
import time

from aws_lambda_powertools.utilities import parameters

FAULTS_PARAMETER_ENV = "FAULTS_PARAMETER"
REFRESH_S = 5


class InjectedFault(RuntimeError):
    """A deliberate, retryable failure of a dependency call."""


def _config() -> dict:
    name = os.environ.get(FAULTS_PARAMETER_ENV)
    if not name:
        return {}
    config = parameters.get_parameter(name, transform="json", max_age=REFRESH_S)
    return config if isinstance(config, dict) else {}


def before(dependency: str) -> None:
    """Apply the configured latency and error rate to one call to ``dependency``."""
    config = _config()
    if dependency not in config.get("dependencies", ("s3", "dynamodb")):
        return
    latency_ms = float(config.get("latency_ms", 0))
    if latency_ms > 0:
        time.sleep(latency_ms / 1000)
    if random.random() < float(config.get("error_rate", 0)):
        raise InjectedFault(f"injected {dependency} fault (error_rate={config['error_rate']})")
