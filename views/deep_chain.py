"""Everything one tab of the Deep chain page shows, computed in one call.

Each ``*_view`` function runs the engine, builds the tab's charts as Vega-Lite specs and writes
its "what you are seeing" text from the computed numbers (see :mod:`views`); the page
caches the call and only draws it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gradviz import linear_chain as lc
from gradviz import neuron_chain as ch
from gradviz import spectra as sp
from gradviz.activations import NAMES as ACTIVATION_NAMES
from gradviz.initializers import NAMES as INIT_NAMES
from gradviz.neuron_chain import ChainResult, format_log10
from gradviz.numerics import format_sci, safe_log10
from views import (
    Breakdowns,
    Header,
    View,
    breakdown_text,
    number_input,
    radio,
    select_slider,
    selectbox,
    slider,
    spec,
    text_input,
)
from views.charts import chain as charts

SOURCES = ("random draw", "seed 003 explosion")

HEADER = Header(
    "Deep chain: a gradient is a product of factors",
    "Backpropagation multiplies one factor per layer. Below 1 they vanish, above 1 they explode, "
    "and depth makes both exponential: see it for one neuron per layer (seed 003), for a linear "
    "chain of matrices (seed 001), and for the whole spectrum of a deep network's Jacobian.",
    r"\frac{\partial C}{\partial b_1}=\sigma'(z_1)\,w_2\,\sigma'(z_2)\cdots w_L\,\sigma'(z_L)"
    r"\,\frac{\partial C}{\partial a_L},\qquad W^t = V\,\mathrm{diag}(\lambda)^t\,V^{-1}",
)
TABS = ("Neuron chain", "Linear chain", "Jacobian spectra")
LAYERS = slider("Layers L", 2, ch.MAX_LENGTH, 4, key="length")
ACTIVATION = selectbox("Activation f", ACTIVATION_NAMES, key="act")
SOURCE = radio("Weights and biases", SOURCES, key="source")
INIT = selectbox(
    "Init of each w_j (random draw)",
    INIT_NAMES,
    index=INIT_NAMES.index("standard_normal"),
    key="init",
)
SEED = number_input("Seed (random draw)", 0, 10_000, 0, key="seed")
BIAS_STD = slider("Bias std σ_b (random draw)", 0.0, 5.0, 1.0, key="sigma_b")
WEIGHT = number_input(
    "Weight w (explosion: b_j = −w·a_(j−1))", -1e300, 1e300, ch.EXPLOSION_WEIGHT, key="weight"
)
INPUT = number_input("Input a_0 = x", -1e6, 1e6, 1.0, key="x")
TARGET = number_input("Target y (C = ½(a_L − y)²)", -1e6, 1e6, 0.0, key="y")
EDITS = text_input(
    "Per-layer edits `layer:w;b` (the table writes here, so a link keeps them)",
    key="edits",
    placeholder="e.g. 2:0.5;-1, 3:4;0",
)
TABLE_CAPTION = "Edit w or b in the table; every other column is computed."
KIND_BY_LABEL = {label: kind for kind, label in lc.KIND_LABELS.items()}
MATRIX = selectbox("Matrix W", list(KIND_BY_LABEL), key="kind")
SIZE = slider("Size n", 2, lc.MAX_SIZE, 8, key="n")
RADIUS = slider("Spectral radius / scale ρ", 0.1, 3.0, 0.9, key="radius")
SPREAD = slider(
    "Spread: smallest |λ| = ρ·spread (chosen / Jordan-like)", 0.01, 1.0, 0.9, key="spread"
)
COUPLING = slider("Off-diagonal coupling (Jordan-like)", 0.0, 3.0, 1.0, key="coupling")
POWERS = slider("Powers t up to", 1, lc.MAX_STEPS, 100, key="steps")
MATRIX_SEED = number_input("Seed", 0, 10_000, 0, key="mseed")
SPECTRA_ACTIVATION = selectbox("Activation", sp.ACTIVATIONS, key="jact")
RATIO = slider("σ_w / critical σ_w", 0.5, 1.5, 1.0, 0.05, key="ratio")
BIAS_VARIANCE = select_slider("Bias variance σ_b²", sp.SIGMA_B2_OPTIONS, 0.0, key="sigma_b2")
DEPTH = slider("Depth L", 1, sp.MAX_DEPTH, 50, key="depth")
WIDTH = select_slider("Width n", sp.WIDTHS, 128, key="width")
SPECTRA_SEED = number_input("Seed", 0, 10_000, 0, key="jseed")
SPECTRA_SPINNER = "Computing the Jacobian spectra…"


def edits_rejected(error: str) -> str:
    return f"Per-layer edits rejected: {error}. Kept the last valid chain."


def table_edit_rejected(error: str) -> str:
    return f"Table edit rejected: {error}. Kept the last valid chain."


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
        formula=formula_latex(result),
        gradients=View(
            (
                spec(charts.make_gradient_chart(ch.gradient_frame(result))),
                spec(charts.make_waterfall_chart(ch.waterfall_frame(result))),
            ),
            chain_text(result, explosion=explosion, edited=bool(edits)),
            caption=_stride_caption(length),
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
            (spec(charts.make_power_chart(lc.power_frame(result))),),
            linear_text(result),
            caption=_sampled_caption(result),
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
        text=spectra_text(spectra, sigma_crit, q_star, ratio),
    )


# ----------------------------------------------------------------------------- the words


def _stride_caption(length: int) -> str:
    """What the gradient chart leaves out of a long chain (nothing for a short one)."""
    drawn = ch.stride_layers(length).size
    if drawn == length:
        return ""
    return (
        f"The gradient chart draws {drawn} of the {length} layers, evenly spaced (the first "
        "and the last included); the waterfall and the table have every layer."
    )


def _sampled_caption(result: lc.LinearChainResult) -> str:
    """At which powers ‖W^t‖₂ was computed, when not at all of them."""
    sampled, powers = result.sampled_steps.size, result.steps + 1
    if sampled == powers:
        return ""
    return (
        f"‖W^t‖₂ (an SVD each) is computed at {sampled} of the {powers} powers "
        f"t = 0..{result.steps}, evenly spaced with t = 1; ‖W^t x‖ at every one."
    )


def _direct_text(result: ch.ChainResult) -> str:
    """The float64 backward pass's ∂C/∂b₁, and where it left float64 range if it did."""
    value = f"**{format_sci(result.direct_db[0])}**"
    broke = result.direct_breakdown
    if broke.ok:
        return value
    return f"{value} ({breakdown_text(broke, 'it', 1)}: outside float64 range)"


