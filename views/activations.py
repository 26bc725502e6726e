"""Everything one tab of the Activations page shows, computed in one call.

Each ``*_view`` function runs the engine, builds the tab's Altair charts and turns them into
Vega-Lite specs (plain dicts), and writes the "what you are seeing" text. The page caches each
call with ``st.cache_data``, so a warm rerun neither recomputes nor re-validates a chart: it only
sends the cached specs. Activations are passed as ``specs``, a hashable
``((name, ((param, value), ...)), ...)``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from gradviz.activations import NAMES, REGISTRY, Activation, get_activation, label
from gradviz.budget import Cost
from gradviz.curves import (
    activation_curves,
    activation_curves_cost,
    best_case_slopes,
    best_case_slopes_cost,
    peak_points,
    peak_points_cost,
    properties_of,
    properties_table,
    properties_table_cost,
    saturation_zones,
    saturation_zones_cost,
)
from gradviz.neuron_chain import EXPLOSION_WEIGHT
from gradviz.numerics import drawable_on_log, format_sci
from gradviz.products import (
    UniformProducts,
    depth_to_reach,
    exact_fraction_above,
    peak_slope_products,
    peak_slope_products_cost,
    uniform_products,
    uniform_products_cost,
)
from gradviz.saturation import (
    slope_distribution,
    slope_distribution_cost,
    slope_vs_scale,
    slope_vs_scale_cost,
)
from gradviz.zigzag import (
    POSITIVE_INPUTS,
    ZigzagComparison,
    compare_paths,
    compare_paths_cost,
    input_label,
)
from views import (
    Control,
    Header,
    View,
    breakdown_text,
    multiselect,
    number_input,
    select_slider,
    selectbox,
    slider,
    spec,
)
from views.charts import activations as charts

Specs = tuple[tuple[str, tuple[tuple[str, float], ...]], ...]
SCALES = np.geomspace(0.1, 10.0, 25)


HEADER = Header(
    "Activations",
    "Backpropagation multiplies the learning signal δ by the activation's slope f′(z) at every "
    "layer. Where f′ is small the signal fades; where the unit is *saturated* (f′ ≈ 0) it stops.",
    r"\delta_{l-1}=\big(\delta_l\,W_l^{\top}\big)\odot f'(z_{l-1})",
)
TABS = ("Curves", "Properties", "Depth", "Saturation", "Random products", "Zero-centred")
NEED_ONE = "Choose at least one activation above."
PARAMETERS_HEADING = "**Activation parameters**"

# Options are the display labels: Streamlit writes a select widget's formatted option into the
# URL, so the labels themselves are the link values (?act=sigmoid&act=leaky+ReLU).
BY_LABEL = {label(n): n for n in NAMES}
ACTIVATIONS = multiselect(
    "Activations",
    BY_LABEL,
    default=[label(n) for n in ("sigmoid", "tanh", "relu")],
    key="act",
)
THRESHOLD = select_slider(
    "Saturated where |f′| <", (0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2), 0.05, key="sat"
)
PARAMETERS: tuple[tuple[str, str, Control], ...] = tuple(
    (name, p.name, slider(
        f"{label(name)}: {p.name}", p.low, p.high, p.default, 0.01,
        key=f"{name}_{p.name}", help=p.help,
    ))
    for name in NAMES
    for p in REGISTRY[name].params
)  # fmt: skip
X_RANGE = slider("x range ±", 1.0, 50.0, 6.0, 0.5, key="xrange")
DEPTH = slider("Depth L", 1, 500, 50, key="max_depth")
FREE_FACTOR = slider("Free factor a", 0.1, 5.0, 1.1, 0.01, key="free")
MEAN = slider("Mean μ of z", -3.0, 3.0, 0.0, 0.1, key="mu")
SCALE = slider("Scale s (std of z)", 0.1, 10.0, 1.0, 0.1, key="s")
FACTORS = slider("n numbers multiplied", 1, 500, 50, key="n")
TRIALS = select_slider("Trials", (1_000, 10_000, 100_000), 10_000, key="trials")
THRESHOLD_EXPONENT = slider("Threshold 10^k, k =", -300, -1, -18, key="thr")
SEED = number_input("Seed", 0, 10_000, 0, key="seed")
POSITIVE_INPUT = selectbox("Positive inputs from", [label(n) for n in POSITIVE_INPUTS], key="pos")
TARGET_W1 = slider("Target w1*", -2.0, 2.0, 1.0, 0.1, key="w1")
TARGET_W2 = slider("Target w2*", -2.0, 2.0, -1.0, 0.1, key="w2")
LEARNING_RATE = slider("Learning rate", 0.05, 1.0, 0.5, 0.05, key="lr")
STEPS = slider("Steps", 20, 500, 200, 10, key="steps")


def chosen_specs(labels: list[str], values: dict[tuple[str, str], float]) -> tuple[Specs, str]:
    """The chosen activations with their parameter values (``values[(name, param)]``), and a
    note when randomized leaky ReLU's bounds came in the wrong order and were swapped."""
    values = dict(values)
    note = ""
    if values[("rrelu", "lower")] > values[("rrelu", "upper")]:
        values[("rrelu", "lower")], values[("rrelu", "upper")] = (
            values[("rrelu", "upper")],
            values[("rrelu", "lower")],
        )
        note = "randomized leaky ReLU: lower > upper, so the two were swapped."
    names = [BY_LABEL[c] for c in labels]
    specs = tuple(
        (n, tuple((p.name, float(values[(n, p.name)])) for p in REGISTRY[n].params)) for n in names
    )
    return specs, note


