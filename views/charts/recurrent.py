"""Charts of the RNN / LSTM page: gradients through time, the cliff, long-range training.

Every builder takes the long-form frames of the experiments (:mod:`gradviz.through_time`,
:mod:`gradviz.cliff`, :mod:`gradviz.adding`) and returns an Altair chart; log axes expect rows
already filtered by :func:`gradviz.numerics.drawable_on_log`.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from views.charts import log_y

# Fixed colours so a cell looks the same in every chart of the page.
SERIES_COLORS = {
    "RNN": "#d62728",
    "LSTM": "#1f77b4",
    "GRU": "#2ca02c",
    "bound": "#7f7f7f",
    "cell": "#9467bd",
    "forget": "#ff7f0e",
}


_HOVER_POINTS = alt.OverlayMarkDef(size=14, filled=True, opacity=0.0)


def _series_scale(names: list[str]) -> alt.Scale:
    def colour(name: str) -> str:
        if name.startswith("Pascanu"):
            return SERIES_COLORS["bound"]
        if "∂c_t" in name:
            return SERIES_COLORS["cell"]
        if name.startswith("forget"):
            return SERIES_COLORS["forget"]
        for key in ("RNN", "LSTM", "GRU"):
            if name.startswith(key):
                return SERIES_COLORS[key]
        return SERIES_COLORS["bound"]

    return alt.Scale(domain=names, range=[colour(n) for n in names])


def make_through_time_chart(
    df: pd.DataFrame, series_order: list[str], title: str, y_title: str
) -> alt.Chart:
    """Log-scale ``grad_norm`` against ``distance`` (T − t), one line per ``series``.

    ``df`` columns: ``distance``, ``t``, ``series``, ``grad_norm`` (finite, > 0 only). A series
    whose name starts with "Pascanu" or "forget" is dashed (a bound or a factor, not a
    gradient).
    """
    base = alt.Chart(df, title=title).encode(
        x=alt.X("distance:Q", title="distance back in time T − t"),
        y=log_y("grad_norm:Q", y_title),
        color=alt.Color("series:N", title=None, sort=series_order)
        .scale(_series_scale(series_order))
        .legend(orient="bottom", columns=2, labelLimit=320),
        strokeDash=alt.condition(
            "indexof(datum.series, 'Pascanu') == 0 || indexof(datum.series, 'forget') == 0",
            alt.value([6, 4]),
            alt.value([1, 0]),
        ),
        tooltip=[
            alt.Tooltip("series:N"),
            alt.Tooltip("t:Q", title="time step t"),
            alt.Tooltip("distance:Q", title="T − t"),
            alt.Tooltip("grad_norm:Q", title="value", format=".3e"),
        ],
    )
    # One line mark with an invisible point overlay: the points carry the tooltips.
    return base.mark_line(point=_HOVER_POINTS).properties(height=340)


def make_state_norm_chart(df: pd.DataFrame, marks: pd.DataFrame) -> alt.LayerChart:
    """‖h_t‖ per cell on a log axis against t, with a red rule at every overflow step.

    ``df``: ``t``, ``series``, ``state_norm`` (finite, > 0 only); ``marks``: ``t``, ``event``.
    """
    names = list(dict.fromkeys(df["series"]))
    line = (
        alt.Chart(df, title="Forward pass: hidden-state size ‖h_t‖")
        .mark_line()
        .encode(
            x=alt.X("t:Q", title="time step t"),
            y=log_y("state_norm:Q", "‖h_t‖ (per sequence)"),
            color=alt.Color("series:N", title=None).scale(_series_scale(names)),
            tooltip=[
                alt.Tooltip("series:N"),
                alt.Tooltip("t:Q", title="time step t"),
                alt.Tooltip("state_norm:Q", title="‖h_t‖", format=".3e"),
            ],
        )
    )
    rule = (
        alt.Chart(marks)
        .mark_rule(color="#d62728", strokeWidth=2)
        .encode(
            x="t:Q",
            tooltip=[alt.Tooltip("event:N"), alt.Tooltip("t:Q", title="time step t")],
        )
    )
    return (line + rule).properties(height=220)


def make_cliff_chart(surface: pd.DataFrame, paths: pd.DataFrame, length: int) -> alt.LayerChart:
    """Heatmap of log10 loss over (w, b) with the gradient-descent paths drawn on top.

    ``surface``: ``w``, ``b`` (cell centres), ``w_lo``, ``w_hi``, ``b_lo``, ``b_hi`` (edges),
    ``loss``, ``log10_loss``, ``grad_norm``; ``paths``: ``method``, ``step``, ``w``, ``b``,
    ``loss``, ``grad_norm``, ``step_norm`` (rows inside the plotted window).
    """
    heat = (
        alt.Chart(surface)
        .mark_rect()
        .encode(
            x=alt.X("w_lo:Q", title="recurrent weight w").scale(zero=False, nice=False),
            x2="w_hi:Q",
            y=alt.Y("b_lo:Q", title="bias b").scale(zero=False, nice=False),
            y2="b_hi:Q",
            color=alt.Color("log10_loss:Q", title="log10 loss").scale(scheme="greys"),
            tooltip=[
                alt.Tooltip("w:Q", format=".2f"),
                alt.Tooltip("b:Q", format=".2f"),
                alt.Tooltip("loss:Q", format=".3g"),
                alt.Tooltip("grad_norm:Q", title="‖∇L‖", format=".3g"),
            ],
        )
    )
    path_base = alt.Chart(paths).encode(
        x="w:Q",
        y="b:Q",
        order="step:Q",
        color=alt.Color("method:N", title="gradient descent").scale(scheme="category10"),
        tooltip=[
            alt.Tooltip("method:N"),
            alt.Tooltip("step:Q"),
            alt.Tooltip("w:Q", format=".3f"),
            alt.Tooltip("b:Q", format=".3f"),
            alt.Tooltip("loss:Q", format=".3g"),
            alt.Tooltip("grad_norm:Q", title="‖g‖ before clipping", format=".3g"),
            alt.Tooltip("step_norm:Q", title="step length", format=".3g"),
        ],
    )
    path = path_base.mark_line(strokeWidth=2, clip=True)
    dots = path_base.mark_point(size=25, filled=True, clip=True).encode(
        color=alt.Color("method:N", legend=None).scale(scheme="category10")
    )
    return (heat + path + dots).properties(
        height=420, title=f"Loss (x_T − target)² of x_t = w·σ(x_(t−1)) + b, T = {length}"
    )


def make_cliff_loss_chart(paths: pd.DataFrame) -> alt.Chart:
    """Loss along each path against the step number (log y). ``paths`` as in
    :func:`make_cliff_chart`, finite positive ``loss`` rows only."""
    base = alt.Chart(paths, title="Loss during gradient descent").encode(
        x=alt.X("step:Q", title="gradient-descent step"),
        y=log_y("loss:Q", "loss"),
        color=alt.Color("method:N", title=None).scale(scheme="category10"),
        tooltip=[
            alt.Tooltip("method:N"),
            alt.Tooltip("step:Q"),
            alt.Tooltip("loss:Q", format=".3g"),
            alt.Tooltip("grad_norm:Q", title="‖g‖ before clipping", format=".3g"),
            alt.Tooltip("step_norm:Q", title="step length", format=".3g"),
        ],
    )
    return base.mark_line(point=alt.OverlayMarkDef(size=12, filled=True)).properties(height=300)


def make_training_chart(df: pd.DataFrame, title: str, y_title: str) -> alt.Chart:
    """One metric of :func:`gradviz.adding.compare_long_range` per cell against the
    iteration, log y. ``df``: ``cell``, ``iteration``, ``metric``, ``value`` (finite, > 0);
    when it holds two metrics the second is dashed."""
    cells = list(dict.fromkeys(df["cell"]))
    metrics = list(dict.fromkeys(df["metric"]))
    base = alt.Chart(df, title=title).encode(
        x=alt.X("iteration:Q", title="training iteration (Adam step)"),
        y=log_y("value:Q", y_title),
        color=alt.Color("cell:N", title=None, sort=cells).scale(_series_scale(cells)),
        strokeDash=alt.StrokeDash("metric:N", title=None, sort=metrics).legend(
            symbolType="stroke", symbolStrokeColor="#555", symbolStrokeWidth=2
        ),
        tooltip=[
            alt.Tooltip("cell:N"),
            alt.Tooltip("metric:N"),
            alt.Tooltip("iteration:Q"),
            alt.Tooltip("value:Q", format=".3e"),
        ],
    )
    return base.mark_line(point=_HOVER_POINTS).properties(height=300)
