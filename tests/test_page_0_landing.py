"""AppTest of the landing page: calculator, seed numbers, links to every page, bad links."""

from gradviz.numerics import format_sci
from gradviz.products import chain_product, depth_to_reach
from tests.apptest_kit import ROOT, all_chart_fields, exercise_every_control, open_page, texts
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
    small, large = chain_product(0.25, 10).final, chain_product(2.0, 10).final
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
    chain = chain_product(0.05, 1000)
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
    assert {"Activations", "Initialization", "Deep chain", "RNN & LSTM", "Remedies"} == labels
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
