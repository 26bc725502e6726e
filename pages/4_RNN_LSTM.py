"""RNN / LSTM: backpropagation through time, Pascanu's bound, clipping, long-range memory."""

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
from views import recurrent as views

setup_page(__file__)
link = page_header(views.HEADER)
seed = control(views.SEED)

# One cached call per tab: engine results, chart specs and text together (see views.recurrent).
through_time_view = cached(views.through_time_view)
cliff_view = cached(views.cliff_view)


@cached
def long_range_view(length, iters, clip_mode, theta, seed):
    """The three trainings, with a progress bar on a miss (a hit replays it)."""
    with progress_bar(views.TRAINING) as progress:
        return views.long_range_view(length, iters, clip_mode, theta, seed, progress)


tabs = st.tabs(views.TABS, key="tab", bind="query-params")

with tabs[0]:
    if tabs[0].open:
        c1, c2, c3, c4 = st.columns(4)
        length = control(views.SEQUENCE_LENGTH, c1)
        hidden = control(views.HIDDEN_SIZE, c1)
        act = control(views.RNN_ACTIVATION, c2)
        radius = control(views.RADIUS, c2)
        w_init = control(views.W_INIT, c3)
        input_scale = control(views.INPUT_SCALE, c3)
        forget_bias = control(views.FORGET_BIAS, c4)
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
        theta = control(views.THETA, c1)
        lr = control(views.LEARNING_RATE, c2)
        w0 = control(views.START_W, c3)
        b0 = control(views.START_B, c4)
        view = cliff_view(theta, lr, w0, b0)
        show_side_by_side(view.panels, widths=[3, 2])
        st.markdown(view.text)

with tabs[2]:
    if tabs[2].open:
        c1, c2, c3, c4 = st.columns(4)
        add_len = control(views.ADDING_SEQUENCE_LENGTH, c1)
        iters = control(views.ADAM_ITERATIONS, c2)
        clip_mode = control(views.CLIP_MODE, c3)
        clip_theta = control(views.CLIP_THETA, c4)
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
