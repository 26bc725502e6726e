"""The Deep chain page's views: the engine's numbers reach the formula, text, table and charts."""

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gradviz import linear_chain as lc
from gradviz import neuron_chain as ch
from gradviz import spectra as sp
from gradviz.activations import NAMES as ACT_NAMES
from gradviz.numerics import format_sci
from tests.chart_checks import assert_small_with_tooltips, mark_types, spec_fields
from tests.fuzz_kit import unmarked_non_finite
from views import breakdown_text
from views import deep_chain as views

RANDOM, EXPLOSION = views.SOURCES


def chain(length=4, act="sigmoid", source=RANDOM, weight=100.0, edits=()):
    return views.chain_view(length, act, source, "standard_normal", 0, 1.0, weight, 1.0, 0.0, edits)


def test_chain_view_quotes_the_exact_gradient_and_substitutes_the_formula():
    view = chain()
    w, b = ch.draw_chain(4, "standard_normal", 0, 1.0)
    result = ch.analyze_chain(w, b, 1.0, 0.0, "sigmoid")
    exact = ch.format_log10(result.logs.log10_db[0], result.logs.sign_db[0])
    assert f"∂C/∂b₁ = **{exact}** exactly" in view.gradients.text
    assert f"gives **{format_sci(result.direct_db[0])}**" in view.gradients.text
    assert view.formula == views.formula_latex(result)
    assert np.array_equal(view.w, w) and np.array_equal(view.b, b)
    assert list(view.table["w"]) == list(w) and view.table.index.name == "layer"
    assert [b.ok for _, b in view.breakdowns] == [True, True]
    gradients, waterfall = view.gradients.charts
    assert {"layer", "series", "log10_abs", "value"} <= spec_fields(gradients)
    assert {"start", "end", "regime", "factor", "w_next", "slope"} <= spec_fields(waterfall)
    assert mark_types(waterfall) == {"bar"}
    for chart in view.gradients.charts:
        assert_small_with_tooltips(chart)


def test_explosion_at_l_1000_names_the_overflowing_layer():
    view = chain(1000, source=EXPLOSION)
    (_, forward), (quantity, backward) = view.breakdowns
    assert forward.ok and not backward.ok
    assert (
        breakdown_text(backward, quantity, 1)
        == "the float64 backward pass exploded to inf at layer 779"
    )
    assert "from **25** to **25** over the 999 finite factors" in view.gradients.text
    assert "Seed 003 argues from |w_j| < 1/4" not in view.gradients.text
    assert len(view.table) == 1000


def test_edits_override_the_drawn_chain():
    view = chain(edits=((2, 0.5, -1.0),))
    assert (view.w[1], view.b[1]) == (0.5, -1.0)
    w, b = ch.apply_overrides(*ch.draw_chain(4, "standard_normal", 0, 1.0), {2: (0.5, -1.0)})
    result = ch.analyze_chain(w, b, 1.0, 0.0, "sigmoid")
    exact = ch.format_log10(result.logs.log10_db[0], result.logs.sign_db[0])
    assert f"∂C/∂b₁ = **{exact}** exactly" in view.gradients.text


def test_vanishing_far_below_float64_is_quoted_exactly():
    view = chain(1000, source=EXPLOSION, weight=1.0)
    expected = ch.format_log10(1000 * math.log10(0.25) + math.log10(0.5))
    assert f"∂C/∂b₁ = **{expected}** exactly" in view.gradients.text
    assert any(not b.ok and b.kind == "underflow" for _, b in view.breakdowns)


def test_linear_view_shows_transient_growth_and_reports_overflow():
    view = views.linear_view("jordan", 8, 0.9, 0.9, 1.0, 100, 0)
    result = lc.analyze_linear_chain("jordan", 8, 0.9, 0.9, 1.0, 100, 0)
    assert f"peaks at **{format_sci(result.peak_op_norm)}**" in view.powers.text
    (powers,) = view.powers.charts
    assert {"t", "series", "kind", "log10_value", "value"} <= spec_fields(powers)
    assert_small_with_tooltips(powers)
    ((quantity, breakdown),) = views.linear_view("jordan", 64, 3.0, 0.9, 3.0, 500, 0).breakdowns
    assert breakdown_text(breakdown, quantity).startswith("‖W^t x‖ exploded to inf at step")


def test_spectra_view_quotes_the_spectra_and_counts_unresolved_values():
    view = views.spectra_view("tanh", 1.0, 0.0, 50, 128, 0)
    sigma, q_star = sp.critical_point("tanh", 0.0)
    q_in = sp.input_variance(q_star)
    spectra = [sp.jacobian_spectrum(w, "tanh", sigma, 0.0, 50, 128, 0, q_in) for w in sp.WEIGHTS]
    for s in spectra:
        assert (
            f"**{s.weights}** weights, depth 50: the singular values of J have mean " in view.text
        )
        assert f"**{format_sci(s.mean[-1])}** and max **{format_sci(s.max[-1])}**" in view.text
    assert [q for q, _ in view.breakdowns] == [f"J with {w} weights" for w in sp.WEIGHTS]
    (histogram,), (by_depth,) = view.histogram.charts, view.by_depth.charts
    assert {"bin_start", "bin_end", "fraction", "weights"} <= spec_fields(histogram)
    assert {"depth", "statistic", "log10_value"} <= spec_fields(by_depth)
    dropped = sp.histogram_frame(spectra)[1]
    assert dropped > 0
    assert view.histogram.caption == (
        f"{dropped} singular values below float64 resolution are not drawn."
    )
    assert not view.by_depth.caption


