"""Helpers for the labs' tests: where each lab's answer key, starter and wrong solution are."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from labs.grader import Lab

WRONG = Path(__file__).resolve().parent / "wrong"
# Labs whose grading deploys a stack and runs uploads or a drill (tens of seconds each).
DEPLOYING = {"lab04-iac", "lab08-chaos", "lab10-observability"}


def solution(lab: Lab) -> Path:
    return lab.folder / "solution"


def wrong_solution(lab: Lab, scratch: Path) -> Path:
    """The lab's plausible wrong submission: a folder, or built into ``scratch`` by derive.py."""
    return derived(WRONG / lab.name, scratch, f"wrong_{lab.slug}")


def derived(folder: Path, scratch: Path, module_name: str) -> Path:
    """``folder`` itself, or, if it holds a ``derive.py``, what its ``derive(scratch)`` writes there."""
    deriver = folder / "derive.py"
    if not deriver.exists():
        return folder
    spec = importlib.util.spec_from_file_location(module_name, deriver)
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
