"""`deploy` on a target that bundles dependencies (AWS, LocalStack) builds the zip for the
architecture in the parameters, uploads it once, and reuses it on the next deploy.

Run against the embedded emulator with ``bundle_dependencies`` switched on: the function
would not run there (Lambda-platform wheels do not import on this machine's CPython 3.11),
but everything up to CREATE_COMPLETE is the same code path as on AWS.
"""

from __future__ import annotations

import dataclasses

import pytest
from rich.console import Console

from reference import deploy, emulator, package, targets

STACK = "p4lab-bundle"


@pytest.mark.e2e
@pytest.mark.slow
def test_bundled_package_is_built_for_the_parameter_architecture_and_reused(running_emulator: emulator.Emulator) -> None:
    target = dataclasses.replace(targets.embedded(running_emulator), bundle_dependencies=True)
    console = Console(record=True, width=200)
    try:
        first = deploy.deploy(target, STACK, {"FunctionArchitecture": "x86_64"}, console=console)
        function = target.client("lambda").get_function(FunctionName=first.outputs["FunctionName"])["Configuration"]
        assert function["Architectures"] == ["x86_64"]
        assert function["Runtime"] == "python3.12"
        bucket = deploy.artifacts_bucket_name(target, STACK)
        objects = target.client("s3").list_objects_v2(Bucket=bucket)["Contents"]
        assert [o["Key"].split("-")[1] for o in objects] == ["x86_64"]
        assert 5_000_000 < objects[0]["Size"] < 50_000_000  # wheels inside, within the direct-upload quota too
        assert "MB unzipped (Lambda allows 262 MB)" in console.export_text()

        again = deploy.deploy(target, STACK, {"FunctionArchitecture": "x86_64"}, console=console)
        assert not again.changed, "same code and dependencies must be the same key: nothing to deploy"
        assert len(target.client("s3").list_objects_v2(Bucket=bucket)["Contents"]) == 1
    finally:
        deploy.destroy(target, STACK, console=console)
    assert package.UNZIPPED_LIMIT_BYTES == 262_144_000
