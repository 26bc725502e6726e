"""Benchmarks of the landing page and the Activations page: each engine computation at the
page's default settings (and at its heaviest), then AppTest reruns of both pages, cold and warm.

``python -m bench activations``. Target: the default rerun of either page is 150 ms or less once
warm (the engine results are cached by ``st.cache_data``, so a warm rerun measures the page
itself: widgets, chart specs, text).
"""

from __future__ import annotations

import numpy as np

from bench import Report, timed
from gradviz.activations import NAMES, get_activation
from gradviz.curves import activation_curves, peak_points, properties_of, saturation_zones
from gradviz.products import chain_product, peak_slope_products, uniform_products
from gradviz.saturation import slope_distribution, slope_vs_scale
from gradviz.zigzag import compare_paths

WARM_TARGET = 0.150
DEFAULT = ("sigmoid", "tanh", "relu")


def _acts(names):
    return {name: get_activation(name) for name in names}


def run(report: Report) -> None:
    default, every = _acts(DEFAULT), _acts(NAMES)
    scales = np.union1d(np.geomspace(0.1, 10.0, 25), [1.0])
    report.time("landing: chain_product(0.25, 10)", timed(lambda: chain_product(0.25, 10)))
    report.time("landing: chain_product(0.05, 1000)", timed(lambda: chain_product(0.05, 1000)))

    def peaks_cold():
        properties_of.cache_clear()
        return peak_points(default)

    report.time("curves: peak_points, 3 activations, cold", timed(peaks_cold, repeat=3))
    report.time(
        "curves: f, f' and zones, 3 activations, x in ±6",
        timed(lambda: (activation_curves(default, 6.0), saturation_zones(default, 0.05, 6.0))),
    )
    report.time(
        "curves: f, f' and zones, 14 activations, x in ±50",
        timed(lambda: (activation_curves(every, 50.0), saturation_zones(every, 0.001, 50.0))),
    )
    peaks = {k: 0.25 if k == "sigmoid" else 1.0 for k in DEFAULT}
    report.time(
        "depth: peak_slope_products, L = 500", timed(lambda: peak_slope_products(peaks, 1.1, 500))
    )
    report.time(
        "saturation: distribution + 26 scales, 3 activations",
        timed(
            lambda: (slope_distribution(default, 0, 1), slope_vs_scale(default, 0, scales, 0.05)),
            repeat=3,
        ),
    )
    report.time(
        "saturation: distribution + 26 scales, 14 activations",
        timed(
            lambda: (slope_distribution(every, 0, 1), slope_vs_scale(every, 0, scales, 0.05)),
            repeat=1,
        ),
    )
    report.time(
        "products: n = 50, 10,000 trials (default)",
        timed(lambda: uniform_products(50, 10_000, 1e-18)),
    )
    report.time(
        "products: n = 500, 100,000 trials (largest)",
        timed(lambda: uniform_products(500, 100_000, 1e-300), repeat=1),
    )
    report.time(
        "zig-zag: two paths, 200 steps (default)",
        timed(lambda: compare_paths("sigmoid", (1.0, -1.0), 0.5, 200)),
    )
    report.page("app.py", WARM_TARGET)
    # Report.page names rows by file only, so a value row says which tab the next two rows open.
    for tab in ("Curves", "Properties", "Depth", "Saturation", "Random products", "Zero-centred"):
        report.value(f"Activations page, tab {tab!r} at default settings:", "")
        report.page("pages/1_Activations.py", WARM_TARGET, query={"tab": tab})
