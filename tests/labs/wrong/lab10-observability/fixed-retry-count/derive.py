"""Lab 10's follow-up: a fixed RecordsRetried > 0 alarm instead of the retry ratio (it fires all day at scale)."""

import json
from pathlib import Path

from cfnlint.decode import decode_str

from labs.grader import find_lab

KEY = find_lab("lab10").solution_folder / "observability.yaml"


def derive(folder: Path) -> None:
    resources = json.loads(json.dumps(decode_str(KEY.read_text())[0], default=str))["Resources"]
    resources["RetryRatioAlarm"]["Properties"] = {
        "Namespace": "p4lab", "MetricName": "RecordsRetried", "Dimensions": [{"Name": "service", "Value": "p4lab-processor"}],
        "Statistic": "Sum", "Period": 60, "EvaluationPeriods": 1, "Threshold": 0,
        "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching",
    }
    (folder / "observability.yaml").write_text(json.dumps({"Resources": resources}, indent=2))
