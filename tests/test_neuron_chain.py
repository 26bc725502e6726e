"""Nielsen's single-neuron chain: gradient checks, exact log space, and seed 003's numbers."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradviz.activations import NAMES, get_activation
from gradviz.gradcheck import numerical_gradient, rel_error
from gradviz.neuron_chain import (
    analyze_chain,
    apply_overrides,
    chain_backward,
    chain_forward,
    draw_chain,
    exploding_chain,
    format_log10,
    gradient_frame,
    layer_table,
    log_abs_slope,
    quadratic_cost,
    waterfall_frame,
)
from views import breakdown_text
from views.deep_chain import cell_edits, format_overrides, formula_latex, parse_overrides

SMOOTH = ["sigmoid", "tanh", "softsign", "softplus", "elu", "selu", "gelu", "silu", "linear"]


def _cost(w, b, x, y, act):
    a_last, _ = chain_forward(w, b, x, act)
    return quadratic_cost(a_last, y)[0]


@pytest.mark.parametrize("act", SMOOTH)
def test_backward_matches_finite_differences(act):
    w, b = draw_chain(6, "standard_normal", 7, 0.5)
    x, y = 0.8, 0.3
    a_last, cache = chain_forward(w, b, x, act)
    _, dout = quadratic_cost(a_last, y)
    dw, db = chain_backward(dout, cache)
    num_db = numerical_gradient(lambda: _cost(w, b, x, y, act), b)
    num_dw = numerical_gradient(lambda: _cost(w, b, x, y, act), w)
    assert rel_error(db, num_db) <= 1e-6
    assert rel_error(dw, num_dw) <= 1e-6


def test_relu_backward_away_from_kinks():
    w = np.array([1.3, -0.7, 0.9, 1.1])
    b = np.array([0.2, 1.5, 0.4, -0.1])
    _, cache = chain_forward(w, b, 1.0, "relu")
    assert np.all(np.abs(cache.z) > 0.1)  # no kink within the finite-difference step
    _, dout = quadratic_cost(cache.a[-1], 0.0)
    _, db = chain_backward(dout, cache)
    assert rel_error(db, numerical_gradient(lambda: _cost(w, b, 1.0, 0.0, "relu"), b)) <= 1e-6


@pytest.mark.parametrize("act", NAMES)
def test_log_slope_matches_registry_derivative(act):
    # The registry's GELU forms 1 + tanh(u), which cancels for x < -5; the log form does not.
    z = np.linspace(-5.0 if act == "gelu" else -30.0, 30.0, 1201)
    log_slope, sign = log_abs_slope(act, z)
    slope = get_activation(act).grad(z)
    ok = np.abs(slope) > 1e-250
    assert np.allclose(sign[ok] * 10.0 ** log_slope[ok], slope[ok], rtol=1e-9, atol=0)
    assert np.all(sign[~ok & (slope == 0)] * 0 == 0)


def test_log_slope_exact_where_float64_underflows():
    z = np.array([800.0, -2000.0, 1e6])
    assert np.all(get_activation("sigmoid").grad(z) == 0.0)
    log_slope, _ = log_abs_slope("sigmoid", z)
    assert log_slope == pytest.approx(-np.abs(z) / math.log(10.0), rel=1e-12)
    assert log_abs_slope("tanh", np.array([1000.0]))[0][0] == pytest.approx(
        (math.log(4.0) - 2000.0) / math.log(10.0)
    )
    assert log_abs_slope("softsign", np.array([1e300]))[0][0] == pytest.approx(-600.0)
    assert log_abs_slope("elu", np.array([-1000.0]))[0][0] == pytest.approx(-1000 / math.log(10))


@pytest.mark.parametrize("act", SMOOTH)
def test_log_space_agrees_with_direct_where_finite(act):
    w, b = draw_chain(300, "standard_normal", 11, 1.0)
    result = analyze_chain(w, b, 1.0, 0.0, act)
    assert result.n_compared > 0
    # The registry's GELU slope loses digits to 1 + tanh(u) cancelling for z < -5.
    assert result.max_log_diff < (1e-8 if act == "gelu" else 1e-10)


def test_exploding_construction_every_factor_is_25():
    w, b = exploding_chain(1000, 100.0, 1.0, "sigmoid")
    result = analyze_chain(w, b, 1.0, 0.0, "sigmoid")
    assert np.all(result.cache.z == 0.0)
    assert np.all(result.factors == 25.0)
    assert np.allclose(result.logs.log10_factor, math.log10(25.0), rtol=0, atol=1e-13)
    # dC/db_1 = 25^999 · σ'(0) · (a_L - y) = 25^999 · 0.25 · 0.5: far beyond float64.
    expected = 999 * math.log10(25.0) + math.log10(0.125)
    assert result.logs.log10_db[0] == pytest.approx(expected, abs=1e-9)
    assert format_log10(result.logs.log10_db[0], 1.0).endswith("e+1395")
    assert result.direct_breakdown.kind == "inf"
    # Backprop forms w_{j+1}·δ_{j+1} first, so float64 hits inf once 100·|δ_{j+1}| > 1.8e308.
    i = result.direct_breakdown.index
    top = math.log10(np.finfo(float).max)
    assert np.isinf(result.direct_db[i]) and np.isfinite(result.direct_db[i + 1])
    assert result.logs.log10_db[i + 1] + 2.0 > top > result.logs.log10_db[i + 2] + 2.0
    assert result.max_log_diff < 1e-10


def test_vanishing_far_below_float64_is_exact():
    # w = 1 and z = 0: every factor is σ'(0) = 1/4 exactly, the seed's bound case.
    w, b = exploding_chain(1000, 1.0, 1.0, "sigmoid")
    result = analyze_chain(w, b, 1.0, 0.0, "sigmoid")
    assert np.all(result.factors == 0.25)
    assert result.logs.log10_db[0] == pytest.approx(1000 * math.log10(0.25) + math.log10(0.5))
    assert result.direct_db[0] == 0.0 and result.direct_breakdown.kind == "underflow"
    # (1/4)^L with L = 1000 is 10^-602.06: the slope bound at layer 1.
    assert result.log10_slope_bound[0] == pytest.approx(-602.0599913279624)


def test_seed_ratio_b1_over_b3_is_one_sixteenth_at_the_bound():
    w, b = exploding_chain(4, 1.0, 1.0, "sigmoid")
    result = analyze_chain(w, b, 1.0, 0.0, "sigmoid")
    log_ratio, sign = result.factors_1_2()
    assert 10.0**log_ratio * sign == pytest.approx(1 / 16, rel=1e-12)
    assert result.direct_db[0] / result.direct_db[2] == 1 / 16


def test_ratio_is_product_of_two_factors_for_random_chains():
    w, b = draw_chain(10, "standard_normal", 3, 1.0)
    result = analyze_chain(w, b, 0.5, 0.0, "sigmoid")
    log_ratio, sign = result.factors_1_2()
    f = result.factors
    assert sign * 10.0**log_ratio == pytest.approx(f[0] * f[1], rel=1e-12)
    assert result.direct_db[0] / result.direct_db[2] == pytest.approx(f[0] * f[1], rel=1e-12)


def test_normal_weights_mostly_give_factors_below_a_quarter():
    w, b = draw_chain(1000, "standard_normal", 0, 1.0)
    result = analyze_chain(w, b, 1.0, 0.0, "sigmoid")
    # |w σ'(z)| <= |w|/4, so the factor is below 1/4 whenever |w| < 1 (P = 0.683 for N(0,1)).
    assert result.fraction_factors_below_quarter() >= np.mean(np.abs(w[1:]) < 1.0)
    assert result.fraction_factors_below_quarter() > 0.7
    # The seed's "usually |w_j| < 1/4" is loose: P(|w| < 1/4) = erf(0.25/√2) ≈ 0.197.
    assert result.fraction_weights_below_quarter() == pytest.approx(
        math.erf(0.25 / math.sqrt(2)), abs=0.04
    )


@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu", "softsign", "elu", "linear"])
def test_bound_holds_for_every_layer(act):
    w, b = draw_chain(200, "standard_normal", 5, 1.0)
    result = analyze_chain(w, b, 1.0, 0.0, act)
    finite = np.isfinite(result.logs.log10_db)
    assert np.all(result.logs.log10_db[finite] <= result.log10_bound[finite] + 1e-9)


def test_deep_sigmoid_gradients_shrink_toward_the_input():
    w, b = draw_chain(50, "standard_normal", 2, 1.0)
    result = analyze_chain(w, b, 1.0, 0.0, "sigmoid")
    assert result.logs.log10_db[0] < result.logs.log10_db[-1] - 10


@pytest.mark.parametrize("weight", [1e300, -1e300, 1e-300, 0.0])
@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu", "linear", "gelu", "silu"])
def test_extreme_weights_never_warn(weight, act):
    w = np.full(50, weight)
    b = np.linspace(-1e300, 1e300, 50)
    result = analyze_chain(w, b, 1.0, 0.0, act)
    frame = gradient_frame(result)
    assert np.all(np.isfinite(frame["log10_abs"]))
    waterfall_frame(result)
    layer_table(result)
    formula_latex(result)


def test_overflowing_forward_is_reported():
    w = np.full(100, 1e10)
    result = analyze_chain(w, np.zeros(100), 1.0, 0.0, "linear")
    assert result.forward_breakdown.kind == "inf"
    assert (
        breakdown_text(result.forward_breakdown, "z", offset=1) == "z exploded to inf at layer 31"
    )


@given(
    st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=8),
    st.lists(st.floats(-1e3, 1e3), min_size=8, max_size=8),
)
def test_any_chain_is_warning_free_and_consistent(ws, bs):
    w = np.array(ws)
    b = np.array(bs[: len(ws)])
    result = analyze_chain(w, b, 0.5, 0.2, "sigmoid")
    assert result.max_log_diff < 1e-9


def test_frames_stay_small_at_l_1000():
    w, b = draw_chain(1000, "standard_normal", 0, 1.0)
    result = analyze_chain(w, b, 1.0, 0.0, "sigmoid")
    grad = gradient_frame(result)
    fall = waterfall_frame(result)
    assert len(grad) < 5000 and len(fall) < 5000
    assert set(grad["series"]) == {"exact (log space)", "float64 backward", "bound", "slopes only"}
    slopes = grad[grad["series"] == "slopes only"].set_index("layer")["log10_abs"]
    # The seed's (1/4)^L: ∂C/∂b_1 carries L = 1000 sigmoid slopes.
    assert slopes.loc[1] == pytest.approx(1000 * math.log10(0.25) + math.log10(abs(result.dout)))
    assert set(fall["regime"]) <= {"vanishing", "stable", "exploding"}
    assert grad["layer"].min() == 1 and grad["layer"].max() == 1000


def test_waterfall_steps_connect():
    w, b = draw_chain(20, "standard_normal", 1, 1.0)
    fall = waterfall_frame(analyze_chain(w, b, 1.0, 0.0, "tanh"))
    assert np.allclose(fall["end"] - fall["start"], fall["log10_factor"])
    assert np.allclose(fall["start"].to_numpy()[:-1], fall["end"].to_numpy()[1:])


def test_formula_substitutes_numbers():
    w, b = exploding_chain(3, 100.0, 1.0, "sigmoid")
    tex = formula_latex(analyze_chain(w, b, 1.0, 0.0, "sigmoid"))
    assert r"\sigma'(z_1)\,w_{2}" in tex and "(100)" in tex and "(0.25)" in tex
    # 25 · 25 · 0.25 · 0.5 = 78.125
    assert tex.endswith(r"= 78.1\end{aligned}")
    long_tex = formula_latex(
        analyze_chain(*exploding_chain(1000, 100.0, 1.0, "sigmoid"), 1, 0, "sigmoid")
    )
    assert r"\prod_{j=1}^{999}" in long_tex and r"10^{1395}" in long_tex


def test_format_log10():
    assert format_log10(-411.5, -1.0) == "-3.16e-412"
    assert format_log10(math.log10(25.0), 1.0) == "25"
    assert format_log10(-np.inf, 1.0) == "0" and format_log10(2.0, 0.0) == "0"
    assert format_log10(np.nan, 1.0) == "NaN"
    assert format_log10(math.log10(9.999), 1.0, digits=3) == "10"


def test_overrides_round_trip_and_reject_bad_entries():
    edits, err = parse_overrides("2:0.5;-1, 3:1e2;0", 5)
    assert err is None and edits == {2: (0.5, -1.0), 3: (100.0, 0.0)}
    assert parse_overrides(format_overrides(edits), 5) == (edits, None)
    assert parse_overrides("", 5) == ({}, None)
    for bad, words in [
        ("2:abc;1", "not a number"),
        ("2:;1", "empty"),
        ("9:1;1", "not in 1..5"),
        ("2:inf;1", "not finite"),
        ("hello", "not of the form"),
    ]:
        edits, err = parse_overrides(bad, 5)
        assert edits == {} and words in err
    w, b = apply_overrides(np.zeros(5), np.ones(5), {2: (0.5, -1.0)})
    assert w[1] == 0.5 and b[1] == -1.0 and w[0] == 0.0


def test_cell_edits_from_the_data_editor():
    w, b = np.array([1.0, 2.0, 3.0]), np.array([0.0, 0.0, 0.0])
    assert cell_edits({1: {"w": 5.0}}, w, b) == ({2: (5.0, 0.0)}, None)
    assert cell_edits({"0": {"b": "2.5"}}, w, b) == ({1: (1.0, 2.5)}, None)
    assert "empty" in cell_edits({0: {"w": None}}, w, b)[1]
    assert "not a number" in cell_edits({0: {"w": "x"}}, w, b)[1]
    assert "not a finite" in cell_edits({0: {"b": float("nan")}}, w, b)[1]


def test_true_zeros_are_not_reported_as_underflow():
    # A dead ReLU (z < 0) gives an exact zero factor: no underflow, and nothing to report.
    w = np.array([1.0, -1.0, 1.0, 1.0])
    b = np.array([0.0, 0.0, 0.0, 0.5])
    result = analyze_chain(w, b, 1.0, 0.0, "relu")
    assert result.direct_db[0] == 0.0 and result.logs.sign_db[0] == 0
    assert result.direct_breakdown.ok and result.forward_breakdown.ok
    assert len(waterfall_frame(result)) < 3


def test_normal_probabilities_quoted_on_the_page():
    from gradviz.neuron_chain import normal_prob_abs_below

    assert normal_prob_abs_below(0.25) == pytest.approx(0.1974126513, abs=1e-9)
    assert normal_prob_abs_below(1.0) == pytest.approx(0.6826894921, abs=1e-9)
    draws = np.random.default_rng(0).normal(size=200_000)
    assert np.mean(np.abs(draws) < 0.25) == pytest.approx(normal_prob_abs_below(0.25), abs=0.005)


def test_cost_grows_with_length_and_the_longest_chain_fits_the_tab_budget():
    from gradviz.budget import COMPUTE_BYTES, TAB_SECONDS
    from gradviz.neuron_chain import MAX_LENGTH, chain_cost

    assert chain_cost(1000).seconds > 5 * chain_cost(4).seconds
    assert chain_cost(100, explosion=True).seconds > chain_cost(100).seconds
    for explosion in (False, True):
        assert chain_cost(MAX_LENGTH, explosion).fits(TAB_SECONDS, COMPUTE_BYTES)
