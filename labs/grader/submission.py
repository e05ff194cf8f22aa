"""The student's files as a check sees them: modules loaded by path, text, and the emulator."""

from __future__ import annotations

import importlib.util
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reference.emulator import Emulator
    from reference.targets import Target


class SubmissionError(Exception):
    """The submission cannot be graded as handed in (a file is missing or does not import)."""


@dataclass
class Submission:
    """A folder of student files. Checks call ``module()``/``text()``/``path()`` on it.

    Modules are loaded by file path, not by import name, so a student's ``events.py`` never
    shadows (or is shadowed by) ``reference.handler.events``. Each check runs in a fresh child
    process, so a module is executed once per check and state cannot leak between checks.
    """

    root: Path
    emulator: Emulator | None = None
    # One id per lab run, shared by its checks: e.g. the stack one check deploys and the next uses.
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    _modules: dict[str, ModuleType] = field(default_factory=dict, repr=False)

    def path(self, name: str) -> Path:
        """The path of a submitted file; SubmissionError if it was not handed in."""
        path = self.root / name
        if not path.is_file():
            raise SubmissionError(f"{name} is missing from the submission ({self.root}).")
        return path

    def text(self, name: str) -> str:
        return self.path(name).read_text(encoding="utf-8", errors="replace")

    def module(self, name: str) -> ModuleType:
        """Execute ``<name>.py`` from the submission and return it (cached within one check).

        The submission folder is put first on ``sys.path`` so the student's modules can import
        each other by plain name.
        """
        if name in self._modules:
            return self._modules[name]
        path = self.path(f"{name}.py")
        if str(self.root) not in sys.path:
            sys.path.insert(0, str(self.root))
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses and pickling look modules up by name
        try:
            spec.loader.exec_module(module)
        except Exception as error:
            del sys.modules[name]
            raise SubmissionError(f"{name}.py does not import: {type(error).__name__}: {error}") from error
        self._modules[name] = module
        return module

    def target(self) -> Target:
        """The lab run's embedded emulator as a p4lab target (checks with ``needs_emulator``)."""
        from reference import targets

        if self.emulator is None:
            raise RuntimeError("this check did not declare needs_emulator=True")
        return targets.embedded(self.emulator)

    def resource(self, service: str) -> Any:
        """A boto3 resource on the emulator, e.g. ``sub.resource("dynamodb")``."""
        return self.target().resource(service)


def unique_name(prefix: str) -> str:
    """A resource name no other check (or concurrent lab run) on the same emulator uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"
