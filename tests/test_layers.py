"""Layers: every backward pass against central differences in float64."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradviz.activations import NAMES, get_activation
from gradviz.gradcheck import numerical_gradient_array, rel_error
from gradviz.layers import (
    activation_backward,
    activation_forward,
    affine_backward,
    affine_forward,
    batchnorm_backward,
    batchnorm_forward,
    batchnorm_inference,
)

TOL = 1e-6


def test_affine_backward_matches_finite_differences(rng):
    x, w, b = rng.normal(size=(5, 4)), rng.normal(size=(4, 3)), rng.normal(size=3)
    dout = rng.normal(size=(5, 3))
    _, cache = affine_forward(x, w, b)
    dx, dw, db = affine_backward(dout, cache)

    def f():
        return affine_forward(x, w, b)[0]

    assert rel_error(dx, numerical_gradient_array(f, x, dout)) < TOL
    assert rel_error(dw, numerical_gradient_array(f, w, dout)) < TOL
    assert rel_error(db, numerical_gradient_array(f, b, dout)) < TOL


# Kinks (ReLU family at 0, hardtanh at ±1) are avoided by keeping inputs away from them.
@pytest.mark.parametrize("name", NAMES)
def test_activation_backward_matches_finite_differences(name, rng):
    act = get_activation(name)
    z = rng.uniform(0.1, 0.9, size=(4, 6)) * rng.choice([-1.0, 1.0], size=(4, 6))
    dout = rng.normal(size=z.shape)
    _, cache = activation_forward(z, act)
    dz = activation_backward(dout, cache)
    assert rel_error(dz, numerical_gradient_array(lambda: act.fn(z), z, dout)) < TOL


def test_batchnorm_backward_matches_finite_differences(rng):
    x = rng.normal(3.0, 2.0, size=(8, 5))
    gamma, beta = rng.normal(size=5), rng.normal(size=5)
    dout = rng.normal(size=(8, 5))
    _, cache = batchnorm_forward(x, gamma, beta, 1e-5)
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)

    def f():
        return batchnorm_forward(x, gamma, beta, 1e-5)[0]

    assert rel_error(dx, numerical_gradient_array(f, x, dout)) < TOL
    assert rel_error(dgamma, numerical_gradient_array(f, gamma, dout)) < TOL
    assert rel_error(dbeta, numerical_gradient_array(f, beta, dout)) < TOL


@given(st.integers(2, 30), st.integers(1, 8), st.floats(-100, 100), st.floats(0.01, 100))
def test_batchnorm_normalizes_each_feature(n, m, shift, scale):
    x = np.random.default_rng(n * 31 + m).normal(shift, scale, size=(n, m))
    out, (_, _, _, mean, var) = batchnorm_forward(x, np.ones(m), np.zeros(m), 1e-12)
    assert np.allclose(out.mean(axis=0), 0.0, atol=1e-9)
    assert np.allclose(mean, x.mean(axis=0)) and np.allclose(var, x.var(axis=0))
    # with the batch's own statistics, inference mode reproduces training mode
    assert np.allclose(batchnorm_inference(x, np.ones(m), np.zeros(m), mean, var, 1e-12), out)


@given(st.integers(1, 20), st.integers(1, 10), st.integers(1, 10))
def test_affine_shapes(n, d, m):
    rng = np.random.default_rng(0)
    out, cache = affine_forward(rng.normal(size=(n, d)), rng.normal(size=(d, m)), np.zeros(m))
    dx, dw, db = affine_backward(np.ones((n, m)), cache)
    assert out.shape == (n, m) and dx.shape == (n, d) and dw.shape == (d, m) and db.shape == (m,)


def test_out_arrays_receive_the_same_numbers(rng):
    x, w, b = rng.normal(size=(5, 4)), rng.normal(size=(4, 3)), rng.normal(size=3)
    dout = rng.normal(size=(5, 3))
    out = np.empty((2, 5, 3))  # a layer's array may be a view of a larger block
    result, cache = affine_forward(x, w, b, out=out[1])
    assert result.base is out and np.array_equal(out[1], x @ w + b)
    dx_out, dw_out = np.empty((5, 4)), np.empty((4, 3))
    dx, dw, db = affine_backward(dout, cache, dx_out=dx_out, dw_out=dw_out)
    assert dx is dx_out and dw is dw_out
    expected = affine_backward(dout, cache)
    assert all(np.array_equal(a, e) for a, e in zip((dx, dw, db), expected, strict=True))
    _, act_cache = activation_forward(x, get_activation("tanh"))
    dz_out = np.empty_like(x)
    assert activation_backward(x, act_cache, out=dz_out) is dz_out
    assert np.array_equal(dz_out, activation_backward(x, act_cache))
