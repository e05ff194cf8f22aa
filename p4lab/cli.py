"""The ``p4lab`` command: one entry point for the pipeline, the simulator, the drills and the labs.

Each part defines its own commands in its own package; this module only puts them side by
side, adds what every command shares, and turns errors into messages:

* ``--version``, shell completion (``--install-completion``), and ``-v``/``-q`` before any
  command (``p4lab -q upload ...``, as ``git -C`` or ``docker --debug``);
* help that names values (``FILE``, ``SECONDS``), never Python types;
* exit codes: 0 done, 1 failed (a drill did not hold, an upload FAILED, a check lost points;
  also Ctrl-C, which Click reports as "Aborted!"), 2 bad input, checked before any work. A
  user's mistake is one message on stderr, never a traceback; ``-vv`` or ``P4LAB_DEBUG=1``
  show the traceback of a bug.

Only Typer is imported to build the commands: every command imports what it needs when it
runs, so ``p4lab --help`` answers at once.
"""

from __future__ import annotations

import signal
import sys
from typing import Annotated, Any

import typer

from reference import console
from reference.errors import UserError

app = typer.Typer(
    help="p4lab: the Phase 4 image pipeline, its simulator, chaos drills and graded labs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

USAGE_EXIT = 2


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("p4lab")
        except PackageNotFoundError:  # run from a source tree that was never installed
            number = "unknown (not installed)"
        console.out.print(f"p4lab {number}")
        raise typer.Exit()


@app.callback()
def _root(
    _version_flag: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show p4lab's version and exit.")
    ] = False,
    verbose: Annotated[
        int,
        typer.Option("--verbose", "-v", count=True, show_default=False, help="More detail: -v p4lab's log, -vv everything and tracebacks."),
    ] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only results and errors: no progress bars or notes.")] = False,
) -> None:
    """p4lab: the Phase 4 image pipeline, its simulator, chaos drills and graded labs.

    Start with `p4lab demo`; every command has --help. Docs: README.md and docs/.
    """
    if verbose and quiet:
        raise UserError("-v and -q contradict each other; give one.", USAGE_EXIT)
    console.set_verbosity(-1 if quiet else verbose)


def _register() -> None:
    """Every part's commands, in the order `p4lab --help` lists them."""
    from chaos.cli import chaos_app
    from labs.grader.cli import grade_command, labs_app
    from reference import cli as pipeline
    from reference.load.command import load_command
    from reference.process import process_command
    from simulator.app.launch import sim_app_command
    from simulator.cli import calibrate as calibrate_command
    from simulator.cli import sim as sim_command

    app.registered_commands += pipeline.app.registered_commands  # up, deploy, upload, status, ...: docs/architecture.md
    app.command("process")(process_command)  # the engine alone: docs/engine.md
    app.command("load")(load_command)  # load test of a deployed pipeline: docs/load-testing.md
    app.command("sim")(sim_command)  # the simulator: docs/simulator.md
    app.command("sim-calibrate")(calibrate_command)
    app.command("sim-app")(sim_app_command)  # the instructor app: docs/simulator-app.md
    app.add_typer(chaos_app, name="chaos")  # chaos drills: docs/chaos.md
    app.command("grade")(grade_command)  # graded labs: docs/labs.md
    app.add_typer(labs_app, name="labs")  # exports and Gradescope autograders: docs/instructors.md


_register()


def _metavar(param: Any) -> str:
    """A name for the value a user types: the choices, else the parameter's name (``TIMEOUT``)."""
    choices = getattr(getattr(param, "type_descriptor", None), "choices", None) or getattr(getattr(param, "type", None), "choices", None)
    if choices:
        return "|".join(str(getattr(c, "value", c)) for c in choices)
    return (param.name or "value").upper()


def _plain_number(kind: Any) -> Any:
    """A number type whose errors and help read as words: "not a valid number", "1 or more".

    Click says "'abc' is not a valid float range" and shows ranges as "x>=1". (Typer 0.28
    vendors its own Click, hence the duck typing rather than isinstance on click's classes.)
    """
    import copy

    bases = {cls.__name__ for cls in type(kind).__mro__}
    if not bases & {"IntParamType", "FloatParamType"}:
        return kind
    plain = copy.copy(kind)  # the unbounded INT and FLOAT are shared by every parameter
    plain.name = "whole number" if "IntParamType" in bases else "number"
    if hasattr(kind, "_describe_range"):
        low, high = kind.min, kind.max
        if low is not None and high is not None:
            words = f"{low} to {high}"
        elif low is not None:
            words = f"more than {low}" if kind.min_open else f"{low} or more"
        else:
            words = f"less than {high}" if kind.max_open else f"{high} or less"
        plain._describe_range = lambda: words
    return plain


def _polish(command: Any) -> Any:
    """Plain help, naming values (``PATH``, ``SECONDS``) rather than types, for every command.

    Typer's rich help adds a column of type names (``<text>``, ``<path>``) that tells a user
    nothing the value's name does not; Click's plain layout is what AWS's and git's CLIs use.
    """
    if hasattr(command, "rich_markup_mode"):
        command.rich_markup_mode = None
    for param in command.params:
        param.type = _plain_number(param.type)
        if param.metavar is None:
            if getattr(param, "is_flag", False) or getattr(param, "count", False):
                param.metavar = ""
            else:
                param.metavar = _metavar(param) + ("..." if param.nargs != 1 else "")
        if param.param_type_name == "argument":
            # Usage as git and the AWS CLI write it: FILE... and [LAB], not Typer's {FILE...}.
            plain = param.metavar if param.required or param.metavar.startswith("[") else f"[{param.metavar}]"
            param.make_metavar = lambda ctx=None, usage=False, plain=plain: plain
    for sub in getattr(command, "commands", {}).values():
        _polish(sub)
    return command


def command() -> Any:
    """The whole ``p4lab`` command as Click sees it (tests invoke this)."""
    return _polish(typer.main.get_command(app))


def run(argv: list[str] | None = None) -> int:
    """Run one command line and return its exit code; user errors become one message."""
    try:
        command().main(args=argv, prog_name="p4lab")
    except SystemExit as done:  # Click ends every run with sys.exit (2 for a usage error)
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except UserError as error:
        console.error(str(error))
        return error.exit_code
    except Exception as error:  # noqa: BLE001  (boto's and our bugs: one message, or the traceback when asked)
        if console.debugging():
            raise
        message, code = _explain(error)
        console.error(message)
        return code
    return 0


def main() -> None:
    """Console entry point."""
    # SIGTERM unwinds like Ctrl-C, so `finally` blocks stop what we started.
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    sys.exit(run())


def _explain(error: Exception) -> tuple[str, int]:
    """A message for an exception that is not a UserError: AWS's errors say what AWS said."""
    from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError

    if isinstance(error, NoCredentialsError):
        return "no AWS credentials found; see docs/targets.md.", 1
    if isinstance(error, EndpointConnectionError):
        return f"{error}. Is the target running? (`p4lab up` for embedded, `docker compose up -d` for localstack)", 1
    if isinstance(error, ClientError):
        info = error.response.get("Error", {})
        return f"{error.operation_name} failed: {info.get('Code')}: {info.get('Message')}", 1
    if isinstance(error, BotoCoreError):
        return str(error), 1
    return f"internal error: {type(error).__name__}: {error}. Re-run with -vv (or P4LAB_DEBUG=1) for the traceback, and report it.", 1
