"""Gradescope's autograder for one lab: ``p4lab labs autograder LAB [--hidden DIR] -o autograder.zip``.

The zip holds, at its root (Gradescope's layout: it unpacks to ``/autograder/source``):

* ``setup.sh``: installs Python 3.11 and system packages on Gradescope's Ubuntu image,
  installs ``p4lab/`` as a package, creates the sandbox user, makes the secrets root's only;
* ``run_autograder``: grades ``/autograder/submission`` into ``/autograder/results/results.json``,
  always writes it, exits 0;
* ``p4lab/``: the student export plus this lab's answer key and hidden checks, and every file
  the labs keep out of the student export (the pipeline may import them);
* ``hidden/``: the instructor's own hidden checks for this lab (``--hidden DIR``), if any;
* ``secrets.txt``: what ``setup.sh`` locks down.

Everything that can be checked is checked when building: the lab exists, its answer key scores
full marks against its checks' loader, the hidden folder exists and its checks load.
"""

from __future__ import annotations

import shlex
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path

from labs.grader.export import PROJECT_ROOT, ExportError, add_instructor_files, export_student
from labs.grader.labs import Lab, LabError, all_labs, hidden_files

SCRIPTS = Path(__file__).resolve().parent / "gradescope"
HIDDEN_SCORING = ("count", "separate")


def build(lab: Lab, output: Path, hidden: Path | None = None, hidden_scoring: str = "count") -> Path:
    """Write the autograder zip for ``lab`` to ``output``; ExportError/LabError for bad input, before any work."""
    if hidden_scoring not in HIDDEN_SCORING:
        raise ExportError(f"--hidden-scoring must be one of {', '.join(HIDDEN_SCORING)}, not {hidden_scoring!r}")
    if hidden is not None:
        if not hidden.is_dir():
            raise LabError(f"--hidden {hidden} is not a directory.")
        if not hidden_files(lab, hidden):
            raise LabError(f"--hidden {hidden} holds no checks for {lab.name} (expected {hidden}/{lab.name}/*.py or {hidden}/*.py).")
    lab.checks(hidden)  # every check loads, or the error names the file
    if not lab.solution_folder.is_dir():
        raise ExportError(f"{lab.name} has no answer key here ({lab.solution_folder}): build autograders from the instructor export")
    with tempfile.TemporaryDirectory(prefix="p4lab-autograder-") as folder:
        source = Path(folder)
        export_student(source / "p4lab")
        for each in all_labs():
            _add_excluded(source / "p4lab", each)
        add_instructor_files(source / "p4lab", lab)
        secrets = [f"p4lab/{path.relative_to(PROJECT_ROOT)}" for path in (lab.solution_folder, lab.hidden_folder) if path.exists()]
        secrets += [f"p4lab/{name}" for each in all_labs() for name in each.exclude_from_student_export]
        options = ["--hidden-scoring", hidden_scoring]
        if hidden is not None:
            (source / "hidden").mkdir()
            for path in hidden_files(lab, hidden):
                shutil.copy2(path, source / "hidden" / path.name)
            options += ["--hidden", '"$SOURCE/hidden"']
            secrets.append("hidden")
        (source / "secrets.txt").write_text("\n".join(secrets) + "\n", encoding="utf-8")
        shutil.copy2(SCRIPTS / "setup.sh", source / "setup.sh")
        runner = (SCRIPTS / "run_autograder").read_text(encoding="utf-8")
        runner = runner.replace("@LAB@", shlex.quote(lab.name)).replace("@OPTIONS@", " ".join(options))
        (source / "run_autograder").write_text(runner, encoding="utf-8")
        output.parent.mkdir(parents=True, exist_ok=True)
        _zip(source, output)
    return output


def _add_excluded(dest: Path, lab: Lab) -> None:
    for name in lab.exclude_from_student_export:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, dirs_exist_ok=True)
        else:
            shutil.copy2(source, dest / name)


def _zip(folder: Path, output: Path) -> None:
    """Files at the zip's root (not in a folder), scripts executable, as Gradescope needs."""
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_dir():
                continue
            info = zipfile.ZipInfo.from_file(path, path.relative_to(folder).as_posix())
            mode = 0o755 if path.name in ("setup.sh", "run_autograder") else 0o644
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())


def unpack(archive: Path, source: Path) -> None:
    """Unpack as Gradescope does (modes kept), e.g. for a local dry run of the autograder."""
    with zipfile.ZipFile(archive) as bundle:
        for info in bundle.infolist():
            target = source / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(bundle.read(info))
            target.chmod((info.external_attr >> 16) & 0o777 or 0o644)
