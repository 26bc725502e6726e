"""The Remedies page's views: the engine's numbers reach the charts, captions and text."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradviz import choosing
from gradviz import remedies as rm
from gradviz.numerics import format_sci
from gradviz.probe import hidden_sigma_w2
from tests.chart_checks import assert_small_with_tooltips, mark_types, rows, spec_fields
from views import remedies as views

SMALL = rm.Problem(depth=6, width=16, steps=50)


@pytest.fixture(scope="module")
def comparison():
    return rm.compare(SMALL, rm.DEFAULT_REMEDIES, rm.RemedyOptions(), together=True)


@pytest.fixture(scope="module")
def dying():
    return choosing.dying_relu(depth=4, steps=40)


def test_comparison_view_draws_every_run_and_quotes_the_baseline(comparison):
    view = views.comparison_view(comparison)
    assert view.runs == comparison.runs and len(view.runs) == 7
    for part in (view.loss, view.accuracy, view.ratio, view.ablation, view.symptoms):
        (chart,) = part.charts
        assert_small_with_tooltips(chart)
    assert {"step", "loss", "run", "event"} <= spec_fields(view.loss.charts[0])
    frames = rm.loss_frames(comparison)
    assert rows(view.loss.charts[0]) == len(frames.curves) + len(frames.ends)
    assert {"run", "final_accuracy", "status"} <= spec_fields(view.accuracy.charts[0])
    assert {"run", "log_ratio"} <= spec_fields(view.ratio.charts[0])
    assert "bar" in mark_types(view.accuracy.charts[0]) & mark_types(view.ratio.charts[0])
    assert {"run", "metric", "score", "text"} <= spec_fields(view.ablation.charts[0])
    assert {"rect", "text"} <= mark_types(view.ablation.charts[0])
    assert {"run", "symptom", "present"} <= spec_fields(view.symptoms.charts[0])
    base = comparison.row(rm.BASELINE)
    assert view.text.startswith(views.WHAT_YOU_SEE)
    assert f"final accuracy {base['final_accuracy']:.0%}" in view.text
    assert f"{format_sci(base['grad_ratio'])} times as fast as layer 6" in view.text
    assert view.text.endswith(views.comparison_text(comparison))


def test_the_sickest_run_is_the_default_to_diagnose(comparison):
    view = views.comparison_view(comparison)
    counts = comparison.summary.set_index("run")["symptoms"]
    assert counts[view.runs[view.sickest]] == counts.max()
    assert view.sickest == list(counts).index(counts.max())  # the first of equals


def test_a_diverging_run_is_captioned_under_the_loss_and_the_ratio():
    result = rm.compare(rm.Problem(depth=6, width=16, steps=50, lr=10.0), ("activation",))
    relu = result.records["ReLU"]
    assert relu.diverged
    view = views.comparison_view(result)
    frames = rm.loss_frames(result)
    assert frames.dropped > 0
    assert view.loss.caption == views.loss_caption(frames)
    assert f"{frames.dropped} loss values were inf, NaN or 0" in view.loss.caption
    events = {row.get("event") for data in view.loss.charts[0]["datasets"].values() for row in data}
    assert f"diverged at step {relu.diverged_step}" in events
    assert f"**ReLU** diverged at step {relu.diverged_step}" in view.text
    _, left_out = rm.ratio_frame(result)
    assert view.ratio.caption == (
        f"Not drawn (ratio 0, inf or NaN): {', '.join(left_out)}." if left_out else ""
    )
    _, speed_dropped = rm.speed_frame(result, "ReLU")
    assert views.speed_view(result, "ReLU").caption == (
        f"{speed_dropped} values were 0, inf or NaN and are not drawn (log axis)."
        if speed_dropped
        else ""
    )


def test_speed_view_draws_the_chosen_run_s_layers(comparison):
    run = rm.BASELINE
    view = views.speed_view(comparison, run)
    (chart,) = view.charts
    assert_small_with_tooltips(chart)
    assert {"step", "layer", "value"} <= spec_fields(chart)
    assert chart["title"] == f"{run}: per-layer speed of learning"
    speed, dropped = rm.speed_frame(comparison, run)
    assert rows(chart) == len(speed) and not dropped and not view.caption
    layers = {row["layer"] for row in next(iter(chart["datasets"].values()))}
    assert layers == set(speed["layer"]) == set(range(1, 7))  # depth 6: every layer


def test_dying_view_counts_the_dead_units(dying):
    view = views.dying_view(dying)
    dead, bias = view.charts
    assert {"step", "dead_fraction", "activation"} <= spec_fields(dead)
    assert {"step", "mean_bias", "activation"} <= spec_fields(bias)
    for chart in view.charts:
        assert_small_with_tooltips(chart)
    for row in dying.final.itertuples():
        assert f"**{row.activation}**" in view.text
        if math.isnan(row.diverged_step):
            assert f"{row.dead_units} of {row.units} hidden units dead" in view.text
    assert view.text == views.WHAT_YOU_SEE + views.dying_text(dying)


def test_advice_view_ties_every_advice_to_the_runs(dying):
    shootout = choosing.activation_shootout(depth=3, steps=40)
    view = views.advice_view(shootout, dying)
    (chart,) = view.shootout.charts
    assert_small_with_tooltips(chart)
    assert {"run", "final_accuracy", "zero_centred"} <= spec_fields(chart)
    advice = views.activation_advice(shootout, dying)
    assert view.advice == tuple(f"**{head}** {evidence}" for head, evidence in advice)
    relu = shootout.set_index("run").loc["ReLU (He)"]
    assert f"ReLU with He init reached {relu['final_accuracy']:.0%}" in view.advice[0]


def test_gated_view_quotes_what_each_cell_keeps_at_the_longest_distance():
    gated = rm.gated_cells(length=40)
    view = views.gated_view(gated)
    (chart,) = view.charts
    assert_small_with_tooltips(chart)
    assert {"distance", "ratio", "cell"} <= spec_fields(chart)
    assert not view.caption and rows(chart) == len(gated)
    far = gated[gated["distance"] == 40].set_index("cell")["ratio"]
    for cell, ratio in far.items():
        assert f"**{cell}** keeps {format_sci(float(ratio))}" in view.text
    assert view.text.startswith(views.WHAT_YOU_SEE + "Of the gradient that reaches the last step")


def test_gated_view_says_how_many_ratios_a_log_axis_drops():
    gated = rm.gated_cells(length=20)
    broken = pd.concat(
        [
            gated,
            pd.DataFrame({"cell": ["GRU", "GRU"], "distance": [0, 1], "ratio": [0.0, math.inf]}),
        ],
        ignore_index=True,
    )
    view = views.gated_view(broken)
    assert view.caption == "2 ratios were 0, inf or NaN and are not drawn (log axis)."
    assert rows(view.charts[0]) == len(gated)


def test_sources_name_the_symptom_thresholds():
    assert f"update:data ratio of {rm.WILD_UPDATE_RATIO:g}" in views.SOURCES
    assert f"{rm.CONVERGED_FRACTION:.0%} of the chance-level loss" in views.SOURCES


def test_a_cut_says_what_was_trained_and_what_the_rest_would_take():
    note = views.steps_note(164, 500, 19.4)
    assert note == (
        "Trained 164 of the 500 steps asked for: the rest would take about 19 s on this "
        "server. Every run trained the same 164 steps, so they stay comparable."
    )
    assert views.steps_note(500, 500, 0.0) == ""
    assert "about 4 min" in views.steps_note(10, 300, 240.0)


def test_the_loss_caption_names_dropped_values_thinned_steps_and_runs_off_the_top():
    empty = pd.DataFrame()

    def caption(dropped, stride, above=None):
        return views.loss_caption(rm.LossFrames(empty, empty, dropped, stride, 7.0, above or {}))

    assert caption(0, 1) == ""
    assert caption(3, 1) == "3 loss values were inf, NaN or 0 and are not drawn (log axis)."
    assert caption(0, 2) == (
        "To keep the chart light it draws one step in 2 and each run's last step."
    )
    assert caption(0, 1, {"ReLU": 4.7e159}) == (
        "The axis stops at 7, 10× the largest loss of the runs that did not diverge, so "
        "that no run squashes the others: ReLU (up to 4.7e+159) run off the top."
    )


def test_cut_dying_and_shootout_runs_are_announced(dying):
    assert dying.steps == 40 and views.dying_view(dying, 3.0).info == views.steps_note(
        40, choosing.DYING_STEPS, 3.0
    )
    full = choosing.dying_relu(depth=2, steps=choosing.DYING_STEPS)
    assert views.dying_view(full).info == ""
    shootout = choosing.activation_shootout(depth=3, steps=40)
    view = views.advice_view(shootout, dying, steps=40, rest_seconds=12.0)
    assert view.shootout.info.startswith("Trained 40 of the 300 steps asked for")
    assert views.advice_view(shootout, dying).shootout.info == ""


def _run_lines(comparison, text: str) -> dict[str, str]:
    """Each run's line of "What you are seeing", by run label."""
    assert text.startswith("- ")
    lines = text[2:].split("\n- ")
    found = {}
    for run, line in zip(comparison.runs, lines, strict=True):
        assert line.startswith(f"**{'Baseline' if run == rm.BASELINE else run}**")
        found[run] = line
    return found


