r"""Curves of f and f', and where an activation is saturated.

An activation is *saturated* at ``x`` when its slope is too small to pass a learning signal:
:math:`|f'(x)| < t` for a user threshold ``t``. :func:`saturated_intervals` finds those zones
exactly (grid scan, then bisection on every change of state), :func:`activation_curves` samples
f and f' for charts, and :func:`peak_points` reports where the largest slope is reached.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import numpy as np
import pandas as pd

from gradviz.activations import (
    EVAL_COSTS,
    UFUNC_CALLS,
    Activation,
    Properties,
    get_activation,
    properties,
    properties_cost,
)
from gradviz.budget import DATAFRAME, TEXT_COLUMN, Cost

Array = np.ndarray

# Every registry activation's f' is analytic away from these points: 0 for the ReLU family,
# ELU, SELU and softsign, ±1 for hard tanh (checked in tests/test_curves.py). Quadrature and
# curve sampling split there.
KINKS = (-1.0, 0.0, 1.0)
_KINK_EPS = 1e-9


def _bisect_boundaries(
    act: Activation, threshold: float, left: Array, right: Array, iterations: int = 64
) -> Array:
    """Points where ``|f'| < threshold`` changes state, one per bracket ``[left_i, right_i]``
    whose ends are in different states; shape (k,). 64 halvings reach float64 resolution."""
    left, right = left.astype(float).copy(), right.astype(float).copy()
    state_left = np.abs(act.grad(left)) < threshold
    for _ in range(iterations):
        mid = 0.5 * (left + right)
        same = (np.abs(act.grad(mid)) < threshold) == state_left
        left = np.where(same, mid, left)
        right = np.where(same, right, mid)
    return 0.5 * (left + right)


def saturated_intervals(
    act: Activation, threshold: float, lo: float, hi: float, points: int = 4001
) -> Array:
    """Maximal intervals of ``[lo, hi]`` where ``|f'(x)| < threshold``, shape (k, 2).

    The range is scanned on ``points`` equally spaced points plus the :data:`KINKS` inside it;
    every change of state between neighbours is located by bisection. Zones narrower than the
    scan spacing ``(hi - lo) / (points - 1)`` can be missed. An interval touching ``lo`` or
    ``hi`` may continue beyond it.
    """
    if not hi > lo:
        raise ValueError(f"need lo < hi, got [{lo}, {hi}]")
    grid = np.union1d(np.linspace(lo, hi, points), [k for k in KINKS if lo < k < hi])
    with np.errstate(all="ignore"):
        state = np.abs(act.grad(grid)) < threshold
        change = np.flatnonzero(state[1:] != state[:-1])
        cuts = _bisect_boundaries(act, threshold, grid[change], grid[change + 1])
    # A jump of f' sits exactly on a kink; bisection lands within ~1e-22 of it.
    kinks = np.array(KINKS)
    nearest = (
        kinks[np.argmin(np.abs(cuts[:, None] - kinks[None, :]), axis=1)] if cuts.size else cuts
    )
    cuts = np.where(np.abs(cuts - nearest) < _KINK_EPS, nearest, cuts)
    edges = np.concatenate([[lo], cuts, [hi]])
    # segment j runs from edges[j] to edges[j+1]; its state flips at every cut
    seg_state = state[0] ^ (np.arange(edges.size - 1) % 2 == 1)
    return np.column_stack([edges[:-1][seg_state], edges[1:][seg_state]])


def curve_grid(x_max: float, points: int = 301) -> Array:
    """``points`` equally spaced x in ``[-x_max, x_max]`` plus each kink and points 1e-9 either
    side of it, so jumps of f' (ReLU at 0, hard tanh at ±1) draw as vertical steps."""
    kinks = [k + d for k in KINKS for d in (-_KINK_EPS, 0.0, _KINK_EPS) if abs(k) < x_max]
    return np.union1d(np.linspace(-x_max, x_max, points), kinks)


