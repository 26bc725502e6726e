"""The finite-difference helpers themselves: stencil orders and the relative error."""

import numpy as np
import pytest

from gradviz.gradcheck import numerical_gradient, numerical_gradient_array, rel_error


def test_three_point_stencil_is_exact_for_quadratics_and_five_point_for_quartics():
    x = np.array([0.3, -1.2, 2.0])
    quadratic = lambda: float(np.sum(3 * x**2 - x))  # noqa: E731
    quartic = lambda: float(np.sum(x**4 - 2 * x**3))  # noqa: E731
    assert np.allclose(numerical_gradient(quadratic, x, 1e-2), 6 * x - 1, rtol=0, atol=1e-10)
    exact = 4 * x**3 - 6 * x**2
    assert np.allclose(numerical_gradient(quartic, x, 1e-2, points=5), exact, rtol=0, atol=1e-10)
    # The 3-point stencil is not exact there: its error is h²·f'''/6 = h²(4x - 2).
    three = numerical_gradient(quartic, x, 1e-2)
    assert np.allclose(three - exact, 1e-4 * (4 * x - 2), rtol=1e-6)


def test_five_point_stencil_resolves_small_gradient_entries():
    """exp(x) scaled to a 1e-5 gradient: the 3-point stencil's ~1e-10 error is 1e-5 relative
    there, the 5-point stencil's is below 1e-6."""
    x = np.array([0.7])
    f = lambda: float(1e-5 * np.exp(x[0]) + 10.0 * np.sin(3 * x[0]))  # noqa: E731
    exact = 1e-5 * np.exp(0.7) + 30.0 * np.cos(2.1)
    assert rel_error(numerical_gradient(f, x, 1e-3, points=5), exact) < 1e-10
    assert x[0] == 0.7  # restored


def test_array_version_contracts_with_the_upstream_gradient(rng):
    W = rng.normal(size=(3, 4))
    v = rng.normal(size=(2, 3))
    dout = rng.normal(size=(2, 4))
    assert rel_error(numerical_gradient_array(lambda: v @ W, W, dout), v.T @ dout) < 1e-9


def test_rel_error_and_bad_stencil():
    assert rel_error(np.array([1.0]), np.array([1.0 + 2e-6])) == pytest.approx(1e-6, rel=1e-3)
    assert rel_error(np.zeros(2), np.zeros(2)) == 0.0
    with pytest.raises(ValueError, match="points"):
        numerical_gradient(lambda: 0.0, np.zeros(1), points=4)
