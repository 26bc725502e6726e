"""E[f'(z)], saturated shares and the distribution of f'(z) for z ~ N(μ, s²)."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradviz.activations import NAMES, gauss_hermite_normal, get_activation
from gradviz.saturation import (
    expected_slope,
    normal_cdf,
    normal_nodes,
    saturated_fraction,
    slope_distribution,
    slope_stats,
    slope_vs_scale,
)


def test_normal_nodes_integrate_moments():
    z, w = normal_nodes(0.7, 2.3)
    assert w.sum() == pytest.approx(1.0, abs=1e-13)
    assert np.sum(w * z) == pytest.approx(0.7, abs=1e-12)
    assert np.sum(w * (z - 0.7) ** 2) == pytest.approx(2.3**2, rel=1e-12)
    with pytest.raises(ValueError, match="s must be > 0"):
        normal_nodes(0.0, 0.0)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "gelu", "silu", "softplus"])
@pytest.mark.parametrize(("mu", "s"), [(0.0, 0.5), (0.3, 1.0), (-1.0, 1.5)])
def test_smooth_expectations_agree_with_gauss_hermite(name, mu, s):
    act = get_activation(name)
    # Gauss-Hermite converges slowly for sech²-like slopes (poles at ±iπ/2): take 301 nodes
    z, w = gauss_hermite_normal(301)
    hermite = np.sum(w * act.grad(mu + s * z))
    assert expected_slope(act, mu, s) == pytest.approx(hermite, abs=1e-12)


@given(st.floats(-3, 3), st.floats(0.1, 10), st.floats(0.0, 1.0))
def test_piecewise_linear_expectations_are_exact(mu, s, alpha):
    # leaky ReLU: E[f'] = Φ(μ/s) + α(1 - Φ(μ/s)); hard tanh: P(-1 < Z < 1)
    p = float(normal_cdf(mu / s))
    leaky = get_activation("leaky_relu", alpha=alpha)
    assert expected_slope(leaky, mu, s) == pytest.approx(p + alpha * (1 - p), abs=1e-12)
    inside = float(normal_cdf((1 - mu) / s) - normal_cdf((-1 - mu) / s))
    assert expected_slope(get_activation("hardtanh"), mu, s) == pytest.approx(inside, abs=1e-12)
    assert saturated_fraction(get_activation("relu"), mu, s, 0.05) == pytest.approx(
        1 - p, abs=1e-12
    )


def test_elu_expectation_closed_form():
    # E[α e^Z; Z <= 0] = α e^{μ + s²/2} Φ(-μ/s - s) for Z ~ N(μ, s²)
    mu, s, alpha = 0.4, 1.7, 2.0
    p = float(normal_cdf(mu / s))
    neg = alpha * math.exp(mu + s * s / 2) * float(normal_cdf(-mu / s - s))
    act = get_activation("elu", alpha=alpha)
    assert expected_slope(act, mu, s) == pytest.approx(p + neg, rel=1e-11)


def test_sigmoid_saturated_share_matches_closed_form():
    t = 0.05
    u = 2 * t / ((1 - 2 * t) + math.sqrt(1 - 4 * t))
    edge = -math.log(u)
    for mu, s in [(0.0, 1.0), (0.5, 3.0), (-2.0, 0.3)]:
        want = float(normal_cdf((-edge - mu) / s) + 1 - normal_cdf((edge - mu) / s))
        assert saturated_fraction(get_activation("sigmoid"), mu, s, t) == pytest.approx(
            want, abs=1e-13
        )


def test_large_weights_kill_sigmoid_gradients():
    act = get_activation("sigmoid")
    scales = [0.1, 0.5, 1, 2, 5, 10]
    means = [expected_slope(act, 0.0, s) for s in scales]
    shares = [saturated_fraction(act, 0.0, s, 0.05) for s in scales]
    assert np.all(np.diff(means) < 0) and means[0] > 0.249 and means[-1] < 0.04
    assert np.all(np.diff(shares) >= 0) and shares[-1] > 0.75


def test_expectation_stays_accurate_when_s_is_large():
    # For s ≫ 1, E[σ'(Z)] = ∫σ'(z) φ(z/s)/s dz = (1 - (∫z²σ')/(2s²) + ...)/(s√(2π)) with
    # ∫z²σ'(z)dz = π²/3; the next term is O(s⁻⁴). Gauss-Hermite cannot resolve σ' at this s.
    act = get_activation("sigmoid")
    s = 400.0
    want = (1 - math.pi**2 / (6 * s**2)) / (s * math.sqrt(2 * math.pi))
    assert expected_slope(act, 0.0, s) == pytest.approx(want, rel=1e-9)
    z, w = gauss_hermite_normal(151)
    assert abs(np.sum(w * act.grad(s * z)) - want) > 1e-5


def test_relu_slope_is_half_at_every_scale():
    frame = slope_vs_scale({"ReLU": get_activation("relu")}, 0.0, np.geomspace(0.1, 10, 7), 0.05)
    assert np.allclose(frame["mean_slope"], 0.5, atol=1e-12)
    assert np.allclose(frame["saturated"], 0.5, atol=1e-12)


def test_distribution_sums_to_one_and_puts_relu_mass_on_0_and_1():
    acts = {name: get_activation(name) for name in NAMES}
    dist = slope_distribution(acts, 0.0, 1.0)
    assert len(dist) == 40 * len(NAMES) < 5000
    sums = dist.groupby("activation")["probability"].sum()
    assert np.allclose(sums, 1.0, atol=1e-12)
    relu = dist[dist["activation"] == "relu"]
    at_zero = relu[(relu["bin_start"] <= 0) & (relu["bin_end"] > 0)]
    at_one = relu[(relu["bin_start"] <= 1) & (relu["bin_end"] > 1)]
    assert at_zero["probability"].item() == pytest.approx(0.5, abs=1e-12)
    assert at_one["probability"].item() == pytest.approx(0.5, abs=1e-12)
    lin = slope_distribution({"linear": get_activation("linear")}, 0.0, 1.0)
    assert lin["probability"].sum() == pytest.approx(1.0)
    assert slope_distribution({}, 0.0, 1.0).empty


def test_slope_stats_bundle():
    stats = slope_stats("tanh", get_activation("tanh"), 0.0, 1.0, 0.05)
    assert stats.mean_slope == pytest.approx(expected_slope(get_activation("tanh"), 0.0, 1.0))
    assert 0 < stats.saturated < 0.05