def chain_text(result: ch.ChainResult, explosion: bool = False, edited: bool = False) -> str:
    """The Neuron chain's "what you are seeing" paragraph, every number computed from
    ``result`` (seed 003's explosion if ``explosion``; ``edited``: per-layer edits apply);
    each claim is made only where it holds at these settings."""
    lg, length = result.logs, result.length
    exact = f"**{ch.format_log10(lg.log10_db[0], lg.sign_db[0])}**"
    forward = result.forward_breakdown
    if not forward.ok:
        head = (
            f"∂C/∂b₁ = {exact} summed in log space, but not exactly: "
            f"{breakdown_text(forward, 'z_j', 1)}, outside float64 range, and the log-space pass "
            "starts from those float64 activations"
        )
    elif result.dout == 0:
        head = (
            f"∂C/∂b₁ = {exact}: in float64, a_L = {float(result.cache.a[-1])!r} equals y = "
            f"{result.y!r}, so ∂C/∂a_L = a_L − y is 0, and so is every gradient of this "
            "forward pass"
        )
    else:
        head = f"∂C/∂b₁ = {exact} exactly for this forward pass (summed in log space)"
    parts = [
        f"**What you are seeing.** {head}; the float64 backward pass gives {_direct_text(result)}."
    ]
    if result.n_compared:
        parts.append(
            f"Where float64 still holds a normal number ({result.n_compared} of {length} layers) "
            f"the two agree to {result.max_log_diff:.1e} in log10."
        )
    factors = lg.log10_factor
    with np.errstate(invalid="ignore"):
        shrink, grow = int(np.sum(factors < 0)), int(np.sum(factors > 0))
    zero = int(np.sum(lg.sign_factor == 0))
    undefined = int(np.sum(np.isnan(factors)))
    below = result.fraction_factors_below_quarter()
    parts.append(
        f"Of the {length - 1} factors w_(j+1)·f'(z_j), **{below:.1%}** are below 1/4 in "
        f"magnitude; {shrink} shrink the gradient and {grow} grow it."
    )
    if zero:
        parts.append(
            f"{zero} factors are exactly 0 (a zero slope or weight): the waterfall leaves them "
            "out, and every gradient before them is exactly 0."
        )
    if undefined:
        parts.append(
            f"{undefined} factors are not a number (NaN), because z_j left float64 range: the "
            "waterfall leaves them out."
        )
    if result.act == "sigmoid":
        parts.append(
            f"\n\nThe sigmoid's slope is at most 1/4, so the {length} slopes in ∂C/∂b₁ contribute "
            f"at most (1/4)^{length} = **{ch.format_log10(result.log10_slope_bound[0])}** (the "
            "purple reference line, times |∂C/∂a_L|); the grey bound adds the weights."
        )
        if not explosion:
            parts.append(
                f"Seed 003 argues from |w_j| < 1/4, but only "
                f"{result.fraction_weights_below_quarter():.1%} of these weights are; for "
                f"w ~ N(0, 1) the chance is erf(1/(4√2)) = {ch.normal_prob_abs_below(0.25):.1%}. "
                f"What holds: |w·σ'(z)| ≤ |w|/4 < 1/4 whenever |w| < 1, which N(0, 1) gives "
                f"{ch.normal_prob_abs_below(1.0):.1%} of the time."
            )
    if length >= 3:
        parts.append("\n\n" + _seed_ratio_text(result))
    if explosion:
        parts.append("\n\n" + _explosion_text(result, edited))
    return " ".join(parts)


