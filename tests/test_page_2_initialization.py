"""AppTest of the Initialization page: every control, chart fields, link notice, quoted numbers."""

import logging

import pytest

from gradviz import glorot_bengio, meanfield, probe
from gradviz.activations import get_activation
from gradviz.mlp import MLPConfig
from gradviz.numerics import format_sci
from gradviz.train import TrainConfig, train
from tests.apptest_kit import (
    all_chart_fields,
    chart_specs,
    exercise_every_control,
    open_page,
    texts,
    warnings,
)
from tests.fuzz_kit import page_machine, walk_extremes
from views import breakdown_text
from views import initialization as views

PAGE = "pages/2_Initialization.py"
INIT_VALUES = {"c": 0.5, "gain": 1.0, "sigma_w": 1.0}
KEYS = {
    "preset",
    "init",
    "act",
    "depth",
    "width",
    "batch",
    "sigma_b",
    "seed",
    "c",
    "gain",
    "sigma_w",
    "init_b",
    "data",
    "steps",
    "lr",
}


@pytest.mark.slow
def test_every_control_reaches_its_extremes_without_an_exception():
    log = exercise_every_control(PAGE, tabs_key="tab", timeout=300)
    assert log.keys == KEYS


def test_layers_tab_fields_and_the_quoted_gradient_ratio():
    at = open_page(PAGE)
    assert {"layer", "value", "source", "distinct"} <= all_chart_fields(at)
    expected = probe.probe(probe.ProbeConfig(mlp=MLPConfig(depth=10, width=64), batch=256))
    ratio = format_sci(expected.grad_ratio_first_to_last)
    assert f"The gradient at layer 1 is **{ratio}** of the gradient at layer 10" in texts(at)
    assert f"χ₁ = {format_sci(expected.depth_scale.chi1, 3)}" in texts(at)


def test_histogram_tab_reproduces_glorot_bengio_with_computed_numbers():
    at = open_page(PAGE, {"tab": "Histograms", "width": "128", "batch": "128"})
    assert {"bin_start", "bin_end", "fraction", "bin_mid", "init"} <= all_chart_fields(at)
    _, summary = glorot_bengio.glorot_bengio(128, 128, 0)
    g = summary[summary.init == "standard U[±1/√n]"]["grad_std"].to_numpy()
    assert f"{format_sci(g[-1])} → {format_sci(g[0])}" in texts(at)


def test_phase_tab_places_the_network_and_quotes_chi1():
    at = open_page(PAGE, {"tab": "Phase diagram", "sigma_b": "0.2", "init": "He/Kaiming normal"})
    fields = all_chart_fields(at)
    assert {"sigma_w2_lo", "sigma_b2_lo", "log10_chi1", "trainable_depth", "name"} <= fields
    tanh = get_activation("tanh")
    scale = meanfield.depth_scale(2.0, 0.04, tanh)
    text = texts(at)
    assert f"χ₁ = {format_sci(scale.chi1, 3)}" in text
    assert f"trainable depth ≈ 6ξ_c = {format_sci(scale.trainable_depth)}" in text
    edge = float(meanfield.critical_sigma_w2(0.0, tanh, tol=1e-3))
    assert f"σ_w² = {edge:.3g} at σ_b² = 0" in text


def test_training_tab_compares_two_initializers():
    at = open_page(PAGE, {"tab": "Training", "steps": "20", "depth": "4", "width": "16"})
    assert {"step", "loss", "init", "value", "x1", "x2", "p"} <= all_chart_fields(at)
    text = texts(at)
    assert "**A: Xavier/Glorot normal**" in text and "**B: He/Kaiming normal**" in text
    for init in ("xavier_normal", "he_normal"):
        net = MLPConfig(depth=4, width=16, init=init)
        res = train(TrainConfig(mlp=net, dataset="moons", n=201, steps=20, lr=0.1))
        assert f"final loss {format_sci(res.final_loss, 3)}" in text


