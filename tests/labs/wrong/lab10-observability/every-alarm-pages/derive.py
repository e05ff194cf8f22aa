"""Lab 10 nearly right: every alarm pages the topic, not only the composite (three pages per incident)."""

import json
from pathlib import Path

from cfnlint.decode import decode_str

from labs.grader import find_lab

KEY = find_lab("lab10").solution_folder / "observability.yaml"


def derive(folder: Path) -> None:
    resources = json.loads(json.dumps(decode_str(KEY.read_text())[0], default=str))["Resources"]
    for name in ("RetryRatioAlarm", "SlowProcessingAlarm"):
        resources[name]["Properties"]["AlarmActions"] = [{"Ref": "PageTopic"}]
    (folder / "observability.yaml").write_text(json.dumps({"Resources": resources}, indent=2))
