"""Charts of the Your network page: ``make_<thing>_chart(df, ...) -> alt.Chart``.

Inputs are the frames of :mod:`gradviz.log_diagnosis`, with only the rows
:func:`gradviz.numerics.drawable_on_log` kept (every chart has a log y axis).
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from views.charts import log_y


def _rules(values: dict[str, float], field: str = "y") -> alt.Chart:
    """Dashed horizontal guide lines, labelled in their tooltip."""
    frame = pd.DataFrame({field: list(values.values()), "guide": list(values)})
    return (
        alt.Chart(frame)
        .mark_rule(strokeDash=[4, 3], color="#888")
        .encode(y=alt.Y(f"{field}:Q"), tooltip=["guide:N", alt.Tooltip(f"{field}:Q", format=".0e")])
    )


def make_profile_chart(profile: pd.DataFrame) -> alt.Chart:
    """Gradient norm against depth, one line per chosen step (log y).

    profile : DataFrame[step, layer, name, grad_norm] (finite, > 0 rows).
    """
    return (
        alt.Chart(profile)
        .mark_line(point=True)
        .encode(
            x=alt.X("layer:Q", title="parameter, input → output (network order)"),
            y=log_y("grad_norm:Q", "gradient norm ‖∂L/∂θ‖"),
            color=alt.Color("step:O", title="step").scale(scheme="viridis"),
            tooltip=["name:N", "layer:Q", "step:Q", alt.Tooltip("grad_norm:Q", format=".3e")],
        )
        .properties(title="Gradient norm per layer", height=320)
    )


def make_depth_ratio_chart(series: pd.DataFrame, guides: dict[str, float]) -> alt.LayerChart:
    """R_t = ‖∂L/∂W_first‖ / ‖∂L/∂W_last‖ over the steps (log y), with the thresholds.

    series : DataFrame[step, ratio] (finite, > 0 rows). guides : label -> threshold.
    """
    line = (
        alt.Chart(series)
        .mark_line()
        .encode(
            x=alt.X("step:Q", title="step"),
            y=log_y("ratio:Q", "first / last weight gradient"),
            tooltip=["step:Q", alt.Tooltip("ratio:Q", format=".3e")],
        )
    )
    return (line + _rules(guides, "ratio")).properties(
        title="First / last layer gradient over training", height=320
    )


def make_update_chart(ratios: pd.DataFrame, guide: float) -> alt.LayerChart:
    """update:data ratio ‖Δθ‖/‖θ‖ per layer over the steps (log y), with the guideline.

    ratios : DataFrame[step, layer, name, ratio] (finite, > 0 rows).
    """
    line = (
        alt.Chart(ratios)
        .mark_line()
        .encode(
            x=alt.X("step:Q", title="step"),
            y=log_y("ratio:Q", "update:data ratio ‖Δθ‖/‖θ‖"),
            color=alt.Color("layer:Q", title="layer").scale(scheme="viridis"),
            detail="name:N",
            tooltip=["name:N", "step:Q", alt.Tooltip("ratio:Q", format=".3e")],
        )
    )
    return (line + _rules({f"guideline {guide:g}": guide}, "ratio")).properties(
        title="Update:data ratio per layer", height=320
    )
