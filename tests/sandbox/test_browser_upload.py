"""The browser upload page, end to end in headless Chromium against the embedded target, with
the browser's certificate checks on (no --ignore-certificate-errors, no ignore_https_errors):
a photo is chosen, its upload shows progress, the pipeline processes it, and the variants are
shown from the emulator's CDN through the page's relay; a file of the wrong type and an
upload that fails on the way are reported, and the failed one leaves no PENDING item.

Screenshots for people to look at: test-artifacts/browser-{idle,uploading,done,wrong-type,
upload-failed}.png. Chromium is Debian's (`make test` installs it; on macOS Google Chrome, or
any Chromium named by CHROMIUM=); Playwright drives it through ``executable_path`` (no
`playwright install`).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from reference import deploy, emulator, samples, targets, webpage
from reference.status import Images

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
STACK = "p4lab-web"
MAC_CHROME = "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"
CHROMIUM = (
    os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    or (MAC_CHROME if Path(MAC_CHROME).exists() else None)
)  # fmt: skip
FINAL = "['DONE', 'ERROR', 'FAILED'].includes(document.getElementById('state').dataset.state)"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def page_server(running_emulator: emulator.Emulator) -> Iterator[tuple[str, targets.Target, dict[str, str]]]:
    """The page on a free port, in front of a stack whose CORS rule allows that port."""
    target = targets.embedded(running_emulator)
    port = _free_port()
    origins = f"http://127.0.0.1:{port},http://localhost:{port}"
    outputs = deploy.deploy(target, STACK, {"CorsAllowedOrigins": origins, "Owner": "browser"}).outputs
    server = webpage.make_server(webpage.UploadApi(target, outputs, "browser"), port=port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}", target, outputs
    finally:
        server.shutdown()
        server.server_close()
        deploy.destroy(target, STACK)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if CHROMIUM is None:
        pytest.fail("Chromium is not installed: `make test` installs it (apt-get install chromium / brew install chromium).")
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    with sync_playwright() as playwright:
        # Certificate checks stay on: nothing here may need the emulator's certificate trusted.
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield launched
        finally:
            launched.close()


def _shot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"browser-{name}.png"), full_page=True)  # type: ignore[attr-defined]


@pytest.mark.e2e
@pytest.mark.browser
def test_upload_with_progress_then_variants_from_the_cdn(page_server, browser, tmp_path: Path) -> None:  # noqa: ANN001
    url, target, outputs = page_server
    photo = tmp_path / "harbour at dusk.jpg"
    samples.photo(2400, 1600, seed=11).save(photo, "JPEG", quality=97)  # ~1-2 MB: progress to watch
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    cdn_types: list[str] = []
    page.on("response", lambda r: cdn_types.append(r.headers.get("content-type", "")) if "/relay/cdn/" in r.url else None)
    page.goto(url)
    page.wait_for_function("document.getElementById('max').textContent === '50\\u00a0MB'")
    _shot(page, "idle")

    # A slow uplink (Chromium's own throttling), so the progress bar has time to be seen.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 600_000})
    page.set_input_files("#file", str(photo))
    page.wait_for_function("Number(document.getElementById('state').dataset.progress || 0) >= 20", timeout=30_000)
    assert page.get_attribute("#state", "data-state") == "UPLOADING"
    progress = page.inner_text("#progress-text")
    assert re.fullmatch(r"\d+(\.\d)?\s(KB|MB) of \d\.\d\sMB \(\d+%\)", progress), progress  # sizes people read
    _shot(page, "uploading")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})

    page.wait_for_function(FINAL, timeout=90_000)
    _shot(page, "done")
    text = page.inner_text("#state")
    assert page.get_attribute("#state", "data-state") == "DONE", f"{text}\nconsole: {console}"
    assert page.get_attribute("#state", "data-loaded") == "6", text
    widths = page.eval_on_selector_all("#variants img", "imgs => imgs.map(i => i.naturalWidth)")
    sources = page.eval_on_selector_all("#variants img", "imgs => imgs.map(i => i.src)")
    assert len(widths) == 6 and all(w > 0 for w in widths), widths
    assert all(src.startswith(f"{url}/relay/cdn/images/") for src in sources), sources
    assert max(widths) == 1600  # the large variant of a 2400 px wide photo
    # Chromium accepts WebP, so the CloudFront Function served WebP at the .jpg URLs.
    assert "image/webp" in cdn_types, cdn_types
    captions = page.inner_text("#variants")
    assert re.search(r"· \d+(\.\d)?\s(KB|MB) ·", captions), captions
    page.close()


@pytest.mark.e2e
@pytest.mark.browser
def test_errors_are_said_plainly_and_a_failed_upload_leaves_no_pending_item(page_server, browser, tmp_path: Path) -> None:  # noqa: ANN001
    url, target, outputs = page_server
    page = browser.new_page(viewport={"width": 1200, "height": 700})
    page.goto(url)
    page.wait_for_function("document.getElementById('max').textContent === '50\\u00a0MB'")

    notes = tmp_path / "notes.txt"
    notes.write_text("not an image")
    page.set_input_files("#file", str(notes))
    page.wait_for_function(FINAL)
    assert page.get_attribute("#state", "data-state") == "ERROR"
    assert "does not accept" in page.inner_text("#state")
    _shot(page, "wrong-type")

    # The upload's connection fails after the slot exists (as with a dropped network).
    page.route("**/relay/upload/*", lambda route: route.abort("connectionreset"))
    photo = tmp_path / "lost.jpg"
    samples.photo(320, 200, seed=3).save(photo, "JPEG")
    page.set_input_files("#file", str(photo))
    page.wait_for_function(FINAL)
    text = page.inner_text("#state")
    assert page.get_attribute("#state", "data-state") == "ERROR" and "could not send the file" in text, text
    assert "is `p4lab serve` still running?" in text and "CorsAllowedOrigins" not in text  # the relay: not CORS
    _shot(page, "upload-failed")
    slot_line = page.inner_text("#log").splitlines()[0]
    image_id = slot_line.split()[1].rstrip(":")
    (item,) = Images(target, outputs).get([image_id])
    assert (item["status"], item["reason"]) == ("FAILED", "not_uploaded"), item
    assert "could not send the file" in item["message"]
    page.close()


@pytest.mark.e2e
def test_the_relay_reports_a_page_origin_s3_would_refuse(page_server) -> None:  # noqa: ANN001
    """A page on a port missing from CorsAllowedOrigins: on AWS the browser could not read S3's
    answer; through the relay the upload works, and the page is told why it would not on AWS."""
    import requests

    _, target, outputs = page_server
    other = webpage.make_server(webpage.UploadApi(target, outputs, "browser"), port=0)
    thread = threading.Thread(target=other.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{other.server_address[1]}"
        data = samples.document(1)
        slot = requests.post(
            f"{base}/api/uploads", json={"filename": "a.pdf", "contentType": "application/pdf", "size": len(data)},
            headers={"Origin": base}, timeout=30,
        ).json()  # fmt: skip
        assert slot["url"] == f"/relay/upload/{slot['imageId']}"
        answer = requests.post(
            base + slot["url"], data=slot["fields"], files={"file": ("a.pdf", data, "application/pdf")},
            headers={"Origin": base}, timeout=30,
        )  # fmt: skip
        assert answer.status_code in (200, 204), answer.text
        assert f"do not allow {base}" in answer.headers["X-P4lab-Cors"] and "CorsAllowedOrigins" in answer.headers["X-P4lab-Cors"]
        # Only slots this server signed are relayed, and only variant paths.
        assert requests.post(f"{base}/relay/upload/{'f' * 32}", data={"a": "b"}, headers={"Origin": base}, timeout=10).status_code == 400
        assert requests.get(f"{base}/relay/cdn/uploads/browser/x", timeout=10).status_code == 404
    finally:
        other.shutdown()
        other.server_close()
