"""Landing page: what a gradient is made of, a live product-of-factors calculator, and links."""

import streamlit as st

from gradviz.charts import drawable_on_log, regime
from gradviz.charts.landing import STABLE_BAND, make_chain_chart
from gradviz.numerics import format_sci
from gradviz.products import chain_product, depth_to_reach
from ui import PAGES, cached, page_header, setup_page, show_breakdowns, sources

setup_page(__file__)


@cached
def compute_chain(factor: float, depth: int):
    """The product over layers, its log-chart spec and how many layers the log axis dropped.

    The chart is cached as a Vega-Lite spec so a warm rerun does not rebuild or re-validate it.
    """
    chain = chain_product(factor, depth)
    drawable, dropped = drawable_on_log(chain.frame, "product")
    return chain, make_chain_chart(drawable, factor).to_dict(), dropped


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
    chain, chart_spec, dropped = compute_chain(factor, depth)
    st.metric(f"a^L = {factor:g}^{depth}", format_sci(chain.final, 4))
    seed_small, seed_large = chain_product(0.25, 10).final, chain_product(2.0, 10).final
    st.markdown(
        f"Seed numbers, computed: **0.25^10 = {seed_small!r}** and **2^10 = {seed_large:g}**."
    )
with right:
    st.vega_lite_chart(spec=chart_spec, width="stretch", key="chain_chart")
    if dropped:
        st.caption(
            f"{dropped} of {len(chain.frame)} layers are not drawn: the product left float64 "
            "range (0 or inf cannot sit on a log axis)."
        )
show_breakdowns([("the product", chain.breakdown)], offset=1)

st.markdown("#### What you are seeing")
kind = str(regime(factor))
if kind == "vanishing":
    reach = depth_to_reach(factor, 1e-6)
    story = (
        f"Every layer keeps {factor:g} of the signal, so after {depth} layers "
        f"{format_sci(chain.final, 3)} of it is left. It drops below one millionth at depth "
        f"{reach}, and below {STABLE_BAND[0]:g} (the shaded vanishing zone) at depth "
        f"{depth_to_reach(factor, STABLE_BAND[0])}."
    )
elif kind == "exploding":
    story = (
        f"Every layer multiplies the signal by {factor:g}, so after {depth} layers it is "
        f"{format_sci(chain.final, 3)} times larger. It passes a million at depth "
        f"{depth_to_reach(factor, 1e6)} and leaves the stable zone at depth "
        f"{depth_to_reach(factor, STABLE_BAND[1])}."
    )
else:
    story = "A factor of exactly 1 passes the signal unchanged through any depth."
st.markdown(story)

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
    "powers of two such as 0.25 and 2 every partial product is exact."
)
link.report()