def build(specs: Specs) -> dict[str, Activation]:
    """``{legend label: Activation}``, e.g. ``{"leaky ReLU(α=0.01)": ...}``."""
    acts = (get_activation(name, **dict(params)) for name, params in specs)
    return {str(act): act for act in acts}


def curves_view(specs: Specs, x_max: float, threshold: float) -> View:
    """f(x) and f'(x) with saturation zones and peaks, for x in ``[-x_max, x_max]``."""
    acts = build(specs)
    curves = activation_curves(acts, x_max)
    zones = saturation_zones(acts, threshold, x_max)
    peaks = peak_points(acts)
    f_chart = charts.make_curve_chart(curves, zones, peaks, field="f", title="f(x)")
    slope_chart = charts.make_curve_chart(
        curves, zones, peaks, field="slope", title="f′(x)", threshold=threshold
    )
    return View((spec(f_chart), spec(slope_chart)), curves_note(peaks, zones, threshold, x_max))


def properties_view(specs: Specs) -> View:
    """The measured-properties table of the chosen activations and the seeds' claims."""
    return View(text=seed_claims_note(), table=properties_table(build(specs)))


def depth_view(specs: Specs, free_factor: float, max_depth: int) -> View:
    """max|f'|^L over depth next to a free factor, on a log axis."""
    products = peak_slope_products(best_case_slopes(build(specs)), free_factor, max_depth)
    drawable, dropped = drawable_on_log(products, "product")
    caption = (
        f"{dropped} of {len(products)} points left float64 range (0 or inf) and are not drawn."
        if dropped
        else ""
    )
    return View(
        (spec(charts.make_depth_chart(drawable)),),
        depth_note(products, max_depth),
        caption,
    )


def saturation_view(specs: Specs, mu: float, s: float, threshold: float) -> View:
    """Distribution of f'(z), E[f'(z)] and the saturated share as the input scale grows."""
    acts = build(specs)
    scales = np.union1d(SCALES, [s])
    dist = slope_distribution(acts, mu, s)
    by_scale = slope_vs_scale(acts, mu, scales, threshold)
    return View(
        (
            spec(charts.make_slope_distribution_chart(dist)),
            spec(
                charts.make_scale_chart(by_scale, field="mean_slope", title="E[f′(z)]", current_s=s)
            ),
            spec(
                charts.make_scale_chart(
                    by_scale, field="saturated", title="saturated share", current_s=s, percent=True
                )
            ),
        ),
        saturation_note(by_scale, mu, s, threshold),
    )


def products_view(n: int, trials: int, log10_threshold: int, seed: int) -> View:
    """Histogram of log10 of products of ``n`` U(0,1) numbers, Monte Carlo next to exact."""
    result = uniform_products(n, trials, 10.0**log10_threshold, seed)
    chart = charts.make_product_histogram_chart(result.histogram, log10_threshold)
    return View((spec(chart),), products_note(result))


def zigzag_view(positive: str, w1: float, w2: float, lr: float, steps: int) -> View:
    """Update paths of the two-weight neuron with positive and with zero-centred inputs."""
    result = compare_paths(positive, (w1, w2), lr, steps)
    chart = charts.make_zigzag_chart(result.frame, result.target)
    return View((spec(chart),), zigzag_note(result, lr))