def activation_curves(acts: Mapping[str, Activation], x_max: float, points: int = 301):
    """f(x) and f'(x) on :func:`curve_grid` for each activation.

    Returns a long-form frame, one row per (activation, x): ``activation`` (label), ``x``,
    ``f`` and ``slope``; at most ``len(acts) * (points + 9)`` rows.
    """
    x = curve_grid(x_max, points)
    with np.errstate(all="ignore"):
        frames = [
            pd.DataFrame({"activation": label, "x": x, "f": act.fn(x), "slope": act.grad(x)})
            for label, act in acts.items()
        ]
    if not frames:
        return pd.DataFrame(columns=["activation", "x", "f", "slope"])
    return pd.concat(frames, ignore_index=True)


def saturation_zones(acts: Mapping[str, Activation], threshold: float, x_max: float):
    """Saturated zones of each activation inside ``[-x_max, x_max]`` as a long-form frame:
    ``activation``, ``x_start``, ``x_end``, ``width`` (one row per interval)."""
    rows = [
        (label, float(a), float(b), float(b - a))
        for label, act in acts.items()
        for a, b in saturated_intervals(act, threshold, -x_max, x_max)
    ]
    return pd.DataFrame(rows, columns=["activation", "x_start", "x_end", "width"])


@lru_cache(maxsize=256)
def properties_of(name: str, params: tuple[tuple[str, float], ...] = ()) -> Properties:
    """Memoised :func:`gradviz.activations.properties` of ``get_activation(name, **params)``
    (measuring takes ~50 ms on a 400,001-point grid)."""
    return properties(get_activation(name, **dict(params)))


def properties_table(acts: Mapping[str, Activation]) -> pd.DataFrame:
    """One row per activation with its measured properties, for display: ``activation``,
    ``max |f'|``, ``reached at``, ``f' values``, ``output range``, ``zero-centred``,
    ``E[f(z)], z~N(0,1)`` (rounded to 4 decimals), ``saturates``, ``monotonic``."""
    rows = []
    for label, act in acts.items():
        p = properties_of(act.name, act.params)
        values = ", ".join(f"{v:g}" for v in p.slope_values) if p.slope_values else "continuous"
        rows.append(
            {
                "activation": label,
                "max |f'|": p.max_slope,
                "reached at": p.peak_where,
                "f' values": values,
                "output range": p.output_range,
                "zero-centred": "yes" if p.zero_centred else "no",
                # 4 decimals: tanh's quadrature mean is 2e-17, which is 0 for a reader
                "E[f(z)], z~N(0,1)": round(p.mean_output_std_normal, 4) + 0.0,
                "saturates": p.saturation,
                "monotonic": "yes" if p.monotonic else "no",
            }
        )
    return pd.DataFrame(rows)


def peak_points(acts: Mapping[str, Activation]) -> pd.DataFrame:
    """Largest slope of each activation and where it is reached, from
    :func:`gradviz.activations.properties`: ``activation``, ``x`` (smallest |x| at the peak),
    ``peak`` (max |f'|), ``where`` (in words, e.g. ``"x = 0"``, ``"x > 0"``) and ``f_at_peak``."""
    rows = []
    for label, act in acts.items():
        props = properties_of(act.name, act.params)
        with np.errstate(all="ignore"):
            f_at = float(act.fn(np.array(props.argmax_slope)))
        rows.append((label, props.argmax_slope, props.max_slope, props.peak_where, f_at))
    return pd.DataFrame(rows, columns=["activation", "x", "peak", "where", "f_at_peak"])


def best_case_slopes(acts: Mapping[str, Activation]) -> dict[str, float]:
    """The least upper bound of |f'| per activation: the measured peak of
    :func:`peak_points`, or, where f' is largest only in a limit (softplus: f' = σ(x) → 1 as
    x → +∞, where the grid's last point x = 20 gives 1 − 2e-9), that limit, |f'(±1e6)|."""
    best = {}
    for label, act in acts.items():
        props = properties_of(act.name, act.params)
        best[label] = props.max_slope
        if props.peak_where in ("x → +∞", "x → -∞"):
            far = 1e6 if props.peak_where == "x → +∞" else -1e6
            with np.errstate(all="ignore"):
                best[label] = max(props.max_slope, float(np.abs(act.grad(np.array(far)))))
    return best


