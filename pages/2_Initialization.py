"""Initialization: a deep MLP at init, per-layer distributions, symmetry, mean-field, training."""

import numpy as np
import pandas as pd
import streamlit as st

from gradviz import meanfield, probe
from gradviz.activations import NAMES as ACT_NAMES
from gradviz.activations import get_activation
from gradviz.activations import label as act_label
from gradviz.charts import drawable_on_log, make_speed_chart
from gradviz.charts import initialization as charts
from gradviz.datasets import DATASETS
from gradviz.initializers import NAMES as INIT_NAMES
from gradviz.initializers import REGISTRY as INITS
from gradviz.mlp import MLPConfig
from gradviz.numerics import format_sci
from gradviz.train import TrainConfig, decision_grid, train
from ui import page_header, progress_bar, show_breakdowns, show_chart, sources

st.set_page_config(page_title="Initialization · gradviz", page_icon="🎲", layout="wide")

# Select widgets write their option into the URL, so the options are the display labels.
INIT_BY_LABEL = {INITS[n].label: n for n in INIT_NAMES}
ACT_BY_LABEL = {act_label(n): n for n in ACT_NAMES}
ODD_BATCH = 255  # breaks the class balance that makes zero init a stationary point
PRESETS = {
    "custom": {},
    "too small": {"init": "too_small", "act": "tanh"},
    "too large": {"init": "standard_normal", "act": "relu"},
    "constant": {"init": "constant", "act": "tanh"},
    "zero + ReLU": {"init": "zeros", "act": "relu", "batch": ODD_BATCH},
    "zero + sigmoid": {"init": "zeros", "act": "sigmoid", "batch": ODD_BATCH},
    "Xavier + tanh": {"init": "xavier_normal", "act": "tanh"},
    "He + ReLU": {"init": "he_normal", "act": "relu"},
}
INIT_PARAM_KEYS = {"constant": "c", "orthogonal": "gain", "scaled": "sigma_w"}
PRESET_DEFAULTS = {
    "preset": "custom",
    "init": INITS["xavier_normal"].label,
    "act": act_label("tanh"),
    "batch": 256,
}
ZERO_STEPS = 10  # gradient steps that show which layers wake up
MAX_WORK = 10e9  # multiply-adds allowed for them (a few seconds on one busy core)


def preset_values(name):
    """Widget values (display labels for the select boxes) that preset ``name`` sets."""
    labels = {"init": lambda v: INITS[v].label, "act": act_label}
    return {k: labels.get(k, lambda v: v)(v) for k, v in PRESETS[name].items()}


def apply_preset():
    st.session_state.update(preset_values(st.session_state["preset"]))


def preset_from_link():
    """On a session's first run, a link that names a preset but not all of its settings gets
    the missing ones from the preset (callbacks only run on interaction)."""
    name = st.query_params.get("preset")
    if name in PRESETS and not st.session_state.get("_link_preset_done"):
        for key, value in preset_values(name).items():
            if key not in st.query_params:
                st.session_state[key] = value
    st.session_state["_link_preset_done"] = True


def to_custom():
    st.session_state["preset"] = "custom"


def net_config(init, act, depth, width, sigma_b, seed, init_params):
    return MLPConfig(
        depth, width, activation=act, init=init, init_params=init_params, sigma_b=sigma_b, seed=seed
    )


@st.cache_data(show_spinner="Probing the network…", max_entries=32)
def probe_data(net_values, batch):
    return probe.probe(probe.ProbeConfig(mlp=net_config(*net_values), batch=batch, data_seed=0))


@st.cache_data(show_spinner=False, max_entries=16)
def zero_data(net_values, batch):
    cfg = probe.ProbeConfig(mlp=net_config(*net_values), batch=batch, data_seed=0)
    return probe.zero_init_facts(cfg), probe.first_update_steps(cfg, steps=ZERO_STEPS)


@st.cache_data(show_spinner=False, max_entries=16)
def gb_data(width, batch, seed):
    return probe.glorot_bengio(width, batch, seed)


@st.cache_data(show_spinner=False, max_entries=16)
def phase_data(act, sigma_b2, width, current_sw2):
    activation = get_activation(act)
    grid = meanfield.phase_grid(activation)
    boundary = meanfield.critical_line(activation, np.linspace(0.0, 1.0, 11))
    points = meanfield.phase_points(activation, width, sigma_b2, current_sw2)
    return grid, boundary, points, meanfield.trainable_depth_curve(activation, sigma_b2)


