"""Grade one lab: check the submission is complete, isolate it, run every check, add up the points.

``grade()`` is the whole story of a lab run:

1. the submission's files are there (else a zero that names what is missing);
2. isolation: the grader becomes a child subreaper; as root it takes a sandbox user and makes
   the answer keys, hidden checks and excluded files readable by root only (``privileges.py``);
3. an emulator if a check needs one (as the sandbox user, when root: a student's template
   can run code in it);
4. each check in its own process, every process it left killed before the next
   (``sandbox.py``);
5. a final sweep that proves no process of the student's is left: only then may the caller
   write ``results.json`` (``report.write_json``).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from labs.grader import privileges, reaper
from labs.grader.answers import AnswerKey, FolderAnswers
from labs.grader.checks import Check
from labs.grader.labs import LABS_ROOT, Lab, all_labs
from labs.grader.recording import ANSWERS_FILE, ReplayedAnswers
from labs.grader.sandbox import Guard, run_check_seeds
from labs.grader.student import PROJECT_ROOT
from labs.grader.submission import Submission, SubmissionError

if TYPE_CHECKING:
    from reference.emulator import Emulator

SANDBOX_PROCESSES = 512  # RLIMIT_NPROC for the sandbox user: threads count too


@dataclass(frozen=True)
class Outcome:
    """The result of one check, in the terms Gradescope uses."""

    name: str
    score: float
    max_score: float
    output: str
    hint: str
    visibility: str

    @property
    def passed(self) -> bool:
        return self.score >= self.max_score


@dataclass(frozen=True)
class LabReport:
    lab: Lab
    submission: Path
    outcomes: list[Outcome]
    seconds: float
    problem: str = ""  # set when the submission could not be graded at all (score 0)
    seed: int = 0
    notes: list[str] = field(default_factory=list)  # what the grader changed or wants said (stderr)
    sandbox_user: str = ""  # who the student's code ran as ("": the grader's own user)

    @property
    def score(self) -> float:
        return round(sum(o.score for o in self.outcomes), 2)

    @property
    def max_score(self) -> float:
        return sum(o.max_score for o in self.outcomes)

    @property
    def fraction(self) -> float:
        return self.score / self.max_score if self.max_score else 0.0


def missing_files(lab: Lab, root: Path) -> list[str]:
    return [name for name in lab.files if not (root / name).is_file()]


SEARCH_SKIPS = {".git", "__pycache__", ".venv", "venv", "node_modules", ".pytest_cache", "solution", "hidden"}


def locate(lab: Lab, root: Path) -> tuple[Path, str]:
    """The folder of ``root`` holding the lab's files, and a problem ('' if found).

    Students hand in the files themselves, or a repository with them in a subfolder (GitHub
    Classroom: ``repo/labs/lab03-events/events.py``). A folder holding every file wins; if
    several do, the one named after the lab; if that does not decide, it is a problem.

        >>> import tempfile
        >>> lab = Lab(1, "lab01-capacity", Path("."), "t", ("capacity.py",), 60)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     nested = Path(folder) / "repo" / "labs" / "lab01-capacity"
        ...     nested.mkdir(parents=True); (nested / "capacity.py").write_text("")
        ...     locate(lab, Path(folder))[0] == nested
        0
        True
    """
    if not missing_files(lab, root):
        return root, ""
    found = []
    for folder, names, files in os.walk(root):
        names[:] = sorted(n for n in names if n not in SEARCH_SKIPS and not n.startswith("."))
        if all(name in files for name in lab.files):
            found.append(Path(folder))
    named = [f for f in found if f.name == lab.name]
    if len(found) == 1 or len(named) == 1:
        return (found if len(found) == 1 else named)[0], ""
    if found:
        listed = ", ".join(str(f.relative_to(root)) for f in found[:5])
        return root, f"The submission holds {', '.join(lab.files)} in several folders ({listed}): hand in one copy."
    missing = missing_files(lab, root)
    return root, f"Missing from the submission: {', '.join(missing)} (expected: {', '.join(lab.files)}, in {root.name or root})."


def grade(
    lab: Lab,
    submission: Path | None = None,
    hidden: Path | None = None,
    emulator: Emulator | None = None,
    *,
    seed: int | None = None,
    answers: AnswerKey | None = None,
    public_only: bool = False,
) -> LabReport:
    """Run every check of ``lab`` (plus hidden ones) against ``submission`` (default: the lab folder).

    ``seed`` fixes the checks' random inputs (default: a new one, reported in the result).
    ``answers`` replaces the answer key (default: the lab's ``solution/`` folder, if present).
    ``public_only`` leaves out hidden checks (recording answers for the student export).
    If a check needs the emulator and none is passed, one is started for this run and stopped
    at its end; tests pass their own to share it between runs. A missing file makes the whole
    report a zero with ``problem`` set; ``p4lab grade`` turns that into exit code 2.
    """
    answers, seed = _answers_and_seed(lab, answers, seed)
    return _grade(lab, submission, hidden, emulator, [seed], answers, public_only)[0]


def grade_seeds(
    lab: Lab,
    submission: Path | None,
    seeds: Sequence[int],
    hidden: Path | None = None,
    emulator: Emulator | None = None,
) -> list[LabReport]:
    """One report per seed, as ``grade(..., seed=s)`` would give, for trusted submissions only.

    For soundness tests (the answer key, the starter and wrong fixtures over many seeds): each
    check runs in one check process with one student process for all seeds, and a check that
    does not read ``sub.rng`` runs once (an expensive deploy or drill is not repeated). Student
    code keeps its state from one seed to the next, which is why grading students uses ``grade``.
    The answer key is the lab's ``solution/`` folder.
    """
    if not seeds:
        raise ValueError("grade_seeds needs at least one seed")
    answers = FolderAnswers(lab.solution_folder) if lab.solution_folder.is_dir() else None
    return _grade(lab, submission, hidden, emulator, list(seeds), answers, False)


def _grade(lab: Lab, submission: Path | None, hidden: Path | None, emulator: Emulator | None, seeds: list[int],
           answers: AnswerKey | None, public_only: bool) -> list[LabReport]:  # fmt: skip
    started = time.monotonic()
    root = (submission or lab.folder).resolve()
    if root.is_file():
        root = root.parent
    checks = lab.checks(hidden, public_only=public_only)
    if not root.is_dir():
        raise SubmissionError(f"The submission {root} does not exist.")
    if not reaper.supported():
        raise SubmissionError("Grading runs student code in isolated processes, which needs Linux: use WSL or the devcontainer.")
    root, problem = locate(lab, root)
    if problem:
        zeros = [_outcome(c, 0.0, problem) for c in checks]
        return [LabReport(lab, root, zeros, time.monotonic() - started, problem, seed) for seed in seeds]
    notes: list[str] = []
    with _isolated(hidden, notes) as sandbox:
        before = reaper.children()
        with _emulator_for(checks, emulator, sandbox) as (running, ours):
            sub = Submission(root, emulator=running, seed=seeds[0], answers=answers, user=sandbox.ids if sandbox else None,
                             processes=SANDBOX_PROCESSES if sandbox else 0)  # fmt: skip
            guard = Guard(
                keep={running.pgid} if ours and running else set(),
                uid=sandbox.uid if sandbox else None,
                spare_groups=frozenset({running.pgid}) if ours and running and sandbox else frozenset(),
            )
            per_check = [_run(lab, item, sub, guard, started, seeds) for item in checks]
        _final_sweep(before, sandbox)
    seconds = time.monotonic() - started
    user = sandbox.name if sandbox else ""
    return [LabReport(lab, root, [outcomes[n] for outcomes in per_check], seconds, seed=seed, notes=notes, sandbox_user=user)
            for n, seed in enumerate(seeds)]  # fmt: skip


def _answers_and_seed(lab: Lab, answers: AnswerKey | None, seed: int | None) -> tuple[AnswerKey | None, int]:
    """The answer key (the lab's ``solution/``, else answers recorded in a student export) and the seed.

    A new seed each run by default; replaying recorded answers, one of the recorded seeds.
    """
    recorded = lab.folder / ANSWERS_FILE
    if answers is None and lab.solution_folder.is_dir():
        answers = FolderAnswers(lab.solution_folder)
    elif answers is None and recorded.is_file():
        replayed = ReplayedAnswers(recorded)
        if seed is not None and seed not in replayed.seeds:
            raise SubmissionError(f"Seed {seed} is not recorded in this copy of the lab; use one of {replayed.seeds}.")
        replayed.seed = random.choice(replayed.seeds) if seed is None else seed
        return replayed, replayed.seed
    return answers, secrets.randbelow(1_000_000) if seed is None else seed


def _run(lab: Lab, item: Check, sub: Submission, guard: Guard, started: float, seeds: list[int]) -> list[Outcome]:
    """The check's outcome for each seed."""
    if time.monotonic() - started > lab.time_limit_s * len(seeds):
        return [_outcome(item, 0.0, f"Not run: the lab's {lab.time_limit_s:g} s time limit was reached.")] * len(seeds)
    outcomes = []
    for seed, raw in zip(seeds, run_check_seeds(item, sub, guard, seeds), strict=True):
        message = raw.message
        if raw.used_rng and raw.fraction < 1:
            message = f"{message}\n(Inputs from seed {seed}: `p4lab grade {lab.name[:5]} --seed {seed}` repeats them.)".strip()
        outcomes.append(_outcome(item, raw.fraction, message))
    return outcomes


def not_graded(lab: Lab, root: Path, problem: str, hidden: Path | None = None) -> LabReport:
    """A zero for every check, with the reason: what a submission that cannot be graded gets."""
    return LabReport(lab, root, [_outcome(c, 0.0, problem) for c in lab.checks(hidden)], 0.0, problem)


_CONTROL = {code: None for code in [*range(0, 9), *range(11, 32), 127]}  # keep \t and \n: no terminal escapes from student text


def _outcome(item: Check, fraction: float, message: str) -> Outcome:
    return Outcome(
        name=item.name,
        score=round(item.points * fraction, 2),
        max_score=item.points,
        output=message.translate(_CONTROL),
        hint=item.hint,
        visibility=item.visibility or "visible",
    )


FINAL_SWEEPS = 50  # a killed process can take a moment to exit (freeing a large address space, on a busy machine)


def _final_sweep(before: set[int], sandbox: privileges.SandboxUser | None) -> None:
    """Kill anything left, and prove that nothing of the student's can still write the results.

    A process counts while it can still run: a zombie (dead, its exit status not yet collected)
    cannot, and one killed but still exiting gets a few more sweeps, 20 ms apart.
    """
    uid = sandbox.uid if sandbox else None
    for _ in range(FINAL_SWEEPS):
        reaper.sweep(before, uid=uid)
        left = {pid for pid in reaper.children() - before if reaper.running(pid)}
        if uid is not None:
            left |= set(reaper.remaining(uid))
        if not left:
            return
        time.sleep(0.02)
    raise RuntimeError(f"processes {sorted(left)} survived the final sweep: no results are written")


@contextlib.contextmanager
def _isolated(hidden: Path | None, notes: list[str]) -> Iterator[privileges.SandboxUser | None]:
    """Subreaper for the run; as root, a sandbox user and the grader's secrets made root's only."""
    reaper.set_subreaper(True)
    sandbox = None
    try:
        if privileges.is_root():
            sandbox = privileges.acquire_sandbox_user()
            opened = privileges.make_reachable(_runtime_paths(), sandbox)
            if opened:
                notes.append(f"Let {sandbox.name} pass through {', '.join(map(str, opened))} (an ACL, no listing) "
                             "to run Python and p4lab.")  # fmt: skip
            changed = privileges.protect(secret_paths(hidden))
            if changed:
                notes.append(f"Made {len(changed)} answer-key/hidden-check files readable by their owner only "
                             f"(student code runs as {sandbox.name}), e.g. {changed[0]}.")  # fmt: skip
        yield sandbox
    finally:
        if sandbox:
            sandbox.release()
        reaper.set_subreaper(False)


def _runtime_paths() -> list[Path]:
    """What the student's process must be able to read: the interpreter, its library, the project."""
    paths = sysconfig.get_paths()
    return [Path(sys.executable), Path(paths["stdlib"]), Path(paths["purelib"]), Path(paths["platlib"]), PROJECT_ROOT / "labs"]


def secret_paths(hidden: Path | None, labs_root: Path = LABS_ROOT) -> list[Path]:
    """Every answer key, hidden check and excluded file of the project, plus ``--hidden DIR``."""
    paths = [path for lab in all_labs(labs_root) for path in lab.secrets(PROJECT_ROOT)]
    wrong = PROJECT_ROOT / "tests" / "labs" / "wrong"
    return [*paths, wrong, *([hidden] if hidden else [])]


@contextlib.contextmanager
def _emulator_for(
    checks: list[Check], given: Emulator | None, sandbox: privileges.SandboxUser | None
) -> Iterator[tuple[Emulator | None, bool]]:
    """(the emulator, whether we started it): as the sandbox user when root, since a student's
    template or experiment can make it run code."""
    if given is not None or not any(c.needs_emulator for c in checks):
        yield given, False
        return
    from reference import emulator as emulator_mod

    state = None
    if sandbox:
        state = Path(tempfile.mkdtemp(prefix="p4lab-emulator-"))
        os.chown(state, *sandbox.ids)
        running = _start_as(sandbox, state)
    else:
        running = emulator_mod.start()
    try:
        yield running, True
    finally:
        emulator_mod.stop(running)
        if state:
            shutil.rmtree(state, ignore_errors=True)


_START = (
    "import sys, json, dataclasses; sys.path.insert(0, sys.argv[1]); from reference import emulator; "
    "print(json.dumps(dataclasses.asdict(emulator.start())))"
)


def _start_as(sandbox: privileges.SandboxUser, state: Path) -> Emulator:
    """Start the emulator from a fresh interpreter running as the sandbox user (nothing of ours in it)."""
    from reference.emulator import Emulator

    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(state), "P4LAB_STATE_DIR": str(state), "LANG": "C.UTF-8"}
    result = subprocess.run(
        [sys.executable, "-I", "-c", _START, str(PROJECT_ROOT)],
        user=sandbox.uid, group=sandbox.gid, extra_groups=[], env=env, cwd=state,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise SubmissionError(f"the emulator did not start as {sandbox.name}: {result.stderr.strip()[-1500:]}")
    return Emulator(**json.loads(result.stdout.strip().splitlines()[-1]))

