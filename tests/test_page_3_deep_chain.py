"""AppTest of the Deep chain page: every control, chart fields, link notice, quoted numbers."""

import math

import pytest
from hypothesis import strategies as st

from gradviz import linear_chain as lc
from gradviz import neuron_chain as ch
from gradviz import spectra as sp
from gradviz.numerics import format_sci
from tests.apptest_kit import (
    all_chart_fields,
    errors,
    exercise_every_control,
    open_page,
    texts,
    warnings,
)
from tests.fuzz_kit import page_machine, walk_extremes
from views import breakdown_text
from views import deep_chain as views

PAGE = "pages/3_Deep_chain.py"
KEYS = {
    # Neuron chain
    "length", "act", "source", "init", "seed", "sigma_b", "weight", "x", "y", "edits",
    # Linear chain
    "kind", "n", "radius", "spread", "coupling", "steps", "mseed",
    # Jacobian spectra
    "jact", "ratio", "sigma_b2", "depth", "width", "jseed",
}  # fmt: skip
EXPLOSION = "seed 003 explosion"


@pytest.mark.slow
def test_every_control_reaches_its_extremes_without_an_exception():
    log = exercise_every_control(PAGE, tabs_key="tab", timeout=300)
    assert log.keys == KEYS


def test_default_chain_quotes_computed_numbers():
    at = open_page(PAGE)
    w, b = ch.draw_chain(4, "standard_normal", 0, 1.0)
    result = ch.analyze_chain(w, b, 1.0, 0.0, "sigmoid")
    text = texts(at)
    exact = ch.format_log10(result.logs.log10_db[0], result.logs.sign_db[0])
    assert f"∂C/∂b₁ = **{exact}** exactly" in text
    assert f"gives **{format_sci(result.direct_db[0])}**" in text
    ratio = ch.format_log10(*result.factors_1_2())
    assert f"∂C/∂b₁ / ∂C/∂b₃ = factor₁·factor₂ = **{ratio}**" in text
    assert f"**{result.fraction_factors_below_quarter():.1%}** are below 1/4" in text
    assert "erf(1/(4√2)) = 19.7%" in text and "gives 68.3% of the time" in text
    assert f"(1/4)^4 = **{ch.format_log10(4 * math.log10(0.25))}**" in text
    # The seed's formula, with this chain's numbers substituted.
    assert at.latex[-1].value.strip("$\n") == views.formula_latex(result)
    fields = all_chart_fields(at)
    assert {"layer", "series", "log10_abs", "value"} <= fields
    assert {"start", "end", "regime", "factor", "w_next", "slope"} <= fields


def test_explosion_at_l_1000_is_exact_and_reports_the_overflow():
    at = open_page(PAGE, {"source": EXPLOSION, "length": "1000"})
    w, b = ch.exploding_chain(1000, 100.0, 1.0, "sigmoid")
    result = ch.analyze_chain(w, b, 1.0, 0.0, "sigmoid")
    text = texts(at)
    assert "from **25** to **25** over the 999 finite factors" in text
    assert "Seed 003 argues from |w_j| < 1/4" not in text  # that argument is about N(0, 1)
    exact = ch.format_log10(result.logs.log10_db[0], 1.0)
    assert exact.endswith("e+1395") and f"∂C/∂b₁ = **{exact}** exactly" in text
    assert breakdown_text(result.direct_breakdown, "the float64 backward pass", 1)[1:] in warnings(
        at
    )
    assert "exploded to inf at layer 779" in warnings(at)


def test_vanishing_far_below_float64_at_l_1000():
    at = open_page(PAGE, {"source": EXPLOSION, "length": "1000", "weight": "1"})
    # w = 1, z = 0: every factor is exactly 1/4; ∂C/∂b1 = (1/4)^1000 · 0.5 = 4.35e-603.
    expected = ch.format_log10(1000 * math.log10(0.25) + math.log10(0.5))
    assert expected == "4.35e-603"
    assert f"∂C/∂b₁ = **{expected}** exactly" in texts(at)
    assert "underflowed to 0 at layer" in warnings(at)
    assert 'factor₁·factor₂ = **0.0625**. The seed\'s "1/16 or less"' in texts(at)


@pytest.mark.parametrize("act", ["sigmoid", "relu", "linear", "gelu"])
@pytest.mark.parametrize("weight", ["1e300", "-1e300"])
def test_extreme_weights_still_render(act, weight):
    at = open_page(PAGE, {"source": EXPLOSION, "length": "1000", "weight": weight, "act": act})
    assert at.markdown and all_chart_fields(at)


def test_extreme_inputs_render():
    at = open_page(PAGE, {"length": "1000", "x": "1000000", "y": "-1000000", "act": "linear"})
    assert "What you are seeing" in texts(at)