@st.cache_data(show_spinner=False, max_entries=8)
def trained(nets, data, steps, lr):
    """Train each ``(name, net_values)`` on the same data, with a progress bar on a miss."""
    runs = {}
    with progress_bar(f"Training {len(nets)} networks for {steps} steps…") as progress:
        for i, (name, values) in enumerate(nets):
            cfg = TrainConfig(mlp=net_config(*values), dataset=data, n=201, steps=steps, lr=lr)
            res = train(cfg, progress=lambda f, i=i: progress((i + f) / len(nets)))
            runs[name] = (res, decision_grid(res.final_params, cfg, 40))
    return runs


link = page_header(
    "Initialization",
    "The gradient of a weight is a product of one factor per layer, so the *scale* of the "
    "initial weights decides at step 0 whether it vanishes or explodes, and a *symmetric* "
    "initialization keeps every unit of a layer identical. Mean-field theory predicts both.",
    r"q_l=\sigma_w^2\,\mathbb E_{z\sim\mathcal N(0,q_{l-1})}[\phi(z)^2]+\sigma_b^2,\qquad"
    r"\chi_1=\sigma_w^2\,\mathbb E_{z\sim\mathcal N(0,q^*)}[\phi'(z)^2]",
)

# Controls that callbacks set get their defaults through session state, not as widget
# arguments: Streamlit warns when a widget has both. A valid link value still wins.
for key, value in PRESET_DEFAULTS.items():
    st.session_state.setdefault(key, value)
preset_from_link()
st.selectbox(
    "Preset (seed 001's cases)",
    list(PRESETS),
    index=None,
    key="preset",
    on_change=apply_preset,
    bind="query-params",
)
cols = st.columns(4)
init_lbl = cols[0].selectbox(
    "Initializer",
    list(INIT_BY_LABEL),
    index=None,
    key="init",
    on_change=to_custom,
    bind="query-params",
)
act_lbl = cols[1].selectbox(
    "Activation", list(ACT_BY_LABEL), None, key="act", on_change=to_custom, bind="query-params"
)
depth = cols[2].slider("Depth L", 1, 100, 10, key="depth", bind="query-params")
width = cols[3].slider("Width n", 2, 512, 64, key="width", bind="query-params")
cols = st.columns(4)
batch = cols[0].slider(
    "Batch N", 4, 1024, None, key="batch", on_change=to_custom, bind="query-params"
)
sigma_b = cols[1].slider("Bias scale σ_b", 0.0, 1.0, 0.0, 0.05, key="sigma_b", bind="query-params")
seed = int(cols[2].number_input("Seed", 0, 9999, 0, key="seed", bind="query-params"))
with cols[3].popover("Initializer parameters"):
    c = st.slider("c (constant)", -2.0, 2.0, 0.5, 0.1, key="c", bind="query-params")
    gain = st.slider("gain (orthogonal)", 0.0, 4.0, 1.0, 0.1, key="gain", bind="query-params")
    sigma_w = st.number_input(
        "σ_w (free scale σ_w/√n)", 0.0, 10000.0, 1.0, key="sigma_w", bind="query-params"
    )
init, act = INIT_BY_LABEL[init_lbl], ACT_BY_LABEL[act_lbl]
init_values = {"c": c, "gain": gain, "sigma_w": sigma_w}


def values_for(name):
    """The network of the controls with initializer ``name`` (and its parameter, if any)."""
    key = INIT_PARAM_KEYS.get(name)
    params = ((key, float(init_values[key])),) if key else ()
    return (name, act, depth, width, float(sigma_b), seed, params)


net_values = values_for(init)

tabs = st.tabs(
    ["Layers", "Histograms", "Phase diagram", "Training"], key="tab", bind="query-params"
)
with tabs[0]:
    if tabs[0].open:
        result = probe_data(net_values, batch)
        scale = result.depth_scale
        m = st.columns(4)
        m[0].metric("‖∂L/∂h₁‖ / ‖∂L/∂h_L‖", format_sci(result.grad_ratio_first_to_last))
        m[1].metric("χ₁ (mean-field)", "—" if scale is None else format_sci(scale.chi1, 3))
        m[2].metric("phase", "—" if scale is None else scale.phase)
        m[3].metric(
            "trainable depth ≈ 6ξ", "—" if scale is None else format_sci(scale.trainable_depth)
        )
        show_breakdowns(
            [
                ("the activations", result.forward_breakdown),
                ("the gradient", result.backward_breakdown),
            ],
            offset=1,
        )
        cols = st.columns(2)
        for col, metric, title, brk in (
            (cols[0], probe.ACT_STD, "activation std", result.forward_breakdown),
            (cols[1], probe.GRAD_H_NORM, "‖∂L/∂h_l‖", result.backward_breakdown),
        ):
            rows, dropped = drawable_on_log(result.curves[result.curves.metric == metric], "value")
            at = None if brk.ok else brk.index + 1
            with col:
                show_chart(charts.make_depth_curve_chart(rows, title, at, brk.message(title, 1)))
                if dropped:
                    st.caption(
                        f"{dropped} value(s) that are 0, inf or NaN are not drawn on the log axis."
                    )
        st.markdown("**What you are seeing.** " + probe.explain_layers(result))
        distinct = pd.DataFrame(
            {"layer": np.arange(1, depth + 1), "distinct": result.distinct, "width": width}
        )
        st.markdown(
            "**Symmetry: distinct units per layer** (units computing different "
            "functions of the batch)"
        )
        show_chart(charts.make_distinct_units_chart(distinct))
        if init in ("zeros", "constant"):
            work = probe.multiply_adds(result.config, passes=ZERO_STEPS + 1)
            if work <= MAX_WORK:
                facts, order = zero_data(net_values, batch)
                st.markdown(
                    "**Zero / constant initialization.** "
                    + probe.explain_zero_init(facts, order, result.config.network)
                )
            else:
                st.info(
                    f"The {ZERO_STEPS} training steps that test the zero-init claims would "
                    f"take {format_sci(float(work))} multiply-adds; reduce depth, width or batch "
                    f"to bring it below {format_sci(float(MAX_WORK))} to see them."
                )
