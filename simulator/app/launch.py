"""``p4lab sim-app``: start the instructor app with ``streamlit run``, and stop all of it.

Streamlit runs as a child process that leads its own process group, and we always stop the
whole group (SIGTERM, then SIGKILL after a grace period) — on exit, on Ctrl-C and on SIGTERM
(`reference.cli.main` turns SIGTERM into a normal exit, so `finally` runs). Anything Streamlit
starts inherits the group, so nothing outlives the command.

    >>> app = start(port=8501)        # doctest: +SKIP
    >>> wait_until_healthy(app)       # doctest: +SKIP
    >>> stop(app)                     # doctest: +SKIP

Limitations: one app per port; the port must be free (we check, and say so, before starting).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

SCRIPT = Path(__file__).with_name("streamlit_app.py")
HEALTH_PATH = "/_stcore/health"
DEFAULT_PORT = 8501
START_TIMEOUT_S = 60.0
STOP_GRACE_S = 5.0

console = Console()


class LaunchError(RuntimeError):
    """The app could not start; the message says why and what to do."""


@dataclass(frozen=True)
class RunningApp:
    process: subprocess.Popen
    url: str

    @property
    def pgid(self) -> int:
        return self.process.pid  # the leader of its own group: pgid == pid


def command(port: int, address: str) -> list[str]:
    """The ``streamlit run`` command line (headless: we print the URL; no usage statistics)."""
    return [
        sys.executable, "-m", "streamlit", "run", str(SCRIPT),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", address,
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "minimal",  # no "Deploy" button on a projected page
    ]  # fmt: skip


def port_is_free(port: int, address: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex((address, port)) != 0


def free_port() -> int:
    """A port nothing listens on now (for tests running beside a developer's app)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(port: int = DEFAULT_PORT, address: str = "127.0.0.1", log: Path | None = None) -> RunningApp:
    """Start Streamlit on `address`:`port` in a new process group; output goes to `log` (or
    this terminal)."""
    if not port_is_free(port, address):
        raise LaunchError(f"Port {port} is in use (another app?). Stop it or choose one with --port.")
    out = open(log, "wb") if log else None  # noqa: SIM115  (the child keeps the handle)
    try:
        process = subprocess.Popen(
            command(port, address),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT if out else None,
            start_new_session=True,  # leader of a new process group: see the module docstring
        )
    finally:
        if out:
            out.close()
    host = "localhost" if address in ("127.0.0.1", "0.0.0.0") else address
    return RunningApp(process, f"http://{host}:{port}")


def wait_until_healthy(app: RunningApp, timeout_s: float = START_TIMEOUT_S) -> None:
    """Block until Streamlit answers its health check; stop it and raise if it never does."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if app.process.poll() is not None:
            raise LaunchError(f"Streamlit exited with code {app.process.returncode} before it was ready.")
        try:
            with urllib.request.urlopen(app.url + HEALTH_PATH, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    stop(app)
    raise LaunchError(f"Streamlit did not answer {app.url}{HEALTH_PATH} within {timeout_s:.0f} s.")


def stop(app: RunningApp) -> None:
    """Stop the app's whole process group: SIGTERM, then SIGKILL after a grace period."""
    _signal_group(app.pgid, signal.SIGTERM)
    try:
        app.process.wait(timeout=STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        pass
    _signal_group(app.pgid, signal.SIGKILL)  # anything left in the group (a no-op if empty)
    try:
        app.process.wait(timeout=STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        pass


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass


def sim_app_command(
    port: Annotated[int, typer.Option(help="Port to serve the app on.")] = DEFAULT_PORT,
    address: Annotated[
        str, typer.Option(help="Address to listen on (0.0.0.0 to let a classroom projector's laptop connect).")
    ] = "127.0.0.1",
) -> None:
    """Open the simulator in the browser: sliders for the scenario, live charts and the bill."""
    try:
        app = start(port, address)
    except LaunchError as error:
        console.print(f"[bold red]Error:[/bold red] {error}")
        raise typer.Exit(2) from None
    try:
        wait_until_healthy(app)
        console.print(f"[green]Simulator app:[/] {app.url}  (Ctrl-C stops it)")
        app.process.wait()
    except LaunchError as error:
        console.print(f"[bold red]Error:[/bold red] {error}")
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        pass
    finally:
        stop(app)
