"""Everything the landing page's calculator shows, computed in one call.

:func:`chain_view` runs :func:`gradviz.products.factor_power`, builds the chart as a Vega-Lite
spec and writes the "what you are seeing" text from the computed numbers (see
:mod:`views`); the page caches the call and only draws it. Every sentence stays true at
every allowed setting: a crossing deeper than the chosen depth says so, and a product that left
float64 range is given its exact size and the layer where it left.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from gradviz.numerics import drawable_on_log, format_sci, regime
from gradviz.products import FactorPower, depth_to_reach, factor_power
from views import PAGES, Breakdowns, Header, View, slider, spec
from views.charts.landing import STABLE_BAND, make_chain_chart

SMALLEST_FLOAT = float(np.nextafter(0.0, 1.0))
"""The smallest positive float64 (a subnormal, 4.9e-324)."""
LARGEST_FLOAT = float(np.finfo(float).max)
"""The largest finite float64 (1.8e308)."""


HEADER = Header(
    "gradviz — why gradients vanish or explode",
    "The gradient of an early weight is a **product**: the loss derivative, then for every layer "
    "above it one activation slope f′(z) times one weight, then the layer's input. Many factors "
    "below 1 multiply to almost nothing; many above 1 blow up. Depth makes both exponential.",
    r"\frac{\partial L}{\partial w_1}=\underbrace{\frac{\partial L}{\partial h_L}}_{\text{loss}}"
    r"\;\underbrace{f'(z_L)\,w_L}_{\text{layer }L}\;\underbrace{f'(z_{L-1})\,w_{L-1}}"
    r"_{\text{layer }L-1}\cdots\underbrace{f'(z_2)\,w_2}_{\text{layer }2}\;f'(z_1)"
    r"\;\underbrace{x}_{\text{input}}",
)
CALCULATOR = "Calculator: one factor per layer"
FACTOR = slider(
    "Per-layer factor a = f′(z)·w",
    0.05,
    3.0,
    0.25,
    0.05,
    key="factor",
    help="0.25 is the largest slope of a sigmoid; 1 is a ReLU on its active side.",
)
DEPTH = slider("Depth L (layers)", 1, 1000, 10, key="depth")
WHAT_YOU_SEE = "#### What you are seeing"
EXPLORE = "Explore"
TOPICS = PAGES[1:]
SOURCES = (
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


@dataclass(frozen=True)
class ChainView:
    """The calculator at one factor and depth: ``metric`` (label, value) of a^L; ``chart`` (the
    product over layers, and a caption naming the layers its log axis cannot draw); what left
    float64 range (``breakdowns``, 0-based layers: show them with offset 1); and what it all
    means (``text``)."""

    metric: tuple[str, str]
    chart: View
    breakdowns: Breakdowns
    text: str


def chain_view(factor: float, depth: int) -> ChainView:
    """The landing calculator for per-layer ``factor`` a over ``depth`` layers L."""
    chain = factor_power(factor, depth)
    drawable, dropped = drawable_on_log(chain.frame, "product")
    caption = (
        f"{dropped} of {len(chain.frame)} layers are not drawn: the product left float64 range "
        "(0 or inf cannot sit on a log axis)."
        if dropped
        else ""
    )
    return ChainView(
        metric=(f"a^L = {factor:g}^{depth}", metric_value(chain)),
        chart=View((spec(make_chain_chart(drawable, factor)),), caption=caption),
        breakdowns=(("the product", chain.breakdown),),
        text=chain_story(chain),
    )


def metric_value(chain: FactorPower) -> str:
    """a^L as the metric shows it: ``"9.537e-07"``, or ``"inf (overflow)"`` / ``"0
    (underflow)"`` once it left float64 range."""
    value = format_sci(chain.final, 4)
    if chain.breakdown.kind == "inf":
        return f"{value} (overflow)"
    if chain.breakdown.kind == "underflow":
        return f"{value} (underflow)"
    return value


def _at(reached: int, depth: int) -> str:
    """ "at depth 13", or "at depth 284 (deeper than the 10 layers shown)"."""
    where = f"at depth {reached}"
    return where if reached <= depth else f"{where} (deeper than the {depth} layers shown)"


def chain_story(chain: FactorPower) -> str:
    """What the product of ``chain.depth`` equal factors did, in words: how much signal is left
    (or how much larger it is), where it crosses one millionth / a million and the edge of the
    stable zone, and where it left float64 range if it did."""
    a, depth = chain.factor, chain.depth
    kind = str(regime(a))
    if kind == "stable":
        return "A factor of exactly 1 passes the signal unchanged through any depth."
    layer = (chain.breakdown.index or 0) + 1
    size = f"10^{chain.log10_magnitude:.1f}"
    if kind == "vanishing":
        if chain.breakdown.kind == "underflow":
            left = (
                f"so after {depth} layers {size} of it would be left: less than the smallest "
                f"float64 number (about {format_sci(SMALLEST_FLOAT)}), so the product "
                f"underflowed to 0 at layer {layer}."
            )
        else:
            left = f"so after {depth} layers {format_sci(chain.final, 3)} of it is left."
        return (
            f"Every layer keeps {a:g} of the signal, {left} It drops below one millionth "
            f"{_at(depth_to_reach(a, 1e-6), depth)}, and below {STABLE_BAND[0]:g} (the shaded "
            f"vanishing zone) {_at(depth_to_reach(a, STABLE_BAND[0]), depth)}."
        )
    if chain.breakdown.kind == "inf":
        grown = (
            f"so after {depth} layers it would be {size} times larger: more than the largest "
            f"float64 number (about {format_sci(LARGEST_FLOAT)}), so the product overflowed to "
            f"inf at layer {layer}."
        )
    else:
        grown = f"so after {depth} layers it is {format_sci(chain.final, 3)} times larger."
    return (
        f"Every layer multiplies the signal by {a:g}, {grown} It passes a million "
        f"{_at(depth_to_reach(a, 1e6), depth)} and leaves the stable zone "
        f"{_at(depth_to_reach(a, STABLE_BAND[1]), depth)}."
    )


@cache
def seed_numbers_text() -> str:
    """Seed 001's two numbers, computed by the same chain: 0.25^10 and 2^10."""
    small, large = factor_power(0.25, 10).final, factor_power(2.0, 10).final
    return f"Seed numbers, computed: **0.25^10 = {small!r}** and **2^10 = {large:g}**."
