"""Lab 08's finding: a drill whose upload never finished, passed by the student's own loosened tolerance.

The answer key without the wait for the drain, and "unfinished uploads" tolerated up to 100: the
hypothesis is checked while the killed page range is still waiting to be redelivered, and says it held.
"""

import json
from pathlib import Path

from labs.grader import find_lab

KEY = find_lab("lab08").solution_folder / "experiment.json"


def derive(folder: Path) -> None:
    experiment = json.loads(KEY.read_text())
    experiment["method"] = [a for a in experiment["method"] if a["provider"]["func"] != "wait_for_drain"]
    [probe] = [p for p in experiment["steady-state-hypothesis"]["probes"] if p["provider"]["func"] == "unfinished_uploads"]
    probe["tolerance"] = [0, 100]
    (folder / "experiment.json").write_text(json.dumps(experiment, indent=2))
