"""The Deep chain page's views: the engine's numbers reach the formula, text, table and charts."""

import math

import numpy as np

from gradviz import chain as ch
from gradviz import chain_views as views
from gradviz import linear_chain as lc
from gradviz import spectra as sp
from gradviz.numerics import format_sci
from tests.chart_checks import assert_small_with_tooltips, mark_types, spec_fields

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
    assert view.formula == ch.formula_latex(result)
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
    assert backward.message(quantity, 1) == "the float64 backward pass exploded to inf at layer 779"
    assert "from **25** to **25** over the 999 factors" in view.gradients.text
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
    assert f"‖W^t‖₂ peaks at **{format_sci(result.peak_op_norm)}**" in view.powers.text
    (powers,) = view.powers.charts
    assert {"t", "series", "kind", "log10_value", "value"} <= spec_fields(powers)
    assert_small_with_tooltips(powers)
    ((quantity, breakdown),) = views.linear_view("jordan", 64, 3.0, 0.9, 3.0, 500, 0).breakdowns
    assert breakdown.message(quantity).startswith("‖W^t x‖ exploded to inf at step")


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
