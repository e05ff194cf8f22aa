"""What the engine hands back: encoded variants and a metadata dict ready for DynamoDB."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EXTENSIONS = {"jpeg": "jpg", "webp": "webp"}
CONTENT_TYPES = {"jpeg": "image/jpeg", "webp": "image/webp"}


@dataclass(frozen=True)
class Variant:
    """One encoded output. `filename` is deterministic so a retry overwrites, never duplicates."""

    name: str
    format: str
    width: int
    height: int
    content_type: str
    data: bytes = field(repr=False)

    @property
    def filename(self) -> str:
        """`large.jpg`, `page-0003-thumbnail.webp`, …: the last part of the S3 key."""
        return f"{self.name}.{EXTENSIONS[self.format]}"

    def describe(self) -> dict[str, Any]:
        """The variant as it appears in the item's `variants` list (no pixel data)."""
        return {
            "name": self.name,
            "format": self.format,
            "filename": self.filename,
            "content_type": self.content_type,
            "width": self.width,
            "height": self.height,
            "bytes": len(self.data),
        }


@dataclass
class Result:
    """`metadata` holds only str/int/bool/None/list/dict (no floats) so it is both JSON and a
    valid DynamoDB item body without conversion."""

    kind: str
    variants: list[Variant]
    metadata: dict[str, Any]