with tabs[1]:
    if tabs[1].open:
        result = probe_data(net_values, batch)
        st.markdown(
            f"Histograms of h_l and ∂L/∂h_l for up to {probe.MAX_HIST_LAYERS} layers, "
            "on one shared range per quantity (values beyond it sit in the end bins)."
        )
        show_chart(charts.make_histogram_grid_chart(result.histograms))
        st.subheader("Glorot & Bengio (2010): standard vs normalized init, tanh, 5 layers")
        hist, summary = gb_data(width, batch, seed)
        for quantity in (probe.HIST_ACT, probe.HIST_GRAD):
            show_chart(
                charts.make_histogram_overlay_chart(hist[hist.quantity == quantity], quantity)
            )
        st.markdown("**What you are seeing.** " + probe.explain_glorot_bengio(summary, width))
with tabs[2]:
    if tabs[2].open:
        result = probe_data(net_values, batch)
        sw2 = result.sigma_w2
        current_sw2 = None if result.depth_scale is None else sw2
        grid, boundary, points, curve = phase_data(act, float(sigma_b) ** 2, width, current_sw2)
        show_chart(charts.make_phase_chart(grid, boundary, points))
        curve_rows, dropped = drawable_on_log(curve, "trainable_depth")
        scale = result.depth_scale
        current = pd.DataFrame({"sigma_w2": [sw2], "name": ["your network"]}).assign(
            trainable_depth=np.inf if scale is None else scale.trainable_depth
        )
        current, _ = drawable_on_log(
            current[current.sigma_w2.between(1e-2, 1e3)], "trainable_depth"
        )
        show_chart(charts.make_trainable_depth_chart(curve_rows, depth, current))
        if dropped:
            st.caption(f"{dropped} point(s) exactly at χ₁ = 1 (ξ = ∞) are not drawn.")
        st.markdown(
            "**What you are seeing.** " + probe.explain_phase(result, act_lbl, boundary, depth)
        )
with tabs[3]:
    if tabs[3].open:
        cols = st.columns(4)
        init_b = INIT_BY_LABEL[
            cols[0].selectbox(
                "Compare with", list(INIT_BY_LABEL), index=7, key="init_b", bind="query-params"
            )
        ]
        data = cols[1].selectbox("Data set", DATASETS, index=1, key="data", bind="query-params")
        steps = cols[2].slider("Steps", 10, 1000, 100, 10, key="steps", bind="query-params")
        lr = cols[3].select_slider(
            "Learning rate", [0.01, 0.03, 0.1, 0.3, 1.0], 0.1, key="lr", bind="query-params"
        )
        nets = ((f"A: {init_lbl}", net_values), (f"B: {INITS[init_b].label}", values_for(init_b)))
        runs = trained(nets, data, steps, lr)
        frames = probe.training_frames({name: res for name, (res, _) in runs.items()})
        loss = frames["loss"]
        show_chart(charts.make_loss_chart(loss[np.isfinite(loss["loss"])]))
        speed_rows, dropped = drawable_on_log(frames["speed"], "value")
        show_chart(make_speed_chart(speed_rows, facet="init"))
        if dropped:
            st.caption(f"{dropped} value(s) that are 0, inf or NaN are not drawn on the log axis.")
        cols = st.columns(2)
        for col, (name, (res, grid)) in zip(cols, runs.items(), strict=True):
            with col:
                finite = grid.dropna()
                if len(finite):
                    show_chart(charts.make_decision_chart(finite, res.data, name))
                else:
                    st.info(f"{name}: the network's output is NaN everywhere.")
        st.markdown("**What you are seeing.**\n\n" + frames["text"])
sources(probe.SOURCES)
link.report()
