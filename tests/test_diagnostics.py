"""Per-layer statistics: the schema, and each metric against a direct computation."""

import numpy as np
import pytest

from gradviz import diagnostics as d
from gradviz.losses import loss_forward
from gradviz.mlp import MLPConfig, backward, forward, init_params


def _pass(cfg, n=64, seed=0):
    params = init_params(cfg)
    X = np.random.default_rng(seed).normal(size=(n, 2))
    scores, cache = forward(params, X, cfg)
    grads = backward(loss_forward("bce", scores, np.ones(n))[1], cache)
    return params, cache, grads


def _value(df, layer, metric):
    return df[(df["layer"] == layer) & (df["metric"] == metric)]["value"].item()


def test_schema_and_layers():
    cfg = MLPConfig(depth=4, width=8)
    df = d.layer_stats(*_pass(cfg), cfg)
    assert list(df.columns) == ["layer", "metric", "value"]
    assert set(df["metric"]) == set(d.METRICS)
    hidden = df[df["metric"].isin(d.HIDDEN_METRICS)]
    assert sorted(hidden["layer"].unique()) == [1, 2, 3, 4]
    assert sorted(df[df["metric"] == d.WEIGHT_GRAD_NORM]["layer"]) == [1, 2, 3, 4, 5]


def test_metrics_equal_direct_computations():
    cfg = MLPConfig(depth=3, width=16, activation="sigmoid", init="standard_normal", seed=2)
    params, cache, grads = _pass(cfg)
    df = d.layer_stats(params, cache, grads, cfg, sat_threshold=0.05)
    z, h = cache.z[1], cache.h[2]
    assert np.isclose(_value(df, 2, d.PRE_STD), z.std())
    assert np.isclose(_value(df, 2, d.ACT_MEAN), h.mean())
    slope = np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))) ** 2
    assert np.isclose(_value(df, 2, d.SATURATED), 100 * np.mean(slope < 0.05))
    assert np.isclose(_value(df, 2, d.GRAD_H_NORM), np.linalg.norm(grads["dh"][1]))
    assert np.isclose(_value(df, 3, d.BIAS_GRAD_NORM), np.linalg.norm(grads["b3"]))
    ratio = np.linalg.norm(grads["W2"]) / np.linalg.norm(params["W2"])
    assert np.isclose(_value(df, 2, d.GRAD_DATA_RATIO), ratio)


def test_dead_units_zero_init_relu_and_biases_driven_negative():
    cfg = MLPConfig(depth=2, width=8, activation="relu", init="zeros")
    df = d.layer_stats(*_pass(cfg), cfg)
    assert _value(df, 1, d.DEAD) == 100.0  # z = 0 everywhere and ReLU'(0) = 0
    # a grad:data ratio with zero weights is inf or NaN, as data (no warning)
    assert not np.isfinite(_value(df, 1, d.GRAD_DATA_RATIO))
    params = init_params(MLPConfig(depth=1, width=4, activation="relu", init="he_normal"))
    params["b1"][:2] = -1e3  # two units pushed negative for every input
    cfg = MLPConfig(depth=1, width=4, activation="relu", init="he_normal")
    X = np.random.default_rng(0).normal(size=(50, 2))
    _, cache = forward(params, X, cfg)
    assert d.dead_fraction(cache.slope[0]) == 0.5


def test_batchnorm_bias_gradient_is_the_beta_gradient():
    cfg = MLPConfig(depth=2, width=6, batchnorm=True)
    params, cache, grads = _pass(cfg)
    df = d.layer_stats(params, cache, grads, cfg)
    assert np.isclose(_value(df, 1, d.BIAS_GRAD_NORM), np.linalg.norm(grads["beta1"]))
    assert np.isclose(_value(df, 3, d.BIAS_GRAD_NORM), np.linalg.norm(grads["b3"]))


@pytest.mark.parametrize("shift", [0.0, 0.5, -3e5])
def test_mean_and_std_are_numpys_numbers(shift):
    x = np.random.default_rng(0).normal(shift, 0.01, size=(33, 17))
    scratch = np.empty_like(x)
    assert d.mean_and_std(x, scratch) == (float(np.mean(x)), float(np.std(x)))
    assert d.mean_and_std(x) == (float(np.mean(x)), float(np.std(x)))
    assert d.mean_and_std(np.full((4, 4), 0.3)) == (pytest.approx(0.3), 0.0)


@pytest.mark.parametrize(
    "slope",
    [
        np.full((6, 4), 0.9),  # nothing small: the one-reduction path
        np.full((6, 4), -0.9),  # all of one sign, negative
        np.array([[0.5, -0.5, 0.0, 1e-3]] * 6),  # mixed signs, a dead unit, saturated ones
        np.array([[0.5, np.nan, 0.2, 0.0]] * 6),  # NaN takes the full computation
    ],
)
def test_saturated_and_dead_match_the_masks(slope):
    saturated, dead = d.saturated_and_dead(slope, 0.01)
    assert saturated == 100.0 * np.mean(np.abs(slope) < 0.01)
    assert dead == 100.0 * np.mean(np.all(slope == 0, axis=0))
