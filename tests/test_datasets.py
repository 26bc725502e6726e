"""Toy data sets: shape, balance, standardization, determinism."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradviz.datasets import DATASETS, make_dataset


@given(st.sampled_from(DATASETS), st.integers(4, 500), st.floats(0, 2), st.integers(0, 2**31))
def test_shape_balance_standardization_and_determinism(name, n, noise, seed):
    X, y = make_dataset(name, n, noise, seed)
    assert X.shape == (n, 2) and y.shape == (n,)
    assert set(np.unique(y)) <= {0, 1} and abs(int(y.sum()) - n // 2) == 0
    assert np.allclose(X.mean(axis=0), 0.0, atol=1e-9)
    assert np.allclose(X.std(axis=0), 1.0)
    X2, y2 = make_dataset(name, n, noise, seed)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)


@pytest.mark.parametrize("name", ["circle", "moons", "spiral", "xor", "blobs"])
def test_different_seeds_give_different_noisy_data(name):
    a, _ = make_dataset(name, 50, 0.2, 1)
    b, _ = make_dataset(name, 50, 0.2, 2)
    assert not np.allclose(a, b)


def test_shapes_are_what_their_names_say():
    X, y = make_dataset("circle", 400, 0.0, 0)
    r = np.hypot(*X.T)
    assert r[y == 1].max() < r[y == 0].min()  # disk inside the ring
    X, y = make_dataset("xor", 400, 0.0, 0)
    product = X[:, 0] * X[:, 1]
    # standardization shifts the centre slightly, so check the sign rule on clear points
    clear = np.abs(X).min(axis=1) > 0.3
    assert np.all((product[clear] > 0) == (y[clear] == 1))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("rings", 10, 0.1, 0), "unknown data set"),
        (("moons", 2, 0.1, 0), "n must"),
        (("moons", 10, -1.0, 0), "noise"),
        (("moons", 10, float("nan"), 0), "noise"),
    ],
)
def test_bad_input_is_a_clear_error(args, message):
    with pytest.raises(ValueError, match=message):
        make_dataset(*args)
