"""Lab 10: the processing-time alarm with the ColdStart line's dimension set (service and function_name)."""

import json
from pathlib import Path

from cfnlint.decode import decode_str

from labs.grader import find_lab

KEY = find_lab("lab10").solution_folder / "observability.yaml"


def derive(folder: Path) -> None:
    resources = json.loads(json.dumps(decode_str(KEY.read_text())[0], default=str))["Resources"]
    dimensions = resources["SlowProcessingAlarm"]["Properties"]["Dimensions"]
    dimensions.append({"Name": "function_name", "Value": {"Fn::Sub": "${AWS::StackName}-processor"}})
    (folder / "observability.yaml").write_text(json.dumps({"Resources": resources}, indent=2))
