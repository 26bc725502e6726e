"""Everything one tab of the Deep chain page shows, computed in one call.

Each ``*_view`` function runs the engine, builds the tab's charts as Vega-Lite specs and writes
its "what you are seeing" text from the computed numbers (see :mod:`gradviz.views`); the page
caches the call and only draws it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gradviz import chain as ch
from gradviz import linear_chain as lc
from gradviz import spectra as sp
from gradviz.charts import chain as charts
from gradviz.views import Breakdowns, View, spec

SOURCES = ("random draw", "seed 003 explosion")
"""Where the neuron chain's weights and biases come from."""


@dataclass(frozen=True)
class ChainView:
    """The Neuron chain tab: where z_j or the float64 backward pass left float64 range
    (``breakdowns``, 0-based layers: show them with offset 1), ∂C/∂b₁ as the seed's product
    with this chain's numbers (``formula``, LaTeX), ∂C/∂b_j and ∂C/∂w_j per layer next to the
    waterfall of factors, with what they show (``gradients``: two charts and the text), and the
    per-layer ``table`` whose w and b the reader may edit; ``w`` and ``b`` are the chain drawn
    (before any edit of the table)."""

    breakdowns: Breakdowns
    formula: str
    gradients: View
    table: pd.DataFrame = field(compare=False)
    w: np.ndarray = field(compare=False, repr=False)
    b: np.ndarray = field(compare=False, repr=False)


def chain_view(
    length: int,
    act: str,
    source: str,
    init: str,
    seed: int,
    sigma_b: float,
    weight: float,
    x: float,
    y: float,
    edits: tuple[tuple[int, float, float], ...],
) -> ChainView:
    """Nielsen's chain of ``length`` single neurons with activation ``act``, input ``x`` and
    target ``y``: weights drawn from ``init`` (``seed``, bias std ``sigma_b``), or seed 003's
    explosion with weight ``weight``; then ``edits`` ``((layer, w, b), ...)`` override layers."""
    explosion = source == SOURCES[1]
    if explosion:
        w, b = ch.exploding_chain(length, weight, x, act)
    else:
        w, b = ch.draw_chain(length, init, seed, sigma_b)
    w, b = ch.apply_overrides(w, b, {j: (wj, bj) for j, wj, bj in edits})
    result = ch.analyze_chain(w, b, x, y, act)
    return ChainView(
        breakdowns=(
            ("z_j in the forward pass", result.forward_breakdown),
            ("the float64 backward pass", result.direct_breakdown),
        ),
        formula=ch.formula_latex(result),
        gradients=View(
            (
                spec(charts.make_gradient_chart(ch.gradient_frame(result))),
                spec(charts.make_waterfall_chart(ch.waterfall_frame(result))),
            ),
            ch.summary_markdown(result, explosion=explosion),
        ),
        table=ch.layer_table(result),
        w=result.cache.w,
        b=result.cache.b,
    )


@dataclass(frozen=True)
class LinearView:
    """The Linear chain tab: where ‖W^t x‖ left float64 range (``breakdowns``, by step), and
    ‖W^t‖ and ‖W^t x‖ against t next to |λ|^t, with what they show (``powers``)."""

    breakdowns: Breakdowns
    powers: View


def linear_view(
    kind: str, n: int, radius: float, spread: float, coupling: float, steps: int, seed: int
) -> LinearView:
    """Powers W^t, t up to ``steps``, of an n x n matrix of ``kind`` (see
    :func:`gradviz.linear_chain.analyze_linear_chain`)."""
    result = lc.analyze_linear_chain(kind, n, radius, spread, coupling, steps, seed)
    return LinearView(
        breakdowns=(("‖W^t x‖", result.breakdown),),
        powers=View(
            (spec(charts.make_power_chart(lc.power_frame(result))),), lc.summary_markdown(result)
        ),
    )


@dataclass(frozen=True)
class SpectraView:
    """The Jacobian spectra tab: where a Jacobian left float64 range (``breakdowns``, 0-based
    depth: show them with offset 1), the singular values of J at full depth for Gaussian and
    orthogonal weights (``histogram``, with how many were too small to draw) next to their
    statistics against depth (``by_depth``), and what they show (``text``)."""

    breakdowns: Breakdowns
    histogram: View
    by_depth: View
    text: str


def spectra_view(
    act: str, ratio: float, sigma_b2: float, depth: int, width: int, seed: int
) -> SpectraView:
    """Input-output Jacobian spectra of a ``depth`` x ``width`` network with activation ``act``
    and σ_w = ``ratio`` x the critical σ_w at bias variance ``sigma_b2``."""
    sigma_crit, q_star = sp.critical_point(act, sigma_b2)
    q_in = sp.input_variance(q_star)
    spectra = [
        sp.jacobian_spectrum(w, act, ratio * sigma_crit, sigma_b2, depth, width, seed, q_in)
        for w in sp.WEIGHTS
    ]
    hist, dropped = sp.histogram_frame(spectra)
    caption = (
        f"{dropped} singular values below float64 resolution are not drawn." if dropped else ""
    )
    return SpectraView(
        breakdowns=tuple((f"J with {s.weights} weights", s.breakdown) for s in spectra),
        histogram=View((spec(charts.make_spectrum_histogram(hist)),), caption=caption),
        by_depth=View((spec(charts.make_spectrum_depth_chart(sp.depth_frame(spectra))),)),
        text=sp.summary_markdown(spectra, sigma_crit, q_star, ratio),
    )
