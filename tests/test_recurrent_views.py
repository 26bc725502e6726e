"""The RNN / LSTM page's views: the engine's numbers reach the metrics, text, table and charts."""

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradviz import budget
from gradviz.adding import LongRangeConfig, affordable_iters, compare_long_range, long_range_cost
from gradviz.cells import RECURRENT_INITS, RNN_ACTIVATIONS
from gradviz.cliff import CLIP_LABELS, CliffConfig, cliff_cost, cliff_trajectories
from gradviz.numerics import format_sci
from gradviz.through_time import (
    BOUND_LABEL,
    ThroughTimeConfig,
    gradient_through_time,
    through_time_cost,
)
from tests.chart_checks import assert_small_with_tooltips, mark_types, marks, spec_fields
from views import breakdown_text, cut_short, duration
from views import recurrent as views

DEFAULT = (100, 32, "tanh", 0.9, "orthogonal", 1.0, 1.0, 0)


def test_through_time_view_quotes_pascanu_s_numbers():
    view = views.through_time_view(*DEFAULT)
    result = gradient_through_time(ThroughTimeConfig())
    assert [value for _, value in view.metrics] == [
        format_sci(result.sigma_max),
        format_sci(result.inverse_gamma),
        format_sci(result.gamma * result.sigma_max),
        "yes",
    ]
    assert view.text.startswith("**What you are seeing**\n\n")
    assert f"σ_max = {format_sci(result.sigma_max)}" in view.text
    assert format_sci(result.ratio_at(BOUND_LABEL, 100)) in view.text
    assert all(b.ok for _, b in view.breakdowns)
    for part in (*view.cells, view.states):
        (chart,) = part.charts
        assert_small_with_tooltips(chart)
        assert not part.caption
    assert {"distance", "t", "series", "grad_norm"} <= spec_fields(view.cells[0].charts[0])
    assert {"t", "series", "state_norm"} <= spec_fields(view.states.charts[0])


def test_relu_overflow_is_carried_to_the_warning_the_marks_and_the_captions():
    view = views.through_time_view(1000, 32, "relu", 5.0, "orthogonal", 1.0, 1.0, 0)
    result = gradient_through_time(ThroughTimeConfig(length=1000, activation="relu", radius=5.0))
    assert view.breakdowns == result.breakdowns
    ((quantity, breakdown),) = [(q, b) for q, b in view.breakdowns if not b.ok]
    assert f"at time step {breakdown.index}" in breakdown_text(breakdown, quantity)
    (states,) = view.states.charts
    assert "rule" in mark_types(states)
    marked = [enc for mark, enc in marks(states) if mark == "rule"]
    assert marked and spec_fields(marked[0]) >= {"t", "event"}
    captions = [part.caption for part in (*view.cells, view.states)]
    assert any(c.endswith("points are 0, inf or NaN and are not drawn.") for c in captions)


def test_cliff_view_compares_the_clipping_modes():
    view = views.cliff_view(1.0, 0.01, 5.0, -2.0)
    run = cliff_trajectories(1.0, 0.01, (5.0, -2.0), steps=60)
    summary = run.summary.set_index("method")
    for method in CLIP_LABELS.values():
        assert f"final loss {format_sci(summary.loc[method, 'final_loss'])}" in view.text
    surface, loss = view.panels
    assert {"w_lo", "w_hi", "b_lo", "b_hi", "log10_loss", "w", "b", "method"} <= spec_fields(
        surface.charts[0]
    )
    assert {"step", "loss", "method"} <= spec_fields(loss.charts[0])
    assert_small_with_tooltips(surface.charts[0])
    outside = int((~(run.paths.w.between(0.0, 12.0) & run.paths.b.between(-8.0, 2.0))).sum())
    assert outside > 0
    assert surface.caption == f"{outside} path points lie outside the window."


def test_long_range_view_names_the_columns_and_follows_the_training():
    fractions = []
    view = views.long_range_view(5, 100, "norm", 1.0, 0, lambda f, text=None: fractions.append(f))
    result = compare_long_range(LongRangeConfig(length=5, iters=100))
    assert list(view.table.columns) == [
        views.RESULT_COLUMNS.get(c, c) for c in result.results.columns
    ]
    assert set(views.SCI_COLUMNS) <= set(view.table.columns)
    for row in result.results.itertuples():
        assert f"**{row.cell}:** test MSE {format_sci(row.mse)}" in view.text
    loss, gradients = view.curves
    assert {"iteration", "value", "cell", "metric"} <= spec_fields(loss.charts[0])
    loss_rows = next(iter(loss.charts[0]["datasets"].values()))
    assert {row["metric"] for row in loss_rows} == {"train MSE"}
    grad_rows = next(iter(gradients.charts[0]["datasets"].values()))
    assert {row["metric"] for row in grad_rows} == {"‖∂L/∂h_1‖", "‖∂L/∂h_T‖"}
    assert fractions and fractions[-1] == pytest.approx(1.0)
    assert view.notice == ""