def _seed_ratio_text(result: ch.ChainResult) -> str:
    """Seed 003's "∂C/∂b₁ is about 1/16 of ∂C/∂b₃", checked on this chain."""
    log_product, sign = result.factors_1_2()
    seed = 'The seed\'s "1/16 or less" is the bound when both factors are below 1/4'
    if math.isnan(log_product):
        return "factor₁·factor₂ is not a number here: z₁ or z₂ left float64 range. " + seed + "."
    product = f"factor₁·factor₂ = **{ch.format_log10(log_product, sign)}**"
    lg = result.logs
    if lg.sign_db[2] != 0 and math.isfinite(lg.log10_db[2]):
        product = "∂C/∂b₁ / ∂C/∂b₃ = " + product
    else:
        product += " (the ratio ∂C/∂b₁ / ∂C/∂b₃ it stands for is undefined: ∂C/∂b₃ is " + (
            "exactly 0)" if lg.sign_db[2] == 0 else "not a finite number)"
        )
    verdict = "so it is" if log_product <= math.log10(1 / 16) else "not the case here"
    return f"{product}. {seed} ({verdict})."


def _explosion_text(result: ch.ChainResult, edited: bool) -> str:
    """Seed 003's explosion: every z_j = 0, so every factor is w·f'(0); or which z_j are not
    (``edited``: the chain has per-layer edits)."""
    z, length = result.cache.z, result.length
    factors = result.factors
    finite = factors[np.isfinite(factors)]
    span = (
        f"here from **{format_sci(float(np.min(finite)), 4)}** to "
        f"**{format_sci(float(np.max(finite)), 4)}** over the {finite.size} finite factors"
        if finite.size
        else "here none of them is a finite number (they left float64 range)"
    )
    broken, off = ~np.isfinite(z), np.isfinite(z) & (z != 0)
    if not broken.any() and not off.any():
        return (
            f"Seed 003's explosion: b_j = −w·a_(j−1) makes every z_j = 0, so every factor is "
            f"w·f'(0): {span}."
        )
    details = []
    if off.any():
        cause = " (edited layers change them)" if edited else ""
        details.append(f"{off.sum()} of the {length} z_j are not 0{cause}")
    if broken.any():
        details.append(
            f"{broken.sum()} of the {length} z_j left float64 range, first at layer "
            f"{np.argmax(broken) + 1}"
        )
    return (
        f"Seed 003's explosion: b_j = −w·a_(j−1) would make every z_j = 0, but here "
        f"{' and '.join(details)}; of the factors w_(j+1)·f'(z_j), {span}."
    )


