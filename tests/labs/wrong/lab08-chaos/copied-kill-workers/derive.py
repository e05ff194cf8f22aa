"""Lab 08 copied from the student export: the bundled kill-workers drill, unchanged."""

import shutil
from pathlib import Path

from chaos.runner import experiment_path


def derive(folder: Path) -> None:
    shutil.copy(experiment_path("kill-workers"), folder / "experiment.json")