def test_training_cut_to_the_budget_says_how_far_it_went():
    cfg = LongRangeConfig(length=5, iters=100)
    # halfway between 30 and 31 steps: floor() meets no rounding edge
    seconds = (long_range_cost(cfg, iters=30).seconds + long_range_cost(cfg, iters=31).seconds) / 2
    view = views.long_range_view(5, 100, "norm", 1.0, 0, seconds=seconds)
    result = compare_long_range(cfg, seconds=seconds)
    assert result.trained_iters == 30
    assert view.notice == cut_short(30, 100, "iterations", result.rest_seconds, "trained")
    assert view.notice.startswith("Trained 30 of the 100 iterations asked for: the rest would")
    assert duration(result.rest_seconds) in view.notice
    for row in result.results.itertuples():
        assert f"**{row.cell}:** test MSE {format_sci(row.mse)}" in view.text


@pytest.mark.parametrize("at", ["lowest", "highest"])
def test_every_slider_setting_fits_the_budgets(at):
    """Cost grows with T, H and the iterations (activation, init and seed change the work
    little; the cliff's does not depend on its controls): the sliders' ends bound every
    setting of the page, and at both ends the cost model finds the work within budget."""
    pick = 0 if at == "lowest" else 1
    through = ThroughTimeConfig(length=views.LENGTH[pick], hidden=views.HIDDEN[pick])
    for act in ("tanh", "sigmoid", "relu"):
        cost = through_time_cost(replace(through, activation=act, recurrent_init="gaussian"))
        assert cost.fits(budget.TAB_SECONDS, budget.COMPUTE_BYTES)
    training = LongRangeConfig(length=views.ADDING_LENGTH[pick], iters=views.ITERATIONS[pick])
    trained = long_range_cost(training, iters=affordable_iters(training))
    assert trained.fits(budget.TRAINING_SECONDS, budget.COMPUTE_BYTES)
    assert cliff_cost(CliffConfig(), steps=60).fits(budget.TAB_SECONDS, budget.COMPUTE_BYTES)


@pytest.mark.parametrize(
    ("init", "hidden"), [("orthogonal", 32), ("gaussian", 32), ("gaussian", 8)]
)
def test_sigma_max_over_rho_is_computed_from_the_matrix_drawn(init, hidden):
    from views.recurrent import sigma_over_radius, sources_text, through_time_text

    result = gradient_through_time(
        ThroughTimeConfig(length=10, hidden=hidden, recurrent_init=init, radius=0.9)
    )
    ratio = result.sigma_max / result.radius_measured
    assert f"{ratio:.3g}·ρ" == sigma_over_radius(result)
    assert sigma_over_radius(result) in through_time_text(result)
    if init == "orthogonal":
        assert ratio == pytest.approx(1.0)
    else:  # a Gaussian W_hh rescaled to ρ: σ_max/ρ is well above 1 and not the quoted 2
        assert 1.2 < ratio < 2.0 and ratio != pytest.approx(2.0, abs=0.05)
    assert "≈ 2ρ" not in sources_text()


def test_adding_accuracy_uses_hochreiter_and_schmidhubers_criterion_on_the_raw_sum():
    from gradviz.adding import ADDING_TOLERANCE, HS_TARGET_DIVISOR, HS_TOLERANCE

    # their target 0.5 + s/4 is off by e/4 when the sum s is off by e
    assert ADDING_TOLERANCE == pytest.approx(0.16)
    assert abs((0.5 + (1.0 + ADDING_TOLERANCE) / HS_TARGET_DIVISOR) - (0.5 + 1.0 / 4)) == (
        pytest.approx(HS_TOLERANCE)
    )


@settings(max_examples=25, deadline=None)
@given(
    length=st.integers(1, 80),
    hidden=st.integers(2, 24),
    act=st.sampled_from(RNN_ACTIVATIONS),
    radius=st.floats(0.1, 5.0),
    w_init=st.sampled_from(RECURRENT_INITS),
    input_scale=st.floats(0.0, 5.0),
    forget_bias=st.floats(-5.0, 5.0),
    seed=st.integers(0, 999),
)
def test_every_claim_of_the_through_time_text_holds_for_its_numbers(
    length, hidden, act, radius, w_init, input_scale, forget_bias, seed
):
    """Across the controls' ranges: "vanishing is guaranteed" only where γ·σ_max < 1, and then
    the measured RNN curve really stays under (γσ_max)^(T−t) at every distance; "stays under
    the bound" only with a largest measured/bound ratio of at most 1; σ_max as a multiple of
    the measured ρ, never below it."""
    view = views.through_time_view(
        length, hidden, act, radius, w_init, input_scale, forget_bias, seed
    )
    cfg = ThroughTimeConfig(length, hidden, act, radius, w_init, input_scale, forget_bias, seed)
    result = gradient_through_time(cfg)
    guaranteed = "vanishing is guaranteed" in view.text
    assert guaranteed == (result.gamma * result.sigma_max < 1.0)
    assert dict(view.metrics)["vanishing guaranteed?"] == ("yes" if guaranteed else "no")
    if guaranteed:
        measured = result.series(result.rnn_label).grad_norm.to_numpy()
        bound = result.bound_series.grad_norm.to_numpy()
        finite = np.isfinite(measured)
        assert (measured[finite] <= bound[finite] * (1 + 1e-9) + 1e-300).all()
    if "stays under the bound" in view.text:
        assert result.worst_bound_ratio <= 1.0 + 1e-9
    multiple = views.sigma_over_radius(result)
    if multiple.endswith("·ρ"):
        assert float(multiple[:-2]) >= 1.0 - 1e-3  # σ_max ≥ |λ_max| for every matrix
