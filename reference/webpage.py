"""The browser upload page: `p4lab serve` on http://localhost:8765.

A browser cannot hold AWS credentials, so the page asks this small local server (which holds
yours, like every p4lab command) for an upload slot, then POSTs the file with the presigned
POST it gets back, shows the upload's progress, polls the image's state and shows the
variants from the CDN.

On AWS the bytes never pass through this server: the browser posts straight to S3 and loads
the images from CloudFront, exactly as in a production upload API (the bucket's CORS rule
must allow the page's origin). On an emulator with its own certificate (the embedded
target), a browser would refuse S3 and the CDN until that certificate is trusted, and it
trusts per host: ``127.0.0.1:<port>`` for S3, every ``<id>.cloudfront.localhost:<port>``
for images. So there this server *relays* both, same-origin, over plain http://localhost:
nothing to trust, no warning to click through. The relay is narrow: it forwards an upload
only to a presigned POST it signed itself, and serves only variant paths of this stack's
distribution. It forwards the page's ``Origin`` to S3 and reports when S3's CORS rules
would have refused a browser, so the CORS lesson holds on the emulator too.

Endpoints (JSON unless said):

* ``POST /api/uploads`` ``{"filename", "contentType", "size"}`` -> ``{"imageId", "url", "fields"}``
  via :func:`reference.upload.create_slot` (the signed policy pins key, type and size);
* ``POST /api/uploads/<id>/abandon`` ``{"message"}``: the page gave up before S3 had the
  file (network error, refusal): the slot becomes FAILED (not_uploaded) instead of
  staying PENDING, so `p4lab wait` is not held up by it;
* ``GET /api/images/<id>`` -> the image's state and, when DONE, its variants with URLs;
* ``GET /api/config`` -> owner, limits and whether a CDN exists on this target;
* ``POST /relay/upload/<id>`` (multipart, as to S3) and ``GET /relay/cdn/images/<id>/<file>``:
  the relay, on an emulator only.

The server only answers requests addressed to localhost/127.0.0.1 on its own port, and
refuses cross-origin POSTs: a page on another site (or a DNS-rebinding trick) must not be
able to spend your credentials.

    $ p4lab serve            # then open http://localhost:8765 (add ?demo=1 to auto-upload)

Limitations: one process, threads per request (stdlib ``ThreadingHTTPServer``); meant for
one person on their own machine, never to be exposed on a network.
"""

from __future__ import annotations

import http.client
import json
import re
import ssl
import threading
from decimal import Decimal
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import requests
from botocore.exceptions import BotoCoreError, ClientError

from reference import cdn
from reference.errors import UserError
from reference.handler.store import ImageStore
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
_ABANDON_PATH = re.compile(r"^/api/uploads/([0-9a-f]{32})/abandon$")
_RELAY_UPLOAD_PATH = re.compile(r"^/relay/upload/([0-9a-f]{32})$")
# Variant files are named by the engine: letters, digits, '-', '_', '.'; nothing else is relayed.
_RELAY_CDN_PATH = re.compile(r"^/relay/cdn(/images/[0-9a-f]{32}/[A-Za-z0-9_.-]{1,100})$")
_MAX_BODY = 4096  # the slot request is a few fields; never read more
_FORM_OVERHEAD = 64 * 1024  # the presigned POST's fields around the file
_CHUNK = 256 * 1024
# What the CDN's answer may carry back to the browser.
_CDN_HEADERS = ("Content-Type", "Content-Length", "Cache-Control", "ETag", "Last-Modified", "Vary")


