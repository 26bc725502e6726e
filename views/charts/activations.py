"""Altair charts of the Activations page: curves, depth products, saturation, random products,
zig-zag paths. Each builder takes the long-form frames of the engine modules named in its
docstring and returns an ``alt.Chart``; none calls streamlit."""

from __future__ import annotations

import altair as alt
import pandas as pd

from views.charts import log_y

HEIGHT = 300
# One colour per activation, the same in every chart of the page: Vega sorts an ordinal domain,
# so "tableau10" gives the i-th label (in sorted order) the i-th colour everywhere.
TABLEAU10 = [
    "#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b",
    "#eeca3b", "#b279a2", "#ff9da6", "#9d755d", "#bab0ac",
]  # fmt: skip
ACTIVATION_COLOR = alt.Color("activation:N", title="activation").scale(scheme="tableau10")
FREE_FACTOR = "free factor a"


def make_curve_chart(
    curves: pd.DataFrame,
    zones: pd.DataFrame,
    peaks: pd.DataFrame,
    *,
    field: str,
    title: str,
    threshold: float | None = None,
) -> alt.LayerChart:
    """f(x) (``field="f"``) or f'(x) (``field="slope"``) of each activation.

    ``curves``: :func:`gradviz.curves.activation_curves`; ``zones``:
    :func:`gradviz.curves.saturation_zones` (shaded, one colour per activation); ``peaks``:
    :func:`gradviz.curves.peak_points` (marked on the f' chart); ``threshold``: a rule at
    ``|f'| = threshold`` on the f' chart.
    """
    # The zones are drawn first (under the lines), so the merged legend takes their symbol:
    # ask for an opaque stroke so the legend matches the lines.
    color = ACTIVATION_COLOR.legend(symbolType="stroke", symbolStrokeWidth=3, symbolOpacity=1)
    base = alt.Chart(curves)
    line = base.mark_line(strokeWidth=2).encode(
        x=alt.X("x:Q", title="x (pre-activation)"),
        y=alt.Y(f"{field}:Q", title=title),
        color=color,
        tooltip=[
            "activation:N",
            alt.Tooltip("x:Q", format=".3f"),
            alt.Tooltip("f:Q", title="f(x)", format=".4g"),
            alt.Tooltip("slope:Q", title="f'(x)", format=".4g"),
        ],
    )
    band = (
        alt.Chart(zones)
        .mark_rect(opacity=0.1)
        .encode(
            x="x_start:Q",
            x2="x_end:Q",
            color=color,
            tooltip=[
                "activation:N",
                alt.Tooltip("x_start:Q", title="saturated from", format=".3f"),
                alt.Tooltip("x_end:Q", title="to", format=".3f"),
            ],
        )
    )
    layers = [band, line]
    if field == "slope":
        layers.append(
            alt.Chart(peaks)
            .mark_point(size=110, filled=True, shape="diamond", stroke="black", strokeWidth=0.8)
            .encode(
                x="x:Q",
                y=alt.Y("peak:Q"),
                color=color,
                tooltip=[
                    "activation:N",
                    alt.Tooltip("peak:Q", title="max |f'|", format=".4g"),
                    alt.Tooltip("where:N", title="reached at"),
                ],
            )
        )
        if threshold is not None:
            rule_df = pd.DataFrame({"threshold": [threshold]})
            layers.append(
                alt.Chart(rule_df)
                .mark_rule(strokeDash=[4, 4], color="#555")
                .encode(
                    y="threshold:Q",
                    tooltip=[alt.Tooltip("threshold:Q", title="saturation threshold |f'|")],
                )
            )
    return alt.layer(*layers).properties(height=HEIGHT)


def make_depth_chart(products: pd.DataFrame) -> alt.LayerChart:
    """max|f'|^L over depth L on a log axis, one line per activation plus the free factor
    (dashed). ``products``: :func:`gradviz.products.peak_slope_products`, already filtered by
    :func:`gradviz.numerics.drawable_on_log`."""
    names = sorted(set(products["series"]) - {FREE_FACTOR})
    palette = [TABLEAU10[i % len(TABLEAU10)] for i in range(len(names))]
    base = alt.Chart(products).encode(
        x=alt.X("depth:Q", title="depth L (layers)"),
        y=log_y("product:Q", "best-case factor max|f'|^L"),
        color=alt.Color("series:N", title="activation").scale(
            domain=[*names, FREE_FACTOR], range=[*palette, "#555555"]
        ),
        strokeDash=alt.condition(
            alt.datum.series == FREE_FACTOR, alt.value([6, 4]), alt.value([1, 0])
        ),
        tooltip=[
            alt.Tooltip("series:N", title="activation"),
            alt.Tooltip("peak:Q", title="max|f'|", format=".4g"),
            alt.Tooltip("depth:Q", title="L"),
            alt.Tooltip("product:Q", title="max|f'|^L", format=".3e"),
        ],
    )
    one = pd.DataFrame({"level": [1.0]})
    rule = (
        alt.Chart(one)
        .mark_rule(color="#2ca02c", strokeDash=[2, 2])
        .encode(y="level:Q", tooltip=[alt.Tooltip("level:Q", title="stable (factor 1)")])
    )
    return (rule + base.mark_line(strokeWidth=2.5)).properties(height=HEIGHT)