def linear_text(result: lc.LinearChainResult) -> str:
    """The Linear chain's "what you are seeing" paragraph, every number computed from
    ``result``."""
    check, steps = result.check, result.steps
    parts = [
        f"**What you are seeing.** W is {lc.KIND_LABELS[result.kind]} with n = {result.n} and "
        f"spectral radius ρ = max|λ_i| = **{result.radius:.4g}**."
    ]
    checked = check.checked_steps.size
    identity = "W^t = V diag(λ)^t V⁻¹"
    if not math.isfinite(check.cond_v):
        parts.append(
            f"{identity} cannot hold here: V is singular (κ(V) is not finite), so W has no "
            "eigenvector basis, as an exact Jordan block has none."
        )
    elif checked == 0:
        parts.append(
            f"{identity} cannot be checked: every sampled power overflowed float64 range or "
            f"underflowed to within {lc.CHECK_FLOOR:.0e} of it."
        )
    else:
        over = f"over the {checked} sampled powers up to t = {int(check.checked_steps[-1])}"
        if checked < result.sampled_steps.size:
            over += " (the later ones are too close to float64's limits to check)"
        if check.max_rel_error < 1e-6:
            parts.append(
                f"{identity} holds numerically: the largest relative error {over} is "
                f"**{format_sci(check.max_rel_error)}** (κ(V) = {format_sci(check.cond_v)})."
            )
        elif math.isfinite(check.max_rel_error):
            why = ": the eigenvectors are nearly parallel" if check.cond_v > 1e6 else ""
            parts.append(
                f"{identity} holds only to a relative error of "
                f"**{format_sci(check.max_rel_error)}** {over} (κ(V) = "
                f"{format_sci(check.cond_v)}{why})."
            )
        else:
            parts.append(
                f"{identity} fails {over}: V diag(λ)^t V⁻¹ left float64 range (κ(V) = "
                f"{format_sci(check.cond_v)})."
            )
    parts.append("\n\n" + _norm_text(result))
    last = f"**{format_sci(result.signal_norm[-1])}**"
    if not result.breakdown.ok:
        last += f" ({breakdown_text(result.breakdown, 'it')}: outside float64 range)"
    parts.append(f"After t = {steps} layers, ‖W^t x‖/‖x‖ = {last}.")
    return " ".join(parts)


def _norm_text(result: lc.LinearChainResult) -> str:
    """‖W^t‖₂ against the eigenvalues' ρ^t: transient growth, or where it overflowed."""
    peak, t = format_sci(result.peak_op_norm), result.peak_step
    sampled = result.sampled_steps.size
    rho_t = ch.format_log10(t * float(safe_log10(result.radius)))
    gain = ch.format_log10(result.log10_transient_gain)
    if result.op_overflow_step is not None:
        return (
            f"‖W^t‖₂ had overflowed float64 range by t = {result.op_overflow_step}; before "
            f"that it reached **{peak}** at t = {t}, {gain}× the ρ^t = {rho_t} the eigenvalues "
            "predict."
        )
    if result.log10_transient_gain <= math.log10(1.5):
        return (
            f"‖W^t‖₂ follows the eigenvalues: its largest sampled value, {peak} at t = {t}, is "
            f"within {gain}× of ρ^t."
        )
    if t < result.steps:
        return (
            f"The eigenvalues predict ρ^t, yet ‖W^t‖₂ (sampled at {sampled} values of t) peaks "
            f"at **{peak}** at t = {t}, where ρ^t = {rho_t}: a transient growth of "
            f"**{gain}×** that eigenvalues alone do not predict."
        )
    return (
        f"‖W^t‖₂ reaches **{peak}** at t = {t}, **{gain}×** the ρ^t = {rho_t} the "
        "eigenvalues predict: a factor they alone do not."
    )


