"""The Initialization page's views: the probe's numbers reach the text, metrics and charts."""

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradviz import glorot_bengio, meanfield, probe
from gradviz.activations import get_activation
from gradviz.budget import COMPUTE_BYTES, PLAN_SHARE, TAB_SECONDS
from gradviz.mlp import MLPConfig
from gradviz.numerics import format_sci
from gradviz.train import TrainConfig, train, train_cost
from tests.chart_checks import assert_small_with_tooltips, mark_types, marks, spec_fields
from views import breakdown_text
from views import initialization as views

INIT_VALUES = {"c": 0.5, "gain": 1.0, "sigma_w": 1.0}


def net(init="xavier_normal", act="tanh", depth=10, width=64, sigma_b=0.0, **values):
    return views.network(init, act, depth, width, sigma_b, 0, {**INIT_VALUES, **values})


def charts_of(*parts):
    return [chart for part in parts for chart in part.charts]


def test_a_network_carries_only_its_own_initializer_parameter():
    assert net("orthogonal", gain=2.0).init_params == (("gain", 2.0),)
    assert net("scaled", sigma_w=3.0).init_params == (("sigma_w", 3.0),)
    assert net("he_normal").init_params == ()
    mlp = net("constant", "relu", 5, 8, 0.1, c=-1.0).mlp
    assert mlp == MLPConfig(
        5, 8, activation="relu", init="constant", init_params=(("c", -1.0),), sigma_b=0.1
    )


def test_presets_set_display_labels():
    assert views.preset_values("zero + sigmoid") == {
        "init": "zeros",
        "act": "sigmoid",
        "batch": views.ODD_BATCH,
    }
    assert views.preset_values("He + ReLU") == {"init": "He/Kaiming normal", "act": "ReLU"}
    assert views.preset_values("custom") == {}


def test_layers_view_quotes_the_probe():
    result = views.probe_network(net(), 256)
    view = views.layers_view(result)
    expected = probe.probe(probe.ProbeConfig(mlp=MLPConfig(depth=10, width=64), batch=256))
    ratio = format_sci(expected.grad_ratio_first_to_last)
    chi1 = format_sci(expected.depth_scale.chi1, 3)
    assert view.metrics[:2] == (("‖∂L/∂h₁‖ / ‖∂L/∂h_L‖", ratio), ("χ₁ (mean-field)", chi1))
    assert view.metrics[2][1] == expected.depth_scale.phase
    assert view.text.startswith("**What you are seeing.** ")
    assert f"The gradient at layer 1 is **{ratio}** of the gradient at layer 10" in view.text
    assert [b for _, b in view.breakdowns] == [
        expected.forward_breakdown,
        expected.backward_breakdown,
    ]
    for chart in charts_of(*view.curves):
        assert {"layer", "source", "value"} <= spec_fields(chart)
        assert_small_with_tooltips(chart)
    assert all(not part.caption for part in view.curves)
    (bars,) = view.symmetry.charts
    assert mark_types(bars) == {"bar"} and {"layer", "distinct", "width"} <= spec_fields(bars)
    assert view.zero_init == views.View()  # Xavier init: no zero-init claims to test


def test_layers_view_marks_the_overflow_and_counts_what_the_log_axis_drops():
    result = views.probe_network(net("scaled", "relu", depth=100, sigma_w=10000.0), 256)
    view = views.layers_view(result)
    brk = result.forward_breakdown
    assert not brk.ok and ("the activations", brk) in view.breakdowns
    assert breakdown_text(brk, "the activations", offset=1) in view.text
    activation_std = view.curves[0].charts[0]
    rules = [enc["x"]["datum"] for mark, enc in marks(activation_std) if mark == "rule"]
    assert rules == [brk.index + 1]
    assert "value(s) that are 0, inf or NaN are not drawn on the log axis." in (
        view.curves[0].caption + view.curves[1].caption
    )