def test_a_malformed_link_shows_the_notice_and_keeps_defaults():
    at = open_page(PAGE, {"depth": "abc", "act": "nonsense", "bogus": "1"})
    notice = warnings(at)
    assert "`depth=abc` is not valid here; using `10`" in notice
    assert "`bogus` is not a setting on this page" in notice


def test_overflow_still_renders_and_names_the_layer():
    query = {"init": "free scale σ_w/√n", "sigma_w": "10000", "act": "ReLU", "depth": "100"}
    at = open_page(PAGE, query)
    cfg = probe.ProbeConfig(
        mlp=MLPConfig(
            depth=100,
            width=64,
            activation="relu",
            init="scaled",
            init_params=(("sigma_w", 10000.0),),
        ),
        batch=256,
    )
    expected = probe.probe(cfg)
    brk = expected.forward_breakdown
    assert not brk.ok
    message = breakdown_text(brk, "the activations", offset=1)
    assert message[1:] in warnings(at)  # the notice capitalises the first letter
    assert message in texts(at)
    rules = [
        layer["encoding"]["x"]["datum"]
        for spec in chart_specs(at)
        for layer in spec.get("layer", [])
        if layer.get("mark", {}).get("type") == "rule" and "datum" in layer["encoding"]["x"]
    ]
    assert rules.count(brk.index + 1) >= 1
    assert any("not drawn on the log axis" in c.value for c in at.caption)


@pytest.mark.parametrize(
    ("preset", "init", "act", "batch"),
    [("zero + sigmoid", "zeros", "sigmoid", 255), ("He + ReLU", "He/Kaiming normal", "ReLU", 256)],
)
def test_presets_set_the_controls(preset, init, act, batch):
    at = open_page(PAGE, {"depth": "5"})
    at.selectbox(key="preset").set_value(preset)
    at.run()
    assert not at.exception
    assert at.selectbox(key="init").value == init
    assert at.selectbox(key="act").value == act
    assert at.slider(key="batch").value == batch
    if preset == "zero + sigmoid":
        assert "W6 at step 1, W5 at step 2, W4 at step 3" in texts(at)
        assert "Distinct units per hidden layer after training: 1, 1, 1, 1, 1." in texts(at)
    # Changing a control by hand returns the preset to "custom".
    at.selectbox(key="act").set_value("tanh")
    at.run()
    assert at.selectbox(key="preset").value == "custom"


def test_constant_preset_shows_one_unit_per_layer():
    at = open_page(PAGE, {"preset": "constant", "init": "constant", "depth": "5"})
    assert "exactly **1 distinct unit** out of 64" in texts(at)


@pytest.mark.parametrize("act", ["ReLU", "sigmoid"])
def test_training_tab_runs_a_zero_initialized_network(act):
    query = {"tab": "Training", "init": "zeros", "act": act, "depth": "4", "width": "16"}
    at = open_page(PAGE, {**query, "steps": "20"})
    assert "**A: zeros**" in texts(at)
    assert {"step", "loss"} <= all_chart_fields(at)


def test_zero_init_steps_that_do_not_fit_say_why_and_what_fits():
    query = {"init": "constant", "width": "512", "batch": "64", "depth": "40"}
    at = open_page(PAGE, query)
    cfg = views.probe_config(views.network("constant", "tanh", 40, 512, 0.0, 0, INIT_VALUES), 64)
    notice = views.over_budget(
        f"the {views.ZERO_STEPS} training steps that test the zero-init claims "
        f"({views._shape(cfg)})",
        40,
        lambda d: views.zero_init_cost(views.at_depth(cfg, d)),
    )
    assert notice.startswith("Not computed: ") and "The largest that fits: depth " in notice
    assert notice in [i.value for i in at.info]
    assert "exactly **1 distinct unit** out of 512" in texts(at)  # the probe itself still runs


def test_a_tab_over_its_budget_refuses_with_the_time_and_the_largest_depth():
    query = {"tab": "Layers", "act": "GELU", "depth": "100", "width": "512", "batch": "512"}
    at = open_page(PAGE, query)
    net = views.network("xavier_normal", "gelu", 100, 512, 0.0, 0, INIT_VALUES)
    refusal = views.layers_refusal(views.probe_config(net, 512))
    assert refusal.startswith("Not computed: probing depth 100 at width 512, batch 512, GELU")
    assert "(the budget is 5 s). The largest that fits: depth " in refusal
    assert [i.value for i in at.info] == [refusal]
    assert not chart_specs(at)


