"""Jacobian spectra of a deep MLP at init: J from the MLP's forward pass, criticality, isometry."""

import math

import numpy as np
import pytest

from gradviz import meanfield
from gradviz import spectra as sp
from gradviz.activations import get_activation
from gradviz.budget import COMPUTE_BYTES, TAB_SECONDS, Cost
from gradviz.mlp import forward, init_params


def _jacobian_by_differences(act, sigma_w, sigma_b2, depth, width, seed, q_in, h=1e-6):
    """J = ∂h_L/∂h_0 column by column, by central differences through gradviz.mlp.forward."""
    cfg = sp.mlp_config("gaussian", act, sigma_w, sigma_b2, depth, width, seed)
    params = init_params(cfg)
    x = math.sqrt(q_in) * np.random.default_rng([seed, 3]).normal(size=(1, width))
    jac = np.empty((width, width))
    for i in range(width):
        step = np.zeros((1, width))
        step[0, i] = h
        plus = forward(params, x + step, cfg)[1].h[-1][0]
        minus = forward(params, x - step, cfg)[1].h[-1][0]
        jac[:, i] = (plus - minus) / (2 * h)
    return jac


def test_spectrum_is_that_of_the_finite_difference_jacobian():
    jac = _jacobian_by_differences("tanh", 1.2, 0.05, 4, 8, 1, 0.5)
    spectrum = sp.jacobian_spectrum("gaussian", "tanh", 1.2, 0.05, 4, 8, 1, 0.5)
    expected = np.linalg.svd(jac, compute_uv=False)
    assert np.allclose(spectrum.singular_values, expected, rtol=1e-6)
    assert spectrum.max[-1] == pytest.approx(expected[0], rel=1e-6)
    assert spectrum.mean[-1] == pytest.approx(expected.mean(), rel=1e-6)


def test_critical_points():
    assert sp.critical_point("tanh", 0.0) == (pytest.approx(1.0), 0.0)
    sigma, q_star = sp.critical_point("tanh", 0.05)
    assert sigma**2 == pytest.approx(1.76, abs=0.005)  # Schoenholz et al.'s edge of chaos
    act = get_activation("tanh")
    assert meanfield.chi(q_star, sigma**2, act) == pytest.approx(1.0, rel=1e-8)
    # q* really is the fixed point of the variance map at (σ_w², σ_b²).
    assert meanfield.q_map(q_star, sigma**2, 0.05, act) == pytest.approx(q_star, rel=1e-8)
    assert sp.critical_point("relu", 0.0)[0] == pytest.approx(math.sqrt(2.0), rel=1e-9)
    assert math.isnan(sp.critical_point("relu", 0.0)[1])
    assert sp.critical_point("linear", 0.5)[0] == pytest.approx(1.0, rel=1e-12)


def test_input_variance():
    assert sp.input_variance(0.0) == 1e-6
    assert sp.input_variance(0.57) == 0.57
    assert sp.input_variance(math.nan) == 1.0 and sp.input_variance(math.inf) == 1.0


def test_orthogonal_linear_is_an_exact_isometry():
    s = sp.jacobian_spectrum("orthogonal", "linear", 1.0, 0.0, 50, 64, 0, 1.0)
    assert np.allclose(s.singular_values, 1.0, rtol=1e-10)
    assert sp.spread_decades(s) < 1e-10


def test_orthogonal_tanh_at_criticality_keeps_every_direction_gaussian_does_not():
    sigma, q_star = sp.critical_point("tanh", 0.0)
    q_in = sp.input_variance(q_star)
    ortho = sp.jacobian_spectrum("orthogonal", "tanh", sigma, 0.0, 50, 128, 0, q_in)
    gauss = sp.jacobian_spectrum("gaussian", "tanh", sigma, 0.0, 50, 128, 0, q_in)
    assert sp.spread_decades(ortho) < 0.01
    assert np.all(ortho.resolved)
    assert sp.spread_decades(gauss) > 10  # most directions' gains fall to round-off
    assert gauss.max[-1] > 3  # while a few grow


