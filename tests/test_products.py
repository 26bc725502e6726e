"""Chain products, peak-slope products, the incomplete gamma function and U(0,1) products."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradviz.products import (
    depth_to_reach,
    exact_fraction_above,
    factor_power,
    gamma_p,
    gamma_p_integer,
    layer_powers,
    log10_product_moments,
    peak_slope_products,
    sample_log10_products,
    uniform_products,
)


def test_seed_001_numbers_are_exact():
    assert factor_power(0.25, 10).final == 9.5367431640625e-07
    assert repr(factor_power(0.25, 10).final) == "9.5367431640625e-07"
    assert factor_power(2.0, 10).final == 1024.0


def test_chain_product_frame_has_every_layer():
    chain = factor_power(0.5, 6)
    assert list(chain.frame["layer"]) == list(range(7))
    assert np.array_equal(chain.frame["product"], 0.5 ** np.arange(7))
    assert chain.breakdown.ok


def test_chain_product_reports_underflow_and_overflow_layer():
    small = factor_power(0.05, 1000)
    assert small.breakdown.kind == "underflow"
    # 0.05^l stays a (subnormal) non-zero float while l * log10(0.05) > -324
    first_zero = int(np.flatnonzero(small.frame["product"].to_numpy() == 0)[0])
    assert small.breakdown.index + 1 == first_zero
    big = factor_power(3.0, 1000)
    assert big.breakdown.kind == "inf"
    assert big.breakdown.index + 1 == math.floor(math.log(np.finfo(float).max) / math.log(3)) + 1


def test_layer_powers_rejects_negative_depth():
    with pytest.raises(ValueError, match="depth"):
        layer_powers(0.5, -1)


@given(st.floats(0.01, 10.0), st.integers(0, 300))
def test_layer_powers_match_power(a, depth):
    got = layer_powers(a, depth)
    with np.errstate(all="ignore"):
        want = np.power(a, np.arange(depth + 1, dtype=float))
    finite = np.isfinite(want) & (want > 1e-290)
    assert np.allclose(got[finite], want[finite], rtol=1e-12)


@pytest.mark.parametrize(
    ("factor", "level", "depth"),
    [
        (0.25, 1e-6, 10),
        (2.0, 1e6, 20),
        (0.5, 0.1, 4),
        (1.0, 1e6, None),
        (0.5, 1e6, None),
        (0.0, 1e-6, 1),
        # 0.1**6 is 1.0000000000000004e-06 and 0.1**1 is 0.1: not below either level
        (0.1, 1e-6, 7),
        (0.1, 0.1, 2),
    ],
)
def test_depth_to_reach_is_where_the_chain_crosses_strictly(factor, level, depth):
    assert depth_to_reach(factor, level) == depth
    if depth is not None:
        powers = layer_powers(factor, depth)
        reached, before = powers[-1], powers[-2]
        assert (reached < level <= before) if level < 1 else (before <= level < reached)


@given(st.floats(0.01, 0.999), st.sampled_from([1e-6, 0.1, 1e-300]))
def test_depth_to_reach_matches_the_chain_below_one(a, level):
    depth = depth_to_reach(a, level)
    powers = layer_powers(a, depth)
    assert powers[-1] < level <= powers[-2]


@given(st.floats(1.001, 10.0), st.sampled_from([10.0, 1e6, 1e300]))
def test_depth_to_reach_matches_the_chain_above_one(a, level):
    depth = depth_to_reach(a, level)
    powers = layer_powers(a, depth)
    assert powers[-2] <= level < powers[-1]


def test_depth_to_reach_far_from_one_uses_logarithms():
    # softplus' grid peak 1 - 2e-9: the chain would need 6.9e9 layers
    a = 0.9999999979388463
    assert depth_to_reach(a, 1e-6) == math.floor(math.log(1e-6) / math.log(a)) + 1
    with pytest.raises(ValueError, match="level"):
        depth_to_reach(0.5, 1.0)


def test_peak_slope_products_rows_and_values():
    frame = peak_slope_products({"sigmoid": 0.25, "tanh": 1.0}, 1.1, 500)
    assert set(frame["series"]) == {"sigmoid", "tanh", "free factor a"}
    assert len(frame) == 3 * 200
    row = frame[(frame["series"] == "sigmoid") & (frame["depth"] == 500)]
    assert row["product"].iloc[0] == 0.25**500
    assert frame["depth"].min() == 1 and frame["depth"].max() == 500


@given(st.floats(0.1, 200.0), st.floats(0.0, 400.0))
def test_gamma_p_matches_erlang_closed_form(a, x):
    n = max(1, round(a))
    assert gamma_p(n, x) == pytest.approx(gamma_p_integer(n, x), abs=1e-12)


def test_gamma_p_special_cases():
    x = np.array([0.0, -1.0, np.inf, 1.0])
    assert np.array_equal(gamma_p(3.0, x)[:3], [0.0, 0.0, 1.0])
    assert gamma_p(1.0, 2.5) == pytest.approx(1 - math.exp(-2.5), rel=1e-14)
    # P(1/2, x) = erf(sqrt(x)): a non-integer a against an independent formula
    for v in (0.01, 0.7, 3.0, 25.0):
        assert gamma_p(0.5, v) == pytest.approx(math.erf(math.sqrt(v)), rel=1e-12)
    with pytest.raises(ValueError):
        gamma_p(0.0, 1.0)


def test_gamma_p_is_warning_free_far_in_the_tails():
    values = gamma_p(500.0, np.array([1e-3, 1.0, 200.0, 690.0, 5000.0]))
    assert np.all(np.isfinite(values)) and np.all(np.diff(values) >= 0)
    assert values[0] == 0.0 and values[-1] == 1.0


def test_seed_004_fraction_above_1e_minus_18():
    exact = exact_fraction_above(50, 1e-18)
    assert round(exact, 3) == 0.108  # "about 10.7%": 10.78%
    assert exact == pytest.approx(gamma_p_integer(50, 18 * math.log(10)), abs=1e-12)
    mean, std = log10_product_moments(50)
    assert (round(mean, 1), round(std, 1)) == (-21.7, 3.1)


def test_exact_fraction_against_monte_carlo():
    result = uniform_products(50, 100_000, 1e-18, seed=3)
    assert abs(result.mc_fraction_above - result.exact_fraction_above) < 4 * result.mc_stderr
    assert result.mean_log10 == pytest.approx(result.exact_mean_log10, abs=0.05)
    assert result.std_log10 == pytest.approx(result.exact_std_log10, abs=0.05)
    assert result.largest_log10 > -18  # the seed's "never" fails in this very sample


@pytest.mark.parametrize(("n", "log_t"), [(1, -0.5), (5, -3.0), (200, -80.0)])
def test_monte_carlo_tracks_exact_share_at_other_settings(n, log_t):
    result = uniform_products(n, 40_000, 10.0**log_t, seed=n)
    assert abs(result.mc_fraction_above - result.exact_fraction_above) < 4 * max(
        result.mc_stderr, 1e-3
    )


def test_histogram_exact_probabilities_match_sample():
    result = uniform_products(50, 100_000, 1e-18, seed=1)
    mc = result.histogram[result.histogram["source"] == "Monte Carlo"]
    exact = result.histogram[result.histogram["source"] == "exact"]
    assert mc["probability"].sum() == pytest.approx(1.0)
    assert exact["probability"].sum() == pytest.approx(1.0, abs=1e-3)
    assert np.max(np.abs(mc["probability"].to_numpy() - exact["probability"].to_numpy())) < 0.01
    assert len(result.histogram) < 5000


def test_large_n_stays_finite_and_reports_float_underflow():
    result = uniform_products(500, 2_000, 1e-300, seed=0)
    assert np.isfinite(result.mean_log10)
    # log10 of the product ~ -217 ± 10: far from float64's smallest subnormal (1e-323.3)
    assert result.underflow_fraction == 0.0
    logs = sample_log10_products(800, 500, np.random.default_rng(0))
    assert np.mean(logs < -323.3) > 0.4  # ~-347: most products of 800 uniforms underflow


def test_bad_settings_are_clear_errors():
    with pytest.raises(ValueError, match="threshold"):
        uniform_products(50, 10, 0.0)
    with pytest.raises(ValueError, match="n >= 1"):
        sample_log10_products(0, 10, np.random.default_rng(0))


@given(st.floats(0.05, 800.0))
def test_series_and_continued_fraction_agree_where_they_meet(a):
    # gamma_p switches from the series to the continued fraction at x = a + 1. Both scale by
    # exp(a ln x - x - lgamma(a)), a difference of numbers near 5000 for a ~ 800, which limits
    # the relative accuracy to about 1e-12.
    below, above = np.nextafter(a + 1.0, 0.0), a + 1.0
    assert gamma_p(a, below) == pytest.approx(gamma_p(a, above), rel=1e-11)
    grid = gamma_p(a, np.linspace(0.0, 3 * a + 30, 200))
    assert np.all(np.diff(grid) >= -1e-15)