def test_training_that_does_not_fit_is_cut_short_and_says_so(monkeypatch):
    # A 2.1 s budget (0.6 s after the page's own work) cuts the default networks short.
    monkeypatch.setattr(views, "TRAINING_SECONDS", 2.1)
    at = open_page(PAGE, {"tab": "Training", "steps": "1000", "lr": "0.03"})
    net_a = views.network("xavier_normal", "tanh", 10, 64, 0.0, 0, INIT_VALUES)
    cfgs = views.training_configs(net_a, net_a._replace(init="he_normal"), "moons", 1000, 0.03)
    done, notice = views.training_steps(cfgs)
    assert 0 < done < 1000
    assert notice.startswith(f"Trained {done:,} of the 1,000 steps asked for: the rest would take")
    assert [i.value for i in at.info] == [notice]
    assert {"step", "loss"} <= all_chart_fields(at)


def test_a_link_naming_only_a_preset_gets_the_preset_settings():
    at = open_page(PAGE, {"preset": "zero + sigmoid", "depth": "5"})
    assert at.selectbox(key="init").value == "zeros"
    assert at.selectbox(key="act").value == "sigmoid"
    assert at.slider(key="batch").value == 255
    assert "W6 at step 1, W5 at step 2" in texts(at)
    assert not warnings(at)  # every link value was used


class _Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_presets_do_not_trigger_streamlit_state_warnings(monkeypatch):
    # Streamlit warns (once per process, on a non-propagating logger) when a widget has a
    # default argument and its value is also set through st.session_state, as a preset does.
    from streamlit.elements.lib import policies

    records = _Records()
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    policies._LOGGER.addHandler(records)
    try:
        at = open_page(PAGE, {"depth": "3"})
        at.selectbox(key="preset").set_value("too large")
        at.run()
        at = open_page(PAGE, {"preset": "He + ReLU", "depth": "3"})
    finally:
        policies._LOGGER.removeHandler(records)
    assert at.selectbox(key="init").value == "He/Kaiming normal"
    assert [m for m in records.messages if "Session State API" in m] == []


TestFuzz = page_machine(PAGE, timeout=120).TestCase


@pytest.mark.slow
def test_every_control_at_its_ends_together():
    moved = walk_extremes(PAGE, timeout=120)
    assert {"depth", "width", "batch", "steps", "lr"} <= set(moved)


def test_histograms_of_a_large_batch_say_which_samples_they_bin():
    at = open_page(PAGE, {"tab": "Histograms", "batch": "512", "width": "256", "depth": "4"})
    stride = probe.hist_stride(512, 256)
    assert stride == 8
    note = (
        "To stay fast, the histograms bin every 8th sample of the batch "
        f"({len(range(0, 512, stride)):,} of 512); every other number on this page uses all "
        "of them."
    )
    assert [c.value for c in at.caption].count(note) == 2  # under both sets of histograms
    assert not any("every" in c.value for c in open_page(PAGE, {"tab": "Histograms"}).caption)


def test_the_layers_tab_runs_at_every_slider_maximum_together():
    """The page's largest tanh network fits the Layers tab's budget: it is probed, not refused
    (at a batch of 1024 it was refused, see views.MAX_BATCH)."""
    maxima = {"depth": 100, "width": 512, "batch": views.MAX_BATCH}
    net = views.network("xavier_normal", "tanh", 100, 512, 1.0, 0, INIT_VALUES)
    assert views.layers_refusal(views.probe_config(net, views.MAX_BATCH)) == ""
    at = open_page(PAGE, {"tab": "Phase diagram"} | {k: str(v) for k, v in maxima.items()})
    assert {k: at.slider(key=k).max for k in maxima} == maxima
    assert {k: at.slider(key=k).value for k in maxima} == maxima
