"""A plausible wrong lab 04: the reference template with visibility timeout = function timeout."""

from pathlib import Path

from reference.deploy import TEMPLATE_PATH

WRONG = "      VisibilityTimeout: !Ref FunctionTimeout\n"
RIGHT = "      VisibilityTimeout: !FindInMap [VisibilityTimeout, !Ref FunctionTimeout, Seconds]\n"


def derive(folder: Path) -> None:
    text = TEMPLATE_PATH.read_text()
    assert RIGHT in text, "the reference template changed: update this wrong solution"
    (folder / "template.yaml").write_text(text.replace(RIGHT, WRONG))
