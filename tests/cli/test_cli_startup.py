"""`p4lab` answers at once: --help, --version and tab completion load no heavy library.

Wall time on a shared machine is noisy, so the regression that matters (a command module
importing boto3, numpy, SimPy or Pillow at the top) is caught by what `import p4lab.cli`
loads; the wall-time bound is only a generous backstop.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

P4LAB = str(Path(sys.executable).parent / "p4lab")
# Each costs 0.1-1 s to import; a command imports them when it runs, never at startup.
HEAVY = ("boto3", "botocore", "numpy", "simpy", "PIL", "matplotlib", "chaoslib", "chaostoolkit",
         "streamlit", "pandas", "altair", "pypdfium2", "ministack", "cfnlint", "requests", "cryptography")  # fmt: skip


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([P4LAB, *args], capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})})


def test_building_every_command_imports_no_heavy_library() -> None:
    code = (
        "import json, sys; from p4lab import cli; cli.command(); "
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({list(HEAVY)!r}))))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(loaded.stdout) == [], "imported at startup; import them inside the command instead"


def test_help_answers_quickly() -> None:
    _run("--help")  # warm the file cache
    started = time.perf_counter()
    result = _run("--help")
    seconds = time.perf_counter() - started
    assert result.returncode == 0 and "Usage: p4lab" in result.stdout
    # 0.2-0.3 s here on a quiet machine; eager imports of boto3 + the engine made it 2 s.
    assert seconds < 1.5, f"p4lab --help took {seconds:.2f} s"


def test_version() -> None:
    result = _run("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("p4lab ") and result.stdout.split()[1][0].isdigit(), result.stdout


def test_tab_completion_completes_commands_and_options() -> None:
    script = _run("--show-completion", "bash")
    assert script.returncode == 0 and "_P4LAB_COMPLETE" in script.stdout and "complete" in script.stdout
    commands = _run(env={"_P4LAB_COMPLETE": "complete_bash", "COMP_WORDS": "p4lab de", "COMP_CWORD": "1"})
    assert set(commands.stdout.split()) >= {"deploy", "destroy", "demo"}, commands.stdout + commands.stderr
    targets = _run(env={"_P4LAB_COMPLETE": "complete_bash", "COMP_WORDS": "p4lab deploy --target ", "COMP_CWORD": "3"})
    assert set(targets.stdout.split()) == {"embedded", "localstack", "aws"}, targets.stdout + targets.stderr
