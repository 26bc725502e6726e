"""Activations: f and f', saturation, depth, random products and zero-centred outputs."""

import streamlit as st

from gradviz.activations import NAMES, REGISTRY, label
from gradviz.zigzag import POSITIVE_INPUTS
from ui import cached, page_header, setup_page, sources
from views import activations as views

setup_page(__file__)

# One cached call per tab: engine results, chart specs and text together (see activation_views).
curves_view = cached(views.curves_view)
properties_view = cached(views.properties_view)
depth_view = cached(views.depth_view)
saturation_view = cached(views.saturation_view)
products_view = cached(views.products_view)
zigzag_view = cached(views.zigzag_view)


def show(view: views.View) -> None:
    """The view's charts side by side (cached Vega-Lite specs), its caption and its text."""
    for column, chart in zip(st.columns(len(view.charts)), view.charts, strict=True):
        column.vega_lite_chart(spec=chart, width="stretch")
    if view.caption:
        st.caption(view.caption)
    st.markdown(view.text)


def bound_slider(parent, text, low, high, value, step=None, *, key, **kw):
    return parent.slider(text, low, high, value, step, key=key, bind="query-params", **kw)


link = page_header(
    "Activations",
    "Backpropagation multiplies the learning signal δ by the activation's slope f′(z) at every "
    "layer. Where f′ is small the signal fades; where the unit is *saturated* (f′ ≈ 0) it stops.",
    r"\delta_{l-1}=\big(\delta_l\,W_l^{\top}\big)\odot f'(z_{l-1})",
)

top = st.columns([3, 1])
# Options are the display labels: Streamlit writes a select widget's formatted option into the
# URL, so the labels themselves are the link values (?act=sigmoid&act=leaky+ReLU).
BY_LABEL = {label(n): n for n in NAMES}
chosen_labels = top[0].multiselect(
    "Activations",
    list(BY_LABEL),
    default=[label(n) for n in ("sigmoid", "tanh", "relu")],
    key="act",
    bind="query-params",
)
names = [BY_LABEL[c] for c in chosen_labels]
threshold = top[1].select_slider(
    "Saturated where |f′| <",
    [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2],
    value=0.05,
    key="sat",
    bind="query-params",
)
st.sidebar.markdown("**Activation parameters**")
chosen = {
    (name, p.name): bound_slider(
        st.sidebar, f"{label(name)}: {p.name}", p.low, p.high, p.default, 0.01,
        key=f"{name}_{p.name}", help=p.help,
    )
    for name in NAMES
    for p in REGISTRY[name].params
}  # fmt: skip
if chosen[("rrelu", "lower")] > chosen[("rrelu", "upper")]:
    chosen[("rrelu", "lower")], chosen[("rrelu", "upper")] = (
        chosen[("rrelu", "upper")],
        chosen[("rrelu", "lower")],
    )
    st.sidebar.caption("randomized leaky ReLU: lower > upper, so the two were swapped.")
specs = tuple(
    (n, tuple((p.name, float(chosen[(n, p.name)])) for p in REGISTRY[n].params)) for n in names
)
NEED_ONE = "Choose at least one activation above."

tabs = st.tabs(
    ["Curves", "Properties", "Depth", "Saturation", "Random products", "Zero-centred"],
    key="tab",
    bind="query-params",
)
with tabs[0]:
    if tabs[0].open:
        x_max = bound_slider(st, "x range ±", 1.0, 50.0, 6.0, 0.5, key="xrange")
        if specs:
            show(curves_view(specs, x_max, threshold))
        else:
            st.info(NEED_ONE)
with tabs[1]:
    if tabs[1].open:
        view = properties_view(specs)
        if specs:
            st.dataframe(view.table, hide_index=True, width="stretch")
        else:
            st.info(NEED_ONE)
        st.markdown(view.text)
with tabs[2]:
    if tabs[2].open:
        c = st.columns(2)
        max_depth = bound_slider(c[0], "Depth L", 1, 500, 50, key="max_depth")
        free = bound_slider(c[1], "Free factor a", 0.1, 5.0, 1.1, 0.01, key="free")
        show(depth_view(specs, free, max_depth))
with tabs[3]:
    if tabs[3].open:
        c = st.columns(2)
        mu = bound_slider(c[0], "Mean μ of z", -3.0, 3.0, 0.0, 0.1, key="mu")
        s = bound_slider(c[1], "Scale s (std of z)", 0.1, 10.0, 1.0, 0.1, key="s")
        if specs:
            show(saturation_view(specs, mu, s, threshold))
        else:
            st.info(NEED_ONE)
with tabs[4]:
    if tabs[4].open:
        c = st.columns(4)
        n = bound_slider(c[0], "n numbers multiplied", 1, 500, 50, key="n")
        trials = c[1].select_slider(
            "Trials", [1_000, 10_000, 100_000], 10_000, key="trials", bind="query-params"
        )
        log_t = bound_slider(c[2], "Threshold 10^k, k =", -300, -1, -18, key="thr")
        seed = c[3].number_input("Seed", 0, 10_000, 0, key="seed", bind="query-params")
        show(products_view(n, trials, log_t, int(seed)))
with tabs[5]:
    if tabs[5].open:
        c = st.columns(5)
        pos_label = c[0].selectbox(
            "Positive inputs from",
            [label(n) for n in POSITIVE_INPUTS],
            key="pos",
            bind="query-params",
        )
        w1 = bound_slider(c[1], "Target w1*", -2.0, 2.0, 1.0, 0.1, key="w1")
        w2 = bound_slider(c[2], "Target w2*", -2.0, 2.0, -1.0, 0.1, key="w2")
        lr = bound_slider(c[3], "Learning rate", 0.05, 1.0, 0.5, 0.05, key="lr")
        steps = bound_slider(c[4], "Steps", 20, 500, 200, 10, key="steps")
        show(zigzag_view(BY_LABEL[pos_label], w1, w2, lr, steps))

sources(views.sources_text())
link.report()
