"""Uploads: the small "upload API" a real deployment puts in front of the ingest bucket.

A client never gets write access to the bucket. It asks for an upload slot and receives a
presigned POST whose signed policy pins the key, the content type and a size range, so S3
itself refuses anything else. The slot is also recorded as a PENDING item, so a user sees
the upload before it has been processed.

Here the API runs inside the CLI (and behind the local upload page) with the caller's
credentials; in production it would be a small Lambda behind API Gateway with only
``s3:PutObject`` on the upload prefix and ``dynamodb:PutItem`` on the table.
"""

from __future__ import annotations

import getpass
import mimetypes
import os
import re
import unicodedata
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import requests

from reference.errors import UserError
from reference.handler import keys
from reference.handler.store import ImageStore
from reference.targets import Target

# What the pipeline accepts. The handler still checks the real format from the bytes: a
# client can lie about the type, and S3 only enforces what was signed.
ALLOWED_CONTENT_TYPES = {
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "image/tiff",
    "image/bmp",
    "image/avif",
    "image/heic",
    "application/pdf",
}
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
SLOT_LIFETIME_S = 15 * 60
_MAX_NAME_CHARS = 200
# Uploads in flight at once. Each is a DynamoDB write, a signature and one HTTP POST: mostly
# waiting on the network, so a few threads hide the round trips; more would only queue at S3's
# (or the emulator's) door. `p4lab upload --concurrency` changes it.
DEFAULT_CONCURRENCY = 8


@dataclass(frozen=True)
class UploadSlot:
    image_id: str
    key: str
    url: str
    fields: dict[str, str]


def default_owner() -> str:
    """The uploading user's id: $P4LAB_OWNER, else the login name made key-safe."""
    raw = os.environ.get("P4LAB_OWNER") or getpass.getuser() or "student"
    owner = re.sub(r"[^a-z0-9_-]", "-", raw.lower()).strip("-")[:64] or "student"
    if not keys.OWNER_PATTERN.match(owner):
        owner = "student"
    return owner


def clean_filename(name: str) -> str:
    """Keep the user's name (spaces and accents included) but nothing that breaks a key."""
    name = unicodedata.normalize("NFC", Path(name).name)
    name = "".join(ch for ch in name if ch.isprintable() and ch not in "/\\")
    return name.strip()[:_MAX_NAME_CHARS] or "upload"


def content_type_for(path: Path) -> str:
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


def create_slot(
    target: Target,
    outputs: dict[str, str],
    *,
    owner: str,
    filename: str,
    content_type: str,
) -> UploadSlot:
    """Validate the request, record a PENDING item and sign a POST for exactly this upload."""
    if content_type not in ALLOWED_CONTENT_TYPES:
        allowed = ", ".join(sorted(ALLOWED_CONTENT_TYPES))
        raise UserError(f"{filename!r} has type {content_type}, which is not accepted. Accepted: {allowed}.", 2)
    if not keys.OWNER_PATTERN.match(owner):
        raise UserError(f"Owner {owner!r} must be 1-64 of a-z, 0-9, '-' or '_', starting with a letter or digit.", 2)
    image_id = uuid.uuid4().hex
    name = clean_filename(filename)
    key = keys.upload_key(owner, image_id, name, outputs.get("UploadPrefix", keys.UPLOAD_PREFIX))
    store = ImageStore(target.resource("dynamodb").Table(outputs["TableName"]))
    store.create_pending(image_id=image_id, owner=owner, name=name, upload_key=key, content_type=content_type)
    post = target.client("s3").generate_presigned_post(
        Bucket=outputs["IngestBucketName"],
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[
            {"Content-Type": content_type},
            ["content-length-range", 1, MAX_UPLOAD_BYTES],
        ],
        ExpiresIn=SLOT_LIFETIME_S,
    )
    return UploadSlot(image_id=image_id, key=key, url=post["url"], fields=post["fields"])


