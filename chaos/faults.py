"""Faults injected from outside the code: the handler's fault switch and a permissions regression.

* The fault switch is the SSM parameter the stack creates (output ``FaultInjectionParameterName``).
  The handler re-reads it every ``REFRESH_S`` seconds and, in front of its S3 and DynamoDB calls,
  adds latency and raises a retryable ``InjectedFault`` at the configured rate
  (``reference/handler/faults.py``). No deploy, no code change; works the same on AWS.
* A permissions regression is an explicit ``Deny`` on reading one upload owner's prefix, added
  as an inline policy of the function's role: the way a real incident looks (a policy change
  breaks reads of some objects, every delivery of those messages fails until someone fixes it),
  and the only cause a drill can *fix* before redriving the dead letters. Healthy uploads of
  other owners are untouched by construction.
"""

from __future__ import annotations

import json
from typing import Any

from chaos import drill, ledger
from chaos.context import Configuration, Stack, resolve
from reference.handler.faults import REFRESH_S

SWITCH_WINDOW = "dependency faults"
DENY_WINDOW = "reads denied"
DENY_POLICY = "p4lab-chaos-deny-reads"
OFF = {"latency_ms": 0, "error_rate": 0.0, "dependencies": ["s3", "dynamodb"]}


def set_fault_injection(
    latency_ms: int = 0,
    error_rate: float = 0.0,
    dependencies: list[str] | None = None,
    configuration: Configuration | None = None,
) -> dict[str, Any]:
    """Switch faults on; warm execution environments pick the change up within ``REFRESH_S`` s."""
    if not 0.0 <= float(error_rate) <= 1.0:
        raise ValueError(f"error_rate must be between 0 and 1, got {error_rate}")
    stack = resolve(configuration)
    name = stack.outputs["FaultInjectionParameterName"]
    ssm = stack.client("ssm")
    ledger.remember(stack, "fault_switch", name, ssm.get_parameter(Name=name)["Parameter"]["Value"])
    value = {"latency_ms": int(latency_ms), "error_rate": float(error_rate), "dependencies": dependencies or OFF["dependencies"]}
    ssm.put_parameter(Name=name, Value=json.dumps(value), Type="String", Overwrite=True)
    drill.open_window(SWITCH_WINDOW)
    return {"parameter": name, "value": value, "takes_effect_within_s": REFRESH_S}


def clear_fault_injection(configuration: Configuration | None = None) -> dict[str, Any]:
    """Put the switch back as it was (off, unless someone had set it before the drill)."""
    stack = resolve(configuration)
    restored = ledger.restore(stack, "fault_switch")
    drill.close_window(SWITCH_WINDOW)
    return {"restored": restored, "takes_effect_within_s": REFRESH_S}


def _role_name(stack: Stack) -> str:
    role_arn = stack.client("lambda").get_function_configuration(FunctionName=stack.outputs["FunctionName"])["Role"]
    return role_arn.rsplit("/", 1)[1]


def deny_reads(group: str, configuration: Configuration | None = None) -> dict[str, Any]:
    """Break the function's read access to one drill group's uploads (an explicit IAM Deny)."""
    stack = resolve(configuration)
    role = _role_name(stack)
    prefix = f"{stack.outputs.get('UploadPrefix', 'uploads/')}{drill.current().owner(group)}/"
    resource = f"arn:aws:s3:::{stack.outputs['IngestBucketName']}/{prefix}*"
    ledger.remember(stack, "deny_reads", role, None)
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "ChaosDrillPermissionsRegression", "Effect": "Deny",
                       "Action": ["s3:GetObject", "s3:GetObjectVersion"], "Resource": resource}],
    }
    stack.client("iam").put_role_policy(RoleName=role, PolicyName=DENY_POLICY, PolicyDocument=json.dumps(policy))
    drill.open_window(DENY_WINDOW)
    return {"role": role, "policy": DENY_POLICY, "denied": resource}


def allow_reads(configuration: Configuration | None = None) -> dict[str, Any]:
    """Fix the cause: remove the drill's Deny (a no-op if it is not there)."""
    stack = resolve(configuration)
    restored = ledger.restore(stack, "deny_reads")
    drill.close_window(DENY_WINDOW)
    return {"removed": restored}


@ledger.restorer("fault_switch")
def _put_back_switch(stack: Stack, name: str, original: Any) -> None:
    stack.client("ssm").put_parameter(Name=name, Value=str(original), Type="String", Overwrite=True)


@ledger.restorer("deny_reads")
def _remove_deny(stack: Stack, role: str, _original: Any) -> None:
    iam = stack.client("iam")
    try:
        iam.delete_role_policy(RoleName=role, PolicyName=DENY_POLICY)
    except iam.exceptions.NoSuchEntityException:
        pass
