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
import tempfile

import pytest

from tests.browser_kit import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LINK_NOTICE,
    ROOT,
    TIMEOUT_MS,
    assert_no_exception,
    page_paths,
    require_browser,
    streamlit_server,
    visible_chart_count,
    wait_until_rendered,
    watch_next_run,
)

ARTIFACTS = ROOT / "tests" / "artifacts"
PAGES_WITHOUT_CHARTS = {"7_Tour"}  # the tour shows numbers; each step links to its charts

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server():
    """Base URL of a headless ``streamlit run app.py`` on a free loopback port."""
    require_browser()
    try:
        with streamlit_server() as running:
            yield running.base
    except RuntimeError as error:  # it did not start: say why
        pytest.fail(str(error))


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


def slider_values(page) -> list[str]:
    """Current values of the page's sliders, top to bottom (each is an ``<input type=range>``)."""
    return page.locator('[data-testid="stSlider"] input[type="range"]').evaluate_all(
        "els => els.map((e) => e.value)"
    )


@pytest.mark.parametrize(("name", "path"), page_paths())
def test_every_page_and_tab_renders_its_charts(browser_page, server, name, path):
    page = browser_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{server}/{path}")
    wait_until_rendered(page, require_chart=name not in PAGES_WITHOUT_CHARTS)
    assert_no_exception(page, name)
    if name not in PAGES_WITHOUT_CHARTS:
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


STEP_SHOWN_JS = """(title) => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    return [...document.querySelectorAll('h3')].some((h) => h.innerText.trim() === title);
}"""


def wait_for_step(page, step: int) -> None:
    """Until the tour shows step ``step`` and its run has finished."""
    from views.tour import step_title

    page.wait_for_function(STEP_SHOWN_JS, arg=step_title(step), timeout=TIMEOUT_MS)


def walk_the_tour(page, server, query: str, predict_once: bool) -> int:
    """Open the tour with ``query``, click Next through every step, each time checking the
    revealed number; with ``predict_once``, commit one prediction (the first step that asks)
    and check its number appears only after it. Returns how many steps were seen."""
    from views.scenarios import TOUR

    page.goto(f"{server}/Tour?{query}")
    wait_until_rendered(page, require_chart=False)
    predicted = False
    for step, scenario in enumerate(TOUR, start=1):
        wait_for_step(page, step)
        assert_no_exception(page, f"tour step {step}")
        metric = page.locator('[data-testid="stMetricValue"]')
        if scenario.question and "predict=false" not in query:
            assert metric.count() == 0, f"step {step}: the number waits for a prediction"
            if predict_once and not predicted:
                watch_next_run(page)
                page.locator('[data-testid="stRadio"] [role="radiogroup"] label').first.click()
                wait_until_rendered(page, require_chart=False)  # the whole reveal, not its start
                assert page.get_by_text("Your guess", exact=False).count() == 1
                predicted = True
        if metric.count():
            assert metric.first.inner_text().strip() == scenario.check().shown
        if step < len(TOUR):
            page.get_by_role("button", name="Next").click()
    return len(TOUR)


def test_the_tour_walks_every_step_with_one_prediction(browser_page, server):
    from views.scenarios import TOUR

    assert walk_the_tour(browser_page, server, "step=1", predict_once=True) == len(TOUR)
    page = browser_page
    # The last step's link opens its page with the scenario's caption and number.
    page.get_by_text("with these settings").click()
    wait_until_rendered(page, require_chart=False)
    assert page.get_by_text(f"Scenario: {TOUR[-1].title}", exact=False).count() == 1
    assert page.get_by_text(LINK_NOTICE, exact=False).count() == 0


def test_the_tour_in_presenter_mode(browser_page, server):
    from views.scenarios import TOUR

    page = browser_page
    assert walk_the_tour(page, server, "present=1&predict=false", predict_once=False) == len(TOUR)
    size = page.evaluate(
        "() => parseFloat(getComputedStyle(document.querySelector('.stMarkdown p')).fontSize)"
    )
    assert size >= 20, "presenter mode enlarges the type"
    box = page.locator('[data-testid="stSidebar"]').bounding_box()
    assert box is None or box["x"] + box["width"] <= 1, "the sidebar starts collapsed"
