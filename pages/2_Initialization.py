"""Initialization: a deep MLP at init, per-layer distributions, symmetry, mean-field, training."""

import streamlit as st

from gradviz import initialization_views as views
from gradviz import probe
from gradviz.activations import NAMES as ACT_NAMES
from gradviz.activations import label as act_label
from gradviz.datasets import DATASETS
from gradviz.initializers import NAMES as INIT_NAMES
from gradviz.initializers import REGISTRY as INITS
from ui import cached, page_header, progress_bar, setup_page, show_breakdowns, sources
from ui.views import show, show_metrics, show_side_by_side

setup_page(__file__)

# Select widgets write their option into the URL, so the options are the display labels.
INIT_BY_LABEL = {INITS[n].label: n for n in INIT_NAMES}
ACT_BY_LABEL = {act_label(n): n for n in ACT_NAMES}
PRESET_DEFAULTS = {
    "preset": "custom",
    "init": INITS["xavier_normal"].label,
    "act": act_label("tanh"),
    "batch": 256,
}


def apply_preset():
    st.session_state.update(views.preset_values(st.session_state["preset"]))


def preset_from_link():
    """On a session's first run, a link that names a preset but not all of its settings gets
    the missing ones from the preset (callbacks only run on interaction)."""
    name = st.query_params.get("preset")
    if name in views.PRESETS and not st.session_state.get("_link_preset_done"):
        for key, value in views.preset_values(name).items():
            if key not in st.query_params:
                st.session_state[key] = value
    st.session_state["_link_preset_done"] = True


def to_custom():
    st.session_state["preset"] = "custom"


# The probe of a network is shared by the Layers and Histograms tabs; each tab's view (charts
# and text) is cached on top of it, so a warm rerun only sends cached specs. A nested cache
# shows no spinner of its own, so the views carry the probe's. A tab over its budget shows why
# instead (gradviz.initialization_views.over_budget), decided from the cost model alone.
probed = cached(views.probe_network, max_entries=32)
glorot_bengio = cached(probe.glorot_bengio, max_entries=16)
phase_diagram = cached(views.phase_diagram, max_entries=16)


@cached(show_spinner="Probing the network…", max_entries=32)
def layers_view(net, batch):
    refusal = views.layers_refusal(views.probe_config(net, batch))
    if refusal:
        return views.LayersView(refusal=refusal)
    return views.layers_view(probed(net, batch))


@cached(show_spinner="Probing the network…", max_entries=16)
def histograms_view(net, batch):
    refusal = views.histograms_refusal(views.probe_config(net, batch))
    if refusal:
        return views.HistogramsView(refusal=refusal)
    return views.histograms_view(probed(net, batch), glorot_bengio(net.width, batch, net.seed))


@cached(show_spinner="Computing the phase diagram…", max_entries=16)
def phase_view(net):
    refusal = views.phase_refusal(net)
    if refusal:
        return views.View(info=refusal)
    return views.phase_view(net, phase_diagram(*views.phase_diagram_args(net)))


@cached(max_entries=8)
def training_view(net_a, net_b, data, steps, lr):
    """Both networks trained, with a progress bar on a miss (a hit replays it)."""
    with progress_bar(f"Training 2 networks for up to {steps} steps…") as progress:
        return views.training_view(net_a, net_b, data, steps, lr, progress)


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
    list(views.PRESETS),
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
    "Batch N", 4, views.MAX_BATCH, None, key="batch", on_change=to_custom, bind="query-params"
)
sigma_b = cols[1].slider("Bias scale σ_b", 0.0, 1.0, 0.0, 0.05, key="sigma_b", bind="query-params")
seed = int(cols[2].number_input("Seed", 0, 9999, 0, key="seed", bind="query-params"))
with cols[3].popover("Initializer parameters"):
    c = st.slider("c (constant)", -2.0, 2.0, 0.5, 0.1, key="c", bind="query-params")
    gain = st.slider("gain (orthogonal)", 0.0, 4.0, 1.0, 0.1, key="gain", bind="query-params")
    sigma_w = st.number_input(
        "σ_w (free scale σ_w/√n)", 0.0, 10000.0, 1.0, key="sigma_w", bind="query-params"
    )
init_values = {"c": c, "gain": gain, "sigma_w": sigma_w}
act = ACT_BY_LABEL[act_lbl]


def network(init):
    """The network of the controls with initializer ``init`` (and its parameter, if any)."""
    return views.network(init, act, depth, width, sigma_b, seed, init_values)


net = network(INIT_BY_LABEL[init_lbl])

tabs = st.tabs(
    ["Layers", "Histograms", "Phase diagram", "Training"], key="tab", bind="query-params"
)
with tabs[0]:
    if tabs[0].open:
        view = layers_view(net, batch)
        if view.refusal:
            st.info(view.refusal)
        else:
            show_metrics(view.metrics)
            show_breakdowns(view.breakdowns, offset=1)
            show_side_by_side(view.curves)
            st.markdown(view.text)
            st.markdown(views.SYMMETRY_TITLE)
            show(view.symmetry)
            show(view.zero_init)
with tabs[1]:
    if tabs[1].open:
        view = histograms_view(net, batch)
        if view.refusal:
            st.info(view.refusal)
        else:
            st.markdown(views.HISTOGRAMS_INTRO)
            show(view.layers)
            st.subheader(views.GLOROT_BENGIO_TITLE)
            show(view.glorot_bengio, stacked=True)
with tabs[2]:
    if tabs[2].open:
        show(phase_view(net), stacked=True)
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
        view = training_view(net, network(init_b), data, steps, lr)
        if view.notice:
            st.info(view.notice)
        if view.decisions:
            show(view.curves, stacked=True)
            show_side_by_side(view.decisions)
            st.markdown(view.text)
sources(probe.SOURCES)
link.report()
