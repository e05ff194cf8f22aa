"""The local upload page server: serves the page, answers the API, and refuses to be used
from anywhere but the page itself (it holds the user's AWS credentials)."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from reference import webpage
from reference.errors import UserError


class FakeApi:
    """Stands in for UploadApi: no AWS needed to test the HTTP layer."""

    relay = False  # as on AWS: the browser talks to S3 and the CDN itself

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.abandoned: list[tuple[str, dict]] = []

    def config(self) -> dict[str, Any]:
        return {"owner": "ana", "maxBytes": 10, "contentTypes": ["image/jpeg"], "cdn": True}

    def new_slot(self, request: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(request)
        if request.get("contentType") != "image/jpeg":
            raise UserError("type not accepted")
        return {"imageId": "0" * 32, "url": "https://s3.example/bucket", "fields": {"key": "k"}}

    def image(self, image_id: str) -> dict[str, Any] | None:
        return {"imageId": image_id, "status": "DONE", "variants": []} if image_id == "a" * 32 else None

    def abandon(self, image_id: str, request: dict[str, Any]) -> dict[str, Any] | None:
        if image_id != "0" * 32:
            return None
        self.abandoned.append((image_id, request))
        return {"imageId": image_id, "abandoned": True}


@pytest.fixture()
def server() -> Iterator[tuple[int, FakeApi]]:
    api = FakeApi()
    httpd = webpage.make_server(api, port=0)  # type: ignore[arg-type]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1], api
    finally:
        httpd.shutdown()
        httpd.server_close()


def _request(port: int, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    payload = json.dumps(body).encode() if body is not None else None
    all_headers = {"Host": f"localhost:{port}", **(headers or {})}
    if payload is not None:
        all_headers["Content-Type"] = "application/json"
    connection.request(method, path, body=payload, headers=all_headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    content_type = response.getheader("Content-Type", "")
    return response.status, json.loads(data) if content_type.startswith("application/json") else data.decode()


def test_serves_the_page_and_its_script(server: tuple[int, FakeApi]) -> None:
    port, _ = server
    status, page = _request(port, "GET", "/")
    assert status == 200 and '<script src="/app.js">' in page
    status, script = _request(port, "GET", "/app.js")
    assert status == 200 and "/api/uploads" in script
    assert _request(port, "GET", "/../pyproject.toml")[0] == 404


def test_api_round_trip(server: tuple[int, FakeApi]) -> None:
    port, api = server
    body = {"filename": "a.jpg", "contentType": "image/jpeg", "size": 5}
    status, slot = _request(port, "POST", "/api/uploads", body, {"Origin": f"http://localhost:{port}"})
    assert status == 200 and slot["imageId"] == "0" * 32
    assert api.requests == [body]
    assert _request(port, "GET", f"/api/images/{'a' * 32}")[1]["status"] == "DONE"
    assert _request(port, "GET", f"/api/images/{'b' * 32}")[0] == 404
    assert _request(port, "GET", "/api/images/not-an-id")[0] == 404


def test_user_errors_become_400_with_the_message(server: tuple[int, FakeApi]) -> None:
    port, _ = server
    status, error = _request(port, "POST", "/api/uploads", {"filename": "a.svg", "contentType": "image/svg+xml", "size": 5})
    assert status == 400 and "not accepted" in error["error"]


def test_refuses_cross_origin_posts_and_foreign_hosts(server: tuple[int, FakeApi]) -> None:
    port, api = server
    body = {"filename": "a.jpg", "contentType": "image/jpeg", "size": 5}
    status, error = _request(port, "POST", "/api/uploads", body, {"Origin": "https://evil.example"})
    assert status == 403 and "Cross-origin" in error["error"]
    # DNS rebinding: evil.example resolving to 127.0.0.1 still sends its own Host header.
    status, _ = _request(port, "GET", "/api/config", headers={"Host": f"evil.example:{port}"})
    assert status == 403
    assert api.requests == []


def test_a_failed_upload_gives_its_slot_up(server: tuple[int, FakeApi]) -> None:
    port, api = server
    status, body = _request(port, "POST", f"/api/uploads/{'0' * 32}/abandon", {"message": "network"}, {"Origin": f"http://localhost:{port}"})
    assert status == 200 and body["abandoned"] is True
    assert api.abandoned == [("0" * 32, {"message": "network"})]
    assert _request(port, "POST", f"/api/uploads/{'b' * 32}/abandon", {"message": "x"})[0] == 404


def test_no_relay_where_the_browser_reaches_aws_itself(server: tuple[int, FakeApi]) -> None:
    port, _ = server
    assert _request(port, "GET", f"/relay/cdn/images/{'a' * 32}/large.jpg")[0] == 404
    assert _request(port, "POST", f"/relay/upload/{'a' * 32}", {"x": 1})[0] == 404