def make_slope_distribution_chart(dist: pd.DataFrame) -> alt.Chart:
    """Probability of f'(Z) per bin for Z ~ N(μ, s²), one step line per activation.
    ``dist``: :func:`gradviz.saturation.slope_distribution`."""
    return (
        alt.Chart(dist)
        .mark_line(interpolate="step", point=alt.OverlayMarkDef(size=18), strokeWidth=2)
        .encode(
            x=alt.X("bin_mid:Q", title="f'(z)"),
            y=alt.Y("probability:Q", title="probability"),
            color=ACTIVATION_COLOR,
            tooltip=[
                "activation:N",
                alt.Tooltip("bin_start:Q", title="f' from", format=".3f"),
                alt.Tooltip("bin_end:Q", title="to", format=".3f"),
                alt.Tooltip("probability:Q", format=".3%"),
            ],
        )
        .properties(height=HEIGHT)
    )


def make_scale_chart(
    by_scale: pd.DataFrame, *, field: str, title: str, current_s: float, percent: bool = False
) -> alt.LayerChart:
    """``field`` (``"mean_slope"`` or ``"saturated"``) against the input scale s (log axis),
    one line per activation, with a rule at the chosen s. ``by_scale``:
    :func:`gradviz.saturation.slope_vs_scale`."""
    fmt = ".1%" if percent else ".4g"
    line = (
        alt.Chart(by_scale)
        .mark_line(strokeWidth=2, point=alt.OverlayMarkDef(size=16))
        .encode(
            x=alt.X("s:Q", title="input scale s (std of z)").scale(type="log"),
            y=alt.Y(f"{field}:Q", title=title).axis(format=".0%" if percent else "~g"),
            color=ACTIVATION_COLOR,
            tooltip=[
                "activation:N",
                alt.Tooltip("s:Q", format=".3g"),
                alt.Tooltip(f"{field}:Q", title=title, format=fmt),
            ],
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"chosen_s": [current_s]}))
        .mark_rule(strokeDash=[4, 4], color="#555")
        .encode(x="chosen_s:Q", tooltip=[alt.Tooltip("chosen_s:Q", title="chosen s")])
    )
    return (line + rule).properties(height=HEIGHT)


def make_product_histogram_chart(histogram: pd.DataFrame, log_threshold: float) -> alt.LayerChart:
    """Histogram of log10(product of n U(0,1)) from Monte Carlo (bars) with the exact bin
    probabilities (line) and the threshold (rule). ``histogram``:
    ``UniformProducts.histogram`` from :func:`gradviz.products.uniform_products`."""
    tooltip = [
        "source:N",
        alt.Tooltip("bin_start:Q", title="log10 product from", format=".2f"),
        alt.Tooltip("bin_end:Q", title="to", format=".2f"),
        alt.Tooltip("probability:Q", format=".3%"),
    ]
    bars = (
        alt.Chart(histogram[histogram["source"] == "Monte Carlo"])
        .mark_bar(opacity=0.55, color="#1f77b4")
        .encode(
            x=alt.X("bin_start:Q", title="log10(product)").scale(zero=False),
            x2="bin_end:Q",
            y=alt.Y("probability:Q", title="share of trials"),
            y2=alt.datum(0),
            tooltip=tooltip,
        )
    )
    exact = (
        alt.Chart(histogram[histogram["source"] == "exact"])
        .mark_line(color="#d62728", strokeWidth=2)
        .encode(x="bin_mid:Q", y="probability:Q", tooltip=tooltip)
    )
    rule = (
        alt.Chart(pd.DataFrame({"log10_threshold": [log_threshold]}))
        .mark_rule(color="black", strokeDash=[4, 4])
        .encode(
            x="log10_threshold:Q",
            tooltip=[alt.Tooltip("log10_threshold:Q", title="log10 threshold")],
        )
    )
    return (bars + exact + rule).properties(height=HEIGHT)


def make_zigzag_chart(frame: pd.DataFrame, target: tuple[float, float]) -> alt.LayerChart:
    """Weight paths (w1, w2) of the two-weight neuron, one per input kind, ordered by step, with
    the target marked. ``frame``: ``ZigzagComparison.frame`` from
    :func:`gradviz.zigzag.compare_paths`."""
    color = alt.Color("inputs:N", title="inputs").scale(range=["#d62728", "#1f77b4"])
    tooltip = [
        "inputs:N",
        "step:Q",
        alt.Tooltip("w1:Q", format=".3f"),
        alt.Tooltip("w2:Q", format=".3f"),
        alt.Tooltip("dw1:Q", title="Δw1", format=".3g"),
        alt.Tooltip("dw2:Q", title="Δw2", format=".3g"),
        alt.Tooltip("same_direction:N", title="both weights moved the same way"),
    ]
    base = alt.Chart(frame).encode(
        x=alt.X("w1:Q", title="w1"),
        y=alt.Y("w2:Q", title="w2"),
        color=color,
        order="step:Q",
        tooltip=tooltip,
    )
    path = base.mark_line(strokeWidth=1.5, opacity=0.8) + base.mark_circle(size=18)
    goal = (
        alt.Chart(pd.DataFrame({"w1": [target[0]], "w2": [target[1]], "what": ["target w*"]}))
        .mark_point(shape="cross", size=260, color="black", strokeWidth=3)
        .encode(
            x="w1:Q",
            y="w2:Q",
            tooltip=[
                "what:N",
                alt.Tooltip("w1:Q", format=".2f"),
                alt.Tooltip("w2:Q", format=".2f"),
            ],
        )
    )
    return (path + goal).properties(height=420)