@settings(max_examples=10, deadline=None)
@given(
    depth=st.integers(3, 10),
    sigma_w=st.sampled_from([0.5, 1.0, 2.0, 4.0, 8.0]),
    activation=st.sampled_from(["sigmoid", "tanh"]),
    lr=st.sampled_from([0.01, 0.1, 1.0, 10.0]),
    chosen=st.lists(st.sampled_from(sorted(rm.REMEDIES)), min_size=1, max_size=3, unique=True),
    r_act=st.sampled_from(rm.RELU_FAMILY),
)
def test_every_claim_of_the_comparison_text_holds_for_its_runs(
    depth, sigma_w, activation, lr, chosen, r_act
):
    """Across settings: each run's line says "vanishing", "exploding" or "within 10×" only when
    its step-0 ratio is below 1/10, above 10 or in between, quotes its average factor per layer
    (ratio^(1/(L-1))), and says "It hurt" only for a run that ended below the baseline or
    diverged, naming smaller weights only when its σ_w² is smaller than the baseline's."""
    from gradviz.numerics import format_marked, per_step

    problem = rm.Problem(depth, 8, activation, "scaled", sigma_w, lr, steps=20)
    c = rm.compare(problem, tuple(chosen), rm.RemedyOptions(activation=r_act), together=True)
    base = c.row(rm.BASELINE)
    for run, line in _run_lines(c, views.comparison_text(c)).items():
        row, cfg = c.row(run), c.records[run].config
        ratio, g = row["grad_ratio"], row["per_layer"]
        flowing = run == rm.BASELINE or math.isnan(row["diverged_step"])  # a flow text shown
        vanishing, exploding = 0 < ratio < 1 / views.FLOW_BAND, views.FLOW_BAND < ratio < math.inf
        assert "vanishing" not in line or vanishing
        assert not ("exploding" in line or "explodes" in line) or exploding
        if flowing and not math.isnan(g):
            assert ("vanishing" in line, "exploding" in line) == (vanishing, exploding)
            assert g == pytest.approx(per_step(ratio, int(row["depth"]) - 1))
            assert f"{format_marked(g)}" in line
        hurt = "It hurt" in line
        if "It hurt: ×" in line:  # the vanishing form: only for a run whose gradient vanishes
            assert vanishing and g < base["per_layer"]
        assert not hurt or (
            row["final_accuracy"] < base["final_accuracy"] or not math.isnan(row["diverged_step"])
        )
        if "Its weights are smaller" in line:
            mine = hidden_sigma_w2(cfg.mlp)
            theirs = hidden_sigma_w2(c.records[rm.BASELINE].config.mlp)
            assert mine < theirs and f"σ_w² = {mine:.3g} against {theirs:.3g}" in line
        if "is at most" in line:
            slope = choosing.activations.default_properties(cfg.mlp.activation).max_slope
            assert slope < 1 and f"is at most {slope:g}" in line
        _check_unstable_claim(c, run, line)


