"""RNN / LSTM: backpropagation through time, Pascanu's bound, clipping, long-range memory."""

import streamlit as st

from gradviz.optim import CLIPPING
from gradviz.recurrent_lab import B_RANGE, W_RANGE
from gradviz.rnn import RECURRENT_INITS, RNN_ACTIVATIONS
from ui import (
    cached,
    page_header,
    progress_bar,
    setup_page,
    show,
    show_breakdowns,
    show_metrics,
    show_side_by_side,
    sources,
)
from views import recurrent as views

setup_page(__file__)
link = page_header(
    "RNN / LSTM: gradients through time",
    "Backpropagation through time unrolls a recurrent net into a deep one with **shared** "
    "weights, so the gradient reaching step t is a product of T − t Jacobians. A vanilla RNN's "
    "gradient vanishes or explodes geometrically; the LSTM's cell state adds a path whose "
    "factor is just the forget gate.",
    r"\frac{\partial L}{\partial h_t}=\frac{\partial L}{\partial h_T}\prod_{k=t+1}^{T}"
    r"\frac{\partial h_k}{\partial h_{k-1}},\quad"
    r"\Big\|\frac{\partial h_k}{\partial h_{k-1}}\Big\|\le\gamma\,\sigma_{max}(W_{hh}),\quad"
    r"\frac{\partial c_k}{\partial c_{k-1}}=\mathrm{diag}(f_k)",
)
seed = st.number_input("Seed", 0, 999, 0, key="seed", bind="query-params")

# One cached call per tab: engine results, chart specs and text together (see recurrent_views).
through_time_view = cached(views.through_time_view)
cliff_view = cached(views.cliff_view)


@cached
def long_range_view(length, iters, clip_mode, theta, seed):
    """The three trainings, with a progress bar on a miss (a hit replays it)."""
    with progress_bar("training RNN, LSTM and GRU on the same data…") as progress:
        return views.long_range_view(length, iters, clip_mode, theta, seed, progress)


tabs = st.tabs(
    ["Gradient through time", "Clipping and the cliff", "Long-range memory"],
    key="tab",
    bind="query-params",
)

with tabs[0]:
    if tabs[0].open:
        c1, c2, c3, c4 = st.columns(4)
        length = c1.slider("Sequence length T", *views.LENGTH, key="seq_len", bind="query-params")
        hidden = c1.slider("Hidden size H", *views.HIDDEN, key="hidden", bind="query-params")
        act = c2.selectbox(
            "Vanilla RNN activation",
            RNN_ACTIVATIONS,
            key="rnn_act",
            bind="query-params",
        )
        radius = c2.slider(
            "Spectral radius ρ of W_hh", 0.1, 5.0, 0.9, 0.05, key="radius", bind="query-params"
        )
        w_init = c3.selectbox(
            "W_hh before rescaling", RECURRENT_INITS, key="w_init", bind="query-params"
        )
        input_scale = c3.slider(
            "Input scale (std)", 0.0, 5.0, 1.0, 0.1, key="input_scale", bind="query-params"
        )
        forget_bias = c4.slider(
            "LSTM forget-gate bias b_f", -5.0, 5.0, 1.0, 0.5, key="forget_bias", bind="query-params"
        )
        view = through_time_view(
            length, hidden, act, radius, w_init, input_scale, forget_bias, seed
        )
        show_breakdowns(view.breakdowns)
        show_metrics(view.metrics)
        show_side_by_side(view.cells)
        show(view.states)
        st.markdown(view.text)

with tabs[1]:
    if tabs[1].open:
        c1, c2, c3, c4 = st.columns(4)
        theta = c1.slider(
            "Clipping threshold θ", 0.1, 20.0, 1.0, 0.1, key="theta", bind="query-params"
        )
        lr = c2.select_slider(
            "Learning rate", [0.001, 0.003, 0.01, 0.03, 0.1], 0.01, key="lr", bind="query-params"
        )
        w0 = c3.slider("Start w₀", *W_RANGE, 5.0, 0.25, key="w0", bind="query-params")
        b0 = c4.slider("Start b₀", *B_RANGE, -2.0, 0.25, key="b0", bind="query-params")
        view = cliff_view(theta, lr, w0, b0)
        show_side_by_side(view.panels, widths=[3, 2])
        st.markdown(view.text)

with tabs[2]:
    if tabs[2].open:
        c1, c2, c3, c4 = st.columns(4)
        add_len = c1.slider(
            "Sequence length T", *views.ADDING_LENGTH, key="add_len", bind="query-params"
        )
        iters = c2.slider("Adam iterations", *views.ITERATIONS, key="iters", bind="query-params")
        clip_mode = c3.selectbox(
            "Clipping",
            CLIPPING,
            index=CLIPPING.index("norm"),
            key="clip_mode",
            bind="query-params",
        )
        clip_theta = c4.slider("θ", 0.1, 10.0, 1.0, 0.1, key="clip_theta", bind="query-params")
        view = long_range_view(add_len, iters, clip_mode, clip_theta, seed)
        if view.notice:
            st.info(view.notice)
        show_side_by_side(view.curves)
        st.dataframe(
            view.table,
            hide_index=True,
            column_config={
                c: st.column_config.NumberColumn(format="%.3g") for c in views.SCI_COLUMNS
            },
        )
        st.markdown(view.text)

sources(views.sources_text())
link.report()
