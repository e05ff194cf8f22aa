"""Deploy your template on the emulator `p4lab up` started, export one album, and say what happened.

    p4lab up
    .venv/bin/python labs/lab04-iac/try_it.py labs/lab04-iac/template.yaml
    p4lab down

It does what the grader's deploy and end-to-end checks do (the same code, from checks.py), on
an emulator that stays up afterwards, so you can look around: the stack's outputs are printed,
and the exporter's log is in CloudWatch Logs under /aws/lambda/<stack>-exporter. A template the
grader would not deploy (resource types, what AWS would refuse, cfn-lint errors) is refused here
with the same message. Each run deploys a new stack; `p4lab down` removes them all.
"""

from __future__ import annotations

import importlib.util
import random
import sys
import uuid
from pathlib import Path

from reference.console import err, out
from reference.targets import TargetName, connect

CHECKS = Path(__file__).resolve().parent / "checks.py"


def _checks() -> object:
    spec = importlib.util.spec_from_file_location("lab04_checks", CHECKS)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).is_file():
        err.print("usage: try_it.py TEMPLATE (e.g. labs/lab04-iac/template.yaml)")
        return 2
    lab = _checks()
    target = connect(TargetName.embedded)  # a clear message if `p4lab up` was not run
    prefix = f"try-{uuid.uuid4().hex[:8]}"
    try:
        err.print(f"Deploying {argv[0]} as {prefix} ...")
        outputs = lab.deploy_stack(target, Path(argv[0]).read_text(encoding="utf-8"), prefix)  # type: ignore[attr-defined]
        out.print_json(data=outputs)
        err.print("Exporting a request ...")
        path = lab.request_export(target, outputs, lab.names(prefix)["source"], random.Random())  # type: ignore[attr-defined]
    except AssertionError as problem:
        err.print(f"[red]{problem}")
        return 1
    out.print(f"Exported and served through CloudFront: {target.cdn_public_url(outputs['CdnDomainName'], path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
