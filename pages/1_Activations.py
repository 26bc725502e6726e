"""Activations: f and f', saturation, depth, random products and zero-centred outputs."""

import streamlit as st

from ui import cached, control, page_header, setup_page, show, sources
from views import activations as views

setup_page(__file__)

# One cached call per tab: engine results, chart specs and text together (see views.activations).
curves_view = cached(views.curves_view)
properties_view = cached(views.properties_view)
depth_view = cached(views.depth_view)
saturation_view = cached(views.saturation_view)
products_view = cached(views.products_view)
zigzag_view = cached(views.zigzag_view)

link = page_header(views.HEADER)
top = st.columns([3, 1])
chosen_labels = control(views.ACTIVATIONS, top[0])
threshold = control(views.THRESHOLD, top[1])
st.sidebar.markdown(views.PARAMETERS_HEADING)
values = {(name, param): control(spec, st.sidebar) for name, param, spec in views.PARAMETERS}
specs, swapped = views.chosen_specs(chosen_labels, values)
if swapped:
    st.sidebar.caption(swapped)

tabs = st.tabs(views.TABS, key="tab", bind="query-params")
with tabs[0]:
    if tabs[0].open:
        x_max = control(views.X_RANGE)
        if specs:
            show(curves_view(specs, x_max, threshold), columns=True)
        else:
            st.info(views.NEED_ONE)
with tabs[1]:
    if tabs[1].open:
        view = properties_view(specs)
        if specs:
            st.dataframe(view.table, hide_index=True, width="stretch")
        else:
            st.info(views.NEED_ONE)
        st.markdown(view.text)
with tabs[2]:
    if tabs[2].open:
        c = st.columns(2)
        max_depth = control(views.DEPTH, c[0])
        free = control(views.FREE_FACTOR, c[1])
        show(depth_view(specs, free, max_depth), columns=True)
with tabs[3]:
    if tabs[3].open:
        c = st.columns(2)
        mu = control(views.MEAN, c[0])
        s = control(views.SCALE, c[1])
        if specs:
            show(saturation_view(specs, mu, s, threshold), columns=True)
        else:
            st.info(views.NEED_ONE)
with tabs[4]:
    if tabs[4].open:
        c = st.columns(4)
        n = control(views.FACTORS, c[0])
        trials = control(views.TRIALS, c[1])
        log_t = control(views.THRESHOLD_EXPONENT, c[2])
        seed = control(views.SEED, c[3])
        show(products_view(n, trials, log_t, int(seed)), columns=True)
with tabs[5]:
    if tabs[5].open:
        c = st.columns(5)
        positive = control(views.POSITIVE_INPUT, c[0])
        w1 = control(views.TARGET_W1, c[1])
        w2 = control(views.TARGET_W2, c[2])
        lr = control(views.LEARNING_RATE, c[3])
        steps = control(views.STEPS, c[4])
        show(zigzag_view(views.BY_LABEL[positive], w1, w2, lr, steps), columns=True)

sources(views.sources_text())
link.report()
