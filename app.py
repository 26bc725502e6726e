"""Landing page: what a gradient is made of, a live product-of-factors calculator, and links."""

import streamlit as st

from ui import PAGES, cached, page_header, setup_page, show, show_breakdowns, sources
from views import landing as views

setup_page(__file__)

# One cached call: the product, its chart spec and its text (see gradviz/landing_views.py).
calculator = cached(views.chain_view)

link = page_header(
    "gradviz — why gradients vanish or explode",
    "The gradient of an early weight is a **product**: the loss derivative, then for every layer "
    "above it one activation slope f′(z) times one weight, then the layer's input. Many factors "
    "below 1 multiply to almost nothing; many above 1 blow up. Depth makes both exponential.",
    r"\frac{\partial L}{\partial w_1}=\underbrace{\frac{\partial L}{\partial h_L}}_{\text{loss}}"
    r"\;\underbrace{f'(z_L)\,w_L}_{\text{layer }L}\;\underbrace{f'(z_{L-1})\,w_{L-1}}"
    r"_{\text{layer }L-1}\cdots\underbrace{f'(z_2)\,w_2}_{\text{layer }2}\;f'(z_1)"
    r"\;\underbrace{x}_{\text{input}}",
)

st.subheader("Calculator: one factor per layer")
left, right = st.columns([1, 2])
with left:
    factor = st.slider(
        "Per-layer factor a = f′(z)·w",
        0.05,
        3.0,
        0.25,
        0.05,
        key="factor",
        bind="query-params",
        help="0.25 is the largest slope of a sigmoid; 1 is a ReLU on its active side.",
    )
    depth = st.slider("Depth L (layers)", 1, 1000, 10, key="depth", bind="query-params")
    view = calculator(factor, depth)
    st.metric(*view.metric)
    st.markdown(views.seed_numbers_text())
with right:
    show(view.chart, keys=("chain_chart",))
show_breakdowns(view.breakdowns, offset=1)

st.markdown("#### What you are seeing")
st.markdown(view.text)

st.subheader("Explore")
for page in PAGES[1:]:
    st.page_link(page.path, label=page.label, icon=page.icon)
    st.caption(page.summary)

sources(
    "- The chain of factors and the numbers 0.25^10 and 2^10: seed 001; sigmoid's largest slope "
    "0.25 at x = 0: seed 000.\n"
    "- Zones: the product is drawn as *vanishing* below 0.1 and *exploding* above 10 (a signal "
    "changed by more than 10×); the line's colour is the regime of the per-layer factor "
    "(below, at or above 1).\n"
    "- Powers are formed by repeated multiplication in float64, as backpropagation does; for "
    "powers of two such as 0.25 and 2 every partial product is exact. The depths quoted (below "
    "one millionth, above a million, out of the stable zone) are where these float64 products "
    "cross, strictly."
)
link.report()
