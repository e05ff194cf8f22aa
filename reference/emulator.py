"""Start and stop the embedded MiniStack emulator, and every Lambda worker it spawns.

MiniStack runs Lambda code in worker subprocesses of its own and does not reap them when
it is killed. We therefore start it as the leader of a new process group and always stop
the whole group: the workers inherit the group, so one ``killpg`` removes everything we
started, on success, on error and on Ctrl-C.

Two lifetimes exist:

* ephemeral (``running_emulator()``): ``p4lab demo`` and the tests start one, use it and
  stop it in a ``finally``;
* kept (``p4lab up`` / ``p4lab down``): the group is left running and described in a
  state file, which every other command reads to find the endpoint.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from reference import tls
from reference.errors import UserError

HEALTH_PATH = "/_ministack/health"
START_TIMEOUT_S = 60.0
STOP_GRACE_S = 5.0

# Credentials the emulator accepts as its root user. With AUTH=true anything else is
# rejected and a request without credentials is anonymous, as on AWS.
ROOT_ACCESS_KEY = "test"
ROOT_SECRET_KEY = "test"
REGION = "us-east-1"


@dataclass(frozen=True)
class Emulator:
    """A running MiniStack: where to reach it and which process group to stop."""

    endpoint: str
    port: int
    pgid: int
    log_path: str
    ca_bundle: str  # the certificate clients must trust to talk to this endpoint
    # The emulator's TMPDIR: its pid file and Lambda workers' code live here, not in a shared
    # /tmp where a stale file of another user (or a SIGKILLed run) would be in the way.
    scratch: str = ""

    def is_alive(self) -> bool:
        return _group_exists(self.pgid) and _healthy(self.endpoint, self.ca_bundle)


def state_dir() -> Path:
    """Where `p4lab up` records the running emulator (``P4LAB_STATE_DIR`` overrides)."""
    base = os.environ.get("P4LAB_STATE_DIR") or os.path.join(
        os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state"), "p4lab"
    )
    return Path(base)


def _state_file() -> Path:
    return state_dir() / "embedded.json"


def load_kept() -> Emulator | None:
    """The emulator left running by `p4lab up`, or None (a stale record is removed)."""
    path = _state_file()
    if not path.exists():
        return None
    try:
        emulator = Emulator(**json.loads(path.read_text()))
    except (ValueError, TypeError):
        path.unlink(missing_ok=True)
        return None
    if not emulator.is_alive():
        path.unlink(missing_ok=True)
        return None
    return emulator


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(endpoint: str, ca_bundle: str) -> bool:
    context = ssl.create_default_context(cafile=ca_bundle)
    try:
        with urllib.request.urlopen(endpoint + HEALTH_PATH, timeout=2, context=context) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _emulator_environment(port: int, cert: Path, key: Path, scratch: Path) -> dict[str, str]:
    """The emulator's environment: ours minus anything that could point it at real AWS."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(
        TMPDIR=str(scratch),
        GATEWAY_PORT=str(port),
        AUTH="true",
        # HTTPS, so TLS-only bucket policies hold and CloudFront's redirect-to-https is honoured.
        USE_SSL="1",
        MINISTACK_SSL_CERT=str(cert),
        MINISTACK_SSL_KEY=str(key),
        AWS_ACCESS_KEY_ID=ROOT_ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=ROOT_SECRET_KEY,
        MINISTACK_REGION=REGION,
        LOG_LEVEL=os.environ.get("P4LAB_EMULATOR_LOG_LEVEL", "WARNING"),
        # Fixed-port side listeners would collide when two emulators run at once.
        IOT_MTLS_ENABLED="0",
        SFTP_ENABLED="0",
    )
    return env


def start(*, keep: bool = False) -> Emulator:
    """Start MiniStack on a free loopback port and wait until it answers its health check.

    With ``keep`` the emulator is recorded in the state file for later commands.
    """
    if keep and (existing := load_kept()):
        raise UserError(
            f"An embedded emulator is already running at {existing.endpoint}. "
            "Use it, or stop it first with `p4lab down`."
        )
    port = _free_port()
    log_dir = state_dir()
    log_dir.mkdir(parents=True, exist_ok=True)
    cert, key = tls.ensure_certificate(log_dir)
    log_path = log_dir / f"ministack-{port}.log"
    scratch = log_dir / f"ministack-{port}.tmp"
    shutil.rmtree(scratch, ignore_errors=True)  # a SIGKILLed emulator's leftovers on this port
    scratch.mkdir(mode=0o700)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "ministack"],
            env=_emulator_environment(port, cert, key, scratch),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # leader of a new process group: see module docstring
        )
    emulator = Emulator(
        endpoint=f"https://127.0.0.1:{port}",
        port=port,
        pgid=process.pid,
        log_path=str(log_path),
        ca_bundle=str(cert),
        scratch=str(scratch),
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    while not _healthy(emulator.endpoint, emulator.ca_bundle):
        if process.poll() is not None or time.monotonic() > deadline:
            tail = log_path.read_text(errors="replace")[-2000:]
            stop(emulator)
            raise UserError(f"MiniStack did not start; the end of its log:\n{tail}")
        time.sleep(0.1)
    if keep:
        _state_file().write_text(json.dumps(asdict(emulator)))
    return emulator


def stop(emulator: Emulator) -> None:
    """Stop the emulator's whole process group: SIGTERM, then SIGKILL after a grace period."""
    try:
        os.killpg(emulator.pgid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + STOP_GRACE_S
    while time.monotonic() < deadline and _group_exists(emulator.pgid):
        _reap(emulator.pgid)
        time.sleep(0.05)
    if _group_exists(emulator.pgid):
        try:
            os.killpg(emulator.pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    _reap(emulator.pgid)
    # The log only matters while the emulator runs (a failed start prints its tail first).
    Path(emulator.log_path).unlink(missing_ok=True)
    if emulator.scratch:
        shutil.rmtree(emulator.scratch, ignore_errors=True)
    if (kept := _state_file()).exists():
        try:
            if json.loads(kept.read_text()).get("pgid") == emulator.pgid:
                kept.unlink()
        except ValueError:
            kept.unlink()


def _group_exists(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, but another user's (a stale record whose pgid was reused)
        return True
    return True


def _reap(pgid: int) -> None:
    """Collect the exit status of our direct child, so it does not linger as a zombie."""
    try:
        os.waitpid(pgid, os.WNOHANG)
    except ChildProcessError:
        pass


def group_processes(pgid: int) -> list[int]:
    """PIDs still alive in a process group (used by tests and `p4lab down` to prove cleanup)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # fields[0] is the state, fields[2] the process group; zombies are already dead.
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(entry.name))
    return pids


@contextmanager
def running_emulator() -> Iterator[Emulator]:
    """Use the kept emulator if `p4lab up` started one, else run an ephemeral one.

    An ephemeral emulator is stopped however the block ends, including Ctrl-C and SIGTERM
    (turned into SystemExit so that ``finally`` runs).
    """
    if kept := load_kept():
        yield kept
        return
    previous = signal.signal(signal.SIGTERM, _raise_system_exit)
    emulator = start()
    try:
        yield emulator
    finally:
        stop(emulator)
        signal.signal(signal.SIGTERM, previous)


def _raise_system_exit(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)
