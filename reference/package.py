"""Build the Lambda deployment package: the handler code, plus its dependencies for AWS.

The zip's name carries a hash of its content, so an unchanged handler (and an unchanged
dependency set) produces the same key, the upload is skipped and CloudFormation sees no
change.

Where the dependencies come from depends on the runtime, not on our preference:

* on the embedded emulator the function runs on the interpreter that runs MiniStack, i.e.
  this project's virtualenv (CPython 3.11, x86_64): the zip holds only our code, and wheels
  built for Lambda would not even import there;
* on Lambda (AWS, LocalStack's runtime containers) the function runs on Amazon Linux with
  CPython 3.12 for ``arm64`` or ``x86_64``: the zip must carry manylinux wheels for exactly
  that platform. ``pip install --platform ... --only-binary=:all:`` fetches them on any
  machine, so a student on macOS or Windows builds the same zip as CI.

boto3 is *not* bundled: the Lambda runtime provides it, and bundling it would add ~20 MB.

    >>> from reference import package
    >>> build = package.build(bundle_dependencies=True, architecture="arm64")  # doctest: +SKIP
    >>> build.key  # doctest: +SKIP
    'functions/processor-arm64-3f1c...zip'

Limitations: the wheels are resolved against PyPI at build time within the version ranges of
``pyproject.toml``; a new release inside a range gives a new zip (and a new key), which is
what you want for security fixes but means two builds a month apart may differ.
"""

from __future__ import annotations

import hashlib
import io
import os
import platform
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from reference.errors import UserError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HANDLER_PACKAGE = Path(__file__).resolve().parent / "handler"
PYPROJECT = PROJECT_ROOT / "pyproject.toml"
# A fixed timestamp keeps the bytes, hence the hash, identical between builds.
_EPOCH = (2020, 1, 1, 0, 0, 0)

Architecture = Literal["arm64", "x86_64"]
ARCHITECTURES: tuple[Architecture, ...] = ("arm64", "x86_64")
LAMBDA_PYTHON = "3.12"  # must match `Runtime: python3.12` in the template
# This interpreter's version: a bundle built for it can be run here, to prove it complete.
HOST_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
# Lambda's quota for a function and its layers, unzipped (the 50 MB zipped quota applies only
# to direct uploads; we upload through S3). 250 MB in AWS's documentation = 262,144,000 bytes.
UNZIPPED_LIMIT_BYTES = 262_144_000

# The handler's runtime dependencies, by distribution name; their version ranges are read
# from pyproject.toml so there is one place to change them. boto3/botocore are absent on
# purpose: the runtime provides them.
RUNTIME_DISTRIBUTIONS = (
    "aws-lambda-powertools",
    "pillow",
    "pypdfium2",
    "pdf2image",
    "pydantic",
    "pydantic-settings",
)
# Platform tags pip may pick, newest first. Lambda's Amazon Linux 2023 has glibc 2.34.
_PLATFORMS: dict[Architecture, tuple[str, ...]] = {
    "arm64": ("manylinux_2_28_aarch64", "manylinux2014_aarch64"),
    "x86_64": ("manylinux_2_28_x86_64", "manylinux2014_x86_64"),
}
# Never shipped: bytecode is rebuilt by the runtime, and the runtime brings its own AWS SDK.
_EXCLUDED_TOP_LEVEL = {"boto3", "botocore", "s3transfer", "bin", "__pycache__"}


@dataclass(frozen=True)
class Package:
    """A built zip and what identifies it."""

    data: bytes
    sha256: str
    architecture: Architecture | None = None  # None: code only (dependencies from the runtime)
    unzipped_bytes: int = 0

    @property
    def key(self) -> str:
        flavour = self.architecture or "code"
        return f"functions/processor-{flavour}-{self.sha256[:20]}.zip"


def runtime_requirements(pyproject: Path = PYPROJECT) -> list[str]:
    """The handler's requirement strings (name + version range) from pyproject.toml."""
    declared = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    wanted = {name: None for name in RUNTIME_DISTRIBUTIONS}
    for requirement in declared:
        name = re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower()
        if name in wanted:
            wanted[name] = requirement
    missing = [name for name, requirement in wanted.items() if requirement is None]
    if missing:
        raise UserError(f"pyproject.toml does not declare the handler dependencies {missing}.")
    return [requirement for requirement in wanted.values() if requirement]


