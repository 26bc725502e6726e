"""AppTest of the Activations page, used the way a person would."""

import pytest

from gradviz.activations import get_activation
from gradviz.numerics import format_sci
from gradviz.products import exact_fraction_above, uniform_products
from gradviz.saturation import expected_slope, saturated_fraction
from gradviz.zigzag import compare_paths
from tests.apptest_kit import all_chart_fields, exercise_every_control, open_page
from tests.fuzz_kit import page_machine, walk_extremes

PAGE = "pages/1_Activations.py"
PARAM_KEYS = {"leaky_relu_alpha", "rrelu_lower", "rrelu_upper", "prelu_alpha", "elu_alpha"}
KEYS = {
    "act",
    "sat",
    *PARAM_KEYS,
    "xrange",
    "max_depth",
    "free",
    "mu",
    "s",
    "n",
    "trials",
    "thr",
    "seed",
    "pos",
    "w1",
    "w2",
    "lr",
    "steps",
}
TABS = ["Curves", "Properties", "Depth", "Saturation", "Random products", "Zero-centred"]


def text(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def open_tab(tab: str, **query) -> object:
    return open_page(PAGE, {"tab": tab, **query})


@pytest.mark.slow
def test_every_control_on_every_tab_is_reached_without_exception():
    log = exercise_every_control(PAGE, tabs_key="tab")
    assert log.keys == KEYS
    assert {tab for tab, _, _ in log.runs} == set(TABS) - {"Properties"}


@pytest.mark.parametrize(
    ("tab", "fields"),
    [
        ("Curves", {"x", "f", "slope", "activation", "x_start", "x_end", "peak", "threshold"}),
        ("Depth", {"depth", "product", "series", "peak", "level"}),
        ("Saturation", {"bin_mid", "probability", "s", "mean_slope", "saturated", "chosen_s"}),
        ("Random products", {"bin_start", "bin_end", "probability", "log10_threshold"}),
        ("Zero-centred", {"w1", "w2", "step", "inputs", "dw1", "dw2"}),
    ],
)
def test_charts_carry_expected_fields(tab, fields):
    assert fields <= all_chart_fields(open_tab(tab))


def test_curves_text_quotes_measured_peaks():
    body = text(open_tab("Curves"))
    assert "**sigmoid**: largest slope 0.25, reached at x = 0" in body
    assert "**tanh**: largest slope 1, reached at x = 0" in body
    assert "**ReLU**: largest slope 1, reached at x > 0; saturated for x < 0 " in body


def test_properties_table_and_seed_claims():
    at = open_tab("Properties")
    table = at.dataframe[0].value.set_index("activation")
    assert table.loc["sigmoid", "max |f'|"] == 0.25
    assert table.loc["sigmoid", "output range"] == "(0, 1)"
    assert table.loc["ReLU", "f' values"] == "0, 1"
    body = text(at)
    assert "f′ peaks at **0.25** at x = 0" in body and "f′ is **0 or 1**" in body


def test_depth_text_uses_computed_products():
    at = open_tab("Depth", max_depth="50", free="1.1")
    body = text(at)
    assert f"**sigmoid** (max|f′| = 0.25): {format_sci(0.25**50, 3)} after 50 layers" in body
    assert "below one millionth from depth 10" in body


def test_depth_drops_non_finite_points_with_a_note():
    at = open_tab("Depth", act=["ELU"], elu_alpha="5", max_depth="500", free="0.1")
    assert not at.warning
    assert any("left float64 range" in c.value for c in at.caption)
    # Regression: the text said "inf after 500 layers" and "0 after 500 layers".
    body = text(at)
    assert "**ELU(α=5)** (max|f′| = 5): 10^349.5 after 500 layers (the product overflowed" in body
    assert "10^-500.0 after 500 layers (the product underflowed to 0 in float64)" in body


def test_softplus_peak_is_a_limit_in_words_and_its_best_case_stays_one():
    # Regression (fuzz): "reached at x → +∞" quoted ∞ with no word for it, and the Depth tab
    # said softplus's best case falls below one millionth from depth 6,702,804,646.
    at = open_tab("Curves", act=["softplus"])
    assert "reached at no finite x: approached as x grows without bound" in text(at)
    assert "∞" not in text(at)
    at = open_tab("Depth", act=["softplus"], max_depth="500")
    assert "**softplus** (max|f′| = 1): 1 after 500 layers; exactly 1 at every depth." in text(at)


def test_saturation_text_matches_engine():
    at = open_tab("Saturation", s="5")
    sig = get_activation("sigmoid")
    body = text(at)
    assert f"E[f′(z)] = {expected_slope(sig, 0.0, 5.0):.4g}" in body
    assert f"{saturated_fraction(sig, 0.0, 5.0, 0.05):.1%} saturated at s = 5" in body


def test_random_products_show_the_truth_next_to_the_seed_claim():
    at = open_tab("Random products")
    body = text(at)
    exact = exact_fraction_above(50, 1e-18)
    assert f"**Truth:** it is above 1e-18 with probability **{exact:.1%}**" in body
    assert f"{exact:.1%}" == "10.8%"
    mc = uniform_products(50, 10_000, 1e-18, 0)
    assert f"Monte Carlo {mc.mc_fraction_above:.2%}" in body


def test_shared_link_reproduces_random_products_settings():
    at = open_tab("Random products", n="20", thr="-5", trials="1000", seed="7")
    assert at.slider(key="n").value == 20 and at.number_input(key="seed").value == 7
    result = uniform_products(20, 1000, 1e-5, 7)
    assert f"exact **{result.exact_fraction_above:.2%}**" in text(at)
    assert "Seed 004 says" not in text(at)
    assert not at.warning


def test_zigzag_text_matches_engine():
    at = open_tab("Zero-centred")
    result = compare_paths("sigmoid", (1.0, -1.0), 0.5, 200)
    body = text(at)
    assert "0% of the steps moved w1 and w2 in opposite directions" in body
    assert f"after {result.positive.steps_to_10pct} steps" in body
    assert f"after {result.centred.steps_to_10pct} steps" in body


def test_malformed_links_show_notice_and_fall_back():
    at = open_tab("Depth", max_depth="abc")
    notice = " ".join(w.value for w in at.warning)
    assert "`max_depth=abc` is not valid here; using `50`" in notice
    assert at.slider(key="max_depth").value == 50
    at = open_page(PAGE, {"act": ["nonsense", "tanh"], "tab": "Nope"})
    notice = " ".join(w.value for w in at.warning)
    assert "`act=nonsense, tanh`" in notice and "`tab=Nope`" in notice
    assert at.multiselect(key="act").value == ["tanh"]
    at = open_page(PAGE, {"act": ["ReLU", "leaky ReLU"], "tab": "Zero-centred", "pos": "ReLU"})
    assert not at.warning
    assert at.multiselect(key="act").value == ["ReLU", "leaky ReLU"]
    assert "**ReLU inputs (all ≥ 0)**" in text(at)


def test_empty_selection_and_swapped_rrelu_bounds_are_explained():
    at = open_page(PAGE, {"act": []})
    at.multiselect(key="act").set_value([]).run()
    assert any("Choose at least one activation" in i.value for i in at.info)
    at = open_page(PAGE, {"act": "randomized leaky ReLU", "rrelu_lower": "9", "rrelu_upper": "4"})
    assert not at.warning
    assert any("swapped" in c.value for c in at.sidebar.caption)
    assert "randomized leaky ReLU(lower=4, upper=9)" in text(at)


TestFuzz = page_machine(PAGE).TestCase


@pytest.mark.slow
def test_every_control_at_its_ends_together_on_every_tab():
    # The select box of the Zero-centred tab has no ends; every one of its options is tried
    # by test_every_control_on_every_tab_is_reached_without_exception.
    assert set(walk_extremes(PAGE)) == KEYS - {"pos"}
