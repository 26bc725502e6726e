"""Altair chart builders: ``make_<thing>_chart(df, ...) -> alt.Chart``, one module per topic.

Builders take long-form DataFrames from the engine and never call streamlit. Conventions, after
the Altair gallery: explicit type suffixes (``"layer:O"``, ``"grad_norm:Q"``), named layers
(``base``, ``line``, ``rule``) combined with ``+``, method syntax, and tooltips on every mark.
Shared pieces live here: the regime palette and the log axis.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

# One palette for the three regimes everywhere in the app.
REGIME_COLORS = {"vanishing": "#1f77b4", "stable": "#2ca02c", "exploding": "#d62728"}
REGIME_SCALE = alt.Scale(domain=list(REGIME_COLORS), range=list(REGIME_COLORS.values()))


def log_y(field: str, title: str) -> alt.Y:
    """A log-scaled y encoding with readable powers-of-ten labels.

    No "nice" rounding of the domain: a domain reaching 1e307 (an exploding bound) would be
    rounded past float range and the axis would vanish.
    """
    return alt.Y(field, title=title).scale(type="log", nice=False).axis(format="~e")


def make_speed_chart(
    df: pd.DataFrame,
    *,
    facet: str | None = None,
    title: str | None = None,
    measure: str = "speed of learning ‖∂C/∂b_l‖",
) -> alt.Chart:
    """Nielsen's speed of learning: ‖∂C/∂b_l‖ per hidden layer over training steps (log y).

    df : DataFrame[step, layer, value] (finite positive values only, see
    :func:`gradviz.numerics.drawable_on_log`), plus the column ``facet`` for one panel per run
    or initializer; ``measure`` names the y axis (what ``value`` is).
    """
    tooltip = ["layer:O", "step:Q", alt.Tooltip("value:Q", format=".3e")]
    chart = (
        alt.Chart(df)
        .mark_line()
        .encode(
            x=alt.X("step:Q", title="step"),
            y=log_y("value:Q", measure),
            color=alt.Color("layer:O", title="layer").scale(scheme="viridis"),
            tooltip=[f"{facet}:N", *tooltip] if facet else tooltip,
        )
    )
    if facet:
        return chart.properties(height=240, width=320).facet(
            column=alt.Column(f"{facet}:N", title="")
        )
    return chart.properties(title=title or "", height=300)
