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
    """One wrong submission of a lab and the score it must get, for every seed.

    ``tests/labs/wrong/<lab>/<case>/expected.yaml`` holds ``min`` and ``max`` (percent of the
    lab's points, hidden checks included — or of ``checks``' points when the case names them, for
    a mistake only those checks can see) and ``why``. The submission is the case folder's files;
    or the answer key with mistakes made (``from: solution`` and ``edits``, each ``old`` found
    exactly once), with the folder's files copied over it; or what the folder's ``derive.py``
    writes. ``tests/labs/wrong/README.md`` has examples."""

    lab: Lab
    name: str
    folder: Path
    low: float
    high: float
    why: str
    edits: list[dict[str, str]] = field(default_factory=list)
    from_solution: bool = False
    checks: frozenset[str] | None = None  # the display names of the checks the case targets (None: all)

    def submission(self, scratch: Path) -> Path:
        """The folder to grade: the case's own files, the answer key with the mistakes made, or
        what the case's ``derive.py`` writes."""
        if (self.folder / "derive.py").exists():
            return derived(self.folder, scratch, f"wrong_{self.lab.slug}_{self.name.replace('-', '_')}")
        if not self.from_solution:
            return self.folder
        shutil.copytree(solution(self.lab), scratch, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
        for edit in self.edits:
            path = scratch / edit["file"]
            text = path.read_text(encoding="utf-8")
            count = text.count(edit["old"])
            assert count == 1, f"{self.folder}/{EXPECTED}: {edit['old']!r} occurs {count} times in {edit['file']}, not once"
            path.write_text(text.replace(edit["old"], edit["new"]), encoding="utf-8")
        for own in self.folder.iterdir():
            if own.is_file() and own.name != EXPECTED:
                shutil.copy(own, scratch / own.name)
        return scratch


def wrong_cases(lab: Lab) -> list[WrongCase]:
    """The lab's wrong submissions with their expected ranges (``[]`` for a lab not converted yet)."""
    cases = []
    for expected in sorted((WRONG / lab.name).glob(f"*/{EXPECTED}")):
        spec = yaml.safe_load(expected.read_text(encoding="utf-8"))
        assert {"min", "max", "why"} <= set(spec), f"{expected} needs min, max and why"
        targets = None
        if spec.get("checks"):
            by_function = {c.function.__name__: c.name for c in lab.checks()}
            unknown = set(spec["checks"]) - set(by_function)
            assert not unknown, f"{expected} names checks {lab.name} does not have: {sorted(unknown)}"
            targets = frozenset(by_function[name] for name in spec["checks"])
        cases.append(WrongCase(
            lab, expected.parent.name, expected.parent, float(spec["min"]), float(spec["max"]), spec["why"],
            edits=spec.get("edits") or [], from_solution=spec.get("from") == "solution", checks=targets,
        ))  # fmt: skip
    return cases


def derived(folder: Path, scratch: Path, module_name: str) -> Path:
    """``folder`` itself, or, if it holds a ``derive.py``, what its ``derive(scratch)`` writes there."""
    deriver = folder / "derive.py"
    if not deriver.exists():
        return folder
    spec = importlib.util.spec_from_file_location(module_name, deriver)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    scratch.mkdir(parents=True, exist_ok=True)
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
