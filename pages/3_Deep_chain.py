"""Deep chain: Nielsen's single-neuron chain, the linear chain W^t, and Jacobian spectra."""

import streamlit as st

from gradviz import chain as ch
from gradviz import linear_chain as lc
from gradviz import spectra as sp
from gradviz.activations import NAMES as ACT_NAMES
from gradviz.initializers import NAMES as INIT_NAMES
from ui import cached, page_header, setup_page, show, show_breakdowns, show_side_by_side, sources
from views import deep_chain as views

setup_page(__file__)

KIND_BY_LABEL = {label: kind for kind, label in lc.KIND_LABELS.items()}
LAST_EDITS, TABLE_ERROR, TABLE_GEN = "_chain_last_edits", "_chain_table_error", "_chain_table_gen"
LAST_CHAIN = "_chain_last_chain"

# One cached call per tab: engine results, chart specs and text together (see chain_views).
chain_view = cached(views.chain_view, max_entries=32)
linear_view = cached(views.linear_view, max_entries=32)
spectra_view = cached(
    views.spectra_view, show_spinner="Computing the Jacobian spectra…", max_entries=16
)


def apply_table_edits():
    """Fold the data editor's pending cell edits into the bound ``edits`` text (so a link keeps
    them), before that text widget is drawn. A fresh editor key then starts from the new chain;
    a bad cell is rejected and the last valid chain kept."""
    pending = st.session_state.get(editor_key(), {}) or {}
    if not pending.get("edited_rows") or LAST_CHAIN not in st.session_state:
        return
    w, b, edits = st.session_state[LAST_CHAIN]
    new, error = ch.cell_edits(pending["edited_rows"], w, b)
    if error:
        st.session_state[TABLE_ERROR] = f"Table edit rejected: {error}. Kept the last valid chain."
    else:
        st.session_state["edits"] = ch.format_overrides({**edits, **new})
    st.session_state[TABLE_GEN] = st.session_state.get(TABLE_GEN, 0) + 1


def editor_key() -> str:
    return f"chain_table_{st.session_state.get(TABLE_GEN, 0)}"


def chain_tab():
    apply_table_edits()
    c1, c2, c3 = st.columns(3)
    length = c1.slider("Layers L", 2, ch.MAX_LENGTH, 4, key="length", bind="query-params")
    act = c1.selectbox("Activation f", ACT_NAMES, key="act", bind="query-params")
    source = c2.radio("Weights and biases", views.SOURCES, key="source", bind="query-params")
    init = c2.selectbox(
        "Init of each w_j (random draw)",
        INIT_NAMES,
        index=INIT_NAMES.index("standard_normal"),
        key="init",
        bind="query-params",
    )
    seed = c2.number_input("Seed (random draw)", 0, 10_000, 0, key="seed", bind="query-params")
    sigma_b = c3.slider(
        "Bias std σ_b (random draw)", 0.0, 5.0, 1.0, key="sigma_b", bind="query-params"
    )
    weight = c3.number_input(
        "Weight w (explosion: b_j = −w·a_(j−1))",
        -1e300,
        1e300,
        100.0,
        key="weight",
        bind="query-params",
    )
    x = c1.number_input("Input a_0 = x", -1e6, 1e6, 1.0, key="x", bind="query-params")
    y = c3.number_input("Target y (C = ½(a_L − y)²)", -1e6, 1e6, 0.0, key="y", bind="query-params")
    text = st.text_input(
        "Per-layer edits `layer:w;b` (the table writes here, so a link keeps them)",
        key="edits",
        bind="query-params",
        placeholder="e.g. 2:0.5;-1, 3:4;0",
    )
    edits, error = ch.parse_overrides(text, length)
    if error:
        st.error(f"Per-layer edits rejected: {error}. Kept the last valid chain.")
        edits = {j: e for j, e in st.session_state.get(LAST_EDITS, {}).items() if j <= length}
    else:
        st.session_state[LAST_EDITS] = edits
    if TABLE_ERROR in st.session_state:
        st.error(st.session_state.pop(TABLE_ERROR))

    flat = tuple(sorted((j, wj, bj) for j, (wj, bj) in edits.items()))
    view = chain_view(length, act, source, init, int(seed), sigma_b, weight, x, y, flat)
    show_breakdowns(view.breakdowns, offset=1)
    st.latex(view.formula)
    show(view.gradients, keys=("chart_grad", "chart_waterfall"))

    st.session_state[LAST_CHAIN] = (view.w, view.b, edits)
    st.caption("Edit w or b in the table; every other column is computed.")
    disabled = [c for c in view.table.columns if c not in ("w", "b")]
    height = min(300, 35 * (length + 1) + 3)  # no empty rows under a short chain
    st.data_editor(view.table, key=editor_key(), disabled=disabled, height=height)


