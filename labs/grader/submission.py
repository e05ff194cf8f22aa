"""The submission as a check sees it: the student's modules (in their own process), files, inputs.

A check receives one :class:`Submission` and uses:

* ``sub.module("events")``: the student's module, imported in the student's process; a
  :class:`~labs.grader.student.Handle` whose calls return plain data (see ``student.py``);
* ``sub.text(name)`` / ``sub.path(name)``: a submitted file, read by the grader;
* ``sub.rng``: a ``random.Random`` seeded by the run's seed and the check's name, for inputs
  the student has not seen (``p4lab grade LAB --seed N`` repeats a run's inputs);
  ``sub.shared_rng(name)``: the same, shared by every check that asks for ``name``;
* ``sub.answer("capacity")``: the answer key's module, loaded by the grader (trusted; call it
  with data only: in the student export it is replayed from recorded answers);
* ``sub.lend_table(table, deny=..., before=...)``: a DynamoDB table lent to the student's code
  with every call made and recorded by the grader;
* ``sub.restart()``: a fresh student process (a cold start: module state is lost);
* ``sub.target()`` / ``sub.resource("dynamodb")``: the lab run's emulator (``needs_emulator``);
* ``sub.run_id``: one id per lab run, to name what a check creates (also ``unique_name``).
"""

from __future__ import annotations

import random
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from labs.grader import privileges
from labs.grader.student import Handle, LentTable, StudentError, StudentProcess, prepare_scratch

if TYPE_CHECKING:
    from labs.grader.answers import AnswerKey
    from labs.grader.checks import Check
    from reference.emulator import Emulator
    from reference.targets import Target


class SubmissionError(Exception):
    """The submission cannot be graded as handed in (a file is missing or does not import)."""


