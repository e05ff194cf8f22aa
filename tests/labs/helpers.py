"""Helpers for the labs' tests: where each lab's answer key, starter and wrong solutions are."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from labs.grader import Lab

WRONG = Path(__file__).resolve().parent / "wrong"
EXPECTED = "expected.yaml"
# Labs whose grading deploys a stack and runs uploads or a drill (tens of seconds each).
DEPLOYING = {"lab04-iac", "lab08-chaos", "lab10-observability"}


def solution(lab: Lab) -> Path:
    return lab.folder / "solution"


@dataclass(frozen=True)
class WrongCase:
    """One wrong submission of a lab and the score it must get (percent of the maximum, hidden
    checks included, for every seed): ``tests/labs/wrong/<lab>/<case>/expected.yaml`` holds
    ``min``, ``max``, ``why`` and, for a case made from the answer key with a mistake,
    ``derive: {file: [[old, new], ...]}`` (each ``old`` must occur exactly once); files in the
    case's folder then replace the answer key's."""

    lab: Lab
    name: str
    folder: Path
    low: float
    high: float
    why: str
    derive: dict[str, list[list[str]]] = field(default_factory=dict)

    def submission(self, scratch: Path) -> Path:
        """The folder to grade: the case's own files, or the answer key with the mistakes made."""
        if not self.derive:
            return self.folder
        shutil.copytree(solution(self.lab), scratch, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
        for name, replacements in self.derive.items():
            path = scratch / name
            text = path.read_text()
            for old, new in replacements:
                assert text.count(old) == 1, f"{self.folder}/{EXPECTED}: {old!r} occurs {text.count(old)} times in {name}, not once"
                text = text.replace(old, new)
            path.write_text(text)
        for own in self.folder.iterdir():
            if own.is_file() and own.name != EXPECTED:
                shutil.copy(own, scratch / own.name)
        return scratch


def wrong_cases(lab: Lab) -> list[WrongCase]:
    """The lab's wrong submissions with their expected ranges (``[]`` for a lab not converted yet)."""
    folder = WRONG / lab.name
    cases = []
    for expected in sorted(folder.glob(f"*/{EXPECTED}")):
        spec = yaml.safe_load(expected.read_text())
        cases.append(WrongCase(lab, expected.parent.name, expected.parent, float(spec["min"]), float(spec["max"]), spec["why"],
                               spec.get("derive") or {}))  # fmt: skip
    return cases


def wrong_solution(lab: Lab, scratch: Path) -> Path:
    """The lab's one plausible wrong submission (labs without cases): a folder, or built into ``scratch`` by derive.py."""
    folder = WRONG / lab.name
    deriver = folder / "derive.py"
    if not deriver.exists():
        return folder
    spec = importlib.util.spec_from_file_location(f"wrong_{lab.slug}", deriver)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.derive(scratch)
    return scratch


def load_isolated(path: Path, name: str) -> object:
    """Execute a lab file by path, with its folder first on sys.path, and undo both afterwards."""
    saved_path, saved_modules = list(sys.path), dict(sys.modules)
    sys.path.insert(0, str(path.parent))
    for plain in [p.stem for p in path.parent.glob("*.py")]:
        sys.modules.pop(plain, None)
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path[:] = saved_path
        sys.modules.clear()
        sys.modules.update(saved_modules)
