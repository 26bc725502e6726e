"""Altair chart of the landing page: the running product of per-layer factors on a log axis,
over vanishing / stable / exploding zones."""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd

from gradviz.numerics import regime
from views.charts import REGIME_COLORS, REGIME_SCALE, log_y

# A product within one order of magnitude of 1 still carries a usable signal; the zones are drawn
# on the product, the line is coloured by the regime of the per-layer factor.
STABLE_BAND = (0.1, 10.0)


MIN_DECADE, MAX_DECADE = -323, 308
"""The smallest and largest powers of ten float64 can hold (1e-323 is subnormal)."""


def decade_bounds(values: np.ndarray) -> tuple[float, float]:
    """A log axis for ``values`` (finite, > 0): whole powers of ten around them and at least
    ``[1e-3, 1e3]``, as float64 numbers that stay in range.

    Past float64's ends a power of ten does not exist (1e309 is inf, 1e-324 rounds to 0): the
    axis then ends at the extreme value itself, so products that overflow a moment later
    (3**646 = 1.6e308) or that are subnormal (0.05**248 = 4.4e-323) stay on the chart.
    """
    low = min(1e-3, float(values.min())) if values.size else 1e-3
    high = max(1e3, float(values.max())) if values.size else 1e3
    low_decade, high_decade = math.floor(math.log10(low)), math.ceil(math.log10(high))
    low = min(low, 10.0**low_decade) if low_decade >= MIN_DECADE else low
    high = max(high, 10.0**high_decade) if high_decade <= MAX_DECADE else high
    return low, high


def zone_frame(low: float, high: float) -> pd.DataFrame:
    """The three zones between y = ``low`` and y = ``high`` (both > 0): ``zone``, ``y_start``,
    ``y_end`` (float64), ``meaning``. Zones that fall outside the range are clipped away."""
    low, high = float(low), float(high)
    rows = [
        ("vanishing", low, STABLE_BAND[0], "the signal has shrunk more than 10×"),
        ("stable", STABLE_BAND[0], STABLE_BAND[1], "within 10× of the original signal"),
        ("exploding", STABLE_BAND[1], high, "the signal has grown more than 10×"),
    ]
    frame = pd.DataFrame(rows, columns=["zone", "y_start", "y_end", "meaning"])
    frame["y_start"] = frame["y_start"].clip(lower=low, upper=high)
    frame["y_end"] = frame["y_end"].clip(lower=low, upper=high)
    return frame[frame["y_end"] > frame["y_start"]]


def make_chain_chart(frame: pd.DataFrame, factor: float) -> alt.LayerChart:
    """The product ``factor**layer`` over layers on a log axis, on shaded zones.

    ``frame``: ``FactorPower.frame`` from :func:`gradviz.products.factor_power`, already
    filtered by :func:`gradviz.numerics.drawable_on_log` (columns ``layer``, ``product``).
    """
    data = frame.assign(regime=regime(np.full(len(frame), factor)))
    low, high = decade_bounds(data["product"].to_numpy(dtype=float))
    zones = (
        alt.Chart(zone_frame(low, high))
        .mark_rect(opacity=0.13)
        .encode(
            y=alt.Y("y_start:Q").scale(type="log", domain=[low, high]),
            y2="y_end:Q",
            color=alt.Color("zone:N", title="zone / regime", scale=REGIME_SCALE),
            tooltip=["zone:N", "meaning:N"],
        )
    )
    line = (
        alt.Chart(data)
        .mark_line(strokeWidth=3, point=alt.OverlayMarkDef(size=30))
        .encode(
            x=alt.X("layer:Q", title="layers multiplied (depth)"),
            y=log_y("product:Q", "product of factors").scale(type="log", domain=[low, high]),
            color=alt.Color("regime:N", scale=REGIME_SCALE),
            tooltip=[
                alt.Tooltip("layer:Q", title="depth"),
                alt.Tooltip("product:Q", title="product", format=".4e"),
                alt.Tooltip("regime:N", title="per-layer regime"),
            ],
        )
    )
    return (zones + line).properties(height=340)


__all__ = ["REGIME_COLORS", "STABLE_BAND", "decade_bounds", "make_chain_chart", "zone_frame"]