class UploadApi:
    """What the page may do with the deployed stack, independent of HTTP."""

    def __init__(self, target: Target, outputs: dict[str, str], owner: str) -> None:
        self.target = target
        self.outputs = outputs
        self.owner = owner
        self.images = Images(target, outputs)
        self.store = ImageStore(target.resource("dynamodb").Table(outputs["TableName"]))
        # A browser cannot trust an endpoint whose certificate only we hold: relay to it.
        self.relay = target.ca_bundle is not None
        self._slots: dict[str, str] = {}  # image id -> presigned POST URL, for this server's slots
        self._lock = threading.Lock()

    def config(self) -> dict[str, Any]:
        return {
            "owner": self.owner,
            "maxBytes": MAX_UPLOAD_BYTES,
            "contentTypes": sorted(ALLOWED_CONTENT_TYPES),
            "cdn": bool(self.outputs.get("CdnDomainName")),
            "relay": self.relay,
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
        with self._lock:
            self._slots[slot.image_id] = slot.url
        url = f"/relay/upload/{slot.image_id}" if self.relay else slot.url
        return {"imageId": slot.image_id, "url": url, "fields": slot.fields}

    def abandon(self, image_id: str, request: dict[str, Any]) -> dict[str, Any] | None:
        """The page could not upload a slot's file: record it, so nothing waits for it."""
        with self._lock:
            if image_id not in self._slots:
                return None  # not a slot of this server: not ours to give up
        message = str(request.get("message") or "the browser's upload did not complete")[:500]
        changed = self.store.abandon(image_id, f"The browser's upload failed: {message}")
        return {"imageId": image_id, "abandoned": changed}

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
                    "url": self._image_url(domain, path) if domain else None,
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

    def _image_url(self, domain: str, path: str) -> str:
        return f"/relay/cdn{path}" if self.relay else self.target.cdn_public_url(domain, path)

    # ------------------------------------------------------------------ the relay
    def relay_upload(self, image_id: str, headers: dict[str, str], body: BinaryIO, length: int) -> tuple[int, dict[str, str], bytes]:
        """Forward the browser's multipart POST to the slot's presigned URL, streaming it."""
        with self._lock:
            url = self._slots.get(image_id)
        if url is None:
            raise UserError("No upload slot of this page has that id; ask for a slot first.", 2)
        parts = urlsplit(url)
        context = ssl.create_default_context(cafile=self.target.ca_bundle) if parts.scheme == "https" else None
        connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        connection = connection_class(parts.hostname, parts.port, timeout=120, **({"context": context} if context else {}))
        try:
            connection.putrequest("POST", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
            connection.putheader("Content-Type", headers["Content-Type"])
            connection.putheader("Content-Length", str(length))
            if origin := headers.get("Origin"):
                connection.putheader("Origin", origin)  # S3 answers by its CORS rules, as to a browser
            connection.endheaders()
            remaining = length
            while remaining:
                chunk = body.read(min(_CHUNK, remaining))
                if not chunk:
                    raise UserError("The browser stopped sending the file before its end.")
                connection.send(chunk)
                remaining -= len(chunk)
            response = connection.getresponse()
            data = response.read()
            allowed = response.getheader("Access-Control-Allow-Origin")
        finally:
            connection.close()
        extra = {"Content-Type": response.getheader("Content-Type") or "application/xml"}
        if headers.get("Origin") and allowed not in (headers["Origin"], "*"):
            extra["X-P4lab-Cors"] = (
                f"S3's CORS rules do not allow {headers['Origin']}: a browser posting to S3 directly "
                f"(as on AWS) could not read S3's answer. Deploy with -p CorsAllowedOrigins={headers['Origin']}."
            )
        return response.status, extra, data

    def relay_cdn(self, path: str, accept: str) -> tuple[int, dict[str, str], bytes]:
        """One variant through the distribution, with the browser's Accept (WebP negotiation holds)."""
        domain = self.outputs.get("CdnDomainName")
        if not domain:
            raise UserError("This stack has no CDN (EnableCdn=false).", 2)
        base, host = self.target.cdn_address(domain)
        response = requests.get(
            base + path, headers={"Host": host, "Accept": accept}, verify=self.target.verify, timeout=30, allow_redirects=False
        )
        kept = {name: response.headers[name] for name in _CDN_HEADERS if name in response.headers}
        kept.pop("Content-Length", None)  # recomputed for the body we send
        return response.status_code, kept, response.content


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

        def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {"Cache-Control": "no-store"}).items():
                self.send_header(name, value)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            try:
                self.wfile.write(body)
            except ConnectionError:
                pass  # the browser left (a closed tab, an aborted request): nobody to answer

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
            elif api.relay and (match := _RELAY_CDN_PATH.match(path)):
                self._relayed(lambda: api.relay_cdn(match.group(1), self.headers.get("Accept", "*/*")))
            else:
                self._json(HTTPStatus.NOT_FOUND, {"error": f"Nothing at {path}."})

        def do_POST(self) -> None:  # noqa: N802 - stdlib naming
            if not self._host_ok():
                return
            origin = self.headers.get("Origin")
            if origin is not None and origin not in allowed_origins:
                self._json(HTTPStatus.FORBIDDEN, {"error": f"Cross-origin request from {origin} refused."})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if api.relay and (match := _RELAY_UPLOAD_PATH.match(self.path)):
                if not 0 < length <= MAX_UPLOAD_BYTES + _FORM_OVERHEAD:
                    self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": f"The upload is limited to {MAX_UPLOAD_BYTES:,} bytes."})
                    return
                headers = {"Content-Type": self.headers.get("Content-Type", ""), "Origin": origin or ""}
                self._relayed(lambda: api.relay_upload(match.group(1), headers, self.rfile, length))
                return
            abandon = _ABANDON_PATH.match(self.path)
            if self.path != "/api/uploads" and not abandon:
                self._json(HTTPStatus.NOT_FOUND, {"error": f"Nothing to POST at {self.path}."})
                return
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
            if abandon:
                self._guarded(lambda: api.abandon(abandon.group(1), request), missing="Not an upload slot of this page.")
            else:
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

        def _relayed(self, action: Any) -> None:
            """Pass on what S3 or the CDN answered; a JSON error if they could not be reached."""
            try:
                status, headers, body = action()
            except UserError as error:
                self._json(HTTPStatus.BAD_REQUEST, {"error": str(error)})
                return
            except (OSError, requests.RequestException) as error:
                self._json(HTTPStatus.BAD_GATEWAY, {"error": f"The emulator could not be reached: {error}"})
                return
            content_type = headers.pop("Content-Type", "application/octet-stream")
            self._send(status, body, content_type, headers)

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
