"""Breakdown detection and warning-free helpers."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradviz.numerics import find_breakdown, format_sci, norm, norms, safe_log10
from views import breakdown_text


def test_breakdown_kinds_and_messages():
    assert find_breakdown(np.array([1.0, 2.0])).ok
    b = find_breakdown(np.array([1.0, 1e300, np.inf, np.nan]))
    assert (b.index, b.kind) == (2, "inf")
    assert breakdown_text(b, "the gradient", offset=1) == "the gradient exploded to inf at layer 3"
    assert find_breakdown(np.array([1.0, np.nan, np.inf])).kind == "nan"
    u = find_breakdown(np.array([[1e-300, 2.0], [0.0, 0.0]]), where="step")
    assert (u.index, u.kind) == (1, "underflow") and "underflowed to 0 at step 1" in breakdown_text(
        u
    )
    assert find_breakdown(np.array([0.0, 0.0, 1.0])).ok  # zeros from the start are not underflow


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=20))
def test_helpers_never_warn(values):
    x = np.array(values)
    safe_log10(x)
    norm(x)
    find_breakdown(x)
    for v in values:
        assert isinstance(format_sci(v), str)


@given(
    st.lists(st.floats(-1e300, 1e300, allow_nan=False), min_size=1, max_size=30),
)
def test_norm_is_exact_without_overflow(values):
    x = np.array(values)
    scale = np.max(np.abs(x))
    expected = scale * np.linalg.norm(x / scale) if scale > 0 else 0.0
    assert norm(x) == pytest.approx(expected, rel=1e-12)


def test_norm_edge_cases():
    assert norm(np.array([1e200, 1e200])) == pytest.approx(np.sqrt(2) * 1e200)
    assert norm(np.array([np.inf, 1.0])) == np.inf
    assert np.isnan(norm(np.array([np.nan, 1.0])))
    assert norm(np.zeros(3)) == 0.0
    assert np.allclose(norm(np.array([[3.0, 4.0], [0.0, 0.0]]), axis=1), [5.0, 0.0])


def test_format_sci():
    assert format_sci(3.2e-9) == "3.2e-09"
    assert format_sci(0.0) == "0" and format_sci(np.inf) == "inf"
    assert format_sci(1024.0) == "1.02e+03" or format_sci(1024.0) == "1024"


@settings(max_examples=60)
@given(
    st.lists(
        st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, 1e-170, 1e160]),
        min_size=0,
        max_size=20,
    )
)
def test_norms_equal_norm_bit_for_bit(values):
    array = np.array(values, dtype=float)
    fast = norms([array])[0]
    exact = norm(array)
    assert fast == exact or (np.isnan(fast) and np.isnan(exact))