def cache_dir() -> Path:
    """Where installed Lambda dependencies are kept between builds (``P4LAB_CACHE_DIR`` overrides).

    A cache, not state: deleting it only costs one download. It is outside the emulator's
    state directory so that tests, which isolate that directory, still reuse it.
    """
    base = os.environ.get("P4LAB_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "p4lab"
    )
    return Path(base) / "lambda-deps"


def host_architecture() -> Architecture:
    """This machine's CPU as Lambda names it (LocalStack's containers and the bundle test run on it)."""
    return "arm64" if platform.machine().lower() in ("arm64", "aarch64") else "x86_64"


def dependencies_dir(
    architecture: Architecture, requirements: list[str] | None = None, python_version: str = LAMBDA_PYTHON
) -> Path:
    """A directory with the dependencies installed for Lambda's platform; built once, then reused.

    The directory name hashes the requirement set, architecture and Python version, so a
    change to any of them installs afresh and an unchanged set costs nothing.
    ``python_version`` is Lambda's unless a test builds the same bundle for this interpreter.
    """
    if architecture not in _PLATFORMS:
        raise UserError(f"Architecture {architecture!r} is not one of {', '.join(ARCHITECTURES)}.", 2)
    requirements = requirements or runtime_requirements()
    digest = hashlib.sha256("\n".join([architecture, python_version, *sorted(requirements)]).encode()).hexdigest()
    target = cache_dir() / f"{architecture}-py{python_version}-{digest[:16]}"
    if (target / ".complete").exists():
        return target
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    command = [
        sys.executable, "-m", "pip", "install",
        "--quiet", "--disable-pip-version-check", "--no-warn-conflicts",
        "--only-binary=:all:", "--implementation", "cp",
        "--python-version", python_version,
        *[arg for platform in _PLATFORMS[architecture] for arg in ("--platform", platform)],
        "--target", str(staging),
        *requirements,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PIP_NO_INPUT": "1"})
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise UserError(
            f"Could not fetch the Lambda dependencies for {architecture} (python{python_version}).\n"
            f"pip said:\n{result.stderr.strip()[-2000:]}\n"
            "Check your network access to PyPI, or that every dependency publishes a manylinux wheel."
        )
    for name in _EXCLUDED_TOP_LEVEL:
        shutil.rmtree(staging / name, ignore_errors=True)
    (staging / ".complete").write_text("\n".join(requirements) + "\n")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target


def _handler_files() -> list[tuple[Path, str]]:
    files = [(PROJECT_ROOT / "reference" / "__init__.py", "reference/__init__.py")]
    for path in sorted(HANDLER_PACKAGE.rglob("*.py")):
        files.append((path, path.relative_to(PROJECT_ROOT).as_posix()))
    return files


def _dependency_files(directory: Path) -> list[tuple[Path, str]]:
    files = []
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory)
        if not path.is_file() or path.name == ".complete" or "__pycache__" in relative.parts:
            continue
        if path.suffix == ".pyc":
            continue
        files.append((path, relative.as_posix()))
    return files


def _add(archive: zipfile.ZipFile, path: Path, name: str) -> int:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    # Keep the executable bit (shared libraries, bundled helpers); everything else 0644.
    mode = 0o755 if os.access(path, os.X_OK) else 0o644
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    data = path.read_bytes()
    archive.writestr(info, data)
    return len(data)


def build(
    *, bundle_dependencies: bool = False, architecture: Architecture = "arm64", python_version: str = LAMBDA_PYTHON
) -> Package:
    """Zip the handler package deterministically, with Lambda-platform wheels if asked.

    ``python_version`` chooses the wheels' Python (Lambda's by default; :data:`HOST_PYTHON`
    builds a bundle this machine can run, which is how the tests prove a bundle complete).
    Raises UserError if the unzipped package exceeds Lambda's 250 MB quota: AWS would refuse
    it only at deploy time, minutes later, with a less helpful message.
    """
    files = _handler_files()
    if bundle_dependencies:
        deps = dependencies_dir(architecture, python_version=python_version)
        ours = {name for _, name in files}
        files += [(path, name) for path, name in _dependency_files(deps) if name not in ours]
    buffer = io.BytesIO()
    unzipped = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, name in files:
            unzipped += _add(archive, path, name)
    if unzipped > UNZIPPED_LIMIT_BYTES:
        raise UserError(
            f"The function package is {unzipped / 1e6:.1f} MB unzipped; Lambda allows "
            f"{UNZIPPED_LIMIT_BYTES / 1e6:.1f} MB. Remove a dependency or move it to a container image."
        )
    data = buffer.getvalue()
    return Package(
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        architecture=architecture if bundle_dependencies else None,
        unzipped_bytes=unzipped,
    )
