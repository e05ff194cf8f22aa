"""Every command's help names values (FILE, SECONDS), never Python or Click types; and the
README says exactly which commands take --target, --profile, --region and --yes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from p4lab import cli

README = Path(__file__).resolve().parents[2] / "README.md"
# What Typer/Click print when a parameter has no metavar: <list[str]>, <bool>, TEXT, INTEGER,
# "float range", and ranges written as x>=1.
TYPE_NAMES = re.compile(
    r"<[a-z_]+(\[[^>]*\])?>|\b(TEXT|INTEGER|FLOAT|BOOLEAN|FILENAME|DIRECTORY|UUID|DATETIME)\b"
    r"|\b(list|dict|tuple|Optional|Union)\[|NoneType|\bx[<>]=|(int|float) range|\{[A-Z_.]+\}"
)


def commands(command: Any = None, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    """(name, click command) for the root, every group and every command under them."""
    command = command or cli.command()
    yield " ".join(("p4lab", *path)), command
    for name, sub in getattr(command, "commands", {}).items():
        yield from commands(sub, (*path, name))


def _help(name: str, command: Any) -> str:
    context = command.context_class(command, info_name=name)
    return command.get_help(context)


def test_every_command_has_help_without_type_names() -> None:
    seen = 0
    for name, command in commands():
        text = _help(name, command)
        found = TYPE_NAMES.search(text)
        assert found is None, f"`{name} --help` shows {found.group(0)!r}:\n{text}"
        if not getattr(command, "commands", None):
            assert (command.help or "").strip(), f"`{name}` has no help text"
        seen += 1
    assert seen > 20  # the walk really visits every command


def test_the_pattern_catches_what_typer_prints_by_default() -> None:
    """The check above can fail: this is what plain Typer help looks like."""
    for raw in ("--files <list[str]>", "--wait <bool>", "--name TEXT", "[x>=1]", "not a valid float range", "run {NAME}"):
        assert TYPE_NAMES.search(raw), raw


def _leaf_commands_with(flag: str) -> list[str]:
    leaves = [(name, c) for name, c in commands() if not getattr(c, "commands", None)]
    return sorted(name.removeprefix("p4lab ") for name, c in leaves if any(flag in p.opts for p in c.params))


@pytest.mark.parametrize("flag", ["--target", "--profile", "--region", "--yes"])
def test_the_readme_lists_exactly_the_commands_taking(flag: str) -> None:
    """README: a line "`--flag`: `cmd`, `cmd`, ..." names every command that takes the flag."""
    line = next((ln for ln in README.read_text().splitlines() if ln.startswith(f"- `{flag}")), None)
    assert line is not None, f"README.md has no line starting with '- `{flag}' listing its commands"
    listed = sorted(re.findall(r"`([a-z][a-z -]*)`", line.split(":", 1)[1]))
    assert listed == _leaf_commands_with(flag)