# ----------------------------------------------------------------------------- cost
# The engine's share of each view from a cold cache, from the settings alone; building the
# chart specs adds 50-300 ms, which the worst-case rows of ``python -m bench activations``
# measure with everything else.


def _names(specs: Specs) -> list[str]:
    return [name for name, _ in specs]


def curves_view_cost(specs: Specs) -> Cost:
    """:func:`curves_view`: curves, saturated zones and peaks (the x range changes nothing)."""
    names = _names(specs)
    return activation_curves_cost(names) + saturation_zones_cost(names) + peak_points_cost(names)


def properties_view_cost(specs: Specs) -> Cost:
    """:func:`properties_view`: the measured properties of every chosen activation."""
    return properties_table_cost(_names(specs))


def depth_view_cost(specs: Specs, max_depth: int) -> Cost:
    """:func:`depth_view`: best-case slopes, then their products over depth."""
    names = _names(specs)
    return best_case_slopes_cost(names) + peak_slope_products_cost(len(names), max_depth)


def saturation_view_cost(specs: Specs, mu: float, s: float) -> Cost:
    """:func:`saturation_view`: the slope distribution at ``s`` and the 25 or 26 scales."""
    names = _names(specs)
    scales = np.union1d(SCALES, [s])
    return slope_distribution_cost(names, mu, s) + slope_vs_scale_cost(names, mu, scales)


def products_view_cost(n: int, trials: int) -> Cost:
    """:func:`products_view`: the Monte Carlo and the exact law."""
    return uniform_products_cost(n, trials)


def zigzag_view_cost(positive: str, steps: int) -> Cost:
    """:func:`zigzag_view`: the two update paths."""
    return compare_paths_cost(positive, steps)


def _zone_text(start: float, end: float, x_max: float) -> str:
    left, right = start <= -x_max + 1e-9, end >= x_max - 1e-9
    if left and right:
        return "everywhere shown"
    if left:
        return f"x < {end + 0.0:.3g}"
    if right:
        return f"x > {start + 0.0:.3g}"
    return f"{start + 0.0:.3g} < x < {end + 0.0:.3g}"


def peak_where_text(where: str) -> str:
    """Where the largest slope is reached, in words: a peak that is only approached at one end
    (softplus: f' = σ(x) → 1) is named as a limit in words rather than with an ∞ sign."""
    return {
        "x → +∞": "no finite x: approached as x grows without bound",
        "x → -∞": "no finite x: approached as x falls without bound",
    }.get(where, where)


def curves_note(peaks: pd.DataFrame, zones: pd.DataFrame, threshold: float, x_max: float) -> str:
    """One line per activation: its peak slope and where, and its saturated zones in ±x_max."""
    lines = []
    for row in peaks.itertuples(index=False):
        own = zones[zones["activation"] == row.activation]
        if own.empty:
            where = f"never saturated within ±{x_max:g}"
        else:
            share = own["width"].sum() / (2 * x_max)
            pairs = zip(own.x_start, own.x_end, strict=True)
            spans = ", ".join(_zone_text(a, b, x_max) for a, b in pairs)
            where = f"saturated for {spans} ({share:.0%} of the range shown)"
        lines.append(
            f"- **{row.activation}**: largest slope {row.peak:.4g}, reached at "
            f"{peak_where_text(row.where)}; "
            f"{where}."
        )
    return (
        f"**What you are seeing.** Shaded: where |f′(x)| < {threshold:g}, so a unit there passes "
        "almost no gradient back. Diamonds mark the largest slope.\n\n" + "\n".join(lines)
    )


def _sides(saturation: str) -> str:
    return {"left and right": "on both sides", "none": "nowhere"}.get(
        saturation, f"on the {saturation}"
    )


def explosion_factor(peak_slope: float, weight: float = EXPLOSION_WEIGHT) -> float:
    """A sigmoid layer's factor w·σ′(z) at z = 0, where σ′ peaks (seed 003's explosion)."""
    return weight * peak_slope


