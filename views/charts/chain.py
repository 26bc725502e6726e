"""Charts of the deep-chain page: single-neuron chain, linear chain W^t, Jacobian spectra.

Every y value that can leave float64 range arrives here as an exact log10 computed by the
engine, so these charts draw log10 on a linear axis instead of a log scale.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from views.charts import REGIME_SCALE

WEIGHTS_SCALE = alt.Scale(domain=["gaussian", "orthogonal"], range=["#ff7f0e", "#1f77b4"])
_SERIES = ["exact (log space)", "float64 backward", "bound", "slopes only"]
_SERIES_COLOR = alt.Scale(domain=_SERIES, range=["#1f77b4", "#ff7f0e", "#7f7f7f", "#9467bd"])
_SERIES_DASH = alt.Scale(domain=_SERIES, range=[[1, 0], [4, 3], [8, 4], [2, 4]])


def make_gradient_chart(df: pd.DataFrame) -> alt.Chart:
    """``log10|∂C/∂b_j|`` per layer: exact log-space values, the float64 backward pass where it
    is still finite and non-zero, the bound, and the slopes-only reference ((1/4)^n for
    sigmoid). Columns: layer, series, log10_abs, value."""
    base = alt.Chart(df).encode(
        x=alt.X("layer:Q", title="layer j").axis(tickMinStep=1, format="d"),
        y=alt.Y("log10_abs:Q", title="log10 |∂C/∂b_j|"),
        color=alt.Color("series:N", scale=_SERIES_COLOR, title=None).legend(
            orient="bottom", symbolType="stroke", columns=2, labelLimit=220
        ),
        strokeDash=alt.StrokeDash("series:N", scale=_SERIES_DASH, legend=None),
        tooltip=["layer:Q", "series:N", "value:N", alt.Tooltip("log10_abs:Q", format=".3f")],
    )
    line = base.mark_line()
    points = base.mark_point(size=20, filled=True).transform_filter(
        alt.FieldOneOfPredicate(field="series", oneOf=_SERIES[:2])
    )
    return (line + points).properties(height=320, title="Bias gradient per layer")


def make_waterfall_chart(df: pd.DataFrame) -> alt.Chart:
    """A waterfall of the factors ``w_{j+1} f'(z_j)``: bar j steps the running
    ``log10|∂C/∂b|`` from layer j+1 (``start``) to layer j (``end``), colored by regime.
    Columns: layer, factor, log10_factor, start, end, regime, w_next, slope."""
    # Few factors read best as labelled bands; hundreds need a quantitative axis.
    layer_type = "O" if len(df) <= 40 else "Q"
    bars = (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X(f"layer:{layer_type}", title="factor j (between layers j and j+1)").axis(
                labelAngle=0
            ),
            y=alt.Y("start:Q", title="running log10 |∂C/∂b|"),
            y2="end:Q",
            color=alt.Color("regime:N", scale=REGIME_SCALE, title="factor").legend(orient="bottom"),
            tooltip=[
                "layer:Q",
                alt.Tooltip("factor:N", title="w_{j+1} f'(z_j)"),
                alt.Tooltip("w_next:Q", title="w_{j+1}", format=".4g"),
                alt.Tooltip("slope:N", title="f'(z_j)"),
                alt.Tooltip("log10_factor:Q", format=".3f"),
                "regime:N",
            ],
        )
    )
    return bars.properties(height=320, title="Waterfall: each factor shrinks or grows ∂C/∂b")


def make_power_chart(df: pd.DataFrame) -> alt.Chart:
    """``log10‖W^t x‖``, ``log10‖W^t‖₂`` and ``t·log10|λ_i|`` against t.
    Columns: t, series, kind ("norm" or "eigenvalue"), log10_value, value."""
    base = alt.Chart(df).encode(
        x=alt.X("t:Q", title="power t"),
        y=alt.Y("log10_value:Q", title="log10 of the value"),
        color=alt.Color("series:N", title=None).legend(orient="right", labelLimit=260),
        strokeDash=alt.StrokeDash("kind:N", title=None).legend(orient="right"),
        strokeWidth=alt.StrokeWidth(
            "kind:N", scale=alt.Scale(domain=["norm", "eigenvalue"], range=[3, 1.5]), legend=None
        ),
        tooltip=["t:Q", "series:N", "value:N", alt.Tooltip("log10_value:Q", format=".3f")],
    )
    return base.mark_line().properties(height=380, title="Powers of W")


def make_spectrum_histogram(df: pd.DataFrame) -> alt.Chart:
    """Histogram of log10 singular values of the input-output Jacobian, binned in numpy.
    Columns: weights, bin_start, bin_end, count, fraction."""
    return (
        alt.Chart(df)
        .mark_bar(opacity=0.6)
        .encode(
            x=alt.X("bin_start:Q", title="log10 singular value of J").bin("binned"),
            x2="bin_end:Q",
            y=alt.Y("fraction:Q", title="share of singular values").stack(None),
            color=alt.Color("weights:N", scale=WEIGHTS_SCALE, title="weights").legend(
                orient="bottom"
            ),
            tooltip=[
                "weights:N",
                alt.Tooltip("bin_start:Q", format=".2f"),
                alt.Tooltip("bin_end:Q", format=".2f"),
                "count:Q",
                alt.Tooltip("fraction:Q", format=".3f"),
            ],
        )
        .properties(height=300, title="Singular values of J at the chosen depth")
    )


def make_spectrum_depth_chart(df: pd.DataFrame) -> alt.Chart:
    """Mean and max singular value (log10) of the partial Jacobian against depth.
    Columns: depth, weights, statistic, log10_value, value."""
    base = alt.Chart(df).encode(
        x=alt.X("depth:Q", title="depth l").axis(tickMinStep=1, format="d"),
        y=alt.Y("log10_value:Q", title="log10 singular value"),
        color=alt.Color("weights:N", scale=WEIGHTS_SCALE, title="weights").legend(orient="bottom"),
        strokeDash=alt.StrokeDash("statistic:N", title=None),
        tooltip=["depth:Q", "weights:N", "statistic:N", "value:N"],
    )
    return (base.mark_line() + base.mark_point(size=25, filled=True)).properties(
        height=300, title="Mean and max singular value against depth"
    )
