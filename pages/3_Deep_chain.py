"""Deep chain: Nielsen's single-neuron chain, the linear chain W^t, and Jacobian spectra."""

import streamlit as st

from ui import (
    cached,
    control,
    page_header,
    setup_page,
    show,
    show_breakdowns,
    show_side_by_side,
    sources,
)
from views import deep_chain as views

setup_page(__file__)

LAST_EDITS, TABLE_ERROR, TABLE_GEN = "_chain_last_edits", "_chain_table_error", "_chain_table_gen"
LAST_CHAIN = "_chain_last_chain"

# One cached call per tab: engine results, chart specs and text together (see views.deep_chain).
chain_view = cached(views.chain_view, max_entries=32)
linear_view = cached(views.linear_view, max_entries=32)
spectra_view = cached(views.spectra_view, show_spinner=views.SPECTRA_SPINNER, max_entries=16)


def apply_table_edits():
    """Fold the data editor's pending cell edits into the bound ``edits`` text (so a link keeps
    them), before that text widget is drawn. A fresh editor key then starts from the new chain;
    a bad cell is rejected and the last valid chain kept."""
    pending = st.session_state.get(editor_key(), {}) or {}
    if not pending.get("edited_rows") or LAST_CHAIN not in st.session_state:
        return
    w, b, edits = st.session_state[LAST_CHAIN]
    new, error = views.cell_edits(pending["edited_rows"], w, b)
    if error:
        st.session_state[TABLE_ERROR] = views.table_edit_rejected(error)
    else:
        st.session_state["edits"] = views.format_overrides({**edits, **new})
    st.session_state[TABLE_GEN] = st.session_state.get(TABLE_GEN, 0) + 1


def editor_key() -> str:
    return f"chain_table_{st.session_state.get(TABLE_GEN, 0)}"


def chain_tab():
    apply_table_edits()
    c1, c2, c3 = st.columns(3)
    length = control(views.LAYERS, c1)
    act = control(views.ACTIVATION, c1)
    source = control(views.SOURCE, c2)
    init = control(views.INIT, c2)
    seed = control(views.SEED, c2)
    sigma_b = control(views.BIAS_STD, c3)
    weight = control(views.WEIGHT, c3)
    x = control(views.INPUT, c1)
    y = control(views.TARGET, c3)
    text = control(views.EDITS)
    edits, error = views.parse_overrides(text, length)
    if error:
        st.error(views.edits_rejected(error))
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
    st.caption(views.TABLE_CAPTION)
    disabled = [c for c in view.table.columns if c not in ("w", "b")]
    height = min(300, 35 * (length + 1) + 3)  # no empty rows under a short chain
    st.data_editor(view.table, key=editor_key(), disabled=disabled, height=height)


def linear_tab():
    c1, c2, c3 = st.columns(3)
    kind = views.KIND_BY_LABEL[control(views.MATRIX, c1)]
    n = control(views.SIZE, c1)
    radius = control(views.RADIUS, c2)
    spread = control(views.SPREAD, c2)
    coupling = control(views.COUPLING, c3)
    steps = control(views.POWERS, c3)
    mseed = control(views.MATRIX_SEED, c1)
    view = linear_view(kind, n, radius, spread, coupling, steps, int(mseed))
    show_breakdowns(view.breakdowns)
    show(view.powers, keys=("chart_powers",))


def spectra_tab():
    c1, c2, c3 = st.columns(3)
    act = control(views.SPECTRA_ACTIVATION, c1)
    ratio = control(views.RATIO, c1)
    sigma_b2 = control(views.BIAS_VARIANCE, c2)
    depth = control(views.DEPTH, c2)
    width = control(views.WIDTH, c3)
    jseed = control(views.SPECTRA_SEED, c3)
    view = spectra_view(act, ratio, sigma_b2, depth, width, int(jseed))
    show_breakdowns(view.breakdowns, offset=1)
    show_side_by_side((view.histogram, view.by_depth), keys=("chart_hist", "chart_depth"))
    st.markdown(view.text)


link = page_header(views.HEADER)
tabs = st.tabs(views.TABS, key="tab", bind="query-params")
for tab, body in zip(tabs, (chain_tab, linear_tab, spectra_tab), strict=True):
    with tab:
        if tab.open:
            body()
sources(views.SOURCES_MARKDOWN)
link.report()