def test_edits_text_is_applied_and_bad_cells_keep_the_last_valid_chain():
    at = open_page(PAGE, {"edits": "2:0.5;-1"})
    w, b = ch.draw_chain(4, "standard_normal", 0, 1.0)
    w, b = ch.apply_overrides(w, b, {2: (0.5, -1.0)})
    valid = ch.analyze_chain(w, b, 1.0, 0.0, "sigmoid")
    exact = ch.format_log10(valid.logs.log10_db[0], valid.logs.sign_db[0])
    assert f"∂C/∂b₁ = **{exact}** exactly" in texts(at)
    at.text_input(key="edits").set_value("2:abc;1").run()
    assert "w_2 = `abc` is not a number" in errors(at)
    assert "Kept the last valid chain" in errors(at)
    assert f"∂C/∂b₁ = **{exact}** exactly" in texts(at)
    at.text_input(key="edits").set_value("9:1;1").run()
    assert "layer 9 is not in 1..4" in errors(at)
    assert f"∂C/∂b₁ = **{exact}** exactly" in texts(at)


def test_table_edits_write_into_the_link_and_empty_cells_are_rejected():
    at = open_page(PAGE)
    editor = at.data_editor[0]
    assert editor.value["w"].size == 4
    at.session_state[editor.key] = {"edited_rows": {1: {"w": 5.0}}}
    at.run()
    _, b = ch.draw_chain(4, "standard_normal", 0, 1.0)
    assert at.text_input(key="edits").value == views.format_overrides({2: (5.0, float(b[1]))})
    assert at.query_params["edits"] == at.text_input(key="edits").value
    assert at.data_editor[0].value["w"].iloc[1] == 5.0
    edited = at.text_input(key="edits").value
    at.session_state[at.data_editor[0].key] = {"edited_rows": {0: {"b": None}}}
    at.run()
    assert "Table edit rejected: layer 1: the b cell is empty" in errors(at)
    assert at.text_input(key="edits").value == edited
    at.session_state[at.data_editor[0].key] = {"edited_rows": {2: {"w": "x"}}}
    at.run()
    assert "layer 3: w = `x` is not a number" in errors(at)


def test_malformed_link_shows_the_notice():
    at = open_page(PAGE, {"length": "abc", "act": "nope", "bogus": "1"})
    notice = warnings(at)
    assert "This link had settings that could not be used" in notice
    assert "`length=abc`" in notice and "`act=nope`" in notice and "`bogus`" in notice


def test_linear_chain_tab_shows_identity_and_transient_growth():
    label = lc.KIND_LABELS["jordan"]
    at = open_page(PAGE, {"tab": "Linear chain", "kind": label})
    result = lc.analyze_linear_chain("jordan", 8, 0.9, 0.9, 1.0, 100, 0)
    text = texts(at)
    assert f"peaks at **{format_sci(result.peak_op_norm)}**" in text
    assert f"t = {result.peak_step}" in text and result.transient_gain > 1e5
    assert {"t", "series", "kind", "log10_value", "value"} <= all_chart_fields(at)
    at = open_page(PAGE, {"tab": "Linear chain"})
    default = lc.analyze_linear_chain("eigen", 8, 0.9, 0.9, 1.0, 100, 0)
    assert f"is **{format_sci(default.check.max_rel_error)}**" in texts(at)
    assert default.check.max_rel_error < 1e-10


def test_linear_chain_overflow_is_reported():
    query = {"tab": "Linear chain", "radius": "3.0", "steps": "500", "n": "64"}
    at = open_page(PAGE, {**query, "kind": lc.KIND_LABELS["jordan"], "coupling": "3.0"})
    assert "‖W^t x‖ exploded to inf at step" in warnings(at)


def test_spectra_tab_numbers_and_fields():
    at = open_page(PAGE, {"tab": "Jacobian spectra"})
    sigma, q_star = sp.critical_point("tanh", 0.0)
    assert sigma == pytest.approx(1.0) and q_star == 0.0
    q_in = sp.input_variance(q_star)
    text = texts(at)
    for weights in sp.WEIGHTS:
        s = sp.jacobian_spectrum(weights, "tanh", sigma, 0.0, 50, 128, 0, q_in)
        assert (
            f"**{weights}** weights, depth 50: the singular values of J have mean "
            f"**{format_sci(s.mean[-1])}** and max **{format_sci(s.max[-1])}**, and span "
            f"**{sp.spread_decades(s):.2f} decades**"
        ) in text
    assert "Orthogonal weights keep the spectrum narrower" in text
    fields = all_chart_fields(at)
    assert {"bin_start", "bin_end", "fraction", "weights"} <= fields
    assert {"depth", "statistic", "log10_value"} <= fields


# ----------------------------------------------------------------------------- combined settings

_EDIT_NUMBER = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["1e300", "-1e300", "1e308", "1e400", "nan", "-inf", "0", "", "abc", "1_0"]),
)
_EDIT_ENTRY = st.builds(
    "{}:{};{}".format, st.integers(0, 1100), _EDIT_NUMBER, _EDIT_NUMBER
)  # layers past any chain's length, huge and non-finite numbers, garbage
EDITS = st.one_of(
    st.lists(_EDIT_ENTRY, max_size=5).map(", ".join),
    st.lists(_EDIT_ENTRY, max_size=3).map(" ".join),
    st.text(max_size=20),
)
"""What a visitor types into the per-layer edits (``"2:0.5;-1, 3:4;0"``): valid, invalid and
out-of-range entries."""

TestFuzz = page_machine(PAGE, text_values={"edits": EDITS}).TestCase


def test_every_control_at_its_ends_together():
    without_ends = {"edits", "act", "source", "init", "kind", "jact"}  # text and select boxes
    assert set(walk_extremes(PAGE)) == KEYS - without_ends
