"""Browser tests: ``streamlit run app.py`` in headless Chromium, the way a visitor sees it.

Every page under ``pages/`` (found on disk, so pages added later are covered) and every tab of
it is opened; its Vega charts must render and no Streamlit exception may show. A screenshot of
each view goes to ``tests/artifacts/``. ``UPDATE_SCREENSHOT=1`` also refreshes
``docs/screenshot.png`` from the landing page.

Needs Debian's Chromium at ``/usr/bin/chromium``, driven by Playwright's Python package (no
browser is downloaded). Without it the tests skip, except with ``CI=true``, where they fail.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IN_CI = os.environ.get("CI", "").lower() == "true"
TIMEOUT_MS = 90_000

pytestmark = pytest.mark.browser


def _require_browser() -> None:
    reason = None
    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "Playwright's Python package is not installed (pip install playwright)"
    if reason:
        if IN_CI:
            pytest.fail(f"CI=true but the browser tests cannot run: {reason}")
        pytest.skip(reason)


def page_paths() -> list[tuple[str, str]]:
    """``(name, url path)`` of the landing page and of every page file under ``pages/``, with
    Streamlit's URL rule: the file stem without its numeric prefix (``3_Deep_chain.py`` ->
    ``Deep_chain``)."""
    found = [("landing", "")]
    for path in sorted(
        (ROOT / "pages").glob("*.py"),
        key=lambda p: (int(m.group()) if (m := re.match(r"\d+", p.stem)) else 10**9, p.name),
    ):
        if not path.name.startswith("_"):
            found.append((path.stem, re.sub(r"^\d+[_ -]*", "", path.stem)))
    return found


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """Base URL of a headless ``streamlit run app.py`` on a free loopback port."""
    _require_browser()
    port = _free_port()
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless=true",
            f"--server.port={port}",
            "--server.address=127.0.0.1",
            "--server.fileWatcherType=none",
            "--browser.gatherUsageStats=false",
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"streamlit exited with {proc.returncode}:\n{log.read()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                    if response.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("streamlit did not answer /_stcore/health within 90 s")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        log.close()
        os.unlink(log.name)


@pytest.fixture(scope="module")
def browser_page(server):
    """A Playwright page in Debian's Chromium with a fresh user-data directory."""
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="gradviz-chromium-")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            yield page
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


APP = '[data-testid="stApp"]'


def wait_until_rendered(page, require_chart: bool = True) -> None:
    """Wait until the script run has finished and every visible Vega chart has drawn.

    ``stApp`` carries Streamlit's ``data-test-script-state`` ("initial", "running",
    "notRunning"). The chart element is itself the ``.vega-embed`` container; Vega draws into a
    ``<canvas>`` or an ``<svg class="marks">`` inside it. Every page of the app opens on a view
    with at least one chart, so there (``require_chart``) a view with none is not finished.
    After :func:`watch_next_run` this also waits for that run to have started.
    """
    page.wait_for_selector(APP)
    page.wait_for_function(
        """(requireChart) => {
            const app = document.querySelector('[data-testid="stApp"]');
            if (window.__gradvizWatching && !window.__gradvizSawRun) return false;
            if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
            if (document.querySelector('[data-testid="stSpinner"]')) return false;
            const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
                .filter((c) => c.offsetParent !== null);
            const drawn = charts.every((c) => c.querySelector('canvas, svg.marks'));
            return (charts.length > 0 || !requireChart) && drawn;
        }""",
        arg=require_chart,
        timeout=TIMEOUT_MS,
    )
    page.wait_for_timeout(400)  # Vega's own transitions, before a screenshot
    page.evaluate("() => { window.__gradvizWatching = false; }")


