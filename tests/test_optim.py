"""Optimizers and clipping."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gradviz.optim import Optimizer, clip, clip_by_norm, clip_by_value, global_norm

finite = st.floats(-1e6, 1e6, allow_nan=False)


@given(arrays(float, 7, elements=finite), arrays(float, 3, elements=finite), st.floats(0.01, 100))
def test_norm_clipping_caps_the_global_norm_and_keeps_direction(a, b, theta):
    grads = {"W": a, "b": b}
    clipped = clip_by_norm(grads, theta)
    assert global_norm(clipped) <= theta * (1 + 1e-9) or global_norm(grads) <= theta
    norm = global_norm(grads)
    if norm > theta:
        assert np.allclose(clipped["W"] * norm / theta, a)


@given(arrays(float, 5, elements=finite), st.floats(0.01, 100))
def test_value_clipping_bounds_every_entry(a, theta):
    assert np.all(np.abs(clip_by_value({"W": a}, theta)["W"]) <= theta)


def test_non_finite_norm_is_left_for_the_caller_to_report():
    g = {"W": np.array([np.inf, 1.0])}
    assert clip_by_norm(g, 1.0) is g
    assert global_norm({"W": np.array([np.nan, 1.0])}) != global_norm({"W": np.ones(2)})


def test_huge_but_finite_gradients_are_clipped_not_reported_as_inf():
    g = {"W": np.array([3e200, 4e200]), "b": np.array([0.0])}
    assert global_norm(g) == pytest.approx(5e200)
    assert np.allclose(clip_by_norm(g, 1.0)["W"], [0.6, 0.8])


def test_clip_dispatch_rejects_unknown_mode():
    with pytest.raises(ValueError):
        clip({}, "bogus", 1.0)


@pytest.mark.parametrize("kind", ["sgd", "momentum", "adam"])
def test_optimizers_minimise_a_quadratic(kind):
    target = np.array([1.0, -2.0, 3.0])
    params = {"x": np.zeros(3)}
    opt = Optimizer(kind, lr=0.1 if kind != "adam" else 0.05)
    for _ in range(500):
        opt.step(params, {"x": 2 * (params["x"] - target)})
    assert np.allclose(params["x"], target, atol=1e-3)


def test_sgd_update_is_minus_lr_times_gradient():
    params = {"x": np.array([1.0])}
    update = Optimizer("sgd", lr=0.5).step(params, {"x": np.array([2.0])})
    assert update["x"][0] == -1.0 and params["x"][0] == 0.0


def test_adam_first_step_has_magnitude_lr():
    params = {"x": np.array([0.0, 0.0])}
    Optimizer("adam", lr=0.01).step(params, {"x": np.array([1e-3, -50.0])})
    assert np.allclose(np.abs(params["x"]), 0.01, rtol=1e-4)


@pytest.mark.parametrize("kind", ["sgd", "momentum", "adam"])
def test_flat_steps_are_the_dict_steps(kind):
    rng = np.random.default_rng(0)
    shapes = {"W1": (3, 4), "b1": (4,), "W2": (4, 1)}
    params = {k: rng.normal(size=s) for k, s in shapes.items()}
    flat = np.concatenate([p.ravel() for p in params.values()])
    by_dict, by_flat = Optimizer(kind, lr=0.05), Optimizer(kind, lr=0.05)
    update = np.empty_like(flat)
    for _ in range(4):
        grads = {k: rng.normal(size=s) for k, s in shapes.items()}
        applied = by_dict.step(params, grads)
        by_flat.step_flat(flat, np.concatenate([g.ravel() for g in grads.values()]), update)
        assert np.array_equal(update, np.concatenate([u.ravel() for u in applied.values()]))
    assert np.array_equal(flat, np.concatenate([p.ravel() for p in params.values()]))
