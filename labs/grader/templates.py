"""A student's CloudFormation template is code: only listed resource types may be deployed from it.

Deploying a template can run code in the emulator: a Lambda function's inline ``ZipFile``, a
layer, a custom resource (its function runs at deploy time), a macro (``Transform``), a
nested stack from anywhere, a CloudFront Function (JavaScript), a container task. When the
grader is root the emulator runs as the sandbox user, so such code is contained like any
student code; still, a lab grades *infrastructure*, and a template that brings its own code
could make an end-to-end check pass with code the lab did not give. So before a lab deploys
a student's template it calls :func:`vet`, naming the resource types the lab needs and, for
Lambda functions, the only code, handlers and environment variable names allowed.

    >>> vet({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}, types={"AWS::SQS::Queue"})
    >>> vet({"Resources": {"F": {"Type": "AWS::CloudFormation::CustomResource"}}}, types={"AWS::SQS::Queue"})
    Traceback (most recent call last):
    ...
    AssertionError: the template may only declare AWS::SQS::Queue: F is a AWS::CloudFormation::CustomResource
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

LAMBDA = "AWS::Lambda::Function"


@dataclass(frozen=True)
class Functions:
    """What a Lambda function of the template may run: the lab's code, nothing else."""

    code: dict[str, Any]  # the exact Code property, e.g. {"S3Bucket": {"Ref": "CodeBucket"}, "S3Key": {"Ref": "CodeKey"}}
    handlers: frozenset[str]
    environment: frozenset[str] = field(default_factory=frozenset)  # variable names the lab's code reads
    runtime_prefix: str = "python3."


def vet(template: dict[str, Any], types: Collection[str], functions: Functions | None = None) -> None:
    """AssertionError naming every part of ``template`` that could deploy code the lab did not give."""
    problems = []
    if "Transform" in template or _mentions_key(template, "Fn::Transform"):
        problems.append("Transform (a macro runs code at deploy time)")
    resources = template.get("Resources")
    if not isinstance(resources, dict):
        raise AssertionError("the template has no Resources mapping")
    for name, resource in resources.items():
        kind = resource.get("Type") if isinstance(resource, dict) else None
        if kind not in types:
            problems.append(f"{name} is a {kind}")
        elif kind == LAMBDA:
            problems += _function_problems(name, resource.get("Properties") or {}, functions)
    if problems:
        raise AssertionError(f"the template may only declare {', '.join(sorted(types))}: " + "; ".join(problems))


def _function_problems(name: str, properties: dict[str, Any], functions: Functions | None) -> list[str]:
    if functions is None:
        return [f"{name} is a Lambda function, and this lab deploys none of yours"]
    problems = []
    if properties.get("Code") != functions.code:
        problems.append(f"{name}'s Code must be exactly {functions.code} (the lab's code, not inline or your own)")
    if properties.get("Handler") not in functions.handlers:
        problems.append(f"{name}'s Handler must be one of {', '.join(sorted(functions.handlers))}")
    runtime = properties.get("Runtime")
    if not isinstance(runtime, str) or not runtime.startswith(functions.runtime_prefix):
        problems.append(f"{name}'s Runtime must be {functions.runtime_prefix}x")
    for key in ("Layers", "ImageConfig", "PackageType"):
        if key in properties:
            problems.append(f"{name} sets {key}")
    variables = ((properties.get("Environment") or {}).get("Variables") or {}) if isinstance(properties.get("Environment"), dict) else {}
    unknown = sorted(str(v) for v in variables if v not in functions.environment)
    if unknown:
        problems.append(f"{name} sets environment variables the code does not read: {', '.join(unknown)}")
    return problems


def _mentions_key(value: Any, key: str) -> bool:
    if isinstance(value, dict):
        return key in value or any(_mentions_key(v, key) for v in value.values())
    if isinstance(value, list):
        return any(_mentions_key(v, key) for v in value)
    return False
