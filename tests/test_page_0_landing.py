"""AppTest of the landing page: calculator, seed numbers, links to every page, bad links,
and every combination of its two controls (fuzzed, and both ends together)."""

import math

import pytest

from gradviz.numerics import format_sci
from gradviz.products import depth_to_reach, factor_power
from tests.apptest_kit import (
    ROOT,
    all_chart_fields,
    chart_specs,
    exercise_every_control,
    open_page,
    texts,
)
from tests.fuzz_kit import page_machine, walk_extremes
from ui import PAGES

PAGE = "app.py"
KEYS = {"factor", "depth"}


def test_every_control_is_reached_without_exception():
    log = exercise_every_control(PAGE)
    assert log.keys == KEYS
    assert len(log.runs) >= 2 * len(KEYS)


def test_chart_carries_product_and_zones():
    at = open_page(PAGE)
    assert {"layer", "product", "regime", "zone", "y_start", "y_end"} <= all_chart_fields(at)


def test_seed_numbers_are_computed_and_shown():
    at = open_page(PAGE)
    text = texts(at)
    small, large = factor_power(0.25, 10).final, factor_power(2.0, 10).final
    assert small == 9.5367431640625e-07 and large == 1024
    assert "0.25^10 = 9.5367431640625e-07" in text and "2^10 = 1024" in text
    assert at.metric[0].value == format_sci(small, 4)
    assert f"below one millionth at depth {depth_to_reach(0.25, 1e-6)}" in text


def test_calculator_follows_the_controls():
    at = open_page(PAGE, {"factor": "2", "depth": "10"})
    assert at.slider(key="factor").value == 2.0 and at.slider(key="depth").value == 10
    assert at.metric[0].value == "1024"
    assert f"passes a million at depth {depth_to_reach(2.0, 1e6)}" in texts(at)
    at.slider(key="factor").set_value(1.0).run()
    assert "passes the signal unchanged" in texts(at)


def test_underflow_is_reported_and_dropped_from_the_log_chart():
    at = open_page(PAGE, {"factor": "0.05", "depth": "1000"})
    chain = factor_power(0.05, 1000)
    zeros = int((chain.frame["product"] == 0).sum())
    assert zeros > 0
    assert any(f"{zeros} of 1001 layers are not drawn" in c.value for c in at.caption)
    assert any(
        f"underflowed to 0 at layer {chain.breakdown.index + 1}" in w.value for w in at.warning
    )


def test_malformed_link_shows_notice_and_falls_back():
    at = open_page(PAGE, {"depth": "abc", "factor": "0.25", "nope": "1"})
    notice = " ".join(w.value for w in at.warning)
    assert "`depth=abc` is not valid here; using `10`" in notice
    assert "`nope` is not a setting on this page" in notice
    assert at.slider(key="depth").value == 10
    at = open_page(PAGE, {"factor": "99"})
    assert "`factor=99`" in " ".join(w.value for w in at.warning)
    assert at.slider(key="factor").value == 0.25


def test_links_to_every_page_that_exists():
    at = open_page(PAGE)
    files = sorted(p for p in (ROOT / "pages").glob("*.py") if not p.name.startswith("_"))
    links = at.main.get("page_link")
    assert len(links) == len(files) >= 1
    labels = {link.proto.label for link in links}
    assert {
        "Activations",
        "Initialization",
        "Deep chain",
        "RNN & LSTM",
        "Remedies",
        "Your network",
        "Tour",
    } == labels
    captions = " ".join(c.value for c in at.caption)
    assert "saturate" in captions  # the Activations page's "what you will see"


def test_every_page_file_is_in_the_registry_and_the_sidebar_says_home_not_app():
    files = {"app.py"} | {
        f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py") if not p.name.startswith("_")
    }
    assert {page.path for page in PAGES} == files
    for page in PAGES:
        at = open_page(page.path)
        sidebar = [link.proto.label for link in at.sidebar.get("page_link")]
        assert sidebar == [p.label for p in PAGES]
        assert sidebar[0] == "Home"
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    assert "showSidebarNavigation = false" in config  # else Streamlit adds its own "app" list


TestFuzz = page_machine(PAGE, tabs_key=None).TestCase


def test_both_controls_at_their_ends_together():
    assert set(walk_extremes(PAGE, tabs_key=None)) == KEYS


@pytest.mark.parametrize(
    ("factor", "depth", "overflow_layer"),
    [("1.1", "1000", None), ("1.05", "300", None), ("3", "1000", 647), ("2.5", "1000", 775)],
)
def test_large_products_draw_and_say_where_they_left_float64(factor, depth, overflow_layer):
    # Regression: the chart's zone frame got the axis top as a Python int (10**42, 10**309),
    # which Arrow could not convert ("PyLong is too large to fit int64").
    at = open_page(PAGE, {"factor": factor, "depth": depth})
    chain = factor_power(float(factor), int(depth))
    (spec,) = chart_specs(at)
    for layer in spec["layer"]:
        low, high = layer["encoding"]["y"]["scale"]["domain"]
        assert 0 < low <= 1e-3 and 1e3 <= high < math.inf
        assert high >= chain.frame["product"].replace(math.inf, 0).max()
    body = texts(at)
    if overflow_layer is None:
        assert chain.breakdown.ok
        assert f"it is {format_sci(chain.final, 3)} times larger" in body
    else:
        assert chain.breakdown.index + 1 == overflow_layer
        assert f"it would be 10^{chain.log10_magnitude:.1f} times larger" in body
        assert f"the product overflowed to inf at layer {overflow_layer}" in body
        assert at.metric[0].value == "inf (overflow)"
        assert any(f"exploded to inf at layer {overflow_layer}" in w.value for w in at.warning)


def test_underflow_gives_the_exact_size_in_words():
    at = open_page(PAGE, {"factor": "0.05", "depth": "1000"})
    chain = factor_power(0.05, 1000)
    assert round(chain.log10_magnitude, 1) == -1301.0
    body = texts(at)
    assert "after 1000 layers 10^-1301.0 of it would be left" in body
    assert f"underflowed to 0 at layer {chain.breakdown.index + 1}" in body
    assert at.metric[0].value == "0 (underflow)"


def test_crossings_are_strict_and_match_the_drawn_products():
    # Regression: 0.1**6 is 1.0000000000000004e-06 in float64, not below one millionth, and
    # 0.1**1 is not below 0.1; the page used to say "at depth 6" and "at depth 1".
    at = open_page(PAGE, {"factor": "0.1", "depth": "10"})
    products = factor_power(0.1, 10).frame["product"]
    assert products[6] > 1e-6 > products[7] and products[1] == 0.1 > products[2]
    body = texts(at)
    assert "drops below one millionth at depth 7," in body
    assert "below 0.1 (the shaded vanishing zone) at depth 2." in body


def test_crossings_deeper_than_the_chosen_depth_say_so():
    at = open_page(PAGE, {"factor": "1.05", "depth": "10"})
    body = texts(at)
    million, edge = depth_to_reach(1.05, 1e6), depth_to_reach(1.05, 10.0)
    assert (million, edge) == (284, 48)
    assert "passes a million at depth 284 (deeper than the 10 layers shown)" in body
    assert "leaves the stable zone at depth 48 (deeper than the 10 layers shown)" in body
    at.slider(key="depth").set_value(100).run()
    body = texts(at)
    assert "passes a million at depth 284 (deeper than the 100 layers shown)" in body
    assert "leaves the stable zone at depth 48." in body
