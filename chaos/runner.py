"""Run one experiment in this process with Chaos Toolkit's own runner, and keep its journal.

What ``p4lab chaos run`` and the tests use; ``chaos run FILE`` does the same from the shell.
Two differences from ``chaos run``'s defaults, both on purpose:

* rollbacks are always played (``chaos run``'s default skips them when the run is interrupted
  or the first hypothesis fails: a Ctrl-C would leave the function throttled). From the
  shell, pass ``--rollback-strategy=always``;
* the drill record starts empty and stacks are looked up afresh, since several experiments may
  run in one process.

Example::

    journal = run(experiment_path("kill-workers"), {"uploads": 10}, Path("runs/journal.json"))
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chaoslib.exceptions import InvalidExperiment
from chaoslib.experiment import ensure_experiment_is_valid
from chaoslib.loader import load_experiment
from chaoslib.run import Runner
from chaoslib.types import Strategy

from chaos import context, drill
from reference.errors import UserError

EXPERIMENTS = Path(__file__).resolve().parent / "experiments"
SETTINGS: dict[str, Any] = {"runtime": {"rollbacks": {"strategy": "always"}}}


def experiment_names() -> list[str]:
    return sorted(path.stem for path in EXPERIMENTS.glob("*.json"))


def experiment_path(name: str) -> Path:
    """A bundled experiment by name (``kill-workers``), or any experiment file by path."""
    bundled = EXPERIMENTS / f"{name}.json"
    if bundled.is_file():
        return bundled
    path = Path(name)
    if path.is_file():
        return path
    raise UserError(f"No experiment {name!r}. Bundled: {', '.join(experiment_names())}; or give a file path.", 2)


def run(path: Path, configuration: dict[str, Any], journal_path: Path) -> dict[str, Any]:
    """Validate and run the experiment at ``path`` with ``configuration`` overrides; returns the journal."""
    experiment = load_experiment(str(path), SETTINGS)
    declared = set(experiment.get("configuration", {}))
    unknown = sorted(set(configuration) - declared)
    if unknown:
        raise UserError(f"{path.name} has no configuration key {', '.join(unknown)}; it has: {', '.join(sorted(declared))}.", 2)
    try:
        ensure_experiment_is_valid(experiment)
    except InvalidExperiment as error:
        raise UserError(f"{path} is not a valid experiment: {error}", 2) from None
    drill.reset()
    context.forget()
    with Runner(Strategy.DEFAULT) as runner:
        journal = runner.run(experiment, SETTINGS, experiment_vars=(dict(configuration), {}))
    # Chaos Toolkit records the experiment as written; keep what this run changed (not the endpoint).
    journal["configuration_overrides"] = {k: v for k, v in configuration.items() if not k.startswith("p4lab_")}
    journal_path.parent.mkdir(parents=True, exist_ok=True)
    journal_path.write_text(json.dumps(journal, indent=2, default=str))
    return journal