# ----------------------------------------------------------------------------- extreme settings


def _chain_result(length, act, weight=100.0, x=1.0, y=0.0, edits=None, explosion=False):
    if explosion:
        w, b = ch.exploding_chain(length, weight, x, act)
    else:
        w, b = ch.draw_chain(length, "standard_normal", 0, 1.0)
    w, b = ch.apply_overrides(w, b, {j: e for j, e in (edits or {}).items() if j <= length})
    return ch.analyze_chain(w, b, x, y, act)


def test_a_dead_relu_chain_says_why_every_gradient_is_zero():
    # Regression (fuzz): the default chain with ReLU quoted "∂C/∂b₁ / ∂C/∂b₃ = **NaN**" and
    # called both gradients "not finite numbers"; they are exactly 0.
    result = _chain_result(4, "relu")
    assert result.dout == 0 and result.logs.sign_db[2] == 0
    text = views.chain_text(result)
    assert "∂C/∂b₁ = **0**: in float64, a_L = 0.0 equals y = 0.0" in text
    assert "factor₁·factor₂ = **0** (the ratio ∂C/∂b₁ / ∂C/∂b₃ it stands for is undefined: " in text
    assert "∂C/∂b₃ is exactly 0)" in text and "NaN" not in text


def test_an_overflowing_float64_pass_says_where_it_left_float64_range():
    # Regression: "the float64 backward pass gives **inf**." with nothing saying what inf is.
    result = _chain_result(3, "sigmoid", weight=1e300, explosion=True)
    text = views.chain_text(result, explosion=True)
    assert "gives **inf** (it exploded to inf at layer 1: outside float64 range)" in text
    assert "∂C/∂b₁ = **7.81e+597** exactly for this forward pass" in text


def test_an_overflowing_forward_pass_is_not_called_exact():
    # Regression: "∂C/∂b₁ = **inf** exactly (summed in log space)" after z_3 = inf.
    result = _chain_result(3, "leaky_relu", edits={2: (1e300, 1e300), 3: (-1e300, 0.0)})
    assert not result.forward_breakdown.ok
    text = views.chain_text(result)
    assert "summed in log space, but not exactly: z_j exploded to inf at layer 3" in text
    assert "exactly for this forward pass" not in text


def test_the_explosion_says_which_z_j_are_not_zero():
    # Regression: with per-layer edits the text still said "makes every z_j = 0", and a z_j
    # that overflowed made the factors run "from NaN to NaN".
    edits = {1: (1e300, 0.0)}
    result = _chain_result(5, "linear", weight=1e300, x=1e6, edits=edits, explosion=True)
    text = views.chain_text(result, explosion=True, edited=True)
    assert "would make every z_j = 0, but here 1 of the 5 z_j are not 0 (edited layers " in text
    assert "4 of the 5 z_j left float64 range, first at layer 2" in text
    assert "from **1.000e+300** to **1.000e+300** over the 4 finite factors" in text
    # Unedited, w·a_(j−1) stays within float64 at every allowed weight and input.
    result = _chain_result(1000, "linear", weight=1e300, x=1e6, explosion=True)
    assert "makes every z_j = 0" in views.chain_text(result, explosion=True)


def test_huge_exponents_are_written_as_a_power_of_ten():
    # Regression: a saturated sigmoid (z = -1e300) printed a 300-digit exponent.
    assert ch.format_log10(-6.76e299, -1.0) == "-10^(-6.76e+299)"
    assert ch.format_log10(2.5e9) == "10^(2.5e+09)"
    assert ch.format_log10(-123456789.0) == "1.00e-123456789"
    result = _chain_result(3, "sigmoid", edits={2: (1e300, 1e300), 3: (-1e300, 0.0)})
    text = views.chain_text(result)
    assert "factor₁·factor₂ = **-10^(-" in text and len(text) < 2000
    assert r"10^{-" in views.formula_latex(result)


def test_linear_chain_words_at_the_ends_of_its_sliders():
    # An exact Jordan block: no eigenvector basis, and its powers overflow.
    text = views.linear_text(lc.analyze_linear_chain("jordan", 64, 3.0, 1.0, 3.0, 500, 0))
    assert "cannot hold here: V is singular (κ(V) is not finite)" in text
    assert "‖W^t‖₂ had overflowed float64 range by t = " in text
    assert "(it exploded to inf at step " in text
    # Powers that underflow: the identity is checked only where float64 still holds them.
    result = lc.analyze_linear_chain("eigen", 2, 0.1, 0.01, 0.0, 500, 0)
    assert result.check.max_rel_error < 1e-12
    assert int(result.check.checked_steps[-1]) < 300
    text = views.linear_text(result)
    assert "holds numerically" in text and "too close to float64's limits to check" in text
    assert "(it underflowed to 0 at step " in text