def spectra_text(spectra: list[sp.Spectrum], sigma_crit: float, q_star: float, ratio: float) -> str:
    """The Jacobian spectra's "what you are seeing" paragraph, every number computed from the
    spectra; dynamical isometry and spreading are claimed only where they are measured."""
    first = spectra[0]
    q_text = "undetermined (χ₁ does not depend on q)" if math.isnan(q_star) else f"{q_star:.3g}"
    parts = [
        f"**What you are seeing.** For {first.act}, χ₁ = σ_w²·E[f'(z)²] = 1 at σ_w = "
        f"**{sigma_crit:.4g}** (σ_w² = {sigma_crit**2:.4g}; fixed point q* = {q_text}); here "
        f"σ_w = {ratio:g} × that = {first.sigma_w:.4g}, and the input has variance "
        f"{first.q_in:.3g}."
    ]
    depth = int(first.depths[-1]) if first.depths.size else 0
    spreads = {}
    for s in spectra:
        if s.depths.size == 0 or not np.isfinite(s.mean[-1]):
            parts.append(f"\n\n- **{s.weights}**: J left float64 range before depth {depth}.")
            continue
        spread = sp.spread_decades(s)
        resolved = f"{int(s.resolved.sum())} of {s.singular_values.size}"
        if math.isnan(spread):
            span = f"none of the {s.singular_values.size} is above float64 resolution"
        else:
            spreads[s.weights] = spread
            span = f"span **{spread:.2f} decades** ({resolved} above float64 resolution)"
        parts.append(
            f"\n\n- **{s.weights}** weights, depth {depth}: the singular values of J have mean "
            f"**{format_sci(s.mean[-1])}** and max **{format_sci(s.max[-1])}**, and {span}."
        )
    if len(spreads) == len(spectra):
        parts.append("\n\n" + _spread_text(spectra, spreads, ratio))
    return " ".join(parts)


def _spread_text(spectra: list[sp.Spectrum], spreads: dict[str, float], ratio: float) -> str:
    """Which weights keep the spectrum narrower, and what that means here."""
    narrow, wide = min(spreads, key=spreads.get), max(spreads, key=spreads.get)
    if f"{spreads[narrow]:.2f}" == f"{spreads[wide]:.2f}":
        parts = [f"Both weights keep the spectrum as narrow here ({spreads[narrow]:.2f} decades)."]
    else:
        parts = [
            f"{narrow.capitalize()} weights keep the spectrum narrower here "
            f"({spreads[narrow]:.2f} vs {spreads[wide]:.2f} decades)."
        ]
    act = spectra[0].act
    isometric = spreads.get("orthogonal", math.inf) < 0.1
    if ratio == 1 and isometric:
        parts.append(
            f"At the critical scale orthogonal weights with {act} units keep every direction's "
            f"gain near 1, within {10 ** spreads['orthogonal']:.3g}× of each other: dynamical "
            "isometry."
        )
    for s in spectra:
        if spreads[s.weights] < 1:
            continue
        gains = s.singular_values[s.resolved]
        small, large = float(np.mean(gains < 0.1)), float(np.mean(gains > 10))
        weights = (
            "Gaussian products" if s.weights == "gaussian" else f"Orthogonal weights with {act}"
        )
        fate = [word for word, share in (("vanish", small), ("explode", large)) if share > 0]
        consequence = f", so their gradients {' or '.join(fate)}" if fate else ""
        parts.append(
            f"{weights} spread the gains over {spreads[s.weights]:.2f} decades: {small:.1%} of "
            f"the resolved directions have a gain below 1/10 and {large:.1%} above "
            f"10{consequence}."
        )
    return " ".join(parts)