# ----------------------------------------------------------------------------- cost

SORT_PASSES = 40.0
"""Element passes of sorting a few thousand numbers (``np.union1d`` of a grid and the kinks:
about 100 µs for 4,001)."""
BISECTION_UFUNCS = 6
"""Numpy calls of one bisection halving besides ``grad``: the midpoint (two), |f'| below the
threshold (two) and the two ``np.where``."""
BRACKETS = 4
"""Changes of saturation state a scan typically brackets (two per saturated zone inside the
range); the halvings' small arrays make their size immaterial."""


def saturated_intervals_cost(name: str, points: int = 4001, iterations: int = 64) -> Cost:
    """What :func:`saturated_intervals` costs for activation ``name``: the grid (a sort),
    ``grad`` on it and four passes to find the changes of state, then ``iterations`` halvings
    of small arrays, each a ``grad`` call and :data:`BISECTION_UFUNCS` more calls."""
    ev = EVAL_COSTS[name]
    halving = ev.grad(BRACKETS) + Cost(calls=BISECTION_UFUNCS * UFUNC_CALLS)
    scan = ev.grad(points) + Cost(
        elementwise=(SORT_PASSES + 4) * points, calls=20, peak_bytes=8.0 * 4 * points
    )
    return scan + halving * iterations


def activation_curves_cost(names: list[str], points: int = 301) -> Cost:
    """What :func:`activation_curves` costs: ``fn`` and ``grad`` on the grid of about
    ``points + 9`` x per activation, a labelled DataFrame each, and their concatenation (two
    copies of four columns; three calls per frame joined)."""
    size = points + 9
    rows = size * len(names)
    cost = Cost(
        calls=10 + DATAFRAME.calls + 3 * len(names),
        peak_bytes=DATAFRAME.peak_bytes + 2 * 4 * 8 * rows,
    )
    for name in names:
        ev = EVAL_COSTS[name]
        cost = cost + ev.fn(size) + ev.grad(size) + DATAFRAME + TEXT_COLUMN
    return cost


def saturation_zones_cost(names: list[str], points: int = 4001) -> Cost:
    """What :func:`saturation_zones` costs: :func:`saturated_intervals` per activation, then one
    labelled DataFrame."""
    cost = DATAFRAME + TEXT_COLUMN
    for name in names:
        cost = cost + saturated_intervals_cost(name, points)
    return cost


def properties_of_cost(names: list[str]) -> Cost:
    """What measuring the properties of ``names`` costs from a cold cache (:func:`properties_of`
    remembers them afterwards): :func:`gradviz.activations.properties_cost` each, one after
    the other."""
    cost = Cost()
    for name in names:
        cost = cost + properties_cost(name)
    return cost


def peak_points_cost(names: list[str]) -> Cost:
    """What :func:`peak_points` costs from a cold cache: the properties of every activation,
    ``fn`` at each peak and one DataFrame."""
    cost = properties_of_cost(names) + DATAFRAME + TEXT_COLUMN
    for name in names:
        cost = cost + EVAL_COSTS[name].fn(1)
    return cost


def properties_table_cost(names: list[str]) -> Cost:
    """What :func:`properties_table` costs from a cold cache: the properties, a row of text
    each (about 20 Python formatting calls) and one DataFrame."""
    return properties_of_cost(names) + Cost(calls=20 * len(names)) + DATAFRAME + TEXT_COLUMN


def best_case_slopes_cost(names: list[str]) -> Cost:
    """What :func:`best_case_slopes` costs from a cold cache: the properties (and ``grad`` at
    one far point where the peak is a limit)."""
    cost = properties_of_cost(names)
    for name in names:
        cost = cost + EVAL_COSTS[name].grad(1)
    return cost
