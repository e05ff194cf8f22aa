"""The browser upload page: `p4lab serve` on http://localhost:8765.

A browser cannot hold AWS credentials, so the page asks this small local server (which holds
yours, like every p4lab command) for an upload slot, then POSTs the file *directly to S3*
with the presigned POST it gets back: the bytes never pass through this server, exactly as
in a production upload API. The page then polls the image's state and shows the variants
from the CDN.

Endpoints (JSON):

* ``POST /api/uploads`` ``{"filename", "contentType", "size"}`` -> ``{"imageId", "url", "fields"}``
  via :func:`reference.upload.create_slot` (the signed policy pins key, type and size);
* ``GET /api/images/<id>`` -> the image's state and, when DONE, its variants with CDN URLs;
* ``GET /api/config`` -> owner, limits and whether a CDN exists on this target.

The server only answers requests addressed to localhost/127.0.0.1 on its own port, and
refuses cross-origin POSTs: a page on another site (or a DNS-rebinding trick) must not be
able to spend your credentials.

    $ p4lab serve            # then open http://localhost:8765 (add ?demo=1 to auto-upload)

Limitations: one process, threads per request (stdlib ``ThreadingHTTPServer``); meant for
one person on their own machine, never to be exposed on a network.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from reference import cdn
from reference.errors import UserError
from reference.status import Images
from reference.targets import Target
from reference.upload import ALLOWED_CONTENT_TYPES, MAX_UPLOAD_BYTES, create_slot

WEB_DIR = Path(__file__).resolve().parent / "web"
DEFAULT_PORT = 8765  # the template's CorsAllowedOrigins default names this port
_STATIC = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/index.html": ("index.html", "text/html; charset=utf-8"),
    "/app.js": ("app.js", "text/javascript; charset=utf-8"),
}
_IMAGE_PATH = re.compile(r"^/api/images/([0-9a-f]{32})$")
_MAX_BODY = 4096  # the slot request is a few fields; never read more


class UploadApi:
    """What the page may do with the deployed stack, independent of HTTP."""

    def __init__(self, target: Target, outputs: dict[str, str], owner: str) -> None:
        self.target = target
        self.outputs = outputs
        self.owner = owner
        self.images = Images(target, outputs)

    def config(self) -> dict[str, Any]:
        return {
            "owner": self.owner,
            "maxBytes": MAX_UPLOAD_BYTES,
            "contentTypes": sorted(ALLOWED_CONTENT_TYPES),
            "cdn": bool(self.outputs.get("CdnDomainName")),
        }

    def new_slot(self, request: dict[str, Any]) -> dict[str, Any]:
        filename = str(request.get("filename") or "")
        content_type = str(request.get("contentType") or "")
        size = request.get("size")
        if not filename:
            raise UserError("filename is required.", 2)
        if not isinstance(size, int) or not 0 < size <= MAX_UPLOAD_BYTES:
            raise UserError(f"size must be between 1 and {MAX_UPLOAD_BYTES} bytes (got {size!r}).", 2)
        slot = create_slot(self.target, self.outputs, owner=self.owner, filename=filename, content_type=content_type)
        return {"imageId": slot.image_id, "url": slot.url, "fields": slot.fields}

    def image(self, image_id: str) -> dict[str, Any] | None:
        items = self.images.get([image_id])
        if not items:
            return None
        item = items[0]
        domain = self.outputs.get("CdnDomainName")
        variants = []
        for variant in item.get("variants", []) if item.get("status") == "DONE" else []:
            path = cdn.variant_path(image_id, variant["filename"])
            variants.append(
                {
                    "name": variant.get("name"),
                    "format": variant.get("format"),
                    "width": _plain(variant.get("width")),
                    "height": _plain(variant.get("height")),
                    "bytes": _plain(variant.get("bytes")),
                    "url": self.target.cdn_public_url(domain, path) if domain else None,
                }
            )
        return {
            "imageId": image_id,
            "name": item.get("name"),
            "status": item.get("status"),
            "reason": item.get("reason"),
            "message": item.get("message"),
            "variants": variants,
        }


def _plain(value: Any) -> Any:
    """DynamoDB numbers arrive as Decimal, which json cannot encode."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _handler_class(api: UploadApi, port: int) -> type[BaseHTTPRequestHandler]:
    allowed_hosts = {f"localhost:{port}", f"127.0.0.1:{port}"}
    allowed_origins = {f"http://{host}" for host in allowed_hosts}

    class Handler(BaseHTTPRequestHandler):
        server_version = "p4lab-upload-page"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            return  # quiet: the page shows progress; errors are answered as JSON

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, payload: Any) -> None:
            self._send(status, json.dumps(payload).encode(), "application/json")

        def _host_ok(self) -> bool:
            if self.headers.get("Host") not in allowed_hosts:
                self._json(HTTPStatus.FORBIDDEN, {"error": "This server only answers on localhost."})
                return False
            return True

        def do_GET(self) -> None:  # noqa: N802 - stdlib naming
            if not self._host_ok():
                return
            path = self.path.split("?", 1)[0]
            if path in _STATIC:
                name, content_type = _STATIC[path]
                self._send(HTTPStatus.OK, (WEB_DIR / name).read_bytes(), content_type)
            elif path == "/api/config":
                self._json(HTTPStatus.OK, api.config())
            elif match := _IMAGE_PATH.match(path):
                self._guarded(lambda: api.image(match.group(1)), missing="No such image.")
            else:
                self._json(HTTPStatus.NOT_FOUND, {"error": f"Nothing at {path}."})

        def do_POST(self) -> None:  # noqa: N802 - stdlib naming
            if not self._host_ok():
                return
            origin = self.headers.get("Origin")
            if origin is not None and origin not in allowed_origins:
                self._json(HTTPStatus.FORBIDDEN, {"error": f"Cross-origin request from {origin} refused."})
                return
            if self.path != "/api/uploads":
                self._json(HTTPStatus.NOT_FOUND, {"error": f"Nothing to POST at {self.path}."})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if not 0 < length <= _MAX_BODY:
                self._json(HTTPStatus.BAD_REQUEST, {"error": "Send a small JSON body: filename, contentType, size."})
                return
            try:
                request = json.loads(self.rfile.read(length))
            except ValueError:
                self._json(HTTPStatus.BAD_REQUEST, {"error": "The body is not JSON."})
                return
            if not isinstance(request, dict):
                self._json(HTTPStatus.BAD_REQUEST, {"error": "The body must be a JSON object."})
                return
            self._guarded(lambda: api.new_slot(request))

        def _guarded(self, action: Any, missing: str = "") -> None:
            """Answer with the action's result, or a JSON error the page can show."""
            try:
                result = action()
            except UserError as error:
                self._json(HTTPStatus.BAD_REQUEST, {"error": str(error)})
                return
            except (ClientError, BotoCoreError) as error:
                self._json(HTTPStatus.BAD_GATEWAY, {"error": f"AWS refused: {error}"})
                return
            if result is None:
                self._json(HTTPStatus.NOT_FOUND, {"error": missing})
            else:
                self._json(HTTPStatus.OK, result)

    return Handler


def make_server(api: UploadApi, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> ThreadingHTTPServer:
    """A server bound to ``host:port`` (port 0 picks a free one, for tests)."""
    try:
        server = ThreadingHTTPServer((host, port), _handler_class(api, port))
    except OSError as error:
        raise UserError(f"Cannot listen on {host}:{port} ({error.strerror}); is `p4lab serve` already running?") from None
    if port == 0:  # the real port is known only now; the Host check needs it
        server.RequestHandlerClass = _handler_class(api, server.server_address[1])
    server.daemon_threads = True
    return server