def test_a_contracting_matrix_peaks_at_t_1():
    # Regression: t = 1 was not sampled at t <= 500, so the peak was quoted at t = 5.
    result = lc.analyze_linear_chain("gaussian", 64, 0.1, 1.0, 1.0, 500, 0)
    assert 1 in result.sampled_steps and result.peak_step == 1
    assert "at t = 1," in views.linear_text(result)


def _spectra(act, ratio, sigma_b2=0.0, depth=200, width=32):
    sigma, q_star = sp.critical_point(act, sigma_b2)
    q_in = sp.input_variance(q_star)
    spectra = [
        sp.jacobian_spectrum(w, act, ratio * sigma, sigma_b2, depth, width, 0, q_in)
        for w in sp.WEIGHTS
    ]
    return views.spectra_text(spectra, sigma, q_star, ratio), spectra


def test_isometry_is_claimed_only_where_it_is_measured():
    text, (gauss, ortho) = _spectra("linear", 1.0)
    assert sp.spread_decades(ortho) < 1e-10
    assert "orthogonal weights with linear units keep every direction's gain near 1" in text
    gains = gauss.singular_values[gauss.resolved]
    assert f"{np.mean(gains < 0.1):.1%} of the resolved directions have a gain below 1/10" in text
    # Off the critical scale every gain shrinks: no isometry, and no exploding directions.
    text, (gauss, ortho) = _spectra("tanh", 0.5)
    assert "dynamical isometry" not in text
    assert "0.0% above 10, so their gradients vanish." in text
    # ReLU spreads even orthogonal weights' gains.
    text, _ = _spectra("relu", 1.0)
    assert "dynamical isometry" not in text and "Orthogonal weights with relu spread" in text


@settings(max_examples=25, deadline=None)
@given(
    length=st.sampled_from([2, 3, 4, 1000]),
    act=st.sampled_from(ACT_NAMES),
    explosion=st.booleans(),
    weight=st.sampled_from([1e300, -1e300, 100.0, 1.0, 0.0, 1e-300]),
    x=st.sampled_from([1.0, 0.0, 1e6, -1e6]),
    y=st.sampled_from([0.0, 1.0, 1e6, -1e6]),
    edits=st.dictionaries(
        st.integers(1, 4), st.tuples(*[st.sampled_from([1e300, -1e300, 0.0, 0.5])] * 2)
    ),
)
def test_chain_words_mark_every_non_finite_number(length, act, explosion, weight, x, y, edits):
    result = _chain_result(length, act, weight, x, y, edits, explosion)
    text = views.chain_text(result, explosion, edited=bool(edits))
    assert not unmarked_non_finite(text), text


@settings(max_examples=20, deadline=None)
@given(
    kind=st.sampled_from(lc.KINDS),
    n=st.sampled_from([2, 64]),
    radius=st.sampled_from([0.1, 1.0, 3.0]),
    spread=st.sampled_from([0.01, 1.0]),
    coupling=st.sampled_from([0.0, 3.0]),
    steps=st.sampled_from([1, 500]),
)
def test_linear_words_mark_every_non_finite_number(kind, n, radius, spread, coupling, steps):
    text = views.linear_text(lc.analyze_linear_chain(kind, n, radius, spread, coupling, steps, 0))
    assert not unmarked_non_finite(text), text


@settings(max_examples=15, deadline=None)
@given(
    act=st.sampled_from(sp.ACTIVATIONS),
    ratio=st.sampled_from([0.5, 1.0, 1.5]),
    sigma_b2=st.sampled_from(sp.SIGMA_B2_OPTIONS),
    depth=st.sampled_from([1, 200]),
)
def test_spectra_words_mark_every_non_finite_number(act, ratio, sigma_b2, depth):
    text, _ = _spectra(act, ratio, sigma_b2, depth, width=16)
    assert not unmarked_non_finite(text), text


def test_captions_say_what_the_charts_sample():
    assert not chain(500).gradients.caption
    assert chain(1000).gradients.caption == (
        "The gradient chart draws 500 of the 1000 layers, evenly spaced (the first and the last "
        "included); the waterfall and the table have every layer."
    )
    assert not views.linear_view("eigen", 8, 0.9, 0.9, 1.0, 99, 0).powers.caption
    result = lc.analyze_linear_chain("eigen", 8, 0.9, 0.9, 1.0, 500, 0)
    assert views.linear_view("eigen", 8, 0.9, 0.9, 1.0, 500, 0).powers.caption == (
        f"‖W^t‖₂ (an SVD each) is computed at {result.sampled_steps.size} of the 501 powers "
        "t = 0..500, evenly spaced with t = 1; ‖W^t x‖ at every one."
    )
