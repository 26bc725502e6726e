"""Mean-field theory: Gaussian expectations, q*, χ₁, the edge of chaos, predictions vs networks."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradviz import meanfield as mf
from gradviz.activations import NAMES, gauss_hermite_normal, get_activation
from gradviz.mlp import MLPConfig, backward, forward, init_params

TANH = get_activation("tanh")
RELU = get_activation("relu")


@pytest.mark.parametrize("q", [1e-6, 0.3, 1.0, 7.0, 1e4])
def test_expectations_match_closed_forms(q):
    relu, linear, hard = RELU, get_activation("linear"), get_activation("hardtanh")
    assert mf.gaussian_expectation(lambda x: relu.fn(x) ** 2, q) == pytest.approx(q / 2, rel=1e-12)
    assert mf.gaussian_expectation(lambda x: relu.grad(x) ** 2, q) == pytest.approx(0.5, rel=1e-12)
    assert mf.gaussian_expectation(lambda x: linear.fn(x) ** 2, q) == pytest.approx(q, rel=1e-12)
    # P(|z| < 1) for z ~ N(0, q): hard tanh's slope is 1 inside (-1, 1), its kinks are panel edges.
    expected = math.erf(1 / math.sqrt(2 * q))
    got = mf.gaussian_expectation(lambda x: hard.grad(x) ** 2, q)
    assert got == pytest.approx(expected, rel=1e-10, abs=1e-300)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "gelu", "silu", "softplus"])
@pytest.mark.parametrize("q", [0.01, 0.25, 1.0])
def test_expectations_agree_with_gauss_hermite_where_it_is_exact(name, q):
    # Smooth integrands on the Gaussian's own scale: 100-node Gauss-Hermite is spectrally exact.
    act = get_activation(name)
    z, w = gauss_hermite_normal(100)
    for g in (lambda x: act.fn(x) ** 2, lambda x: act.grad(x) ** 2):
        reference = float(np.sum(w * g(math.sqrt(q) * z)))
        assert mf.gaussian_expectation(g, q) == pytest.approx(reference, rel=1e-9)


def test_plain_gauss_hermite_fails_for_wide_gaussians_which_is_why_we_use_panels():
    q = 100.0
    z, w = gauss_hermite_normal(100)
    hermite = float(np.sum(w * TANH.grad(math.sqrt(q) * z) ** 2))
    # Reference: trapezoid on a fine grid over ±60 σ.
    x = np.linspace(-600, 600, 1_200_001)
    density = np.exp(-x * x / (2 * q)) / math.sqrt(2 * math.pi * q)
    reference = float(np.trapezoid(TANH.grad(x) ** 2 * density, x))
    assert abs(hermite - reference) / reference > 0.5
    assert mf.gaussian_expectation(lambda t: TANH.grad(t) ** 2, q) == pytest.approx(
        reference, rel=1e-8
    )


def test_zero_variance_is_the_value_at_zero_and_arrays_keep_their_shape():
    assert mf.gaussian_expectation(lambda x: np.cos(x), 0.0) == 1.0
    out = mf.gaussian_expectation(lambda x: x * x, np.array([[0.0, 2.0], [3.0, np.inf]]))
    assert out.shape == (2, 2)
    assert out[0, 0] == 0.0 and out[0, 1] == pytest.approx(2.0) and np.isnan(out[1, 1])


def test_tanh_edge_of_chaos_at_sigma_b2_005_is_sigma_w2_176():
    critical = float(mf.critical_sigma_w2(0.05, TANH))
    assert critical == pytest.approx(1.76, abs=0.005)
    assert float(mf.chi1(critical, 0.05, TANH)[0]) == pytest.approx(1.0, abs=1e-8)
    assert float(mf.chi1(1.5, 0.05, TANH)[0]) < 1 < float(mf.chi1(2.0, 0.05, TANH)[0])


def test_relu_edge_of_chaos_is_sigma_w2_2_at_zero_bias():
    assert float(mf.critical_sigma_w2(0.0, RELU)) == pytest.approx(2.0, rel=1e-8)
    for sw2 in (0.5, 2.0, 3.0):
        assert float(mf.chi1(sw2, 0.0, RELU)[0]) == pytest.approx(sw2 / 2, rel=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_every_activation_has_a_fixed_point_and_chi1(name):
    act = get_activation(name)
    fp = mf.variance_fixed_point(1.0, 0.05, act)
    q_star = float(fp.q_star[0])
    c1 = float(mf.chi1(1.0, 0.05, act)[0])
    assert np.isfinite(c1) and c1 > 0
    if np.isfinite(q_star):
        assert fp.converged[0]
        assert float(mf.q_map(q_star, 1.0, 0.05, act)) == pytest.approx(q_star, rel=1e-9)
        assert c1 == pytest.approx(float(mf.chi(q_star, 1.0, act)), rel=1e-12)
    else:  # linear at σ_w² = 1: q grows by σ_b² per layer, without bound
        assert name == "linear"


def test_expanding_unbounded_variance_is_reported_as_infinite_not_as_the_repelling_zero():
    # SiLU at σ_b² = 0 has the fixed point q = 0, repelling when σ_w² > 4; q must run off to inf.
    fp = mf.variance_fixed_point(5.8, 0.0, get_activation("silu"))
    assert np.isinf(fp.q_star[0]) and not fp.converged[0]


def test_depth_scale_in_each_phase():
    ordered = mf.depth_scale(1.0, 0.05, TANH)
    assert ordered.phase == "ordered" and ordered.chi1 < 1
    assert ordered.xi == pytest.approx(-1 / math.log(ordered.chi1))
    assert ordered.trainable_depth == pytest.approx(6 * ordered.xi)
    chaotic = mf.depth_scale(4.0, 0.05, TANH)
    assert chaotic.phase == "chaotic" and chaotic.xi == pytest.approx(1 / math.log(chaotic.chi1))
    critical = mf.depth_scale(2.0, 0.0, RELU)
    assert critical.phase == "critical" and math.isinf(critical.trainable_depth)


def _measure(cfg, n=512):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(n, cfg.in_dim))
    params = init_params(cfg)
    scores, cache = forward(params, X, cfg)
    grads = backward(rng.normal(size=scores.shape), cache)
    act_std = np.array([np.std(h) for h in cache.h[1:]])
    grad_norm = np.array([np.linalg.norm(d) for d in grads["dh"]])
    return act_std, grad_norm, float(np.mean(np.sum(X * X, axis=1)))


@pytest.mark.parametrize(
    ("activation", "init", "sigma_w2"),
    [("relu", "he_normal", 2.0), ("tanh", "xavier_normal", 1.0), ("tanh", "scaled", 4.0)],
)
def test_predictions_match_a_wide_random_network(activation, init, sigma_w2):
    init_params_ = (("sigma_w", 2.0),) if init == "scaled" else ()
    cfg = MLPConfig(
        depth=12, width=400, in_dim=400, activation=activation, init=init, init_params=init_params_
    )
    act_std, grad_norm, mean_sq = _measure(cfg)
    var_w1 = sigma_w2 / cfg.in_dim
    pred = mf.predict_layers(get_activation(activation), 12, var_w1 * mean_sq, sigma_w2, 0.0)
    # Finite width (n = 400) makes the measured values wander by a few % per layer.
    assert np.allclose(act_std, pred["act_std"], rtol=0.2)
    measured_ratio = grad_norm / grad_norm[-1]
    assert np.allclose(measured_ratio, pred["grad_ratio"], rtol=0.2)


def test_prediction_of_an_exploding_network_stays_finite_in_log10():
    pred = mf.predict_layers(RELU, 100, 1.0, 256.0, 0.0)
    assert np.all(np.isfinite(pred["log10_grad_ratio"]))
    # 99 layers of χ = 128 above layer 1: ratio = 128^(99/2).
    assert pred["log10_grad_ratio"].iloc[0] == pytest.approx(99 / 2 * math.log10(128.0))
    assert pred["log10_grad_ratio"].iloc[-1] == 0.0
    assert pred["q"].iloc[1] == pytest.approx(128.0)


def test_phase_grid_agrees_with_the_critical_line():
    grid = mf.phase_grid(TANH, n_w=24, n_b=6)
    assert len(grid) == 144 < 5000
    assert np.all(np.isfinite(grid["log10_chi1"]))
    line = mf.critical_line(TANH, np.array([0.05]))
    boundary = float(line["sigma_w2"].iloc[0])
    row = grid[np.isclose(grid["sigma_b2"], grid["sigma_b2"].min())]
    ordered = row["sigma_w2"] < 0.98 * boundary
    chaotic = row["sigma_w2"] > 1.02 * boundary
    # The first row is centred at σ_b² = 1/12, a bit above 0.05: its boundary is to the right.
    assert (row.loc[ordered & (row["sigma_w2"] < 1.5), "phase"] == "ordered").all()
    assert (row.loc[chaotic & (row["sigma_w2"] > 3.0), "phase"] == "chaotic").all()


def test_sigmoid_needs_a_huge_sigma_w2_to_reach_the_edge():
    # Its slope never exceeds 1/4, so χ₁ = σ_w² E[σ'²] ≤ σ_w²/16.
    critical = float(mf.critical_sigma_w2(0.0, get_activation("sigmoid")))
    assert critical > 16
    assert np.isnan(mf.critical_sigma_w2(0.0, get_activation("sigmoid"), high=16.0))


def test_named_initializers_sit_at_their_sigma_w2():
    points = mf.named_points(TANH, 256, 0.05)
    by_name = dict(zip(points["name"], points["sigma_w2"], strict=True))
    assert by_name["He/Kaiming normal"] == pytest.approx(2.0)
    assert by_name["LeCun normal / Xavier/Glorot normal"] == pytest.approx(1.0)  # shared point
    assert by_name["standard U[±1/√n]"] == pytest.approx(1 / 3)
    assert by_name["standard normal N(0, 1)"] == pytest.approx(256.0)
    assert by_name["too small N(0, 0.01²)"] == pytest.approx(256e-4)
    he = points[points["name"] == "He/Kaiming normal"]
    assert float(he["chi1"].iloc[0]) == pytest.approx(float(mf.chi1(2.0, 0.05, TANH)[0]))
    # Off the diagram's σ_w² range: width 2 puts "too small" at 2e-4 < 1e-2.
    assert "too small N(0, 0.01²)" not in set(mf.named_points(TANH, 2, 0.0)["name"])


def test_phase_points_add_the_current_network_only_inside_the_range():
    inside = mf.phase_points(RELU, 64, 0.0, 3.0)
    here = inside[inside["kind"] == "current"]
    assert here["chi1"].iloc[0] == pytest.approx(1.5)
    assert "current" not in set(mf.phase_points(RELU, 64, 0.0, 5e3)["kind"])
    assert "current" not in set(mf.phase_points(RELU, 64, 0.0, None)["kind"])


def test_trainable_depth_curve_is_six_depth_scales():
    curve = mf.trainable_depth_curve(RELU, 0.0, n=9)
    assert np.allclose(curve["chi1"], curve["sigma_w2"] / 2)
    finite = np.isfinite(curve["xi"])
    assert np.allclose(curve.loc[finite, "xi"], 1 / np.abs(np.log(curve.loc[finite, "chi1"])))
    ordered = curve["chi1"] < 1  # c* = 1: Schoenholz's 6ξ_c is 6ξ
    assert np.allclose(curve.loc[ordered, "trainable_depth"], 6 * curve.loc[ordered, "xi"])
    # beyond σ_w² = 2 ReLU's variance diverges: no fixed point, so no correlation depth
    assert curve.loc[curve["chi1"] > 1, "trainable_depth"].isna().all()


@given(st.floats(-8.0, 8.0))
def test_gaussian_moments_over_sixteen_decades_of_variance(log10_q):
    q = 10.0**log10_q
    assert mf.gaussian_expectation(lambda x: x * x, q) == pytest.approx(q, rel=1e-12)
    assert mf.gaussian_expectation(lambda x: x**4, q) == pytest.approx(3 * q * q, rel=1e-12)
    assert mf.gaussian_expectation(np.ones_like, q) == pytest.approx(1.0, rel=1e-13)


def test_the_scalar_path_gives_the_batched_paths_numbers():
    # One variance (the layer-by-layer recursions) takes a path with Python-float scalars; it
    # must equal the array path exactly. A batch shares one panel count (its widest entry's),
    # so it agrees only to rounding.
    q = np.array([1e-300, 3e-9, 0.0625, 0.3, 1.0, 1.0 - 2**-52, 4.0, 7.0, 1e4, 1e12])
    for g in (lambda x: TANH.fn(x) ** 2, lambda x: TANH.grad(x) ** 2, RELU.fn):
        singles = np.array([mf.gaussian_expectation(g, v) for v in q])
        arrays = np.array([mf._positive_expectation(g, np.array([v]))[0] for v in q])
        assert np.array_equal(singles, arrays)
        assert np.allclose(mf.gaussian_expectation(g, q), singles, rtol=1e-12, atol=0)
        assert mf.gaussian_expectation(g, q[:1]).shape == (1,)
        assert mf.gaussian_expectation(g, 0.3).shape == ()


def test_panels_start_on_a_power_of_two_and_reach_twelve_sigma():
    for sqrt_q in (2.0**-20, 0.1, 0.25, 1.0 - 2**-53, 1.0, 3.0, 1e6):
        x, w = mf._panel_nodes(np.array([sqrt_q]))
        first = 2.0 ** (math.floor(math.log2(min(sqrt_q, 1.0))) - 6)
        reach = float(w.sum())  # Gauss-Legendre weights add up to each panel's length
        assert 0 < x.min() < first  # the first panel is [0, first]
        assert 12 * sqrt_q <= reach * (1 + 1e-12) and reach < 24 * sqrt_q + 2 * first
        doublings = math.log2(reach / first)  # panels [0, a], [a, 2a], [2a, 4a], ...
        assert doublings == pytest.approx(round(doublings), abs=1e-9)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "gelu"])
def test_phase_diagram_peak_is_its_largest_quadrature(name, monkeypatch):
    """The cost model's peak counts the grid's quadrature: its panel table matches the nodes
    the phase diagram actually evaluates at once."""
    act = get_activation(name)
    sizes = []
    panel_nodes = mf._panel_nodes

    def spy(sqrt_q):
        x, w = panel_nodes(sqrt_q)
        sizes.append(x.size)
        return x, w

    monkeypatch.setattr(mf, "_panel_nodes", spy)
    mf.phase_grid(act)
    assert max(sizes) == mf.PHASE_GRID_CELLS * 12 * mf.PHASE_PANELS.get(name, 31)
    assert mf.phase_diagram_cost(act).peak_bytes == mf.PHASE_ARRAYS * max(sizes) * 8.0


@pytest.mark.parametrize(
    ("name", "sigma_w2", "exact"),
    [("softsign", 0.5, 0.5), ("elu", 0.5, 0.5), ("tanh", 0.7, 0.7), ("relu", 1.5, 0.75)],
)
def test_chi1_at_a_vanishing_fixed_point_is_the_exact_limit(name, sigma_w2, exact):
    """σ_b² = 0 and χ(0) < 1: q* = 0 and χ₁ = σ_w²·(φ'(0⁺)² + φ'(0⁻)²)/2 exactly, not off by
    O(√q) at a small q for slopes with a kink at 0 (ReLU: the average of 0 and 1)."""
    scale = mf.depth_scale(sigma_w2, 0.0, get_activation(name))
    assert scale.q_star == 0.0
    assert scale.chi1 == pytest.approx(exact, rel=1e-14)


def test_trainable_depth_uses_schoenholz_correlation_depth():
    """6ξ_c, not 6/|ln χ₁|: tanh at σ_w² = 2, σ_b² = 0 is chaotic with c* = 0 (odd φ, no bias)
    and 6ξ_c ≈ 130 where 6ξ = 59.8; in the ordered phase c* = 1 and ξ_c = ξ exactly."""
    tanh = get_activation("tanh")
    chaotic = mf.depth_scale(2.0, 0.0, tanh)
    assert chaotic.phase == "chaotic" and abs(chaotic.c_star) < 1e-12
    assert 6 * chaotic.xi == pytest.approx(59.8, abs=0.05)
    assert chaotic.trainable_depth == pytest.approx(130.3, abs=0.1)
    # c* is a fixed point of the correlation map: check it against a direct quadrature
    z, w = gauss_hermite_normal(80)
    q = chaotic.q_star
    u1 = np.sqrt(q) * z[:, None]
    u2 = np.sqrt(q) * z[None, :]  # c* = 0: independent
    assert 2.0 * np.sum(w[:, None] * w[None, :] * tanh.fn(u1) * tanh.fn(u2)) / q == pytest.approx(
        0.0, abs=1e-12
    )
    slopes = 2.0 * np.sum(w[:, None] * w[None, :] * tanh.grad(u1) * tanh.grad(u2))
    assert chaotic.chi_c == pytest.approx(slopes, rel=1e-7)  # 40 vs 80 nodes
    ordered = mf.depth_scale(1.0, 0.05, tanh)
    assert ordered.c_star == 1.0 and ordered.xi_c == ordered.xi
    assert ordered.trainable_depth == 6 * ordered.xi
    with_bias = mf.depth_scale(3.0, 0.05, tanh)
    assert 0 < with_bias.c_star < 1 and with_bias.chi_c < 1 < with_bias.chi1


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "softsign", "elu", "selu", "gelu", "softplus"])
@pytest.mark.parametrize("sigma_b2", [0.0, 0.05, 0.5])
def test_the_critical_point_is_where_chi1_crosses_one_as_the_bisection_finds(name, sigma_b2):
    """One solver: the point agrees with the bisection on χ₁ (which draws the Phase diagram's
    line), χ₁ crosses 1 there, and where it is a point of the q*-parametrised line it is a
    fixed point of the variance map with χ(q*) = 1 exactly."""
    act = get_activation(name)
    sigma_w2, q_star = mf.critical_point(sigma_b2, act)
    bisected = float(mf.critical_sigma_w2(sigma_b2, act))
    assert sigma_w2 == pytest.approx(bisected, rel=1e-6)
    below, above = mf.chi1(sigma_w2 * np.array([1 - 1e-3, 1 + 1e-3]), sigma_b2, act)
    assert below < 1 < above
    if 0 < q_star < math.inf and float(mf.chi(q_star, sigma_w2, act)) == pytest.approx(1.0):
        assert float(mf.q_map(q_star, sigma_w2, sigma_b2, act)) == pytest.approx(q_star, rel=1e-8)


def test_the_critical_point_is_exact_on_the_line_and_homogeneous_slopes_need_no_q():
    assert mf.critical_point(0.0, TANH) == (1.0, 0.0)  # the bisection alone: 1.0000005
    assert mf.critical_point(0.0, get_activation("softsign")) == (1.0, 0.0)
    assert mf.critical_point(0.3, RELU)[0] == 2.0 and math.isnan(mf.critical_point(0.3, RELU)[1])
    # sigmoid(0) = 1/2: the origin is not a fixed point, so there is no q* = 0 point at σ_b² = 0
    sigma_w2, q_star = mf.critical_point(0.0, get_activation("sigmoid"))
    assert sigma_w2 > 100 and q_star > 40
    assert float(mf.chi(q_star, sigma_w2, get_activation("sigmoid"))) == pytest.approx(1.0)
    # GELU at small σ_b²: χ₁ jumps across 1 with the fixed point the iteration reaches
    gelu = get_activation("gelu")
    sigma_w2, _ = mf.critical_point(0.05, gelu)
    below, above = mf.chi1(sigma_w2 * np.array([1 - 1e-6, 1 + 1e-6]), 0.05, gelu)
    assert below == pytest.approx(0.73, abs=0.01) and above > 1.1