def post_file(target: Target, slot: UploadSlot, data: bytes, filename: str, content_type: str) -> None:
    """Send the bytes with the presigned POST, exactly as a browser form would."""
    response = requests.post(
        slot.url,
        data=slot.fields,
        files={"file": (filename, data, content_type)},
        verify=target.verify,
        timeout=120,
    )
    if response.status_code not in (200, 201, 204):
        code = re.search(r"<Code>(.*?)</Code>", response.text)
        message = re.search(r"<Message>(.*?)</Message>", response.text)
        raise UserError(
            f"S3 refused the upload of {filename!r}: HTTP {response.status_code} "
            f"{code.group(1) if code else ''} {message.group(1) if message else ''}".strip()
        )


def check_file(path: Path) -> str | None:
    """What is wrong with uploading ``path`` (missing, empty, too large, a type we refuse), or None."""
    try:
        size = path.stat().st_size if path.is_file() else None
    except OSError as error:
        return f"{path} cannot be read ({error.strerror})"
    if size is None:
        return f"{path} is not a file"
    if size == 0:
        return f"{path} is empty"
    if size > MAX_UPLOAD_BYTES:
        return f"{path} is {size:,} bytes; the limit is {MAX_UPLOAD_BYTES:,}"
    if content_type_for(path) not in ALLOWED_CONTENT_TYPES:
        return f"{path} has type {content_type_for(path)}, which is not accepted (images and PDFs only)"
    return None


def upload_file(target: Target, outputs: dict[str, str], path: Path, owner: str) -> str:
    """Upload one file through a presigned POST; returns the new image id."""
    if problem := check_file(path):
        raise UserError(f"{problem}.", 2)
    data = path.read_bytes()
    content_type = content_type_for(path)
    slot = create_slot(target, outputs, owner=owner, filename=path.name, content_type=content_type)
    post_file(target, slot, data, path.name, content_type)
    return slot.image_id


def upload_files(
    target: Target,
    outputs: dict[str, str],
    paths: list[Path],
    owner: str,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    on_uploaded: Callable[[int, str], None] | None = None,
) -> list[str]:
    """Upload many files, ``concurrency`` at a time; returns their image ids in ``paths`` order.

    Every path is checked before the first byte is sent, so a typo cannot leave half a batch
    uploaded. If an upload fails, the ones not yet started are cancelled, those in flight
    finish, and a UserError says how many went through. ``on_uploaded(index, image_id)`` is
    called for ``paths[index]`` as each one completes (in completion order, on this thread), so
    a caller can still name what was uploaded when a later file fails.

    The threads share the target's clients: boto3 clients are thread-safe, and the table
    resource is used only for its ``put_item`` action, which calls the client.
    """
    problems = [problem for path in paths if (problem := check_file(path))]
    if problems:
        raise UserError("Nothing was uploaded: " + "; ".join(problems) + ".", 2)
    ids: dict[int, str] = {}

    def finished(index: int, image_id: str) -> None:
        ids[index] = image_id
        if on_uploaded:
            on_uploaded(index, image_id)

    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="upload") as pool:
        pending = {pool.submit(upload_file, target, outputs, path, owner): index for index, path in enumerate(paths)}
        failure: BaseException | None = None
        while pending and failure is None:
            done, _ = wait(pending, return_when=FIRST_EXCEPTION)
            for future in done:
                index = pending.pop(future)
                if future.exception() is not None:
                    failure = failure or future.exception()
                else:
                    finished(index, future.result())
        if failure is not None:
            for future in pending:
                future.cancel()
            for future, index in pending.items():  # those already running are let finish
                if not future.cancelled() and future.exception() is None:
                    finished(index, future.result())
            message = str(failure) if isinstance(failure, UserError) else f"{type(failure).__name__}: {failure}"
            raise UserError(f"{len(ids)} of {len(paths)} files were uploaded, then: {message}") from failure
    return [ids[index] for index in range(len(paths))]
