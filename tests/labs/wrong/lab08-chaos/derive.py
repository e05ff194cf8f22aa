"""A plausible wrong lab 08: the reference drill with a weak hypothesis (only "the DLQ is empty")."""

import json
from pathlib import Path

from chaos.runner import experiment_path


def derive(folder: Path) -> None:
    experiment = json.loads(experiment_path("kill-workers").read_text())
    hypothesis = experiment["steady-state-hypothesis"]
    hypothesis["probes"] = [
        p for p in hypothesis["probes"] if p["provider"]["func"] == "dead_letters"
    ]
    assert hypothesis["probes"], "the reference experiment changed: update this wrong solution"
    (folder / "experiment.json").write_text(json.dumps(experiment, indent=2))
