"""Saturation zones, curves and peak points of the activation registry."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradviz.activations import NAMES, REGISTRY, get_activation
from gradviz.curves import (
    KINKS,
    activation_curves,
    curve_grid,
    peak_points,
    properties_table,
    saturated_intervals,
    saturation_zones,
)


def sigmoid_saturation_edge(t: float) -> float:
    """|x| beyond which σ'(x) < t: σ' = u/(1+u)² with u = e^{-|x|}, a quadratic in u."""
    # smaller root of t u² + (2t - 1) u + t = 0, in the form without cancellation
    u = 2 * t / ((1 - 2 * t) + math.sqrt(1 - 4 * t))
    return -math.log(u)


@pytest.mark.parametrize("t", [0.001, 0.05, 0.2])
def test_sigmoid_zones_match_closed_form(t):
    edge = sigmoid_saturation_edge(t)
    zones = saturated_intervals(get_activation("sigmoid"), t, -20, 20)
    assert zones.shape == (2, 2)
    assert zones[0, 0] == -20 and zones[1, 1] == 20
    assert zones[0, 1] == pytest.approx(-edge, abs=1e-12)
    assert zones[1, 0] == pytest.approx(edge, abs=1e-12)


def test_tanh_zone_matches_closed_form():
    # sech²(x) = t  <=>  |x| = arccosh(1/sqrt(t))
    t = 0.05
    zones = saturated_intervals(get_activation("tanh"), t, -10, 10)
    assert zones[1, 0] == pytest.approx(math.acosh(1 / math.sqrt(t)), abs=1e-12)


def test_relu_and_hardtanh_zones_end_exactly_at_their_kinks():
    relu = saturated_intervals(get_activation("relu"), 0.05, -3, 3)
    assert relu.tolist() == [[-3.0, 0.0]]
    hard = saturated_intervals(get_activation("hardtanh"), 0.5, -3, 3)
    assert hard.tolist() == [[-3.0, -1.0], [1.0, 3.0]]
    assert saturated_intervals(get_activation("leaky_relu"), 0.005, -3, 3).size == 0
    assert saturated_intervals(get_activation("leaky_relu", alpha=0.0), 0.005, -3, 3).size == 2


def test_gelu_has_an_interior_zone_around_its_zero_slope():
    # GELU's slope crosses 0 near x = -0.75 (its minimum), so a small threshold gives a
    # zone strictly inside the range as well as the left tail.
    zones = saturated_intervals(get_activation("gelu"), 0.05, -6, 6)
    inner = zones[(zones[:, 0] > -6)]
    assert len(inner) == 1 and -1.0 < inner[0, 0] < inner[0, 1] < -0.5
    slope = get_activation("gelu").grad(inner[0])
    assert np.allclose(np.abs(slope), 0.05, atol=1e-12)


def test_kinks_cover_every_non_smooth_slope():
    # Away from KINKS every f' is smooth: its second difference on a fine grid is tiny.
    x = np.linspace(-4, 4, 80_001)
    away = np.min(np.abs(x[:, None] - np.array(KINKS)[None, :]), axis=1) > 1e-3
    for name in NAMES:
        g = get_activation(name).grad(x)
        second = np.abs(g[2:] - 2 * g[1:-1] + g[:-2])
        assert second[away[1:-1]].max() < 1e-6, name


def test_curve_grid_contains_kinks_and_both_sides():
    x = curve_grid(6.0)
    for k in KINKS:
        assert k in x and k - 1e-9 in x and k + 1e-9 in x
    assert np.all(np.diff(x) > 0) and x[0] == -6 and x[-1] == 6
    assert 0.0 not in curve_grid(0.5)[:0]  # narrow ranges still work
    assert curve_grid(0.5).max() == 0.5


def test_all_activations_at_extreme_range_stay_under_5000_rows_and_finite():
    acts = {name: get_activation(name) for name in NAMES}
    curves = activation_curves(acts, 50.0)
    assert len(curves) < 5000
    assert np.all(np.isfinite(curves[["f", "slope"]].to_numpy()))
    zones = saturation_zones(acts, 0.001, 50.0)
    assert set(zones.columns) == {"activation", "x_start", "x_end", "width"}
    assert (zones["width"] > 0).all()


def test_empty_selection_gives_empty_frames():
    assert activation_curves({}, 5.0).empty
    assert saturation_zones({}, 0.05, 5.0).empty


def test_peak_points_follow_the_seed():
    acts = {n: get_activation(n) for n in ("sigmoid", "tanh", "softsign", "relu")}
    peaks = peak_points(acts).set_index("activation")
    assert peaks.loc["sigmoid", "peak"] == 0.25 and peaks.loc["sigmoid", "x"] == 0.0
    assert peaks.loc["tanh", "peak"] == 1.0 and peaks.loc["softsign", "peak"] == 1.0
    assert peaks.loc["relu", "where"] == "x > 0"
    assert peaks.loc["sigmoid", "f_at_peak"] == 0.5


def test_properties_table_lists_parameterised_entries():
    acts = {str(a): a for a in (get_activation("elu", alpha=2.5), get_activation("relu"))}
    table = properties_table(acts).set_index("activation")
    assert table.loc["ELU(α=2.5)", "output range"] == "(-2.5, ∞)"
    assert table.loc["ReLU", "f' values"] == "0, 1"
    assert table.loc["ReLU", "zero-centred"] == "no"


@given(
    st.sampled_from([n for n in NAMES if REGISTRY[n].params]),
    st.floats(0.0, 1.0),
    st.sampled_from([0.001, 0.05, 0.2]),
)
def test_zones_at_any_parameter_are_consistent(name, frac, t):
    spec = REGISTRY[name]
    values = {p.name: p.low + frac * (p.high - p.low) for p in spec.params}
    act = spec.make(**values)
    zones = saturated_intervals(act, t, -8, 8)
    mids = zones.mean(axis=1) if zones.size else np.array([])
    assert np.all(np.abs(act.grad(mids)) < t)