def linear_tab():
    c1, c2, c3 = st.columns(3)
    kind_label = c1.selectbox("Matrix W", list(KIND_BY_LABEL), key="kind", bind="query-params")
    kind = KIND_BY_LABEL[kind_label]
    n = c1.slider("Size n", 2, lc.MAX_SIZE, 8, key="n", bind="query-params")
    radius = c2.slider(
        "Spectral radius / scale ρ", 0.1, 3.0, 0.9, key="radius", bind="query-params"
    )
    spread = c2.slider(
        "Spread: smallest |λ| = ρ·spread (chosen / Jordan-like)",
        0.01,
        1.0,
        0.9,
        key="spread",
        bind="query-params",
    )
    coupling = c3.slider(
        "Off-diagonal coupling (Jordan-like)",
        0.0,
        3.0,
        1.0,
        key="coupling",
        bind="query-params",
    )
    steps = c3.slider("Powers t up to", 1, lc.MAX_STEPS, 100, key="steps", bind="query-params")
    mseed = c1.number_input("Seed", 0, 10_000, 0, key="mseed", bind="query-params")
    view = linear_view(kind, n, radius, spread, coupling, steps, int(mseed))
    show_breakdowns(view.breakdowns)
    show(view.powers, keys=("chart_powers",))


def spectra_tab():
    c1, c2, c3 = st.columns(3)
    act = c1.selectbox("Activation", sp.ACTIVATIONS, key="jact", bind="query-params")
    ratio = c1.slider("σ_w / critical σ_w", 0.5, 1.5, 1.0, 0.05, key="ratio", bind="query-params")
    sigma_b2 = c2.select_slider(
        "Bias variance σ_b²", sp.SIGMA_B2_OPTIONS, 0.0, key="sigma_b2", bind="query-params"
    )
    depth = c2.slider("Depth L", 1, sp.MAX_DEPTH, 50, key="depth", bind="query-params")
    width = c3.select_slider("Width n", sp.WIDTHS, 128, key="width", bind="query-params")
    jseed = c3.number_input("Seed", 0, 10_000, 0, key="jseed", bind="query-params")
    view = spectra_view(act, ratio, sigma_b2, depth, width, int(jseed))
    show_breakdowns(view.breakdowns, offset=1)
    show_side_by_side((view.histogram, view.by_depth), keys=("chart_hist", "chart_depth"))
    st.markdown(view.text)


link = page_header(
    "Deep chain: a gradient is a product of factors",
    "Backpropagation multiplies one factor per layer. Below 1 they vanish, above 1 they explode, "
    "and depth makes both exponential: see it for one neuron per layer (seed 003), for a linear "
    "chain of matrices (seed 001), and for the whole spectrum of a deep network's Jacobian.",
    r"\frac{\partial C}{\partial b_1}=\sigma'(z_1)\,w_2\,\sigma'(z_2)\cdots w_L\,\sigma'(z_L)"
    r"\,\frac{\partial C}{\partial a_L},\qquad W^t = V\,\mathrm{diag}(\lambda)^t\,V^{-1}",
)
tabs = st.tabs(["Neuron chain", "Linear chain", "Jacobian spectra"], key="tab", bind="query-params")
for tab, body in zip(tabs, (chain_tab, linear_tab, spectra_tab), strict=True):
    with tab:
        if tab.open:
            body()
sources(ch.SOURCES_MARKDOWN)
link.report()
