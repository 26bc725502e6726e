"""Initialization: a deep MLP at init, per-layer distributions, symmetry, mean-field, training."""

import streamlit as st

from ui import (
    cached,
    control,
    page_header,
    progress_bar,
    setup_page,
    show,
    show_breakdowns,
    show_metrics,
    show_side_by_side,
    sources,
)
from views import initialization as views

setup_page(__file__)


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
# instead (views.initialization.over_budget), decided from the cost model alone.
probed = cached(views.probe_network, max_entries=32)
glorot_bengio = cached(views.glorot_bengio, max_entries=16)
phase_diagram = cached(views.phase_diagram, max_entries=16)


@cached(show_spinner=views.PROBING, max_entries=32)
def layers_view(net, batch):
    refusal = views.layers_refusal(views.probe_config(net, batch))
    if refusal:
        return views.LayersView(refusal=refusal)
    return views.layers_view(probed(net, batch), views.other_draws(net, batch))


@cached(show_spinner=views.PROBING, max_entries=16)
def histograms_view(net, batch):
    refusal = views.histograms_refusal(views.probe_config(net, batch))
    if refusal:
        return views.HistogramsView(refusal=refusal)
    return views.histograms_view(probed(net, batch), glorot_bengio(net.width, batch, net.seed))


@cached(show_spinner=views.PHASES, max_entries=16)
def phase_view(net):
    refusal = views.phase_refusal(net)
    if refusal:
        return views.View(info=refusal)
    return views.phase_view(net, phase_diagram(*views.phase_diagram_args(net)))


@cached(max_entries=8)
def training_view(net_a, net_b, data, steps, lr):
    """Both networks trained, with a progress bar on a miss (a hit replays it)."""
    with progress_bar(views.training_progress(steps)) as progress:
        return views.training_view(net_a, net_b, data, steps, lr, progress)


link = page_header(views.HEADER)

for key, value in views.PRESET_DEFAULTS.items():
    st.session_state.setdefault(key, value)
preset_from_link()
control(views.PRESET, on_change=apply_preset)
cols = st.columns(4)
init_lbl = control(views.INITIALIZER, cols[0], on_change=to_custom)
act_lbl = control(views.ACTIVATION, cols[1], on_change=to_custom)
depth = control(views.DEPTH, cols[2])
width = control(views.WIDTH, cols[3])
cols = st.columns(4)
batch = control(views.BATCH, cols[0], on_change=to_custom)
sigma_b = control(views.BIAS_SCALE, cols[1])
seed = int(control(views.SEED, cols[2]))
with cols[3].popover(views.INIT_PARAMETERS):
    init_values = {"c": control(views.CONSTANT), "gain": control(views.GAIN)}
    init_values["sigma_w"] = control(views.FREE_SCALE)
act = views.ACT_BY_LABEL[act_lbl]


def network(init):
    """The network of the controls with initializer ``init`` (and its parameter, if any)."""
    return views.network(init, act, depth, width, sigma_b, seed, init_values)


net = network(views.INIT_BY_LABEL[init_lbl])
with st.expander(views.PYTORCH_TITLE):
    st.code(views.pytorch_snippet(net))

tabs = st.tabs(views.TABS, key="tab", bind="query-params")
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
            show(view.spread)
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
        init_b = views.INIT_BY_LABEL[control(views.COMPARE_WITH, cols[0])]
        data = control(views.DATA_SET, cols[1])
        steps = control(views.STEPS, cols[2])
        lr = control(views.LEARNING_RATE, cols[3])
        view = training_view(net, network(init_b), data, steps, lr)
        if view.notice:
            st.info(view.notice)
        if view.decisions:
            show(view.curves, stacked=True)
            show_side_by_side(view.decisions)
            st.markdown(view.text)
sources(views.SOURCES)
link.report()