def seed_claims_note() -> str:
    """The seeds' claims about activation slopes, checked against measured properties."""
    sig, tanh, soft, relu, lin = (
        properties_of(n) for n in ("sigmoid", "tanh", "softsign", "relu", "linear")
    )
    relu_values = " or ".join(f"{v:g}" for v in relu.slope_values)
    return (
        "**The seeds' claims, measured from the functions.**\n"
        f"- sigmoid: f′ peaks at **{sig.max_slope:g}** at {sig.peak_where}; outputs lie in "
        f"**{sig.output_range}**, so f′ = f(1 − f) lies in (0, {sig.max_slope:g}]. The slope "
        f"alone shrinks a gradient at least {1 / sig.max_slope:g}× per layer, but a layer "
        "multiplies it by w·σ′(z), so the weights decide: with w = "
        f"{EXPLOSION_WEIGHT:g} at z = 0 every layer multiplies it by "
        f"**{explosion_factor(sig.max_slope):g}** (Deep chain › the explosion preset).\n"
        f"- tanh: f′ peaks at **{tanh.max_slope:g}** at {tanh.peak_where} and saturates "
        f"{_sides(tanh.saturation)}.\n"
        f"- softsign: f′ peaks at **{soft.max_slope:g}** at {soft.peak_where} and saturates "
        f"{_sides(soft.saturation)}, but slowly (1/(1+|x|)² instead of e^−|x|).\n"
        f"- ReLU: f′ is **{relu_values}**: an active unit passes the gradient unchanged, a dead "
        "one passes nothing.\n"
        f"- linear: f′ = {lin.max_slope:g} at {lin.peak_where}: the activation neither shrinks "
        "nor grows the gradient, so the weights alone decide whether it vanishes or explodes (a "
        "product of weight matrices: Deep chain › Linear chain). A stack of linear layers is one "
        "linear map and cannot draw a non-linear class boundary.\n\n"
        "Bounded outputs (sigmoid, tanh, softsign) keep activations tame; unbounded ones (the ReLU "
        "family) train faster but need a smaller learning rate (seed 002)."
    )


def _product_after(peak: float, product: float, depth: int) -> str:
    """max|f'|^L in words, with its exact size where the float64 product left range."""
    if math.isinf(product) or (product == 0 and peak > 0):
        side = "overflowed to inf" if math.isinf(product) else "underflowed to 0 in float64"
        return f"10^{depth * math.log10(peak):.1f} after {depth} layers (the product {side})"
    return f"{format_sci(product, 3)} after {depth} layers"


def _from_depth(reached: int, depth: int) -> str:
    where = f"from depth {reached:,}"
    return where if reached <= depth else f"{where}, deeper than the {depth} layers shown"


def depth_note(products: pd.DataFrame, depth: int) -> str:
    """The best-case product of each series at ``depth``, and when it passes 1e-6 or 1e6."""
    lines = []
    at_depth = products[products["depth"] == products["depth"].max()]
    for row in at_depth.itertuples(index=False):
        if row.peak < 1:
            fate = f"below one millionth {_from_depth(depth_to_reach(row.peak, 1e-6), depth)}"
        elif row.peak > 1:
            fate = f"above a million {_from_depth(depth_to_reach(row.peak, 1e6), depth)}"
        else:
            fate = "exactly 1 at every depth"
        lines.append(
            f"- **{row.series}** (max|f′| = {row.peak:.4g}): "
            f"{_product_after(row.peak, row.product, depth)}; {fate}."
        )
    return (
        "**What you are seeing.** Even if every unit sat exactly at its steepest point, the "
        "gradient reaching the first layer would be multiplied by max|f′| once per layer:\n\n"
        + "\n".join(lines)
    )


def saturation_note(by_scale: pd.DataFrame, mu: float, s: float, threshold: float) -> str:
    """E[f'(z)] and the saturated share at the chosen ``s`` and at the ends of the s range."""
    lines = []
    for name, rows in by_scale.groupby("activation", sort=False):
        here = rows.iloc[(rows["s"] - s).abs().argmin()]
        first, last = rows.iloc[0], rows.iloc[-1]
        lines.append(
            f"- **{name}**: E[f′(z)] = {here.mean_slope:.4g} and {here.saturated:.1%} "
            f"saturated at s = {s:g}; from s = {first.s:g} to s = {last.s:g}, E[f′(z)] goes "
            f"{first.mean_slope:.4g} → {last.mean_slope:.4g} and the saturated share "
            f"{first.saturated:.1%} → {last.saturated:.1%}."
        )
    return (
        f"**What you are seeing.** Pre-activations z ~ N({mu:g}, s²). A unit with n inputs of "
        "unit variance and weights of standard deviation σ_w has s = σ_w·√n, so large weights "
        f"mean large s: the unit lives in its flat tails, where |f′| < {threshold:g}.\n\n"
        + "\n".join(lines)
    )