_ENTRY = re.compile(r"^(\d+)\s*:\s*([^;]*);(.*)$")


def parse_overrides(text: str, length: int) -> tuple[dict[int, tuple[float, float]], str | None]:
    """Parse per-layer edits ``"j:w;b"`` separated by commas or spaces (``"2:0.5;-1, 7:3;0"``).

    Returns ``({j: (w_j, b_j)}, None)`` with 1-based ``j``, or ``({}, message)`` naming the first
    entry that is empty, non-numeric, non-finite or outside layers 1..L.
    """
    edits: dict[int, tuple[float, float]] = {}
    for entry in (e for e in re.split(r"[,\s]+", text.strip()) if e):
        match = _ENTRY.match(entry)
        if not match:
            return {}, f"`{entry}` is not of the form `layer:w;b` (e.g. `3:0.5;-1`)"
        layer = int(match.group(1))
        if not 1 <= layer <= length:
            return {}, f"`{entry}`: layer {layer} is not in 1..{length}"
        values = []
        for name, raw in (("w", match.group(2)), ("b", match.group(3))):
            if not raw.strip():
                return {}, f"`{entry}`: {name}_{layer} is empty"
            try:
                value = float(raw)
            except ValueError:
                return {}, f"`{entry}`: {name}_{layer} = `{raw}` is not a number"
            if not math.isfinite(value):
                return {}, f"`{entry}`: {name}_{layer} = `{raw}` is not finite"
            values.append(value)
        edits[layer] = (values[0], values[1])
    return edits, None


def format_overrides(edits: dict[int, tuple[float, float]]) -> str:
    """Inverse of :func:`parse_overrides`: ``"2:0.5;-1, 7:3;0"`` (shortest exact float text)."""
    return ", ".join(f"{j}:{w!r};{b!r}" for j, (w, b) in sorted(edits.items()))


def cell_edits(
    edited_rows: dict, w: np.ndarray, b: np.ndarray
) -> tuple[dict[int, tuple[float, float]], str | None]:
    """Turn a data editor's ``edited_rows`` (``{row: {"w": value, "b": value}}``, 0-based rows)
    into layer edits ``{j: (w_j, b_j)}``, or ``({}, message)`` when a cell is empty or not a
    finite number."""
    edits: dict[int, tuple[float, float]] = {}
    for row, cells in sorted(edited_rows.items(), key=lambda kv: int(kv[0])):
        j = int(row) + 1
        if not 1 <= j <= len(w):
            return {}, f"row {j} is not a layer of this chain"
        wj, bj = float(w[j - 1]), float(b[j - 1])
        for column, raw in cells.items():
            if column not in ("w", "b"):
                continue
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                return {}, f"layer {j}: the {column} cell is empty"
            try:
                value = float(raw)
            except (TypeError, ValueError):
                return {}, f"layer {j}: {column} = `{raw}` is not a number"
            if not math.isfinite(value):
                return {}, f"layer {j}: {column} = `{raw}` is not a finite number"
            wj, bj = (value, bj) if column == "w" else (wj, value)
        edits[j] = (wj, bj)
    return edits, None


def _tex_number(log10_abs: float, sign: float) -> str:
    text = format_log10(log10_abs, sign)
    if text.lstrip("-").startswith("10^("):  # a power of ten whose exponent is itself huge
        power = _tex_number(math.log10(abs(log10_abs)), math.copysign(1.0, log10_abs))
        return ("-" if text.startswith("-") else "") + rf"10^{{{power}}}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa}\times10^{{{int(exponent)}}}"
    return text


