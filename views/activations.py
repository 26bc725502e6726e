"""Everything one tab of the Activations page shows, computed in one call.

Each ``*_view`` function runs the engine, builds the tab's Altair charts and turns them into
Vega-Lite specs (plain dicts), and writes the "what you are seeing" text. The page caches each
call with ``st.cache_data``, so a warm rerun neither recomputes nor re-validates a chart: it only
sends the cached specs. Activations are passed as ``specs``, a hashable
``((name, ((param, value), ...)), ...)``.
"""

from __future__ import annotations

import numpy as np

from gradviz.activations import Activation, get_activation
from gradviz.budget import Cost
from gradviz.curves import (
    activation_curves,
    activation_curves_cost,
    best_case_slopes,
    best_case_slopes_cost,
    peak_points,
    peak_points_cost,
    properties_table,
    properties_table_cost,
    saturation_zones,
    saturation_zones_cost,
)
from gradviz.numerics import drawable_on_log
from gradviz.products import (
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
from gradviz.zigzag import compare_paths, compare_paths_cost
from views import View, spec
from views import activation_notes as notes
from views.charts import activations as charts

Specs = tuple[tuple[str, tuple[tuple[str, float], ...]], ...]
SCALES = np.geomspace(0.1, 10.0, 25)


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
    return View(
        (spec(f_chart), spec(slope_chart)), notes.curves_note(peaks, zones, threshold, x_max)
    )


def properties_view(specs: Specs) -> View:
    """The measured-properties table of the chosen activations and the seeds' claims."""
    return View(text=notes.seed_claims_note(), table=properties_table(build(specs)))


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
        notes.depth_note(products, max_depth),
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
        notes.saturation_note(by_scale, mu, s, threshold),
    )


def products_view(n: int, trials: int, log10_threshold: int, seed: int) -> View:
    """Histogram of log10 of products of ``n`` U(0,1) numbers, Monte Carlo next to exact."""
    result = uniform_products(n, trials, 10.0**log10_threshold, seed)
    chart = charts.make_product_histogram_chart(result.histogram, log10_threshold)
    return View((spec(chart),), notes.products_note(result))


def zigzag_view(positive: str, w1: float, w2: float, lr: float, steps: int) -> View:
    """Update paths of the two-weight neuron with positive and with zero-centred inputs."""
    result = compare_paths(positive, (w1, w2), lr, steps)
    chart = charts.make_zigzag_chart(result.frame, result.target)
    return View((spec(chart),), notes.zigzag_note(result, lr))


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