def watch_next_run(page) -> None:
    """Record when the next script run starts, so :func:`wait_until_rendered` cannot mistake
    the state before a click for the state after it."""
    page.evaluate(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            window.__gradvizWatching = true;
            window.__gradvizSawRun = false;
            new MutationObserver(() => {
                if (app.getAttribute('data-test-script-state') === 'running') {
                    window.__gradvizSawRun = true;
                }
            }).observe(app, { attributes: true, attributeFilter: ['data-test-script-state'] });
        }"""
    )


def visible_chart_count(page) -> int:
    return page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
            .filter((c) => c.offsetParent !== null &&
                           c.querySelector('canvas, svg.marks')).length"""
    )


def slider_values(page) -> list[str]:
    """Current values of the page's sliders, top to bottom (each is an ``<input type=range>``)."""
    return page.locator('[data-testid="stSlider"] input[type="range"]').evaluate_all(
        "els => els.map((e) => e.value)"
    )


def assert_no_exception(page, where: str) -> None:
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, f"{where}: {errors.first.inner_text()[:2000]}"


@pytest.mark.parametrize(("name", "path"), page_paths())
def test_every_page_and_tab_renders_its_charts(browser_page, server, name, path):
    page = browser_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{server}/{path}")
    wait_until_rendered(page)
    assert_no_exception(page, name)
    assert visible_chart_count(page) > 0, f"{name}: no chart rendered"
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    if name == "landing" and os.environ.get("UPDATE_SCREENSHOT") == "1":
        # The app scrolls inside its own container, so a taller window shows the whole page.
        page.set_viewport_size({"width": 1400, "height": 1350})
        wait_until_rendered(page)
        page.screenshot(path=str(ROOT / "docs" / "screenshot.png"))
        page.set_viewport_size({"width": 1400, "height": 1000})
    tabs = page.locator('[data-testid="stTabs"] [role="tab"]')
    for index in range(1, tabs.count()):
        tab = tabs.nth(index)
        label = tab.inner_text().strip()
        watch_next_run(page)
        tab.click()
        wait_until_rendered(page, require_chart=False)
        assert_no_exception(page, f"{name} tab {label!r}")
        slug = re.sub(r"\W+", "_", label).strip("_")
        page.screenshot(path=str(ARTIFACTS / f"{name}__{slug}.png"), full_page=True)


def test_shared_link_reproduces_slider_values(browser_page, server):
    page = browser_page
    page.goto(f"{server}/?factor=2&depth=10")
    wait_until_rendered(page)
    values = slider_values(page)
    assert values == ["2", "10"]
    assert page.locator('[data-testid="stMetricValue"]').first.inner_text().strip() == "1024"
    assert page.get_by_text("is not valid here").count() == 0


def test_malformed_link_shows_the_notice(browser_page, server):
    page = browser_page
    page.goto(f"{server}/?depth=abc")
    wait_until_rendered(page)
    notice = page.get_by_text("`depth=abc`", exact=False)
    if notice.count() == 0:  # markdown renders the backticks as <code>
        notice = page.get_by_text("is not valid here", exact=False)
    assert notice.count() >= 1
    values = slider_values(page)
    assert values[1] == "10"
    assert_no_exception(page, "landing with ?depth=abc")


def test_your_network_shows_a_sample_and_names_a_malformed_paste(browser_page, server):
    from urllib.parse import urlencode

    page = browser_page
    page.goto(f"{server}/Your_network?" + urlencode({"sample": "healthy: 10-layer ReLU + He init"}))
    wait_until_rendered(page)
    assert_no_exception(page, "Your network, healthy sample")
    assert visible_chart_count(page) >= 3
    assert page.get_by_text("Neither vanishing nor exploding").count() == 1
    page.goto(f"{server}/Your_network?" + urlencode({"paste": "step,name,grad_norm\n0,a,abc\n"}))
    wait_until_rendered(page, require_chart=False)
    assert_no_exception(page, "Your network, malformed paste")
    assert page.get_by_text("Row 2, column", exact=False).count() == 1
    assert visible_chart_count(page) == 0
