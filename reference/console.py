"""Where p4lab's commands write, and how much: one pair of consoles for every command.

Results (tables, JSON, URLs) go to ``out`` (stdout) so they can be piped; progress bars,
spinners and notes go to ``err`` (stderr). ``p4lab -q`` silences ``err`` (scripts get only
results and errors), ``-v`` turns on p4lab's log messages and ``-vv`` botocore's too, plus
tracebacks for unexpected errors. Errors are printed with :func:`error`, which ``-q`` does not
silence: a command that fails always says why.

    >>> set_verbosity(-1); err.quiet
    True
    >>> set_verbosity(0); err.quiet
    False
"""

from __future__ import annotations

import logging
import os

from rich.console import Console

out = Console()
err = Console(stderr=True)
_verbosity = 0

DEBUG_ENV = "P4LAB_DEBUG"  # 1: tracebacks for unexpected errors, as `-vv` gives


def set_verbosity(level: int) -> None:
    """-1 quiet, 0 normal, 1 p4lab's logs (INFO), 2 everything at DEBUG and tracebacks."""
    global _verbosity
    _verbosity = level
    err.quiet = level < 0
    if level > 0:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
        logging.getLogger().setLevel(logging.DEBUG if level > 1 else logging.WARNING)
        for name in ("reference", "simulator", "chaos", "labs", "p4lab"):
            logging.getLogger(name).setLevel(logging.DEBUG if level > 1 else logging.INFO)


def verbosity() -> int:
    return _verbosity


def debugging() -> bool:
    """Whether an unexpected error should show its traceback (``-vv`` or ``P4LAB_DEBUG=1``)."""
    return _verbosity > 1 or bool(os.environ.get(DEBUG_ENV))


def error(message: str) -> None:
    """Print an error, even under ``-q``."""
    Console(stderr=True).print(f"[red]Error:[/] {message}", soft_wrap=True)


def warning(message: str) -> None:
    """Print a warning unless ``-q``."""
    err.print(f"[yellow]Warning:[/] {message}", soft_wrap=True)