def _check_unstable_claim(c, run: str, line: str) -> None:
    """ "Its loss jumps around" exactly for a run that did not diverge and whose loss rose by
    more than 10 % in more than 5 % of its updates (counted here from its curve), with the
    count and the curve's peak."""
    loss = c.curves[c.curves["run"] == run]["loss"].to_numpy()
    with np.errstate(all="ignore"):
        jumps = ~np.isfinite(loss[1:]) | (loss[1:] > 1.1 * loss[:-1])
    unstable = jumps.size > 0 and jumps.mean() > 0.05 and not c.records[run].diverged
    assert ("Its loss jumps around" in line) == unstable
    if unstable:
        assert f"{int(jumps.sum())} of {jumps.size} updates raised the loss" in line
        assert f"it peaked at {format_sci(loss.max())}" in line


def test_a_remedy_that_hurts_says_why_with_its_numbers():
    """The default story in small: ReLU on the σ_w = 4 sigmoid baseline explodes (its factor per
    layer and He init, the initializer matched to it), and Xavier, the init matched to sigmoid,
    vanishes faster (smaller weights, but sigmoid's slope is at most 1/4)."""
    c = rm.compare(rm.Problem(depth=8, width=16, steps=60), ("activation", "init"))
    lines = _run_lines(c, views.comparison_text(c))
    relu, xavier = c.row("ReLU"), c.row("Xavier init")
    assert c.records["ReLU"].diverged and relu["grad_ratio"] > views.FLOW_BAND
    assert f"It hurt: its gradient explodes, ×{format_sci(relu['per_layer'])}" in lines["ReLU"]
    assert "(σ_w² = 16 here); He init is matched to ReLU" in lines["ReLU"]
    assert xavier["final_accuracy"] < c.row(rm.BASELINE)["final_accuracy"]
    assert xavier["per_layer"] < c.row(rm.BASELINE)["per_layer"] < 1
    assert "Its weights are smaller (σ_w² = 1 against 16)" in lines["Xavier init"]
    assert "the slope of sigmoid is at most 0.25" in lines["Xavier init"]
    frames = rm.loss_frames(c)
    assert list(frames.above) == ["ReLU"]
    spec_text = json.dumps(views.comparison_view(c).loss.charts[0])
    assert f'"domainMax": {frames.ceiling}' in spec_text and '"clip": true' in spec_text


def test_a_run_whose_loss_jumps_around_says_so_with_its_numbers():
    """The residual run on the σ_w = 4 sigmoid baseline trains to 90 % with a loss that jumps:
    the line says how often and how high, the steady baseline's line does not."""
    c = rm.compare(rm.Problem(depth=8, width=16, steps=60), ("residual",))
    lines = _run_lines(c, views.comparison_text(c))
    assert "Its loss jumps around" in lines["residual"]
    assert "Its loss jumps around" not in lines[rm.BASELINE]
    for run, line in lines.items():
        _check_unstable_claim(c, run, line)


def test_every_remedy_says_what_it_changes():
    assert set(views.REMEDY_WHY) == set(rm.REMEDIES)
    help_text = dict(views.SWITCH_ON.options)["help"]
    assert all(why in help_text for why in views.REMEDY_WHY.values())