def test_zero_init_view_tests_seed_001_or_says_why_not():
    zero = views.layers_view(views.probe_network(net("zeros", "sigmoid", depth=5), 255))
    assert zero.zero_init.text.startswith("**Zero / constant initialization.** ")
    assert "W6 at step 1, W5 at step 2, W4 at step 3" in zero.zero_init.text
    # At the page's largest network the training steps would need the weights, their gradients
    # and updates: several times the memory budget. The notice names the largest depth that
    # fits, and that depth really fits while one more layer does not.
    big = net("constant", depth=100, width=512)
    wide = views.zero_init_view(views.probe_network(big._replace(depth=2), 64))
    assert wide.text  # a shallow one runs
    cfg = views.probe_config(big, 1024)
    cost = views.zero_init_cost(cfg)
    assert cost.peak_bytes > COMPUTE_BYTES
    notice = views.over_budget("x", 100, lambda d: views.zero_init_cost(views.at_depth(cfg, d)))
    largest = int(notice.rsplit("depth ", 1)[1].rstrip("."))
    seconds = TAB_SECONDS - views.PAGE_SECONDS
    assert views.zero_init_cost(views.at_depth(cfg, largest)).fits(seconds)
    assert not views.zero_init_cost(views.at_depth(cfg, largest + 1)).fits(seconds)
    assert f"would need about {cost.peak_bytes / 1e6:,.0f} MB of memory" in notice


def test_histograms_view_quotes_glorot_and_bengio():
    result = views.probe_network(net(width=128), 128)
    gb = glorot_bengio.glorot_bengio(128, 128, 0)
    view = views.histograms_view(result, gb)
    (grid,) = view.layers.charts
    assert {"layer", "quantity", "bin_start", "bin_end", "fraction"} <= spec_fields(grid)
    assert len(view.glorot_bengio.charts) == 2
    for chart in view.glorot_bengio.charts:
        assert {"init", "layer", "bin_mid", "fraction"} <= spec_fields(chart)
        assert_small_with_tooltips(chart)
    summary = gb[1]
    g = summary[summary.init == "standard U[±1/√n]"]["grad_std"].to_numpy()
    assert f"{format_sci(g[-1])} → {format_sci(g[0])}" in view.glorot_bengio.text


def test_phase_view_places_the_network_and_quotes_chi1():
    network = net("he_normal", sigma_b=0.2)
    args = views.phase_diagram_args(network)
    assert args == ("tanh", pytest.approx(0.04), 64, pytest.approx(2.0))
    view = views.phase_view(network, views.phase_diagram(*args))
    phase, depth = view.charts
    assert {"sigma_w2_lo", "sigma_b2_lo", "log10_chi1", "name"} <= spec_fields(phase)
    assert {"sigma_w2", "trainable_depth"} <= spec_fields(depth)
    assert "rule" in mark_types(depth)
    scale = meanfield.depth_scale(2.0, 0.04, get_activation("tanh"))
    assert f"χ₁ = {format_sci(scale.chi1, 3)}" in view.text
    assert f"trainable depth ≈ 6ξ_c = {format_sci(scale.trainable_depth)}" in view.text


def test_a_constant_network_has_no_place_on_the_phase_diagram():
    network = net("constant")
    assert views.phase_diagram_args(network)[3] is None
    view = views.phase_view(network, views.phase_diagram(*views.phase_diagram_args(network)))
    assert "A constant initialization is not zero-mean" in view.text


def test_training_view_compares_two_networks_and_reports_progress():
    fractions = []
    a, b = net(depth=4, width=16), net("he_normal", depth=4, width=16)
    view = views.training_view(a, b, "moons", 20, 0.1, fractions.append)
    assert "**A: Xavier/Glorot normal**" in view.text and "**B: He/Kaiming normal**" in view.text
    for init in ("xavier_normal", "he_normal"):
        cfg = TrainConfig(mlp=MLPConfig(depth=4, width=16, init=init), n=201, steps=20, lr=0.1)
        assert f"final loss {format_sci(train(cfg).final_loss, 3)}" in view.text
    loss, speed = view.curves.charts
    assert {"step", "loss", "init"} <= spec_fields(loss)
    assert {"step", "layer", "init", "value"} <= spec_fields(speed)
    for decision in view.decisions:
        (chart,) = decision.charts
        assert {"x1", "x2", "p"} <= spec_fields(chart) and not decision.info
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    assert any(f < 0.5 for f in fractions) and any(f > 0.5 for f in fractions)


def test_training_view_says_when_a_network_s_output_is_nan_everywhere():
    blown = net("scaled", "linear", depth=10, width=16, sigma_w=10000.0)
    view = views.training_view(blown, net("he_normal", depth=4, width=8), "moons", 10, 1.0)
    assert view.decisions[0].info == (
        "A: free scale σ_w/√n: the network's output is NaN (not a number) everywhere."
    )
    assert not view.decisions[0].charts and len(view.decisions[1].charts) == 1
    assert "diverged" in view.text


