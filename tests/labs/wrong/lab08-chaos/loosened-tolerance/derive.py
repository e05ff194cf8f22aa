"""Lab 08 nearly right: the answer key with the dead-letter probe's tolerance loosened to 0-5."""

import json
from pathlib import Path

from labs.grader import find_lab

KEY = find_lab("lab08").solution_folder / "experiment.json"


def derive(folder: Path) -> None:
    experiment = json.loads(KEY.read_text())
    [probe] = [p for p in experiment["steady-state-hypothesis"]["probes"] if p["provider"]["func"] == "dead_letters"]
    probe["tolerance"] = {"type": "range", "range": [0, 5]}
    (folder / "experiment.json").write_text(json.dumps(experiment, indent=2))
