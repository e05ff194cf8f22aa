"""The browser upload page, end to end in headless Chromium against the embedded target:
presigned POST from the browser straight to S3 (CORS), the pipeline, then the variants
loaded from the CDN. Leaves a screenshot in test-artifacts/browser-upload.png.

Chromium is Debian's (`make` installs it); Playwright drives it through
``executable_path`` (no `playwright install`). ``--ignore-certificate-errors``: the emulator
serves S3 and CloudFront with its own self-signed certificate.
"""

from __future__ import annotations

import shutil
import socket
import threading
from pathlib import Path

import pytest

from reference import deploy, emulator, targets, webpage

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
STACK = "p4lab-web"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.e2e
@pytest.mark.browser
def test_browser_uploads_and_shows_variants_from_the_cdn(running_emulator: emulator.Emulator) -> None:
    if CHROMIUM is None:
        pytest.fail("Chromium is not installed: apt-get install -y chromium (the Makefile does it).")
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    target = targets.embedded(running_emulator)
    port = _free_port()
    origins = f"http://127.0.0.1:{port},http://localhost:{port}"
    outputs = deploy.deploy(target, STACK, {"CorsAllowedOrigins": origins, "Owner": "browser"}).outputs
    server = webpage.make_server(webpage.UploadApi(target, outputs, "browser"), port=port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--ignore-certificate-errors"],
            )
            try:
                page = browser.new_page(viewport={"width": 1200, "height": 900})
                console = []
                page.on("console", lambda message: console.append(message.text))
                page.goto(f"http://127.0.0.1:{port}/?demo=1")
                page.wait_for_function(
                    "['DONE', 'ERROR', 'FAILED'].includes(document.getElementById('state').dataset.state)",
                    timeout=90_000,
                )
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / "browser-upload.png"), full_page=True)
                state = page.get_attribute("#state", "data-state")
                text = page.inner_text("#state")
                assert state == "DONE", f"{text}\nconsole: {console}"
                assert page.get_attribute("#state", "data-loaded") == "6", text
                widths = page.eval_on_selector_all("#variants img", "imgs => imgs.map(i => i.naturalWidth)")
                sources = page.eval_on_selector_all("#variants img", "imgs => imgs.map(i => i.src)")
                assert len(widths) == 6 and all(w > 0 for w in widths), widths
                assert all(".cloudfront.localhost:" in src for src in sources), sources
                assert max(widths) == 1200  # the generated picture is 1200x800: large keeps it
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
        deploy.destroy(target, STACK)
