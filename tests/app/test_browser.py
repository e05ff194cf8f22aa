"""Smoke test in a real browser: `p4lab sim-app`'s launcher serves the page, headless Chromium
renders the numbers and charts, and screenshots land in test-artifacts/ for a human to look at:

* ``sim-app.png``          — the Results tab as a 1400×1000 projector shows it;
* ``sim-app-full.png``     — the whole Results tab (every chart and its note);
* ``sim-app-compare.png``  — the Compare tab (Lambda vs EC2 spot);
* ``sim-app-progress.png`` — a 12 h run in progress (runs over an hour show a progress bar);
* ``sim-app-projector.png`` — projector mode (large type on metrics, text and chart axes), spike;
* ``sim-app-scenario.png`` — the Scenario tab: what a scenario changes from the plan.

Chromium is Debian's (the Makefile installs it; here we install it if missing and we are root),
driven through Playwright's ``executable_path`` like tests/sandbox/test_browser_upload.py.
``chromium --headless --screenshot`` alone is not enough: it shoots before Streamlit's
websocket has delivered the page (a blank or skeleton image), whereas Playwright can wait for
the headline numbers and the charts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from simulator.app import launch

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
LOAD_TIMEOUT_MS = 60_000


def chromium() -> str:
    """Debian's chromium, installed on the spot when missing and we may (CI runs as root)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and os.geteuid() == 0:
        subprocess.run(
            "apt-get update -qq && apt-get install -y -qq chromium", shell=True, check=False
        )
        found = shutil.which("chromium")
    if found is None:
        pytest.fail(
            "Chromium is not installed: apt-get install -y chromium (the Makefile does it)."
        )
    return found


def assert_not_blank(path: Path) -> None:
    image = Image.open(path).convert("L")
    assert image.size[0] >= 1000
    assert max(ImageStat.Stat(image).stddev) > 20, f"{path} looks blank"


@pytest.mark.browser
def test_the_app_renders_numbers_and_charts_in_chromium(tmp_path: Path) -> None:
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    executable = chromium()
    ARTIFACTS.mkdir(exist_ok=True)
    app = launch.start(launch.free_port(), log=tmp_path / "streamlit.log")
    try:
        launch.wait_until_healthy(app)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(app.url)
                page.wait_for_selector('[data-testid="stMetricValue"]', timeout=LOAD_TIMEOUT_MS)
                page.wait_for_function(
                    'document.querySelectorAll(\'[data-testid="stVegaLiteChart"] canvas, '
                    '[data-testid="stVegaLiteChart"] svg\').length >= 8',
                    timeout=LOAD_TIMEOUT_MS,
                )
                page.wait_for_timeout(1500)  # let Vega finish drawing
                labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
                assert any("p95 latency" in label for label in labels), labels
                assert not page.locator('[data-testid="stException"]').count()
                page.screenshot(path=str(ARTIFACTS / "sim-app.png"))
                page.set_viewport_size({"width": 1400, "height": 3400})
                page.wait_for_timeout(1000)
                page.screenshot(path=str(ARTIFACTS / "sim-app-full.png"))

                # Projector mode, on the spike: the type grows on metrics, text and chart axes.
                page.get_by_text("Projector mode (large type)").click()
                page.wait_for_timeout(1000)
                page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
                page.get_by_role("option", name="spike").click()
                page.get_by_text("spike · 3 h simulated").wait_for(timeout=LOAD_TIMEOUT_MS)
                page.get_by_text("This 3 h run cost").wait_for(timeout=2 * LOAD_TIMEOUT_MS)
                page.wait_for_timeout(2500)
                value_px = page.locator('[data-testid="stMetricValue"]').first.evaluate(
                    "e => parseFloat(getComputedStyle(e.querySelector('p') || e).fontSize)"
                )
                assert value_px >= 50, value_px
                page.set_viewport_size({"width": 1920, "height": 1080})
                page.wait_for_timeout(1500)
                page.screenshot(path=str(ARTIFACTS / "sim-app-projector.png"))
                page.mouse.move(1750, 700)  # over the notes: not the sidebar, not a chart (it would zoom)
                page.mouse.wheel(0, 1400)
                page.wait_for_timeout(1000)
                page.screenshot(path=str(ARTIFACTS / "sim-app-projector-charts.png"))
                page.get_by_role("tab", name="Scenario").click()
                page.get_by_text("What it changes from the course's plan").wait_for(timeout=LOAD_TIMEOUT_MS)
                page.get_by_text("start_hour: 1.0").first.wait_for(timeout=LOAD_TIMEOUT_MS)
                page.wait_for_timeout(1000)
                page.screenshot(path=str(ARTIFACTS / "sim-app-scenario.png"))
                page.get_by_text("Projector mode (large type)").click()
                page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
                page.get_by_role("option", name="plan").click()
                page.get_by_role("tab", name="Results").click()
                page.get_by_text("plan · 1 h simulated").wait_for(timeout=LOAD_TIMEOUT_MS)

                page.set_viewport_size({"width": 1400, "height": 1600})
                page.get_by_role("tab", name="Compare").click()
                page.get_by_text("Metrics, B against A").wait_for(timeout=LOAD_TIMEOUT_MS)
                page.wait_for_selector('text="B · plan (EC2 spot)"', timeout=LOAD_TIMEOUT_MS)
                page.wait_for_timeout(1500)
                page.screenshot(path=str(ARTIFACTS / "sim-app-compare.png"))

                # A run over an hour shows a progress bar while it runs, then the results.
                page.set_viewport_size({"width": 1400, "height": 1000})
                page.get_by_role("tab", name="Results").click()
                long_run = tmp_path / "plan-12h.yaml"
                long_run.write_text("name: plan-12h\nsimulation:\n  hours: 12\n")
                page.set_input_files('input[type="file"]', str(long_run))
                page.wait_for_selector('[data-testid="stProgress"]', timeout=LOAD_TIMEOUT_MS)
                page.wait_for_timeout(1000)
                assert "% simulated" in page.locator('[data-testid="stProgress"]').inner_text()
                page.screenshot(path=str(ARTIFACTS / "sim-app-progress.png"))
                page.wait_for_selector('[data-testid="stProgress"]', state="detached", timeout=2 * LOAD_TIMEOUT_MS)
                page.get_by_text("plan-12h · 12 h simulated").wait_for(timeout=LOAD_TIMEOUT_MS)
                assert not page.locator('[data-testid="stException"]').count()
            finally:
                browser.close()
    finally:
        launch.stop(app)
    assert app.process.poll() is not None
    with pytest.raises(ProcessLookupError):
        os.killpg(app.pgid, 0)  # the whole group is gone
    for name in ("sim-app.png", "sim-app-full.png", "sim-app-compare.png", "sim-app-projector.png", "sim-app-scenario.png"):
        # (the progress shot is greyed out)
        assert_not_blank(ARTIFACTS / name)