def test_training_cut_to_the_budget_describes_the_steps_that_ran(monkeypatch):
    monkeypatch.setattr(views, "TRAINING_SECONDS", 1.9)
    a, b = net(depth=6, width=32), net("he_normal", depth=6, width=32)
    cfgs = views.training_configs(a, b, "moons", 1000, 0.1)
    done, notice = views.training_steps(cfgs)
    assert 0 < done < 1000 and notice.startswith(f"Trained {done:,} of the 1,000 steps")
    # deterministic: the cost model decides, not a clock
    assert views.training_steps(cfgs) == (done, notice)
    fits = views.training_steps({k: replace(c, steps=done) for k, c in cfgs.items()})
    assert fits == (done, "")
    # planned to a share of the budget, with a margin for the model's error
    plan = PLAN_SHARE * (1.9 - views.PAGE_SECONDS)

    def runs(steps):
        return views._runs_cost({k: replace(c, steps=steps) for k, c in cfgs.items()}).seconds

    assert runs(done) <= plan < runs(done + 1)
    view = views.training_view(a, b, "moons", 1000, 0.1)
    assert view.notice == notice
    loss = next(c for c in view.curves.charts if "loss" in spec_fields(c))
    steps = {row["step"] for rows in loss["datasets"].values() for row in rows}
    assert max(steps) == done  # the chart describes the steps that ran
    cfg = TrainConfig(mlp=MLPConfig(depth=6, width=32), n=201, steps=done, lr=0.1)
    assert f"final loss {format_sci(train(cfg).final_loss, 3)}" in view.text


def test_training_networks_too_large_for_memory_are_refused():
    big = net(depth=100, width=512)
    view = views.training_view(big, big._replace(init="he_normal"), "moons", 100, 0.1)
    assert view.notice.startswith("Not computed: training two networks of depth 100 at width 512")
    assert "MB of memory on this server (the budget is 200 MB)" in view.notice
    assert not view.decisions and not view.text
    largest = int(view.notice.rsplit("depth ", 1)[1].rstrip("."))
    one = views.training_configs(big._replace(depth=largest), big, "moons", 1, 0.1)
    assert all(train_cost(c).peak_bytes <= COMPUTE_BYTES for k, c in one.items() if "A" in k)


def test_the_edge_of_chaos_says_its_depth_scale_is_undefined():
    # Xavier at width 64 gives σ_w² = 1; tanh at σ_b = 0 is then exactly critical (χ₁ = 1).
    network = net()
    view = views.phase_view(network, views.phase_diagram(*views.phase_diagram_args(network)))
    assert "the depth scale ξ = 1/|ln χ₁| is undefined (∞)" in view.text
    assert "inf" not in view.text
    layers = views.layers_view(views.probe_network(network, 256))
    assert dict(layers.metrics)["trainable depth ≈ 6ξ_c"] == "unlimited (χ₁ = 1)"


def test_ordinals():
    assert [views._ordinal(k) for k in (2, 3, 4, 8, 11, 12, 13, 21, 22, 32)] == [
        "2nd",
        "3rd",
        "4th",
        "8th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "32nd",
    ]


