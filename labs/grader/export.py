"""What students get, and what instructors keep: ``p4lab labs export --student/--instructor DIR``.

The repository holds everything: answer keys (``labs/*/solution/``), hidden checks
(``labs/*/hidden/``), wrong solutions for the soundness tests (``tests/labs/wrong/``), the
instructor's guide, and files of the reference that *are* a lab's answer (a lab lists them in
``EXCLUDE_FROM_STUDENT_EXPORT`` in its ``checks.py``). A student clone must hold none of it.

* The **student export** is a project students install and grade with as-is: ``pyproject.toml``,
  ``Makefile``, a README for students, the packages the labs import (``p4lab/``, ``reference/``,
  ``simulator/``, ``chaos/``, ``labs/grader/``), each lab's README, starter files, public
  checks and recorded answers (``answers.json``, see ``recording.py``), and the docs a student
  reads. Never: answer keys, hidden checks, wrong solutions, lab tests, excluded files.
* The **instructor export** adds the answer keys, hidden checks, wrong solutions, excluded
  files and ``docs/instructors.md``: what an instructor needs to run a course (and build
  Gradescope autograders) without the repository.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path

from labs.grader.labs import HIDDEN_DIR, LABS_ROOT, SOLUTION_DIR, Lab, all_labs
from labs.grader.recording import ANSWERS_FILE, record, uses_answers

PROJECT_ROOT = LABS_ROOT.parent
TOP_FILES = ("pyproject.toml", "Makefile", "conftest.py", "docker-compose.yml")
PACKAGES = ("p4lab", "reference", "simulator", "chaos")
INSTRUCTOR_DOCS = ("instructors.md",)
WRONG = Path("tests") / "labs" / "wrong"
JUNK = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", "*.egg-info")

STUDENT_README = """# p4lab labs (student copy)

Ten graded labs on scaling and optimising an image pipeline (S3 → SQS → Lambda → DynamoDB →
CloudFront), with the reference code they build on, a simulator and chaos drills. Each lab is in
`labs/labNN-name/`: read its README, edit the starter files, and grade your work:

```bash
make .venv/.installed              # once: a virtualenv with everything (Linux, WSL or the devcontainer)
.venv/bin/p4lab grade lab01        # a table of checks, points and hints
```

`docs/labs.md` explains the labs and the grader. The checks here are the public ones; your
instructor grades with the same checks, hidden ones and fresh inputs (a local 100% is a very
good sign, not a grade). How to verify: `p4lab grade LAB` shows 100% when a lab is done. How to
clean up: `make clean` removes the virtualenv; `p4lab down` stops an emulator you started.
"""


class ExportError(Exception):
    """The export cannot be made (the CLI exits 2)."""


def _forbidden(lab: Lab) -> list[Path]:
    """Project-relative paths the student export must not contain, for one lab."""
    return [(lab.folder / name).relative_to(PROJECT_ROOT) for name in (SOLUTION_DIR, HIDDEN_DIR)] + [
        Path(name) for name in lab.exclude_from_student_export
    ]


def forbidden_in_student_export(labs: Iterable[Lab] | None = None) -> list[Path]:
    """Every project-relative path (file or folder) a student export must not contain."""
    paths = [path for lab in (labs if labs is not None else all_labs()) for path in _forbidden(lab)]
    return [*paths, WRONG, Path("tests"), Path("docs") / "instructors.md"]


def _empty_target(dest: Path) -> None:
    if dest.exists() and any(dest.iterdir()):
        raise ExportError(f"{dest} is not empty: export into a new folder")
    dest.mkdir(parents=True, exist_ok=True)


def export_student(dest: Path, *, record_answers: bool = True) -> list[Lab]:
    """Write the student export to ``dest`` (a new or empty folder); returns the labs exported."""
    _empty_target(dest)
    labs = all_labs()
    excluded = {Path(name) for lab in labs for name in lab.exclude_from_student_export}
    for name in TOP_FILES:
        shutil.copy2(PROJECT_ROOT / name, dest / name)
    (dest / "README.md").write_text(STUDENT_README, encoding="utf-8")
    for package in PACKAGES:
        _copy_tree(PROJECT_ROOT / package, dest / package, excluded)
    (dest / "labs").mkdir()
    shutil.copy2(LABS_ROOT / "__init__.py", dest / "labs" / "__init__.py")
    _copy_tree(LABS_ROOT / "grader", dest / "labs" / "grader", excluded)
    for lab in labs:
        target = dest / "labs" / lab.name
        shutil.copytree(lab.folder, target, ignore=shutil.ignore_patterns(SOLUTION_DIR, HIDDEN_DIR, "__pycache__", ANSWERS_FILE))
        if record_answers and uses_answers(lab.folder):
            (target / ANSWERS_FILE).write_text(json.dumps(record(lab)), encoding="utf-8")
    (dest / "docs").mkdir()
    for doc in sorted((PROJECT_ROOT / "docs").glob("*.md")):
        if doc.name not in INSTRUCTOR_DOCS and doc.relative_to(PROJECT_ROOT) not in excluded:
            shutil.copy2(doc, dest / "docs" / doc.name)
    _check_student_export(dest, labs)
    return labs


def export_instructor(dest: Path) -> list[Lab]:
    """The student export plus answer keys, hidden checks, wrong solutions, excluded files, instructor docs."""
    labs = export_student(dest)
    for lab in labs:
        add_instructor_files(dest, lab)
    shutil.copytree(PROJECT_ROOT / WRONG, dest / WRONG, ignore=JUNK)
    for name in INSTRUCTOR_DOCS:
        shutil.copy2(PROJECT_ROOT / "docs" / name, dest / "docs" / name)
    return labs


def add_instructor_files(dest: Path, lab: Lab) -> None:
    """One lab's answer key, hidden checks and excluded files, into an export at ``dest``."""
    for folder in (lab.solution_folder, lab.hidden_folder):
        if folder.is_dir():
            shutil.copytree(folder, dest / folder.relative_to(PROJECT_ROOT), ignore=JUNK, dirs_exist_ok=True)
    for name in lab.exclude_from_student_export:
        source = PROJECT_ROOT / name
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=JUNK, dirs_exist_ok=True)
        else:
            shutil.copy2(source, dest / name)


def _copy_tree(source: Path, target: Path, excluded: set[Path]) -> None:
    def ignore(folder: str, names: list[str]) -> set[str]:
        base = Path(folder).relative_to(PROJECT_ROOT)
        return set(JUNK(folder, names)) | {name for name in names if base / name in excluded}

    shutil.copytree(source, target, ignore=ignore)


def _check_student_export(dest: Path, labs: list[Lab]) -> None:
    """Refuse to leave a student export holding anything of the forbidden kinds."""
    found = [str(path) for path in forbidden_in_student_export(labs) if (dest / path).exists()]
    if found:
        shutil.rmtree(dest)
        raise ExportError(f"the student export would contain {', '.join(found)}: nothing was written")
