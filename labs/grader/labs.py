"""Finding labs (``labs/labNN-name/``) and loading their checks, public and hidden."""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from labs.grader.checks import Check, Visibility, collect

LABS_ROOT = Path(__file__).resolve().parent.parent
LAB_DIR = re.compile(r"^lab(\d\d)-[a-z0-9-]+$")
CHECKS_FILE = "checks.py"
SOLUTION_DIR = "solution"
HIDDEN_DIR = "hidden"


class LabError(Exception):
    """An unknown lab, or a checks module that cannot be loaded (the CLI exits 2)."""


@dataclass(frozen=True)
class Lab:
    """A lab folder and what its ``checks.py`` declares."""

    number: int
    name: str  # the folder name, e.g. "lab01-capacity"
    folder: Path
    title: str
    files: tuple[str, ...]  # what a submission must contain
    time_limit_s: float  # a guard for the whole run (sum of check limits is usually lower)
    # Project files (relative to the project root) that give this lab's answer away: left out
    # of the student export, and readable by root only when the grader runs as root.
    exclude_from_student_export: tuple[str, ...] = ()

    def checks(self, hidden: Path | None = None, *, public_only: bool = False) -> list[Check]:
        """Public checks from ``checks.py``, then the lab's own hidden ones (``hidden/*.py``,
        instructor export only), then an instructor's from ``hidden`` (``--hidden DIR``)."""
        found = collect(_load(self.folder / CHECKS_FILE, f"{self.slug}_checks"), "visible")
        if public_only:
            return found
        for path in [*_python_files(self.hidden_folder), *hidden_files(self, hidden)]:
            found += collect(_load(path, f"{self.slug}_hidden_{path.parent.name}_{path.stem}"), _HIDDEN)
        return found

    @property
    def solution_folder(self) -> Path:
        """The answer key (instructor export and repository only)."""
        return self.folder / SOLUTION_DIR

    @property
    def hidden_folder(self) -> Path:
        """The lab's own hidden checks (instructor export and repository only)."""
        return self.folder / HIDDEN_DIR

    def secrets(self, project_root: Path) -> list[Path]:
        """What student code must not read: the answer key, hidden checks, excluded files."""
        return [self.solution_folder, self.hidden_folder, *(project_root / name for name in self.exclude_from_student_export)]

    @property
    def slug(self) -> str:
        return self.name.replace("-", "_")


_HIDDEN: Visibility = "after_published"


def hidden_files(lab: Lab, hidden: Path | None) -> list[Path]:
    """``DIR/<lab folder>/*.py`` if that folder exists, else ``DIR/*.py`` (one lab's hidden checks)."""
    if hidden is None:
        return []
    if not hidden.is_dir():
        raise LabError(f"--hidden {hidden} is not a directory.")
    per_lab = hidden / lab.name
    return _python_files(per_lab if per_lab.is_dir() else hidden)


def _python_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.py") if not p.name.startswith("_")) if folder.is_dir() else []


def _load(path: Path, module_name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise LabError(f"cannot load checks from {path}")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as error:  # an instructor's broken hidden checks: say which file, not a traceback
        raise LabError(f"the checks in {path} do not load: {type(error).__name__}: {error}") from error
    return module


def _describe(folder: Path) -> Lab:
    number = int(LAB_DIR.match(folder.name).group(1))  # type: ignore[union-attr]
    module = _load(folder / CHECKS_FILE, f"{folder.name.replace('-', '_')}_meta")
    doc = (module.__doc__ or folder.name).strip().splitlines()[0]
    return Lab(
        number=number,
        name=folder.name,
        folder=folder,
        title=doc,
        files=tuple(getattr(module, "FILES", ())),
        time_limit_s=float(getattr(module, "TIME_LIMIT_S", 600)),
        exclude_from_student_export=tuple(getattr(module, "EXCLUDE_FROM_STUDENT_EXPORT", ())),
    )


def all_labs(root: Path = LABS_ROOT) -> list[Lab]:
    return [_describe(p) for p in sorted(root.iterdir()) if p.is_dir() and LAB_DIR.match(p.name) and (p / CHECKS_FILE).exists()]


def find_lab(name: str, root: Path = LABS_ROOT) -> Lab:
    """Accept "lab03", "lab3", "3", "03", "lab03-events" or "events" (or a path ending in one)."""
    wanted = name.strip().lower().rstrip("/").rsplit("/", 1)[-1]
    number = wanted.removeprefix("lab")
    labs = all_labs(root)
    for lab in labs:
        suffix = lab.name.split("-", 1)[1]
        if wanted in (lab.name, suffix) or (number.isdigit() and int(number) == lab.number):
            return lab
    known = ", ".join(lab.name for lab in labs)
    raise LabError(f"There is no lab {name!r}. Labs: {known}.")
