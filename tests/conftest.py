"""Shared fixtures: an isolated state directory, and for end-to-end tests one embedded
emulator with the stack deployed, shared by the whole session (deploying takes ~1 s, but
starting Lambda workers warm is what makes the suite fast)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from p4lab import cli
from reference import deploy, emulator, targets


@pytest.fixture(scope="session", autouse=True)
def isolated_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Tests never see (or stop) an emulator a developer started with `p4lab up`."""
    path = tmp_path_factory.mktemp("p4lab-state")
    previous = os.environ.get("P4LAB_STATE_DIR")
    os.environ["P4LAB_STATE_DIR"] = str(path)
    os.environ.setdefault("P4LAB_OWNER", "tester")
    yield path
    if previous is None:
        os.environ.pop("P4LAB_STATE_DIR", None)
    else:
        os.environ["P4LAB_STATE_DIR"] = previous


@dataclass(frozen=True)
class Pipeline:
    emulator: emulator.Emulator
    target: targets.Target
    outputs: dict[str, str]


@pytest.fixture(scope="session")
def running_emulator(isolated_state: Path) -> Iterator[emulator.Emulator]:
    running = emulator.start()
    try:
        yield running
    finally:
        emulator.stop(running)


@pytest.fixture(scope="session")
def pipeline(running_emulator: emulator.Emulator) -> Pipeline:
    """The stack deployed once on the session's emulator."""
    target = targets.embedded(running_emulator)
    result = deploy.deploy(target)
    return Pipeline(running_emulator, target, result.outputs)


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture
def p4lab(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run a `p4lab` command line in this process, as `main()` would: exit code, stdout, stderr."""

    def invoke(*args: object) -> CliResult:
        capsys.readouterr()
        code = cli.run([str(arg) for arg in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke
