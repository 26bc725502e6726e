"""Benchmarks of the landing page and the Activations page.

``python -m bench activations`` prints, in order:

* every engine computation's cost model against its measured time and traced peak memory
  (``Report.model``, within 2× either way), at small, default and largest settings;
* each tab's worst case (every control at its expensive end together, every activation
  chosen), cold from a link in a fresh process, against ``TAB_SECONDS`` and ``PROCESS_BYTES``;
* AppTest runs of both pages at their defaults: a warm rerun must take 150 ms or less (the
  engine results and chart specs are cached, so a warm rerun measures the page itself).
"""

from __future__ import annotations

import numpy as np

from bench import Report
from gradviz.activations import NAMES, get_activation, label, properties, properties_cost
from gradviz.budget import PROCESS_BYTES, TAB_SECONDS
from gradviz.curves import (
    activation_curves,
    activation_curves_cost,
    peak_points,
    peak_points_cost,
    properties_of,
    saturation_zones,
    saturation_zones_cost,
)
from gradviz.products import (
    factor_power,
    factor_power_cost,
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
from views.activations import SCALES

WARM_TARGET = 0.150
DEFAULT = ("sigmoid", "tanh", "relu")
ACTIVATIONS = "pages/1_Activations.py"
EVERY_LABEL = [label(name) for name in NAMES]
WORST_CASES = {
    "Curves": {"xrange": "50", "sat": "0.2"},
    "Properties": {},
    "Depth": {"max_depth": "500", "free": "5"},
    "Saturation": {"s": "10", "mu": "3", "sat": "0.2"},
    "Random products": {"n": "500", "trials": "100000", "thr": "-300", "seed": "10000"},
    "Zero-centred": {"steps": "500", "lr": "1", "w1": "2", "w2": "-2", "pos": "ReLU"},
}
"""Each tab's most expensive link: every activation chosen, with their parameters away from
the defaults (so nothing measured at import time is reused), and these controls."""
PARAMETERS_AWAY = {"elu_alpha": "5", "leaky_relu_alpha": "1", "prelu_alpha": "0"}


def _acts(names):
    return {str(get_activation(name)): get_activation(name) for name in names}


def _cold(fn):
    """``fn`` from a cold :func:`properties_of` cache, as a first visitor meets it."""

    def run():
        properties_of.cache_clear()
        return fn()

    return run


def models(report: Report) -> None:
    """Every engine computation of both pages: cost model against measurement."""
    for depth in (1, 10, 1000):
        report.model(
            f"landing: factor_power, L = {depth}",
            factor_power_cost(depth),
            lambda d=depth: factor_power(0.25, d),
        )
    peaks = {name: 0.5 for name in NAMES}
    for series, depth in ((0, 1), (3, 50), (14, 500)):
        chosen = dict(list(peaks.items())[:series])
        report.model(
            f"depth: peak_slope_products, {series} activations, L = {depth}",
            peak_slope_products_cost(series, depth),
            lambda c=chosen, d=depth: peak_slope_products(c, 1.1, d),
        )
    for n, trials, log_t in ((1, 1_000, -1), (50, 10_000, -18), (500, 100_000, -300)):
        report.model(
            f"products: uniform_products, n = {n}, {trials:,} trials",
            uniform_products_cost(n, trials),
            lambda n=n, t=trials, k=log_t: uniform_products(n, t, 10.0**k),
        )
    for name in ("relu", "sigmoid", "gelu"):
        act = get_activation(name)
        report.model(f"properties: {name}", properties_cost(name), lambda a=act: properties(a))
    for names in (DEFAULT, NAMES):
        acts, k = _acts(names), len(names)
        report.model(
            f"curves: peak_points, {k} activations, cold",
            peak_points_cost(list(names)),
            _cold(lambda a=acts: peak_points(a)),
        )
        for x_max in (6.0, 50.0):
            report.model(
                f"curves: f, f' and zones, {k} activations, x in ±{x_max:g}",
                activation_curves_cost(list(names)) + saturation_zones_cost(list(names)),
                lambda a=acts, x=x_max: (activation_curves(a, x), saturation_zones(a, 0.05, x)),
            )
        for mu, s in ((0.0, 1.0), (3.0, 10.0), (0.0, 0.1)):
            scales = np.union1d(SCALES, [s])
            report.model(
                f"saturation: distribution + 26 scales, {k} activations, s = {s:g}",
                slope_distribution_cost(list(names), mu, s)
                + slope_vs_scale_cost(list(names), mu, scales),
                lambda a=acts, m=mu, s=s, sc=scales: (
                    slope_distribution(a, m, s),
                    slope_vs_scale(a, m, sc, 0.05),
                ),
                repeat=1 if k > 3 else 3,
            )
    for steps in (20, 200, 500):
        report.model(
            f"zig-zag: compare_paths, {steps} steps",
            compare_paths_cost("sigmoid", steps),
            lambda n=steps: compare_paths("sigmoid", (1.0, -1.0), 0.5, n),
        )


def worst_cases(report: Report) -> None:
    """Each tab at its most expensive link, cold, in a fresh process."""
    for factor in ("3", "0.05"):
        report.worst_case(
            f"landing, factor {factor}, L = 1000",
            "app.py",
            {"factor": factor, "depth": "1000"},
            TAB_SECONDS,
            PROCESS_BYTES,
        )
    for tab, controls in WORST_CASES.items():
        query = {"tab": tab, "act": EVERY_LABEL, **PARAMETERS_AWAY, **controls}
        report.worst_case(f"Activations, {tab}", ACTIVATIONS, query, TAB_SECONDS, PROCESS_BYTES)


def warm_reruns(report: Report) -> None:
    """Both pages at their defaults: cold, then warm reruns against 150 ms."""
    report.page("app.py", WARM_TARGET)
    # Report.page names rows by file only, so a value row says which tab the next two rows open.
    for tab in WORST_CASES:
        report.value(f"Activations page, tab {tab!r} at default settings:", "")
        report.page(ACTIVATIONS, WARM_TARGET, query={"tab": tab})


def run(report: Report) -> None:
    models(report)
    worst_cases(report)
    warm_reruns(report)
