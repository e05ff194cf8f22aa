"""Build the Lambda deployment package: the handler code, zipped reproducibly.

The zip's name carries a hash of its content, so an unchanged handler produces the same
key, the upload is skipped and CloudFormation sees no change.

On the emulator the function's dependencies (Pillow, Powertools, ...) come from the
interpreter that runs MiniStack, i.e. this project's virtualenv. On AWS they must be
inside the zip as manylinux wheels for the function's architecture.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HANDLER_PACKAGE = Path(__file__).resolve().parent / "handler"
# A fixed timestamp keeps the bytes, hence the hash, identical between builds.
_EPOCH = (2020, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Package:
    data: bytes
    sha256: str

    @property
    def key(self) -> str:
        return f"functions/processor-{self.sha256[:20]}.zip"


def _handler_files() -> list[tuple[Path, str]]:
    files = [(PROJECT_ROOT / "reference" / "__init__.py", "reference/__init__.py")]
    for path in sorted(HANDLER_PACKAGE.rglob("*.py")):
        files.append((path, path.relative_to(PROJECT_ROOT).as_posix()))
    return files


def build() -> Package:
    """Zip the handler package (``reference/handler``) deterministically."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, name in _handler_files():
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    data = buffer.getvalue()
    return Package(data=data, sha256=hashlib.sha256(data).hexdigest())