def products_note(result: UniformProducts) -> str:
    """The seed's "never above 1e-18" next to the exact and Monte-Carlo shares."""
    t = f"{result.threshold:.0e}"
    claim = ""
    if result.n == 50 and abs(result.threshold - 1e-18) < 1e-30:
        claim = (
            f"**Seed 004 says:** the product of 50 numbers from U(0, 1) is never above 1e-18. "
            f"**Truth:** it is above 1e-18 with probability **{result.exact_fraction_above:.1%}**."
            "\n\n"
        )
    underflow = ""
    if result.underflow_fraction > 0:
        underflow = (
            f" Multiplied directly in float64, {result.underflow_fraction:.1%} of these products "
            "would underflow to 0; the page sums logarithms instead."
        )
    return (
        claim + f"**What you are seeing.** {result.trials:,} trials of the product of "
        f"n = {result.n} numbers from U(0, 1). log10(product) has mean "
        f"{result.mean_log10:.2f} and std {result.std_log10:.2f} (exact: "
        f"{result.exact_mean_log10:.2f} ± {result.exact_std_log10:.2f}, because −ln of the product "
        f"is a Gamma(n, 1) variable). Share above {t}: exact "
        f"**{result.exact_fraction_above:.2%}**, Monte Carlo {result.mc_fraction_above:.2%} "
        f"± {result.mc_stderr:.2%}. The largest product seen is 10^{result.largest_log10:.1f}."
        + underflow
    )


def zigzag_note(result: ZigzagComparison, lr: float) -> str:
    """How often each path moved the two weights in opposite directions, and how fast."""

    def reach(summary) -> str:
        if summary.steps_to_10pct is None:
            return "never got within 10% of the starting distance"
        return f"got within 10% of the starting distance after {summary.steps_to_10pct} steps"

    pos, cen = result.positive, result.centred
    blown = [
        f"{input_label(s.inputs)}: {breakdown_text(s.breakdown, 'the weights')} "
        f"(learning rate {lr:g} is too large for these inputs)."
        for s in (pos, cen)
        if not s.breakdown.ok
    ]
    return (
        "**What you are seeing.** The update is −η·(ŷ − y)·x: one shared scalar times the input "
        "x. "
        f"With **{input_label(pos.inputs)}**, {pos.opposite_share:.0%} of the steps moved w1 and "
        f"w2 in opposite directions, so to reach w* = ({result.target[0]:g}, "
        f"{result.target[1]:g}) the path zig-zags: it {reach(pos)} (path length "
        f"{pos.detour:.2f}× the straight line). With **{input_label(cen.inputs)}**, "
        f"{cen.opposite_share:.0%} of the steps moved them in opposite directions; it {reach(cen)} "
        f"(path {cen.detour:.2f}× the straight line)."
        + ("\n\n" + "\n".join(blown) if blown else "")
    )


def sources_text() -> str:
    """The page's closing "details and sources" markdown (the 10.8% is computed)."""
    return _SOURCES.format(seed_truth=f"{exact_fraction_above(50, 1e-18):.1%}")


_SOURCES = """
- Seed 000: derivatives of sigmoid, tanh and softsign; vanishing and exploding; ReLU and linear.
  Seed 002: properties of a good activation; dying ReLU. Seed 004: products of U(0, 1) numbers,
  saturated neurons, one-sided saturation, zero-centred outputs, the ReLU family.
- **Properties** are measured from the registry's functions on a 400,001-point grid (step 1e-4)
  plus far points ±1e6; "zero-centred" means |E[f(z)]| < 0.1 for z ~ N(0, 1).
- **Saturation**: E[f′(z)] by composite Gauss–Legendre quadrature split at the kinks (it matches
  Gauss–Hermite quadrature where that is accurate); saturated shares are exact sums of normal CDF
  differences over the zones where |f′| < threshold, found by bisection.
- **Random products**: −ln U ~ Exp(1), so −ln ∏Uᵢ ~ Gamma(n, 1) and P(∏Uᵢ > t) is the
  regularized lower incomplete gamma P(n, −ln t), computed from its power series. At n = 50 and
  t = 1e-18 it is {seed_truth}; the seed's "never" is wrong.
- **Zero-centred outputs**: a linear unit ŷ = w·x learns y = w*·x by per-example SGD, on the same
  Gaussian draws passed through sigmoid/ReLU or tanh.
- Randomized leaky ReLU is drawn with its deterministic evaluation slope 2/(l + u); 1/5.5 for
  U(3, 8) (Xu et al. 2015). GELU uses the tanh approximation.
"""
