"""Answer keys as checks use them: ``sub.answer("capacity").images_per_second(n)``.

A check that draws its inputs at random (``sub.rng``) compares the student's output with the
answer key's on the same inputs. The answer key is trusted code, loaded in the check's
process (never in the student's), from ``labs/labNN-name/solution/``.

Call answer-key functions with data only (numbers, strings, lists, dicts...) and let their
inputs depend on ``sub.rng`` alone, never on what the student's code returned: the student
export has no answer code, and there ``sub.answer()`` replays the answer key's outputs
recorded for a set of seeds (see ``labs/grader/recording.py``).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol


class AnswerKey(Protocol):
    def module(self, name: str) -> Any: ...


class FolderAnswers:
    """The answer key's modules from its folder, importing each other by plain name."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._modules: dict[str, ModuleType] = {}

    def module(self, name: str) -> ModuleType:
        if name not in self._modules:
            path = self.folder / f"{name}.py"
            if not path.is_file():
                raise FileNotFoundError(f"the answer key has no {name}.py ({self.folder})")
            if str(self.folder) not in sys.path:
                sys.path.insert(0, str(self.folder))  # the check's own process: nothing else runs here
            spec = importlib.util.spec_from_file_location(name, path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            self._modules[name] = module
        return self._modules[name]
