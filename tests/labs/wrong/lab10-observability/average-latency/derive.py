"""Lab 10 nearly right: the processing-time alarm on the average instead of the 95th percentile."""

import json
from pathlib import Path

from cfnlint.decode import decode_str

from labs.grader import find_lab

KEY = find_lab("lab10").solution_folder / "observability.yaml"


def derive(folder: Path) -> None:
    resources = json.loads(json.dumps(decode_str(KEY.read_text())[0], default=str))["Resources"]
    properties = resources["SlowProcessingAlarm"]["Properties"]
    del properties["ExtendedStatistic"]
    properties["Statistic"] = "Average"
    (folder / "observability.yaml").write_text(json.dumps({"Resources": resources}, indent=2))
