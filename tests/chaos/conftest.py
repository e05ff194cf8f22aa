"""Drills against the session's emulator and stack (the `pipeline` fixture of tests/conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def drill_connection(pipeline: Any) -> dict[str, Any]:
    """The experiment configuration that points a drill at the session's stack and its workers."""
    return {
        "p4lab_target": "embedded",
        "p4lab_stack": "p4lab",
        "p4lab_endpoint": pipeline.emulator.endpoint,
        "p4lab_ca_bundle": pipeline.emulator.ca_bundle,
        "p4lab_pgid": str(pipeline.emulator.pgid),
    }
