"""Experiments of the RNN / LSTM page: bound, cell path, overflow, cliff, adding problem."""

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from bench import peak_bytes
from gradviz.activations import default_properties
from gradviz.adding import (
    ADDING_BASELINE_MSE,
    LongRangeConfig,
    adding_problem,
    affordable_iters,
    compare_long_range,
    long_range_cost,
)
from gradviz.cells import RNN_ACTIVATIONS
from gradviz.cliff import (
    B_RANGE,
    CLIP_LABELS,
    W_RANGE,
    CliffConfig,
    cliff_cost,
    cliff_loss_and_grad,
    cliff_surface,
    cliff_trajectories,
)
from gradviz.gradcheck import numerical_gradient, rel_error
from gradviz.numerics import format_sci, norm
from gradviz.through_time import (
    BOUND_LABEL,
    CELL_PATH_LABELS,
    ThroughTimeConfig,
    gradient_through_time,
    through_time_cost,
)
from tests.fuzz_kit import unmarked_non_finite
from views.recurrent import cliff_text, long_range_text, through_time_text

# ============================================================================ through time


@given(
    st.sampled_from(RNN_ACTIVATIONS),
    st.floats(0.1, 5.0),
    st.sampled_from(["orthogonal", "gaussian"]),
    st.integers(0, 50),
    st.floats(0.0, 5.0),
)
def test_measured_rnn_gradient_lies_under_pascanus_bound(act, radius, init, seed, scale):
    cfg = ThroughTimeConfig(
        length=40,
        hidden=8,
        activation=act,
        radius=radius,
        recurrent_init=init,
        input_scale=scale,
        seed=seed,
    )
    result = gradient_through_time(cfg)
    measured = result.series(result.rnn_label).grad_norm.to_numpy()
    bound = result.bound_series.grad_norm.to_numpy()
    ok = np.isfinite(measured) & np.isfinite(bound)
    assert np.all(measured[ok] <= bound[ok] * (1 + 1e-9))
    assert result.worst_bound_ratio <= 1 + 1e-9 or math.isnan(result.worst_bound_ratio)


@pytest.mark.parametrize(("act", "gamma"), [("tanh", 1.0), ("sigmoid", 0.25), ("relu", 1.0)])
def test_gamma_is_the_largest_slope_of_the_activation(act, gamma):
    result = gradient_through_time(ThroughTimeConfig(length=10, hidden=4, activation=act))
    assert result.gamma == gamma == default_properties(act).max_slope
    assert result.inverse_gamma == 1 / gamma


def test_sigmoid_rnn_with_sigma_max_below_4_vanishes_as_guaranteed():
    result = gradient_through_time(ThroughTimeConfig(activation="sigmoid", radius=3.0))
    assert result.sigma_max == pytest.approx(3.0)
    assert result.vanishing_guaranteed  # 3 < 1/γ = 4
    T = result.config.length
    assert result.ratio_at(BOUND_LABEL, T) == pytest.approx(0.75**T, rel=1e-9)
    assert result.ratio_at(result.rnn_label, T) <= 0.75**T


def test_default_tanh_setting_satisfies_pascanus_condition():
    result = gradient_through_time(ThroughTimeConfig())
    assert result.sigma_max == pytest.approx(0.9)
    assert result.vanishing_guaranteed
    text = through_time_text(result)
    assert "vanishing is guaranteed" in text
    assert format_sci(result.sigma_max) in text
    assert format_sci(result.ratio_at(BOUND_LABEL, 100)) in text


def test_forget_gate_product_is_the_cell_path():
    cfg = ThroughTimeConfig(length=30, hidden=6, forget_bias=2.0)
    result = gradient_through_time(cfg)
    path = result.cell_path[result.cell_path.series == CELL_PATH_LABELS[2]]
    values = path.sort_values("distance").grad_norm.to_numpy()
    assert values[0] == pytest.approx(1.0, rel=4e-16, abs=0)  # empty product at t = T (1 ulp)
    assert np.all(np.diff(values) <= 0)  # every forget gate is in (0, 1)
    # Larger forget bias -> forget gates nearer 1 -> the carousel carries further.
    low = gradient_through_time(ThroughTimeConfig(length=30, hidden=6, forget_bias=-2.0))
    assert result.mean_forget > low.mean_forget

    def carried(r):
        rows = r.cell_path[r.cell_path.series == CELL_PATH_LABELS[2]]
        return float(rows[rows.distance == 30].grad_norm.iloc[0])

    assert carried(result) > 1e6 * carried(low)


def test_positive_forget_bias_lstm_outlives_the_rnn_at_long_distance():
    result = gradient_through_time(ThroughTimeConfig(length=200, forget_bias=3.0))
    assert result.ratio_at("LSTM", 200) > 1e6 * result.ratio_at(result.rnn_label, 200)


def test_relu_radius_5_length_500_grows_huge_but_stays_finite():
    """The issue expected inf at T = 500; computed, a ReLU RNN with ρ = 5 grows about 3× per
    step (half its units are off), so h_T and the gradient reach ~1e237 but stay finite."""
    result = gradient_through_time(ThroughTimeConfig(length=500, activation="relu", radius=5.0))
    assert all(b.ok for _, b in result.breakdowns)
    assert 1e200 < result.ratio_at(result.rnn_label, 500) < np.inf
    assert result.states.state_norm.max() > 1e200  # a squared norm would have overflowed


def test_relu_radius_5_length_1000_overflows_and_is_marked():
    result = gradient_through_time(ThroughTimeConfig(length=1000, activation="relu", radius=5.0))
    ((quantity, breakdown),) = [(q, b) for q, b in result.breakdowns if not b.ok]
    assert quantity == f"the {result.rnn_label} hidden state"
    assert breakdown.kind in ("inf", "nan")
    # The marked step is the first whose state is not finite.
    states = result.states[result.states.series == result.rnn_label]
    finite = np.isfinite(states.state_norm.to_numpy())
    assert breakdown.index == int(np.argmin(finite)) + 1
    assert finite[: breakdown.index - 1].all()
    assert result.undefined == (result.rnn_label,)
    rnn = result.series(result.rnn_label).grad_norm.to_numpy()
    assert rnn[0] == 1.0 and np.isnan(rnn[1:]).all()
    # The other cells keep their curves.
    assert np.isfinite(result.series("LSTM").grad_norm).all()
    assert "overflowed" in through_time_text(result)


@given(arrays(float, (3, 4), elements=st.floats(-1e300, 1e300)))
def test_norm_overflows_only_when_the_norm_does(x):
    expected = np.array([math.hypot(*row) for row in x])  # overflow- and underflow-safe
    assert np.allclose(norm(x, axis=1), expected, rtol=1e-12, atol=0)


def test_norm_keeps_inf_nan_and_zero():
    x = np.array([[np.inf, 1.0], [np.nan, 1.0], [0.0, 0.0], [3.0, 4.0]])
    out = norm(x, axis=1)
    assert out[0] == np.inf and np.isnan(out[1]) and out[2] == 0 and out[3] == 5


@pytest.mark.parametrize(
    "overrides",
    [
        dict(length=10, hidden=4, radius=0.1, input_scale=0.0, forget_bias=-5.0, seed=0),
        dict(length=1000, hidden=64, radius=5.0, input_scale=5.0, forget_bias=5.0, seed=999),
        dict(length=1000, hidden=4, activation="relu", radius=5.0, recurrent_init="gaussian"),
        dict(length=1000, hidden=64, activation="sigmoid", radius=0.1, input_scale=5.0),
    ],
)
def test_extreme_settings_give_drawable_frames_without_warnings(overrides):
    result = gradient_through_time(ThroughTimeConfig(**overrides))
    assert len(result.curves) < 5000 and len(result.cell_path) < 5000
    assert len(result.states) < 5000
    assert through_time_text(result)


# ============================================================================ cliff


def test_cliff_gradient_matches_finite_differences():
    w, b = np.array([4.7, 2.0, 9.0]), np.array([-2.3, 0.5, -4.0])
    _, dw, db = cliff_loss_and_grad(w, b)
    for i in range(3):
        wi, bi = np.array(w[i]), np.array(b[i])

        def loss(wi=wi, bi=bi):
            return float(cliff_loss_and_grad(wi, bi)[0])

        assert rel_error(dw[i], numerical_gradient(loss, wi)) <= 1e-6
        assert rel_error(db[i], numerical_gradient(loss, bi)) <= 1e-6


def test_cliff_surface_is_a_drawable_grid():
    surface = cliff_surface(n=60)
    assert len(surface) == 3600 < 5000
    assert surface.w_lo.min() == W_RANGE[0] and surface.w_hi.max() == W_RANGE[1]
    assert surface.b_lo.min() == B_RANGE[0] and surface.b_hi.max() == B_RANGE[1]
    assert np.isfinite(surface.log10_loss).all()


def test_the_loss_has_a_cliff():
    """Along b = -3 the loss drops by a factor > 5 between neighbouring w 0.005 apart."""
    w = np.linspace(0, 12, 2401)
    loss, _, _ = cliff_loss_and_grad(w, np.full_like(w, -3.0))
    assert np.max(loss[:-1] / loss[1:]) > 5


@given(st.floats(0.1, 20.0), st.sampled_from([0.001, 0.003, 0.01, 0.03, 0.1]))
def test_clipping_caps_the_step(theta, lr):
    run = cliff_trajectories(theta, lr, (5.0, -2.0), steps=30)
    paths = run.paths
    norm_steps = paths[paths.method == CLIP_LABELS["norm"]].step_norm
    value_steps = paths[paths.method == CLIP_LABELS["value"]].step_norm
    assert np.all(norm_steps <= lr * theta * (1 + 1e-9))
    assert np.all(value_steps <= lr * theta * math.sqrt(2) * (1 + 1e-9))
    free = paths[paths.method == CLIP_LABELS["none"]]
    moved = free[free.step < free.step.max()]
    assert np.allclose(moved.step_norm, lr * moved.grad_norm)


def test_default_cliff_story_norm_clipping_wins():
    run = cliff_trajectories(1.0, 0.01, (5.0, -2.0), steps=60)
    s = run.summary.set_index("method")
    free, normed = s.loc[CLIP_LABELS["none"]], s.loc[CLIP_LABELS["norm"]]
    assert free.max_grad_norm > 100 and free.left_window > 0
    assert normed.left_window == 0 and normed.final_loss < free.final_loss
    text = cliff_text(run, 1.0, 0.01)
    assert format_sci(free.max_grad_norm) in text and format_sci(normed.final_loss) in text


def test_cliff_config_changes_the_problem():
    short = cliff_loss_and_grad(np.array(5.0), np.array(-2.0), CliffConfig(length=5))[0]
    long = cliff_loss_and_grad(np.array(5.0), np.array(-2.0), CliffConfig(length=50))[0]
    assert short != long


# ============================================================================ adding problem


def test_adding_problem_marks_two_values_and_sums_them(rng):
    x, y = adding_problem(rng, 200, 20)
    assert x.shape == (200, 20, 2) and y.shape == (200,)
    marks = x[:, :, 1]
    assert np.all(marks.sum(axis=1) == 2)
    assert np.all(marks[:, :10].sum(axis=1) == 1)  # one in each half
    assert np.allclose(y, np.sum(x[:, :, 0] * marks, axis=1))


def test_baseline_mse_is_the_variance_of_the_target(rng):
    _, y = adding_problem(rng, 200_000, 10)
    assert ADDING_BASELINE_MSE == pytest.approx(1 / 6)
    assert np.var(y) == pytest.approx(ADDING_BASELINE_MSE, rel=0.02)


def test_training_reports_progress_and_sizes():
    calls = []
    cfg = LongRangeConfig(length=6, hidden=4, iters=40, test_size=50)
    result = compare_long_range(cfg, lambda f, text: calls.append(f))
    assert calls[-1] == 1.0 and calls == sorted(calls) and len(calls) > 10
    assert len(result.curves) == 3 * 3 * 40 < 5000
    assert set(result.results.cell) == {"RNN", "LSTM", "GRU"}
    text = long_range_text(result)
    for row in result.results.itertuples():
        assert format_sci(row.mse) in text


def test_exploding_training_is_reported_not_raised():
    cfg = LongRangeConfig(length=10, hidden=4, iters=30, lr=1e6, clip_mode="none", test_size=20)
    result = compare_long_range(cfg)
    assert len(result.results) == 3
    assert long_range_text(result)


def test_unknown_clip_mode_is_rejected():
    with pytest.raises(ValueError, match="unknown clipping mode"):
        compare_long_range(LongRangeConfig(clip_mode="bogus"))


@pytest.mark.slow
def test_default_comparison_rnn_fails_lstm_and_gru_solve():
    """The page's default claim, computed: at T = 30 only the gated cells solve the task."""
    result = compare_long_range(LongRangeConfig()).results.set_index("cell")
    assert not result.loc["RNN", "solved"]
    assert result.loc["LSTM", "solved"] and result.loc["GRU", "solved"]
    # The gated cells' gradient at step 1 grows during training; it stays tiny for the RNN.
    assert result.loc["LSTM", "first_grad_end"] > 100 * result.loc["RNN", "first_grad_end"]


