"""Bad input: exit code 2, one clear message, and no work done first.

"No work" is checked, not assumed: connecting to a target, starting an emulator and
running a simulation are replaced by tripwires, so a command that did any of them before
checking its arguments fails here (a tripwire ends in exit 1, "internal error").
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reference import emulator, samples, targets

Tripped = AssertionError


@pytest.fixture
def tripwires(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record (and refuse) any attempt to connect, start an emulator or simulate."""
    touched: list[str] = []

    def wire(name: str) -> Callable[..., None]:
        def tripped(*_args: object, **_kwargs: object) -> None:
            touched.append(name)
            raise Tripped(f"{name} was called before the arguments were checked")

        return tripped

    monkeypatch.setattr(targets, "connect", wire("targets.connect"))
    monkeypatch.setattr(emulator, "start", wire("emulator.start"))
    monkeypatch.setattr(emulator, "running_emulator", wire("emulator.running_emulator"))
    monkeypatch.setattr("simulator.model.run", wire("simulator.model.run"))
    return touched


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "good.jpg"
    samples.photo(64, 48, seed=1).save(path, "JPEG")
    return path


CASES: list[tuple[str, list[str], str]] = [
    ("an unknown command", ["bogus"], "No such command"),
    ("-v with -q", ["-v", "-q", "status"], "contradict"),
    ("an unknown target", ["status", "--target", "bogus"], "'bogus' is not one of"),
    ("a state that does not exist", ["status", "--state", "bogus"], "not a state"),
    ("a short image id", ["status", "abc123"], "32 hex characters"),
    ("a short image id to wait for", ["wait", "abc123"], "32 hex characters"),
    ("no file to upload", ["upload"], "Missing argument 'FILE...'"),
    ("a file that is not there, after a good one", ["upload", "{photo}", "{tmp}/missing.jpg"], "Nothing was uploaded"),
    ("a file of a type the pipeline refuses", ["upload", "{tmp}/notes.txt"], "not accepted"),
    ("a template parameter without =", ["deploy", "-p", "oops"], "Name=value"),
    ("more hours than a month", ["estimate", "10", "--hours", "800"], "not in the range 0 to 730"),
    ("a word for a number", ["status", "--limit", "many"], "not a valid whole number"),
    ("a port out of range", ["serve", "--port", "70000"], "1 to 65535"),
    ("destroy on aws with no terminal and no --yes", ["destroy", "--target", "aws"], "add --yes"),
    ("a simulation of a folder", ["sim", "{tmp}"], "is a folder"),
    ("a plot into a missing folder", ["sim", "plan", "--plot", "{tmp}/no/such/dir/x.png"], "does not exist"),
    ("a chaos drill that does not exist", ["chaos", "run", "no-such-drill"], "No experiment"),
    ("a chaos variable without =", ["chaos", "run", "kill-workers", "--var", "oops"], "key=value"),
    ("a lab that does not exist", ["grade", "lab99"], "There is no lab 'lab99'"),
    ("an image that is not there", ["process", "{tmp}/missing.jpg", "--out", "{tmp}/out"], "missing.jpg"),
]


@pytest.mark.parametrize(("why", "args", "message"), CASES, ids=[case[0] for case in CASES])
def test_bad_input_exits_2_before_any_work(
    why: str, args: list[str], message: str, p4lab, tripwires: list[str], photo: Path, tmp_path: Path  # noqa: ANN001
) -> None:
    (tmp_path / "notes.txt").write_text("not an image")
    result = p4lab(*[arg.format(photo=photo, tmp=tmp_path) for arg in args])
    assert tripwires == [], f"{why}: {tripwires[0]}"
    assert result.exit_code == 2, f"{why}: exit {result.exit_code}\n{result.output}"
    assert message in result.output, result.output
    for leak in ("Traceback", "internal error", "Internal error", "Value error"):
        assert leak not in result.output, result.output


def test_an_unknown_target_in_the_environment_is_bad_input_too(p4lab, tripwires: list[str], monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("P4LAB_TARGET", "bogus")
    result = p4lab("outputs")
    assert result.exit_code == 2 and "P4LAB_TARGET" in result.output and "Value error" not in result.output
    assert tripwires == []


def test_every_file_is_checked_before_the_first_upload(p4lab, photo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    """`upload good.jpg missing.jpg` used to upload the first, then fail."""
    sent: list[Path] = []
    monkeypatch.setattr("reference.upload.upload_file", lambda target, outputs, path, owner: sent.append(path))
    result = p4lab("upload", photo, tmp_path / "missing.jpg", tmp_path / "empty.png")
    assert result.exit_code == 2 and sent == []
    assert "missing.jpg is not a file" in result.output  # every problem named, not only the first


def test_quiet_silences_notes_never_errors(p4lab) -> None:  # noqa: ANN001
    """`p4lab -q` before the command: only results and errors."""
    from reference import console

    try:
        loud = p4lab("outputs", "--region", "eu-west-1")
        quiet = p4lab("-q", "outputs", "--region", "eu-west-1")
    finally:
        console.set_verbosity(0)  # the in-process run leaves -q's setting behind
    assert "only apply to --target aws" in loud.stderr and "only apply" not in quiet.stderr
    for result in (loud, quiet):
        assert result.exit_code == 1 and "No embedded emulator is running" in result.stderr
