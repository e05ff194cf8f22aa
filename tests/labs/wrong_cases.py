"""Wrong submissions with their expected scores, and grading a submission over many seeds.

A lab's wrong submissions live in ``tests/labs/wrong/<lab>/<case>/``, one folder per case, each
with an ``expected.yaml``::

    min: 45          # percent of the lab's points (public and hidden checks), inclusive
    max: 65
    why: S3 cannot notify a FIFO queue; AWS refuses the stack, the emulator does not.
    checks: [least_privilege]  # optional: grade only these checks (functions' names); min/max are
                               # then percent of their points. For a mistake only they can see.
    from: solution   # optional: start from the answer key's files ...
    edits:           # ... and change them (each `old` must occur exactly once)
      - file: template.yaml
        old: "      MessageRetentionPeriod: 345600  # 4 days\\n"
        new: "      MessageRetentionPeriod: 345600  # 4 days\\n      FifoQueue: true\\n"

Other files in the case folder are the submission's (copied over what ``from`` gave); a
``derive.py`` with ``derive(folder)`` may build them instead. So a case stays one deliberate
mistake away from the answer key, and follows it when the key changes.

Labs not converted yet keep the older layout (the submission's files, or ``derive.py``, right
in ``wrong/<lab>/``): one case that must score strictly between the starter and the key.

:func:`scores` grades a submission for many seeds, but runs the checks that did not read
``sub.rng`` (deploys, drills: the expensive ones) only once, with the first seed, and the
others once for all the other seeds.
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import shutil
from collections.abc import Collection
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import yaml

from labs.grader import Lab, grade
from reference.emulator import Emulator

WRONG = Path(__file__).resolve().parent / "wrong"
EXPECTED = "expected.yaml"
SEEDS = tuple(range(1, 21))  # the seeds every converted lab is proven sound for


@dataclass(frozen=True)
class Case:
    lab: Lab
    name: str
    folder: Path
    low: float | None  # percent; None: strictly between the starter and the answer key (older layout)
    high: float | None
    why: str
    checks: frozenset[str] | None = None  # the display names of the checks the case targets (None: all)

    def build(self, scratch: Path) -> Path:
        """The submission's folder: the case's own, or one made in ``scratch``."""
        spec = _expected(self.folder) if (self.folder / EXPECTED).exists() else {}
        if not spec.get("from") and not spec.get("edits") and not (self.folder / "derive.py").exists():
            return self.folder
        scratch.mkdir(parents=True, exist_ok=True)
        if spec.get("from") == "solution":
            for name in self.lab.files:
                shutil.copy2(self.lab.folder / "solution" / name, scratch / name)
        for edit in spec.get("edits") or []:
            path = scratch / edit["file"]
            body = path.read_text(encoding="utf-8")
            assert body.count(edit["old"]) == 1, f"{self.folder.name}: {edit['old']!r} is not once in {edit['file']}: update the case"
            path.write_text(body.replace(edit["old"], edit["new"]), encoding="utf-8")
        for path in self.folder.iterdir():
            if path.is_file() and path.name not in (EXPECTED, "derive.py"):
                shutil.copy2(path, scratch / path.name)
        if (self.folder / "derive.py").exists():
            _load_derive(self.folder / "derive.py", f"wrong_{self.lab.slug}_{self.name}").derive(scratch)
        return scratch


def _expected(folder: Path) -> dict:
    spec = yaml.safe_load((folder / EXPECTED).read_text(encoding="utf-8")) or {}
    assert isinstance(spec, dict), f"{folder / EXPECTED} is not a mapping"
    return spec


def _load_derive(path: Path, name: str) -> object:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def converted(lab: Lab) -> bool:
    """Whether the lab's wrong submissions are case folders with expected scores."""
    root = WRONG / lab.name
    return root.is_dir() and any((folder / EXPECTED).is_file() for folder in root.iterdir() if folder.is_dir())


def cases(lab: Lab) -> list[Case]:
    root = WRONG / lab.name
    if not converted(lab):
        return [Case(lab, "plausible", root, None, None, "scores between the starter and the answer key")]
    found = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and (p / EXPECTED).is_file()):
        spec = _expected(folder)
        targets = None
        if spec.get("checks"):
            by_function = {c.function.__name__: c.name for c in lab.checks()}
            unknown = set(spec["checks"]) - set(by_function)
            assert not unknown, f"{folder / EXPECTED} names checks {lab.name} does not have: {sorted(unknown)}"
            targets = frozenset(by_function[name] for name in spec["checks"])
        found.append(Case(lab, folder.name, folder, float(spec["min"]), float(spec["max"]), str(spec.get("why", "")), targets))
    return found


_SEEDED: dict[str, frozenset[str]] = {}  # lab -> the checks that read sub.rng for its answer key


def scores(lab: Lab, submission: Path | None, emulator: Emulator, seeds: tuple[int, ...] = SEEDS,
           checks: Collection[str] | None = None) -> dict[int, float]:  # fmt: skip
    """Percent of the lab's points (or of ``checks``' points) for each seed. The first seed is
    graded as a student is; the others run only the checks that read ``sub.rng``, each check once
    for all of them (``grade(repeat_for=...)``): what a seed changes, at the cost of one more run.

    Once the answer key has been scored, its seed-dependent checks are the lab's: a wrong
    submission's first run and its repeats then run side by side (two processes, two cores).
    """
    known = _SEEDED.get(lab.name, frozenset())
    seeded = set(known) & set(checks) if checks is not None else set(known)
    if seeded and len(seeds) > 1:
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
            running = pool.submit(grade, lab, submission, emulator=emulator, seed=seeds[0], only=checks)
            repeating = pool.submit(grade, lab, submission, emulator=emulator, seed=seeds[1], only=seeded, repeat_for=seeds[2:])
            first, again = running.result(), repeating.result()
    else:
        first = grade(lab, submission, emulator=emulator, seed=seeds[0], only=checks)
        seeded = {o.name for o in first.outcomes if o.used_rng}
        if submission is not None and submission.resolve() == lab.solution_folder.resolve() and checks is None:
            _SEEDED[lab.name] = frozenset(seeded)
        again = None
        if seeded and len(seeds) > 1:
            again = grade(lab, submission, emulator=emulator, seed=seeds[1], only=seeded, repeat_for=seeds[2:])
    percent = {seeds[0]: 100 * first.fraction}
    fixed = sum(o.score for o in first.outcomes if o.name not in seeded)
    for seed in seeds[1:]:
        percent[seed] = percent[seeds[0]]
    if again is not None:
        for seed, outcomes in [(seeds[1], again.outcomes), *again.repeats.items()]:
            percent[seed] = 100 * (fixed + sum(o.score for o in outcomes)) / first.max_score
    return percent


def losses(lab: Lab, submission: Path | None, emulator: Emulator, seed: int, checks: Collection[str] | None = None) -> str:
    """What a submission lost with one seed, check by check (for a failure message)."""
    report = grade(lab, submission, emulator=emulator, seed=seed, only=checks)
    return "; ".join(f"{o.name}: {o.score:g}/{o.max_score:g} {o.output[:300]}" for o in report.outcomes if not o.passed)