def test_relu_spectrum_spreads_even_with_orthogonal_weights():
    sigma, _ = sp.critical_point("relu", 0.0)
    s = sp.jacobian_spectrum("orthogonal", "relu", sigma, 0.0, 30, 64, 0, 1.0)
    assert sp.spread_decades(s) > 3


def test_off_critical_scale_vanishes_and_explodes():
    low = sp.jacobian_spectrum("orthogonal", "linear", 0.8, 0.0, 20, 32, 0, 1.0)
    high = sp.jacobian_spectrum("orthogonal", "linear", 1.25, 0.0, 20, 32, 0, 1.0)
    assert np.allclose(low.singular_values, 0.8**20, rtol=1e-9)
    assert np.allclose(high.singular_values, 1.25**20, rtol=1e-9)


def test_overflow_is_reported_and_frames_stay_finite():
    s = sp.jacobian_spectrum("gaussian", "linear", 40.0, 0.0, 200, 16, 0, 1.0)
    assert s.breakdown.kind == "inf"
    hist, dropped = sp.histogram_frame([s])
    assert dropped == 16 and hist.empty
    depth = sp.depth_frame([s])
    assert np.all(np.isfinite(depth["log10_value"]))


def test_frames():
    spectra = [sp.jacobian_spectrum(w, "tanh", 1.0, 0.0, 30, 32, 0, 1.0) for w in sp.WEIGHTS]
    hist, dropped = sp.histogram_frame(spectra)
    assert dropped + hist["count"].sum() == 64
    assert set(hist["weights"]) <= set(sp.WEIGHTS)
    by_weights = hist.groupby("weights")
    assert np.allclose(by_weights["fraction"].sum() * 32, by_weights["count"].sum())
    depth = sp.depth_frame(spectra)
    assert set(depth["statistic"]) == {"mean", "max"}
    assert len(hist) < 5000 and len(depth) < 5000
    assert list(sp.report_depths(30)) == sorted(set(sp.report_depths(30)))
    assert sp.report_depths(30)[0] == 1 and sp.report_depths(30)[-1] == 30


def test_unknown_weights():
    with pytest.raises(ValueError, match="unknown weights"):
        sp.mlp_config("uniform", "tanh", 1.0, 0.0, 2, 4, 0)


@pytest.mark.parametrize("weights", sp.WEIGHTS)
def test_streamed_layers_are_the_mlp_weights_and_pre_activations_bit_for_bit(weights):
    cfg = sp.mlp_config(weights, "tanh", 1.3, 0.05, 6, 8, 4)
    params = init_params(cfg)
    layers = list(sp.network_layers(cfg))
    assert len(layers) == cfg.depth
    for layer, (w, b) in enumerate(layers, start=1):
        assert np.array_equal(w, params[f"W{layer}"]) and np.array_equal(b, params[f"b{layer}"])
    # The spectrum's streamed forward pass is mlp.forward's: J from its slopes, bit for bit.
    x = np.random.default_rng([4, 3]).normal(size=(1, 8))
    _, cache = forward(params, x, cfg)
    jac = np.eye(8)
    for layer in range(1, cfg.depth + 1):
        jac = cache.slope[layer - 1][0][:, None] * (params[f"W{layer}"].T @ jac)
    expected = np.linalg.svd(jac, compute_uv=False)
    spectrum = sp.jacobian_spectrum(weights, "tanh", 1.3, 0.05, 6, 8, 4, 1.0)
    assert np.array_equal(spectrum.singular_values, expected)


def test_cost_grows_with_size_and_the_largest_setting_fits_the_tab_budget():
    small, large = sp.spectrum_cost("gaussian", 10, 64), sp.spectrum_cost("gaussian", 200, 64)
    assert large.seconds > 5 * small.seconds and large.peak_bytes == small.peak_bytes
    assert (
        sp.spectrum_cost("orthogonal", 50, 128).seconds
        > sp.spectrum_cost("gaussian", 50, 128).seconds
    )
    # The tab computes both spectra; at the sliders' maxima that fits the budget.
    both = sum((sp.spectrum_cost(w, sp.MAX_DEPTH, max(sp.WIDTHS)) for w in sp.WEIGHTS), Cost())
    assert both.fits(TAB_SECONDS, COMPUTE_BYTES)