# ============================================================================ budgets


def test_training_cut_to_the_budget_is_the_start_of_the_full_run():
    """The cost model decides how many steps fit, from the config alone: a smaller budget
    trains the first k steps of the full run, bit for bit, and says what the rest would take."""
    cfg = LongRangeConfig(length=5, hidden=4, iters=60, test_size=50)
    # halfway between 25 and 26 steps: floor() meets no rounding edge
    seconds = (long_range_cost(cfg, iters=25).seconds + long_range_cost(cfg, iters=26).seconds) / 2
    assert affordable_iters(cfg, seconds) == 25
    assert affordable_iters(cfg) == 60
    cut, full = compare_long_range(cfg, seconds=seconds), compare_long_range(cfg)
    assert (cut.trained_iters, full.trained_iters) == (25, 60)
    assert cut.cut_short and not full.cut_short and full.rest_seconds == 0
    for short, whole in zip(cut.runs, full.runs, strict=True):
        assert np.array_equal(short.loss, whole.loss[:25])
        assert np.array_equal(short.first_grad, whole.first_grad[:25])
    each = long_range_cost(cfg, iters=1).seconds - long_range_cost(cfg, iters=0).seconds
    assert cut.rest_seconds == pytest.approx(35 * each)
    assert cut.curves.iteration.max() == 25


def test_a_budget_too_small_for_one_step_trains_nothing_and_says_so():
    cfg = LongRangeConfig(length=5, hidden=4, iters=60, test_size=50)
    result = compare_long_range(cfg, seconds=long_range_cost(cfg, iters=0).seconds)
    assert result.trained_iters == 0 and result.curves.empty
    text = long_range_text(result)
    assert "‖∂L/∂h_1‖ went from" not in text
    assert not unmarked_non_finite(text)


@pytest.mark.parametrize(
    "cfg",
    [
        ThroughTimeConfig(length=10, hidden=4),
        ThroughTimeConfig(),
        ThroughTimeConfig(length=300, hidden=48, activation="sigmoid", recurrent_init="gaussian"),
    ],
)
def test_through_time_cost_predicts_the_traced_peak_memory(cfg):
    """One cell at a time: the peak is the largest cell's BPTT plus the shared inputs, as the
    model says (within 25 %; memory is deterministic, time is checked by the bench)."""
    gradient_through_time(cfg)  # first call: lazy imports and caches are not the computation's
    measured = peak_bytes(lambda: gradient_through_time(cfg))
    assert 0.75 <= measured / through_time_cost(cfg).peak_bytes <= 1.25


def test_the_cliffs_cost_does_not_depend_on_the_settings_a_visitor_can_change():
    """θ, lr and the start only change where the descents go (a path that overflows stops
    early): the cost model bounds every setting of the tab at once."""
    assert cliff_cost(CliffConfig(), steps=60).fits()


@pytest.mark.parametrize(
    ("forget_bias", "cells"), [(1.0, ("RNN (tanh)",)), (5.0, ("RNN (tanh)", "LSTM"))]
)
def test_a_gradient_that_left_float64_range_is_named_where_it_is_quoted(forget_bias, cells):
    """Regression (walk_extremes): zero input keeps the tanh RNN linear, so with ρ = 5 its
    gradient passes 1e308 and turns NaN; with b_f = 5 the LSTM's does too, ‖∂L/∂c_t‖ included.
    Every sentence quoting NaN says what happened and where."""
    cfg = ThroughTimeConfig(length=1000, hidden=4, radius=5.0, input_scale=0.0)
    result = gradient_through_time(replace(cfg, forget_bias=forget_bias))
    text = through_time_text(result)
    for name in cells:
        found = dict(result.breakdowns)[f"the {name} gradient ‖∂L/∂h_t‖"]
        assert found.kind == "inf" and math.isnan(result.ratio_at(name, 1000))
        assert f"{name} NaN (the gradient left float64 range at time step {found.index})" in text
    if "LSTM" in cells:
        assert "‖∂L/∂c_0‖ / ‖∂L/∂c_T‖ = NaN (the gradient left float64 range at time step" in text
    assert not unmarked_non_finite(text)