@settings(max_examples=12, deadline=None)
@given(
    init=st.sampled_from(["xavier_normal", "he_normal", "standard_normal", "orthogonal"]),
    act=st.sampled_from(["relu", "tanh", "sigmoid", "selu"]),
    depth=st.integers(1, 24),
    width=st.sampled_from([2, 8, 32]),
)
def test_the_seed_band_and_its_sentence_hold_for_the_numbers_drawn(init, act, depth, width):
    """Across settings: the verdict on the gradient (vanished, exploded, held) follows its
    measured ratio; the band spans the probed network and its draws, the sentence quotes the
    band's own numbers at layer L, and credits Hanin & Rolnick's β = L/n only for ReLU at He's
    scale (σ_w² = 2)."""
    from gradviz import seed_spread

    network = net(init, act, depth, width)
    result = views.probe_network(network, 16)
    draws = views.Draws(seed_spread.other_draws(views.probe_config(network, 16), 3), 3)
    view = views.layers_view(result, draws)
    band = seed_spread.seed_band(result, draws.frame)
    text = view.spread.text
    assert view.spread.info == ""
    ratio = result.grad_ratio_first_to_last
    if depth > 1 and 0 < ratio < float("inf"):
        verdict = "vanished" if ratio < 1e-2 else "exploded" if ratio > 1e2 else "held"
        assert f"it {verdict} on its way back" in view.text
        assert f"**{format_sci(ratio)}** of the gradient at layer {depth}" in view.text
    # σ_w² = 2, σ_b = 0, their setting: He's init, or N(0, 1) weights at fan-in 2 (found by
    # hypothesis: width 2 puts the standard init at He's scale too)
    he_scale = act == "relu" and (init == "he_normal" or (init == "standard_normal" and width == 2))
    assert ("Hanin & Rolnick" in text) == he_scale
    if he_scale:
        assert f"β = {depth}/{width} = {depth / width:.3g}" in text
    rows = band.set_index(["metric", "layer"])
    if (probe.ACT_STD, depth) in rows.index:
        last = rows.loc[(probe.ACT_STD, depth)]
        assert f"from {format_sci(last['low'])} to {format_sci(last['high'])}" in text
    assert f"drawn with {int(band['seeds'].max())} seeds" in text
    for curve, metric in zip(view.curves, (probe.ACT_STD, probe.GRAD_H_NORM), strict=True):
        (chart,) = curve.charts
        assert_small_with_tooltips(chart)
        assert ("area" in mark_types(chart)) == bool((band["metric"] == metric).any())


def test_the_band_is_cut_to_the_budget_and_says_so():
    big = views.probe_config(net("he_normal", "relu", 100, 512), views.MAX_BATCH)
    count, rest = views.draws_count(big)
    assert count < views.seed_spread.SEEDS - 1 and rest > 0
    fits = probe.probe_cost(big).seconds + views.seed_spread.other_draws_cost(big, count).seconds
    assert fits <= TAB_SECONDS - views.PAGE_SECONDS - (1 - views.DRAWS_SHARE) * (
        TAB_SECONDS - views.PAGE_SECONDS - probe.probe_cost(big).seconds
    )
    draws = views.Draws(views.seed_spread.other_draws(big, 0), 7, rest)
    info = views.spread_view(probe.probe(views.probe_config(net(depth=3, width=4), 8)), None, draws)
    assert info.info.startswith("Drew 0 of the 7 other seeds asked for: the rest would take")
    assert info.info.endswith("So no band is drawn: the curves are this seed's alone.")
    small = views.probe_config(net("he_normal", "relu", 10, 64), 256)
    assert views.draws_count(small) == (7, 0.0)
    zero = views.other_draws(net("zeros", "relu", 4, 8), 16)
    assert zero.asked == 0 and zero.count == 0


def test_hanin_and_rolnick_are_quoted_only_in_their_setting():
    from gradviz import seed_spread

    for network, quoted in (
        (net("he_normal", "relu", 12, 16), True),
        (net("he_normal", "relu", 12, 16, sigma_b=0.5), False),  # biases: not their setting
        (net("xavier_normal", "relu", 12, 16), False),  # σ_w² = 1
        (net("he_normal", "leaky_relu", 12, 16), False),
    ):
        result = views.probe_network(network, 16)
        draws = seed_spread.other_draws(views.probe_config(network, 16), 2)
        text = views.explain_spread(result, seed_spread.seed_band(result, draws))
        assert ("Hanin & Rolnick" in text) == quoted, network


def test_a_one_layer_network_quotes_its_one_activation_std():
    """At depth 1 the text names the one hidden layer's std, not a range from layer 1 to
    layer 1 (tried as a visitor: "goes from 0.185 at layer 1 to 0.185 at layer 1")."""
    result = views.probe_network(net(act="relu", depth=1, width=2), 16)
    text = views.explain_layers(result)
    std = result.curves[
        (result.curves["source"] == probe.MEASURED) & (result.curves["metric"] == probe.ACT_STD)
    ]["value"].iloc[0]
    assert f"The activation std of its one hidden layer is {format_sci(std)}." in text
    assert "goes from" not in text
    deeper = views.explain_layers(views.probe_network(net(depth=3), 16))
    assert "The activation std goes from" in deeper and "at layer 3." in deeper
