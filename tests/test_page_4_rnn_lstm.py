"""AppTest of pages/4_RNN_LSTM.py: every control, chart fields, link notice, computed text."""

import pytest

from gradviz.adding import LongRangeConfig, compare_long_range
from gradviz.cliff import CLIP_LABELS, cliff_trajectories
from gradviz.numerics import format_sci
from gradviz.through_time import BOUND_LABEL, ThroughTimeConfig, gradient_through_time
from tests.apptest_kit import all_chart_fields, exercise_every_control, open_page, texts
from tests.fuzz_kit import page_machine, walk_extremes
from views import breakdown_text

PAGE = "pages/4_RNN_LSTM.py"
TABS = ("Gradient through time", "Clipping and the cliff", "Long-range memory")
KEYS = {
    "seed",
    "seq_len",
    "hidden",
    "rnn_act",
    "radius",
    "w_init",
    "input_scale",
    "forget_bias",
    "theta",
    "lr",
    "w0",
    "b0",
    "add_len",
    "iters",
    "clip_mode",
    "clip_theta",
}


@pytest.mark.slow
def test_every_control_reaches_its_extremes_without_an_exception():
    log = exercise_every_control(PAGE, tabs_key="tab")
    assert log.keys == KEYS
    assert {tab for tab, _, _ in log.runs} == set(TABS)


@pytest.mark.parametrize(
    ("tab", "fields"),
    [
        (TABS[0], {"distance", "t", "series", "grad_norm", "state_norm"}),
        (TABS[1], {"w_lo", "w_hi", "b_lo", "b_hi", "log10_loss", "w", "b", "method", "loss"}),
        (TABS[2], {"iteration", "value", "cell", "metric"}),
    ],
)
def test_each_tab_draws_charts_with_the_expected_fields(tab, fields):
    at = open_page(PAGE, {"tab": tab})
    assert fields <= all_chart_fields(at)


def test_only_the_open_tab_computes():
    at = open_page(PAGE, {"tab": TABS[1]})
    assert "Pascanu's condition" not in texts(at)
    assert "clip by norm" in texts(at)


@pytest.mark.parametrize(
    "query", [{"seq_len": "abc"}, {"radius": "99"}, {"rnn_act": "softmax"}, {"nonsense": "1"}]
)
def test_malformed_link_shows_the_notice(query):
    at = open_page(PAGE, query)
    key = next(iter(query))
    notices = [w.value for w in at.warning if "could not be used" in w.value]
    assert notices and f"`{key}" in notices[0]


def test_default_gradient_text_quotes_computed_numbers():
    at = open_page(PAGE)
    result = gradient_through_time(ThroughTimeConfig())
    text = texts(at)
    metrics = [m.value for m in at.metric]
    assert metrics[:2] == [format_sci(result.sigma_max), format_sci(result.inverse_gamma)]
    assert metrics[3] == "yes"
    assert f"σ_max = {format_sci(result.sigma_max)}" in text
    assert "vanishing is guaranteed" in text
    assert format_sci(result.ratio_at(BOUND_LABEL, 100)) in text
    for name in (result.rnn_label, "LSTM", "GRU"):
        assert f"{name} {format_sci(result.ratio_at(name, 100))}" in text
    assert format_sci(result.mean_forget) in text


def test_relu_overflow_link_marks_the_time_step_and_keeps_drawing():
    query = {"rnn_act": "relu", "radius": "5.0", "seq_len": "1000"}
    at = open_page(PAGE, query)
    result = gradient_through_time(ThroughTimeConfig(length=1000, activation="relu", radius=5.0))
    ((quantity, breakdown),) = [(q, b) for q, b in result.breakdowns if not b.ok]
    warnings = " ".join(w.value for w in at.warning)
    assert breakdown_text(breakdown, quantity)[1:] in warnings
    assert f"at time step {breakdown.index}" in warnings
    assert "not drawn" in " ".join(c.value for c in at.caption)
    assert {"grad_norm", "state_norm"} <= all_chart_fields(at)


def test_cliff_text_quotes_computed_numbers():
    at = open_page(PAGE, {"tab": TABS[1]})
    run = cliff_trajectories(1.0, 0.01, (5.0, -2.0), steps=60)
    s = run.summary.set_index("method")
    text = texts(at)
    for method in CLIP_LABELS.values():
        assert f"final loss {format_sci(s.loc[method, 'final_loss'])}" in text
    assert f"largest gradient ‖g‖ = {format_sci(s.loc['no clipping', 'max_grad_norm'])}" in text


@pytest.mark.slow
def test_training_text_quotes_computed_numbers():
    at = open_page(PAGE, {"tab": TABS[2]}, timeout=120)
    result = compare_long_range(LongRangeConfig())
    text = texts(at)
    for row in result.results.itertuples():
        assert f"**{row.cell}:** test MSE {format_sci(row.mse)}" in text
        assert f"accuracy {row.accuracy:.1%}" in text


TestFuzz = page_machine(PAGE, timeout=120).TestCase


@pytest.mark.slow
def test_every_control_at_its_ends_together():
    without_ends = {"rnn_act", "w_init", "clip_mode"}  # select boxes: every option elsewhere
    assert set(walk_extremes(PAGE, timeout=120)) == KEYS - without_ends
