"""Float64 edge cases as data: where a quantity overflowed, underflowed or became NaN.

The app treats inf, NaN and underflow to zero as facts to report ("exploded to inf at layer
37"), never as crashes. Every helper here is warning-free.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

Array = np.ndarray


@dataclass(frozen=True)
class Breakdown:
    """Where a sequence of values (per layer or per time step) first left float range.

    ``index`` is the first position whose value is inf/NaN (``kind`` "inf" or "nan") or exactly
    zero after being non-zero (``kind`` "underflow"); ``None`` when every value is finite and
    non-zero. ``where`` names the axis ("layer", "step", "t - k").
    """

    index: int | None
    kind: str | None
    where: str = "layer"

    @property
    def ok(self) -> bool:
        return self.index is None


def find_breakdown(values: Array, where: str = "layer") -> Breakdown:
    """First index where ``values`` (shape (K,) or (K, ...), reduced over trailing axes) breaks.

    A position breaks when any entry is NaN ("nan") or ±inf ("inf"), or when every entry is
    exactly zero after an earlier position had a non-zero entry ("underflow").
    """
    v = np.asarray(values, dtype=float)
    v = v.reshape(v.shape[0], -1) if v.ndim > 1 else v.reshape(-1, 1)
    nan = np.isnan(v).any(axis=1)
    inf = np.isinf(v).any(axis=1)
    zero = (v == 0).all(axis=1)
    nonzero_before = np.concatenate([[False], np.cumsum(~zero)[:-1] > 0])
    events = [
        (int(np.argmax(mask)), kind)
        for mask, kind in ((nan, "nan"), (inf, "inf"), (zero & nonzero_before, "underflow"))
        if mask.any()
    ]
    if not events:
        return Breakdown(None, None, where)
    index, kind = min(events)
    return Breakdown(index, kind, where)


def safe_log10(x: Array) -> Array:
    """log10|x| with 0 -> -inf and inf -> inf and NaN -> NaN, without numpy warnings."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log10(np.abs(np.asarray(x, dtype=float)))


def finite_positive(x: Array) -> Array:
    """Boolean mask of entries that a log axis can draw: finite and > 0."""
    x = np.asarray(x, dtype=float)
    return np.isfinite(x) & (x > 0)


def norm(x: Array, axis=None) -> Array:
    """Euclidean norm, exact for any finite entries (no overflow of the squares), warning-free.

    Scaled by the largest magnitude m: ``m * sqrt(sum((x/m)^2))``, so ``norm([1e200, 1e200])``
    is 1.41e200, not inf. An inf entry gives inf, a NaN entry NaN. ``axis=None`` reduces the
    whole array; an empty reduction is 0.
    """
    x = np.asarray(x, dtype=float)
    if axis is None:
        with np.errstate(all="ignore"):
            fast = _norm_by_dot(x)
        if fast is not None:
            return fast
    mag = np.abs(x)
    if mag.size == 0:
        return np.sum(mag, axis=axis)
    with np.errstate(all="ignore"):
        m = np.max(mag, axis=axis, keepdims=True)
        usable = np.isfinite(m) & (m > 0)
        scaled = np.where(usable, mag / np.where(usable, m, 1.0), 0.0)
        m = np.squeeze(m, axis=axis) if axis is not None else m.reshape(())
        result = m * np.sqrt(np.sum(scaled * scaled, axis=axis))
        result = np.where(np.isinf(m), np.inf, result)  # inf * 0 would be NaN
    return result if np.ndim(result) else float(result)


def norms(arrays: Iterable[Array]) -> list[float]:
    """``[norm(a) for a in arrays]``, bit for bit, with one ``np.errstate`` for them all: a
    training step takes over a hundred norms, and entering ``errstate`` costs as much as a
    small one."""
    with np.errstate(all="ignore"):
        found = [(a, _norm_by_dot(np.asarray(a, dtype=float))) for a in arrays]
    return [norm(a) if fast is None else fast for a, fast in found]


def _norm_by_dot(x: Array) -> float | None:
    """The fast path of :func:`norm` (hot training loops): one dot product, exact unless the
    squares left the normal float range; ``None`` then, for the scaled computation. Call inside
    ``np.errstate(all="ignore")``: the dot product may overflow."""
    flat = x.ravel()
    squares = float(np.dot(flat, flat))
    if 1e-290 < squares < 1e300 or (squares == 0.0 and not flat.any()):
        return math.sqrt(squares)
    return None


def format_sci(x: float, digits: int = 2) -> str:
    """Compact scientific text for any float, including 0, inf and NaN (``"3.2e-09"``)."""
    if np.isnan(x):
        return "NaN"
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    if 1e-3 <= abs(x) < 1e4:
        return f"{x:.{digits + 1}g}"
    return f"{x:.{digits - 1}e}"


def per_step(ratio: float, steps: int) -> float:
    """The average factor per step of a product of ``steps`` factors whose value is ``ratio``:
    its ``steps``-th root (NaN for no steps, or a ratio 0, inf or NaN)."""
    if steps <= 0 or not (0.0 < ratio < math.inf):
        return math.nan
    return ratio ** (1.0 / steps)


def regime(factor: np.ndarray | float, tol: float = 1e-9) -> np.ndarray:
    """'vanishing' / 'stable' / 'exploding' for per-step factors |f| < 1, = 1, > 1."""
    mag = np.abs(np.asarray(factor, dtype=float))
    return np.where(mag < 1 - tol, "vanishing", np.where(mag > 1 + tol, "exploding", "stable"))


def drawable_on_log(df: pd.DataFrame, column: str) -> tuple[pd.DataFrame, int]:
    """Rows of ``df`` whose ``column`` is finite and > 0, and how many were dropped.

    A log axis cannot show 0, inf or NaN; pages report the dropped count next to the chart.
    """
    values = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=float)
    keep = np.isfinite(values) & (values > 0)
    return df.loc[keep], int((~keep).sum())


def format_marked(x: float) -> str:
    """``format_sci(x)``, saying so when ``x`` is inf or NaN (a number a sentence quotes)."""
    return format_sci(x) if math.isfinite(x) else f"{format_sci(x)} (not finite)"