def formula_latex(result: ChainResult, max_terms: int = 5) -> str:
    r"""Seed 003's formula with the chain's numbers substituted.

    For L <= ``max_terms`` every slope and weight is written out; for longer chains the product
    is summarised as :math:`f'(z_L)\,\partial C/\partial a_L\cdot\prod_{j=1}^{L-1}
    w_{j+1}f'(z_j)` with its value.
    """
    fp = r"\sigma'" if result.act == "sigmoid" else "f'"
    length, lg, w = result.length, result.logs, result.cache.w
    value = _tex_number(lg.log10_db[0], lg.sign_db[0])
    dout = _tex_number(*(float(v) for v in (safe_log10(result.dout), np.sign(result.dout))))
    last = rf"\frac{{\partial C}}{{\partial a_{{{length}}}}}"
    if length <= max_terms:
        symbols = [rf"{fp}(z_1)"]
        numbers = [rf"({_tex_number(lg.log10_slope[0], lg.sign_slope[0])})"]
        for j in range(2, length + 1):
            symbols += [rf"w_{{{j}}}", rf"{fp}(z_{{{j}}})"]
            numbers += [rf"({w[j - 1]:.4g})", rf"({_tex_number(lg.log10_slope[j - 1], 1.0)})"]
        symbols.append(last)
        numbers.append(rf"({dout})")
        return (
            r"\begin{aligned}\frac{\partial C}{\partial b_1} &= "
            + r"\,".join(symbols)
            + r"\\ &= "
            + r"\,".join(numbers)
            + rf" = {value}\end{{aligned}}"
        )
    product = _tex_number(float(np.sum(lg.log10_factor)), float(np.prod(lg.sign_factor)))
    slope_last = _tex_number(lg.log10_slope[-1], lg.sign_slope[-1])
    return (
        r"\frac{\partial C}{\partial b_1} = "
        + rf"{fp}(z_{{{length}}})\,{last}\prod_{{j=1}}^{{{length - 1}}} w_{{j+1}}{fp}(z_j)"
        + rf" = ({slope_last})({dout})({product}) = {value}"
    )


SOURCES_MARKDOWN = r"""
**Single-neuron chain.** z_j = w_j a_(j−1) + b_j, a_j = f(z_j), C = ½(a_L − y)². Backprop gives
δ_j = ∂C/∂b_j = w_(j+1) f'(z_j) δ_(j+1), so each factor is the ratio of neighbouring bias
gradients. The exact curve adds log10 of every factor (closed forms for log f'(z) that never
underflow), so ∂C/∂b₁ is exact at L = 1000 even far below 1e-308; the float64 curve multiplies as a
network would and stops where it underflows or overflows. The bound is
(max|f'|)^(L−j+1)·Π|w_k|·|∂C/∂a_L|.

**Linear chain.** W^t = V diag(λ)^t V⁻¹ when W is diagonalizable. For a normal W (orthogonal,
symmetric) ‖W^t‖₂ = ρ^t; otherwise only ‖W^t‖₂ ≤ κ(V)·ρ^t, and a non-normal W (a Jordan-like
block) can grow by orders of magnitude before its eigenvalues take over.

**Jacobian spectra.** J = Π D_l W_lᵀ with D_l = diag(f'(z_l)) from one forward pass of the MLP.
χ₁ = σ_w² E[f'(z)²] = 1 is the critical line (mean-field, Schoenholz et al. 2017).

Sources: seed 003 (Nielsen's chain, via lovejing0306), seed 001 (shine-lee, W^t = V diag(λ)^t V⁻¹);
M. Nielsen, *Neural Networks and Deep Learning*, ch. 5; Saxe, McClelland & Ganguli (2014), *Exact
solutions to the nonlinear dynamics of learning in deep linear networks*; Pennington, Schoenholz &
Ganguli (2017), *Resurrecting the sigmoid in deep learning through dynamical isometry*;
Trefethen & Embree (2005), *Spectra and Pseudospectra* (transient growth).
"""