@dataclass
class Submission:
    """A folder of student files and what one lab run shares between its checks."""

    root: Path
    emulator: Emulator | None = None
    # One id per lab run, shared by its checks: e.g. the stack one check deploys and the next uses.
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    seed: int = 0
    answers: AnswerKey | None = None
    user: tuple[int, int] | None = None  # the sandbox user (uid, gid) when the grader is root
    processes: int = 0  # RLIMIT_NPROC for the sandbox user's processes (0: unchanged)
    _check: Check | None = field(default=None, repr=False)
    _scratch: Path | None = field(default=None, repr=False)
    _student: StudentProcess | None = field(default=None, repr=False)
    _output: IO[bytes] | None = field(default=None, repr=False)
    _modules: dict[str, Handle] = field(default_factory=dict, repr=False)
    _rng: random.Random | None = field(default=None, repr=False)
    _shared_rng_used: bool = field(default=False, repr=False)
    _target: Target | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ files
    def path(self, name: str) -> Path:
        """The path of a submitted file; SubmissionError if it was not handed in.

        The grader reads submitted files with its own rights, so a link (a repository can hold
        one) is followed only where the student's code could read: as root, a link to the answer
        key is refused; a link to a file of the project students have anyway is fine.
        """
        path = self.root / name
        if not path.is_file():
            raise SubmissionError(f"{name} is missing from the submission ({self.root}).")
        linked = path.is_symlink() or not path.resolve().is_relative_to(self.root.resolve())
        if linked and self.user is not None and not privileges.readable_by(path, *self.user):
            raise SubmissionError(f"{name} is a link to a file you cannot read: hand in the file itself.")
        return path

    def text(self, name: str) -> str:
        return self.path(name).read_text(encoding="utf-8", errors="replace")

    # ------------------------------------------------------------------ the student's code
    def module(self, name: str) -> Handle:
        """The student's ``<name>.py``, executed in the student's process (once per check)."""
        if name not in self._modules:
            self.path(f"{name}.py")
            try:
                self._modules[name] = self._process().import_module(name)
            except StudentError as error:
                if error.is_a("ProcessEnded"):
                    raise SubmissionError(f"{name}.py does not import: {error.message}") from None
                raise SubmissionError(f"{name}.py does not import: {error}") from None
        return self._modules[name]

    def lend_table(
        self, table: Any, *, deny: set[str] | frozenset[str] = frozenset(), before: Any = None, after: Any = None
    ) -> LentTable:
        """``table`` wrapped to be passed to the student's code, with its calls recorded (see LentTable)."""
        return LentTable(table, deny=deny, before=before, after=after)

    def _process(self) -> StudentProcess:
        if self._student is None:
            if self._check is None or self._scratch is None:
                raise RuntimeError("the student's code can only be run inside a check")
            work = prepare_scratch(self.root, self._scratch, self.user)
            if self._output is None:  # one for the check, whatever restarts: all the student printed
                self._output = tempfile.TemporaryFile()  # noqa: SIM115  (read by fd: the student cannot swap it)
            self._student = StudentProcess(
                work,
                self._output,
                memory_mb=self._check.memory_mb,
                cpu_s=int(self._check.timeout_s) + 5,
                user=self.user,
                processes=self.processes,
            )
        return self._student

    def student_output(self, limit: int) -> str:
        """The last ``limit`` characters the student's process printed."""
        if self._output is None:
            return ""
        self._output.seek(0, 2)
        size = self._output.tell()
        self._output.seek(max(0, size - 4 * limit))
        return self._output.read().decode("utf-8", errors="replace")[-limit:].strip()

    def begin(self, check: Check, scratch: Path) -> None:
        """Called in the check's process before the check runs."""
        self._check, self._scratch = check, scratch

    def end(self) -> None:
        """Stop the student's process and everything it started."""
        if self._student is not None:
            self._student.close()

    def restart(self) -> None:
        """A fresh student process for the rest of the check, as another execution environment
        (a cold start) would be: nothing the student's code kept in memory survives. Handles from
        the old process are dead: ask ``sub.module(name)`` again."""
        self.end()
        self._student, self._modules = None, {}
        if self._scratch is not None:  # a new copy of the submission, a new home and tmp: nothing on disk survives either
            self._scratch = self._scratch / f"restart-{uuid.uuid4().hex[:8]}"
            self._scratch.mkdir()

    # ------------------------------------------------------------------ inputs and answers
    @property
    def rng(self) -> random.Random:
        """Random inputs for this check: seeded by the run's seed and the check's name."""
        if self._rng is None:
            name = self._check.function.__qualname__ if self._check else ""
            self._rng = random.Random(f"{self.seed}:{name}")
        return self._rng

    def shared_rng(self, name: str) -> random.Random:
        """Random inputs several checks share: every check of the run that asks for ``name`` gets
        the same draws (e.g. one workload, graded by one check for latency and by another for
        cost). Seeded by the run's seed like ``rng``; a fresh generator on each call."""
        self._shared_rng_used = True
        return random.Random(f"{self.seed}:shared:{name}")

    def reseed(self, seed: int) -> None:
        """Draw the next run's inputs from ``seed`` (``grade_seeds``): new ``sub.rng`` draws, and a
        ``run_id`` of that seed's, so what one check makes for a seed the next one finds."""
        base = self.run_id.split("-s", 1)[0]
        self.seed, self._rng, self._shared_rng_used, self.run_id = seed, None, False, f"{base}-s{seed}"

    @property
    def used_rng(self) -> bool:
        return self._rng is not None or self._shared_rng_used


    def answer(self, name: str) -> Any:
        """The answer key's module ``name`` (trusted, loaded by the grader); see ``answers.py``."""
        if self.answers is None:
            raise SubmissionError("this lab has no answer key here")
        return self.answers.module(name)

    # ------------------------------------------------------------------ the emulator
    def target(self) -> Target:
        """The lab run's embedded emulator as a p4lab target (checks with ``needs_emulator``).

        One per check process: a new boto3 session reads botocore's JSON models again (~0.1 s),
        and its clients are cached on the target.
        """
        from reference import targets

        if self.emulator is None:
            raise RuntimeError("this check did not declare needs_emulator=True")
        if self._target is None:
            self._target = targets.embedded(self.emulator)
        return self._target

    def resource(self, service: str) -> Any:
        """A boto3 resource on the emulator, e.g. ``sub.resource("dynamodb")``."""
        return self.target().resource(service)


def unique_name(prefix: str) -> str:
    """A resource name no other check (or concurrent lab run) on the same emulator uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"
