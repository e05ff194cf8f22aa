"""Engine tests run with default settings, whatever P4LAB_* variables the shell has."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _default_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in os.environ:
        if name.startswith("P4LAB_"):
            monkeypatch.delenv(name)
