"""Linear chain W^t: the eigen-decomposition identity, eigenvalue regimes, transient growth."""

import math

import numpy as np
import pytest

from gradviz.budget import COMPUTE_BYTES, TAB_SECONDS
from gradviz.linear_chain import (
    CHECK_FLOOR,
    KINDS,
    MAX_SIZE,
    MAX_STEPS,
    analysis_cost,
    analyze_linear_chain,
    chosen_eigenvalues,
    distinct_moduli,
    make_matrix,
    power_frame,
    power_walk,
)


def test_chosen_eigenvalues_are_what_the_matrix_has():
    lam = chosen_eigenvalues(6, 1.2, 0.5)
    assert lam[0] == 1.2 and lam[-1] == pytest.approx(0.6)
    w = make_matrix("eigen", 6, 1.2, 0.5, 0.0, 3)
    assert np.sort(np.linalg.eigvals(w).real) == pytest.approx(np.sort(lam), rel=1e-9)


@pytest.mark.parametrize("kind", ["eigen", "gaussian", "orthogonal"])
def test_powers_match_the_eigen_decomposition(kind):
    result = analyze_linear_chain(kind, 16, 0.95, 0.5, 1.0, 100, 0)
    assert result.check.max_rel_error < 1e-10
    assert len(result.check.checked_steps) > 10


def test_powers_are_repeated_products():
    w = make_matrix("gaussian", 5, 1.0, 1.0, 0.0, 1)
    x = np.arange(5.0)
    signals, kept = power_walk(w, x, 6, np.array([0, 4, 6]))
    assert np.array_equal(kept[0], np.eye(5))
    assert np.allclose(kept[1], np.linalg.matrix_power(w, 4), rtol=1e-12)
    assert np.allclose(kept[2], np.linalg.matrix_power(w, 6), rtol=1e-12)
    assert signals.shape == (7, 5)
    for t in range(7):
        assert np.allclose(signals[t], np.linalg.matrix_power(w, t) @ x, rtol=1e-12)


def test_eigenvalues_above_one_explode_and_below_one_vanish():
    grow = analyze_linear_chain("eigen", 8, 1.1, 1.0, 0.0, 200, 0)
    shrink = analyze_linear_chain("eigen", 8, 0.9, 1.0, 0.0, 200, 0)
    # W = V (ρI) V^-1 = ρI: the signal is exactly ρ^t.
    assert grow.signal_norm[-1] == pytest.approx(1.1**200, rel=1e-9)
    assert shrink.signal_norm[-1] == pytest.approx(0.9**200, rel=1e-9)


def test_orthogonal_keeps_every_norm():
    result = analyze_linear_chain("orthogonal", 32, 1.0, 1.0, 0.0, 300, 4)
    assert np.allclose(result.signal_norm, 1.0, rtol=1e-12)
    assert np.allclose(result.op_norm, 1.0, rtol=1e-12)
    assert result.check.cond_v == pytest.approx(1.0, rel=1e-9)


def test_non_normal_transient_growth_beats_the_eigenvalues():
    result = analyze_linear_chain("jordan", 8, 0.9, 0.9, 1.0, 200, 0)
    assert result.radius == pytest.approx(0.9)
    # Every |λ| <= 0.9, so eigenvalues predict ||W^t|| <= ... 0.9^t < 1, yet it peaks far above.
    assert result.peak_op_norm > 1e4 and result.radius_at_peak < 1.0
    assert result.transient_gain > 1e5
    assert result.check.cond_v > 1e10
    # And it still decays in the end.
    assert result.op_norm[-1] < result.peak_op_norm * 1e-3


def test_exact_jordan_block_is_defective():
    result = analyze_linear_chain("jordan", 8, 0.9, 1.0, 1.0, 50, 0)
    assert result.check.cond_v > 1e15
    assert result.check.max_rel_error > 1e-3 or math.isinf(result.check.max_rel_error)


def test_overflow_is_reported_not_raised():
    result = analyze_linear_chain("jordan", 64, 3.0, 1.0, 3.0, 500, 0)
    assert result.breakdown.kind in ("inf", "nan")
    frame = power_frame(result)
    assert np.all(np.isfinite(frame["log10_value"]))


@pytest.mark.parametrize("kind", KINDS)
def test_frames_are_small_and_tidy(kind):
    result = analyze_linear_chain(kind, 64, 3.0, 0.01, 3.0, 300, 9)
    frame = power_frame(result)
    assert len(frame) < 5000
    assert set(frame.columns) == {"t", "series", "kind", "log10_value", "value"}
    eig = frame[frame["kind"] == "eigenvalue"]
    first = eig.groupby("series")["log10_value"].first()
    assert np.allclose(first, 0.0)  # |λ|^0 = 1


def test_distinct_moduli():
    mods = distinct_moduli(np.array([1.0, -1.0, 0.5, 0.25, 0.5j]))
    assert list(mods) == [1.0, 0.5, 0.25]
    assert len(distinct_moduli(np.linspace(0.1, 1, 50))) == 6


def test_unknown_kind():
    with pytest.raises(ValueError, match="unknown matrix kind"):
        make_matrix("nope", 3, 1.0, 1.0, 0.0, 0)


def test_cost_grows_with_size_and_every_kind_fits_the_tab_budget_at_the_maxima():
    small, large = analysis_cost("eigen", 8, 100), analysis_cost("eigen", 64, 100)
    assert large.seconds > 5 * small.seconds and large.peak_bytes > 10 * small.peak_bytes
    assert analysis_cost("orthogonal", 64, 100).seconds > analysis_cost("jordan", 64, 100).seconds
    for kind in KINDS:
        assert analysis_cost(kind, MAX_SIZE, MAX_STEPS).fits(TAB_SECONDS, COMPUTE_BYTES)


def test_only_powers_float64_holds_in_full_are_checked():
    # 0.1^t underflows past t = 308: those powers have lost their digits to rounding.
    result = analyze_linear_chain("eigen", 4, 0.1, 1.0, 0.0, 500, 0)
    ts = result.check.checked_steps
    assert ts.size and ts[-1] * math.log10(0.1) >= math.log10(CHECK_FLOOR) - 1
    assert result.check.max_rel_error < 1e-12
