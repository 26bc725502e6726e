"""Landing page: what a gradient is made of, a live product-of-factors calculator, and links."""

import streamlit as st

from ui import cached, control, page_header, setup_page, show, show_breakdowns, sources
from views import landing as views

setup_page(__file__)

# One cached call: the product, its chart spec and its text (see views/landing.py).
calculator = cached(views.chain_view)

link = page_header(views.HEADER)

st.subheader(views.CALCULATOR)
left, right = st.columns([1, 2])
with left:
    factor = control(views.FACTOR)
    depth = control(views.DEPTH)
    view = calculator(factor, depth)
    st.metric(*view.metric)
    st.markdown(views.seed_numbers_text())
with right:
    show(view.chart, keys=("chain_chart",))
show_breakdowns(view.breakdowns, offset=1)

st.markdown(views.WHAT_YOU_SEE)
st.markdown(view.text)

st.subheader(views.EXPLORE)
for page in views.TOPICS:
    st.page_link(page.path, label=page.label, icon=page.icon)
    st.caption(page.summary)

sources(views.SOURCES)
link.report()
