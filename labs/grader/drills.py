"""For checks that run a chaos drill: the lab run's own stack, and the configuration naming it.

A drill check deploys the reference stack (or a student's template) on the lab run's emulator
under a name of its own, ``<prefix>-<run id>``, so that checks of one run share it and runs
never do, and hands Chaos Toolkit the ``p4lab_*`` configuration keys ``chaos.context`` reads::

    connection = drill_stack(sub, "lab08")
    journal = runner.run(path, {**overrides, **connection}, journal_path)

Deploying is idempotent: a second check of the same run finds the stack as it left it.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from labs.grader.submission import Submission


def drill_stack(sub: Submission, prefix: str, template: Path | None = None) -> dict[str, str]:
    """Deploy ``<prefix>-<run id>`` on the run's emulator; the experiment configuration naming it."""
    from rich.console import Console

    from reference import deploy

    emulator = sub.emulator
    if emulator is None:
        raise RuntimeError("a drill check must declare needs_emulator=True")
    name = f"{prefix}-{sub.run_id}"
    deploy.deploy(sub.target(), name, console=Console(file=io.StringIO()), **({"template": template} if template else {}))
    return {"p4lab_target": "embedded", "p4lab_stack": name, "p4lab_endpoint": emulator.endpoint,
            "p4lab_ca_bundle": emulator.ca_bundle, "p4lab_pgid": str(emulator.pgid)}  # fmt: skip
