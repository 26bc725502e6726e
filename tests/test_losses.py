"""Losses and penalties: values against independent formulas, gradients against finite
differences."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradviz.gradcheck import numerical_gradient, rel_error
from gradviz.losses import (
    accuracy,
    class_probability,
    l1_penalty,
    l2_penalty,
    loss_forward,
    output_dim,
)

TOL = 1e-6


def _targets(kind, rng, n):
    return rng.integers(0, 2, size=n) if kind != "mse" else rng.normal(size=n)


@pytest.mark.parametrize("kind", ["bce", "softmax", "mse"])
def test_loss_gradient_matches_finite_differences(kind, rng):
    n = 7
    scores = rng.normal(size=(n, output_dim(kind)))
    y = _targets(kind, rng, n)
    _, dscores = loss_forward(kind, scores, y)
    numeric = numerical_gradient(lambda: loss_forward(kind, scores, y)[0], scores)
    assert rel_error(dscores, numeric) < TOL


def test_bce_equals_the_textbook_formula_and_is_stable_for_huge_logits():
    s = np.array([[-2.0], [0.5], [3.0]])
    y = np.array([0, 1, 1])
    p = 1 / (1 + np.exp(-s[:, 0]))
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert np.isclose(loss_forward("bce", s, y)[0], expected)
    loss, d = loss_forward("bce", np.array([[1e6], [-1e6]]), np.array([0, 1]))
    assert np.isclose(loss, 1e6) and np.all(np.isfinite(d))


def test_softmax_equals_the_textbook_formula():
    s = np.array([[1.0, 2.0], [3.0, -1.0]])
    y = np.array([1, 1])
    p = np.exp(s) / np.exp(s).sum(axis=1, keepdims=True)
    assert np.isclose(loss_forward("softmax", s, y)[0], -np.mean(np.log(p[[0, 1], y])))
    assert np.allclose(class_probability("softmax", s), p[:, 1])


def test_mse_and_accuracy():
    s = np.array([[1.0], [0.0]])
    assert loss_forward("mse", s, np.array([0.0, 0.0]))[0] == 0.5
    assert accuracy("bce", np.array([[2.0], [-1.0], [np.nan]]), np.array([1, 0, 1])) == 2 / 3


@pytest.mark.parametrize("penalty", [l1_penalty, l2_penalty])
def test_penalty_gradients_match_finite_differences(penalty, rng):
    params = {"W1": rng.normal(size=(3, 4)), "b1": rng.normal(size=4), "W2": rng.normal(size=4)}
    _, grads = penalty(params, 0.3)
    assert set(grads) == {"W1", "W2"}  # biases are never penalized
    for key in grads:
        numeric = numerical_gradient(lambda: penalty(params, 0.3)[0], params[key])
        assert rel_error(grads[key], numeric) < TOL


def test_penalty_values():
    params = {"W1": np.array([[1.0, -2.0]]), "b1": np.array([100.0])}
    assert l1_penalty(params, 0.5)[0] == 1.5
    assert l2_penalty(params, 0.5)[0] == 0.25 * 5


@given(st.integers(1, 30), st.floats(-1e300, 1e300))
def test_losses_never_warn_and_have_scores_shape(n, scale):
    scores = np.full((n, 1), scale)
    for kind in ("bce", "mse"):
        _, d = loss_forward(kind, scores, np.ones(n))
        assert d.shape == scores.shape


def test_unknown_loss_is_a_clear_error():
    with pytest.raises(ValueError, match="choose one of"):
        loss_forward("hinge", np.zeros((2, 1)), np.zeros(2))
