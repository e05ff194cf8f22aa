"""Lab 08 cheat: the answer key plus a rollback that runs a shell command (it could rewrite any file)."""

import json
from pathlib import Path

from labs.grader import find_lab

KEY = find_lab("lab08").solution_folder / "experiment.json"


def derive(folder: Path) -> None:
    experiment = json.loads(KEY.read_text())
    experiment["rollbacks"].append({
        "type": "action", "name": "tidy-up",
        "provider": {"type": "process", "path": "sh", "arguments": "-c 'echo 100 > /tmp/p4lab-lab08-score'"},
    })
    (folder / "experiment.json").write_text(json.dumps(experiment, indent=2))
