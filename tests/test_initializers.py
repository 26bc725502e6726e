"""Initializer registry: shapes, variances and the orthogonal property."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradviz.initializers import NAMES, get_initializer, init_bias, sigma_w2


@pytest.mark.parametrize("name", NAMES)
def test_empirical_variance_matches_declared_variance(name, rng):
    init = get_initializer(name)
    W = init.sample(400, 300, rng)
    assert W.shape == (400, 300)
    declared = init.variance(400, 300)
    if name == "constant":
        assert np.all(W == 0.5)
    elif declared == 0:
        assert np.all(W == 0)
    else:
        assert np.var(W) == pytest.approx(declared, rel=0.03)


def test_named_scales_on_the_phase_diagram():
    assert sigma_w2("he_normal", 256, 256) == pytest.approx(2.0)
    assert sigma_w2("lecun_normal", 256, 256) == pytest.approx(1.0)
    assert sigma_w2("xavier_normal", 256, 256) == pytest.approx(1.0)
    assert sigma_w2("standard_uniform", 256, 256) == pytest.approx(1 / 3)
    assert sigma_w2("scaled", 64, 64, sigma_w=1.5) == pytest.approx(2.25)


@given(st.integers(1, 40), st.integers(1, 40), st.floats(0.1, 3.0))
def test_orthogonal_has_orthonormal_columns_or_rows(fan_in, fan_out, gain):
    W = get_initializer("orthogonal", gain=gain).sample(fan_in, fan_out, np.random.default_rng(0))
    gram = W.T @ W if fan_in >= fan_out else W @ W.T
    assert np.allclose(gram, gain**2 * np.eye(min(fan_in, fan_out)), atol=1e-10)


def test_same_seed_same_weights():
    a = get_initializer("he_normal").sample(5, 3, np.random.default_rng(7))
    b = get_initializer("he_normal").sample(5, 3, np.random.default_rng(7))
    assert np.array_equal(a, b)


def test_bias():
    assert np.all(init_bias(4, 0.0, np.random.default_rng(0)) == 0)
    assert np.std(init_bias(20000, 0.3, np.random.default_rng(0))) == pytest.approx(0.3, rel=0.03)
