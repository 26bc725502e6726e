r"""Input scale and saturation: the slope f'(z) of a unit whose pre-activation is z ~ N(μ, s²).

Large weights make large pre-activations, and a sigmoid or tanh unit fed large |z| sits in its
flat tails, where f'(z) ≈ 0 (seed 004, "saturated neurons"). For :math:`Z \sim N(\mu, s^2)`:

* :math:`E[f'(Z)] = \int f'(z)\,\varphi_{\mu,s}(z)\,dz` — the average factor this unit
  contributes to every backpropagated gradient;
* the saturated fraction :math:`P(|f'(Z)| < t)`;
* the distribution of :math:`f'(Z)` as probabilities per bin.

Expectations use composite Gauss–Legendre quadrature on :math:`[\mu - 12s, \mu + 12s]` (the mass
outside is :math:`4\times10^{-33}`), split at the :data:`~gradviz.curves.KINKS` so every piece
integrates an analytic function, with panels no wider than ``min(0.5, s/2)`` so both the normal
density and f' are resolved. It agrees with Gauss–Hermite quadrature
(:func:`gradviz.activations.gauss_hermite_normal`) wherever that is accurate (smooth f', s near
1) and stays exact where Gauss–Hermite is not (kinks, and s ≫ 1 where f' is a narrow bump in
units of s). Saturated fractions are exact: the saturated set is a union of intervals
(:func:`gradviz.curves.saturated_intervals`) and each interval's probability is a difference of
normal CDFs.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from gradviz.activations import EVAL_COSTS, Activation
from gradviz.budget import DATAFRAME, TEXT_COLUMN, TRANSCENDENTAL, Cost
from gradviz.curves import KINKS, SORT_PASSES, saturated_intervals, saturated_intervals_cost

Array = np.ndarray
_WIDTH = 12.0  # half-width of the integration range, in standard deviations
_GL_X, _GL_W = np.polynomial.legendre.leggauss(10)


def normal_cdf(x: Array | float) -> Array:
    r"""Standard normal CDF :math:`\Phi(x) = \tfrac12(1 + \mathrm{erf}(x/\sqrt2))`, any shape;
    ±inf give 1 and 0."""
    x = np.asarray(x, dtype=float)
    flat = [0.5 * (1.0 + math.erf(v / math.sqrt(2.0))) for v in x.reshape(-1)]
    return np.array(flat, dtype=float).reshape(x.shape)


def _pieces(mu: float, s: float) -> list[tuple[float, float, int]]:
    """The integration range of :func:`normal_nodes` split at the kinks: ``(start, end,
    panels)`` per piece, panels at most ``min(0.5, s/2)`` wide."""
    lo, hi = mu - _WIDTH * s, mu + _WIDTH * s
    breaks = np.union1d([lo, hi], [k for k in KINKS if lo < k < hi])
    width = min(0.5, s / 2.0)
    return [
        (float(a), float(b), max(1, math.ceil((b - a) / width)))
        for a, b in itertools.pairwise(breaks)
    ]


def normal_nodes(mu: float, s: float) -> tuple[Array, Array]:
    r"""Nodes ``z`` and weights ``w`` (shape (K,) each) with
    :math:`\sum_i w_i g(z_i) \approx E[g(Z)]`, :math:`Z \sim N(\mu, s^2)`.

    Composite 10-point Gauss–Legendre on :math:`[\mu - 12s, \mu + 12s]`, split at the kinks,
    panels at most ``min(0.5, s/2)`` wide; the weights include the normal density.
    """
    if not s > 0:
        raise ValueError(f"the scale s must be > 0, got {s}")
    nodes, weights = [], []
    for a, b, panels in _pieces(mu, s):
        edges = np.linspace(a, b, panels + 1)
        half = (edges[1:] - edges[:-1])[:, None] / 2.0
        centre = (edges[1:] + edges[:-1])[:, None] / 2.0
        nodes.append((centre + half * _GL_X[None, :]).ravel())
        weights.append((half * _GL_W[None, :]).ravel())
    z, w = np.concatenate(nodes), np.concatenate(weights)
    density = np.exp(-0.5 * ((z - mu) / s) ** 2) / (s * math.sqrt(2.0 * math.pi))
    return z, w * density


def node_count(mu: float, s: float) -> int:
    """How many nodes :func:`normal_nodes` returns: 10 per panel (240 at s = 1, 4,800 at
    s = 10)."""
    return _GL_X.size * sum(panels for _, _, panels in _pieces(mu, s))


def expected_slope(act: Activation, mu: float, s: float) -> float:
    r""":math:`E[f'(Z)]`, :math:`Z \sim N(\mu, s^2)`, by :func:`normal_nodes` quadrature."""
    z, w = normal_nodes(mu, s)
    with np.errstate(all="ignore"):
        return float(np.sum(w * act.grad(z)))


def saturated_fraction(act: Activation, mu: float, s: float, threshold: float) -> float:
    r""":math:`P(|f'(Z)| < t)` for :math:`Z \sim N(\mu, s^2)`, exactly: the sum over saturated
    intervals ``[a, b]`` of :math:`\Phi((b-\mu)/s) - \Phi((a-\mu)/s)`. Intervals reaching the
    edge of ``μ ± 12s`` are continued to ±∞."""
    if not s > 0:
        raise ValueError(f"the scale s must be > 0, got {s}")
    lo, hi = mu - _WIDTH * s, mu + _WIDTH * s
    intervals = saturated_intervals(act, threshold, lo, hi)
    if intervals.size == 0:
        return 0.0
    a = np.where(intervals[:, 0] <= lo, -np.inf, intervals[:, 0])
    b = np.where(intervals[:, 1] >= hi, np.inf, intervals[:, 1])
    prob = normal_cdf((b - mu) / s) - normal_cdf((a - mu) / s)
    return float(np.clip(prob.sum(), 0.0, 1.0))


@dataclass(frozen=True)
class SlopeUnderNormal:
    """Slope statistics of one activation for :math:`Z \\sim N(\\mu, s^2)`.

    ``mean_slope`` = :math:`E[f'(Z)]`; ``saturated`` = :math:`P(|f'(Z)| < t)`.
    """

    label: str
    mu: float
    s: float
    threshold: float
    mean_slope: float
    saturated: float


def slope_stats(
    label: str, act: Activation, mu: float, s: float, threshold: float
) -> SlopeUnderNormal:
    """:class:`SlopeUnderNormal` of ``act`` at one scale ``s``."""
    return SlopeUnderNormal(
        label,
        float(mu),
        float(s),
        float(threshold),
        expected_slope(act, mu, s),
        saturated_fraction(act, mu, s, threshold),
    )


def slope_vs_scale(
    acts: Mapping[str, Activation], mu: float, scales: Array, threshold: float
) -> pd.DataFrame:
    """:math:`E[f'(Z)]` and the saturated fraction for every scale in ``scales`` (shape (S,)).

    Long-form frame, one row per (activation, s): ``activation``, ``s``, ``mean_slope``,
    ``saturated``.
    """
    rows = [
        (label, float(s), expected_slope(act, mu, s), saturated_fraction(act, mu, s, threshold))
        for label, act in acts.items()
        for s in np.asarray(scales, dtype=float)
    ]
    return pd.DataFrame(rows, columns=["activation", "s", "mean_slope", "saturated"])


def slope_distribution(
    acts: Mapping[str, Activation], mu: float, s: float, bins: int = 40
) -> pd.DataFrame:
    r"""Distribution of :math:`f'(Z)`, :math:`Z \sim N(\mu, s^2)`, as probabilities per bin.

    The bins split ``[min(0, min f'), max f']`` over all activations into ``bins`` equal bins
    (the largest slope falls in the last bin). Each bin's probability is the quadrature mass of
    :func:`normal_nodes` whose slope falls in it, so it is deterministic (no sampling).

    Returns a long-form frame, ``len(acts) * bins`` rows: ``activation``, ``bin_start``,
    ``bin_end``, ``bin_mid``, ``probability``.
    """
    z, w = normal_nodes(mu, s)
    with np.errstate(all="ignore"):
        slopes = {label: act.grad(z) for label, act in acts.items()}
    if not slopes:
        return pd.DataFrame(
            columns=["activation", "bin_start", "bin_end", "bin_mid", "probability"]
        )
    low = min(0.0, min(float(v.min()) for v in slopes.values()))
    high = max(float(v.max()) for v in slopes.values())
    if high - low < 1e-12:  # a constant slope (linear): one visible bin around it
        low, high = low - 0.5, high + 0.5
    edges = np.linspace(low, high, bins + 1)
    frames = []
    for label, values in slopes.items():
        mass, _ = np.histogram(values, bins=edges, weights=w)
        frames.append(
            pd.DataFrame(
                {
                    "activation": label,
                    "bin_start": edges[:-1],
                    "bin_end": edges[1:],
                    "bin_mid": (edges[:-1] + edges[1:]) / 2,
                    "probability": mass,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


# ----------------------------------------------------------------------------- cost


def normal_nodes_cost(mu: float, s: float) -> Cost:
    """What :func:`normal_nodes` costs: about five calls per piece of the range, then the
    density at every node (twelve passes and an exponential); nodes, weights and two
    temporaries alive."""
    nodes = node_count(mu, s)
    return Cost(
        elementwise=(12 + TRANSCENDENTAL) * nodes,
        calls=5 * len(_pieces(mu, s)) + 5,
        peak_bytes=8.0 * 5 * nodes,
    )


def expected_slope_cost(name: str, mu: float, s: float) -> Cost:
    """What :func:`expected_slope` costs: the nodes, ``grad`` on them and a weighted sum."""
    nodes = node_count(mu, s)
    return normal_nodes_cost(mu, s) + EVAL_COSTS[name].grad(nodes) + Cost(2 * nodes, calls=3)


def saturated_fraction_cost(name: str) -> Cost:
    """What :func:`saturated_fraction` costs: the saturated zones in μ ± 12s
    (:func:`~gradviz.curves.saturated_intervals`) and a normal CDF at each end (a Python
    ``math.erf`` loop)."""
    return saturated_intervals_cost(name) + Cost(calls=15)


def slope_vs_scale_cost(names: list[str], mu: float, scales: Array) -> Cost:
    """What :func:`slope_vs_scale` costs: :func:`expected_slope` and
    :func:`saturated_fraction` for every activation at every scale, then one labelled
    DataFrame."""
    cost = DATAFRAME + TEXT_COLUMN
    for name in names:
        for s in np.asarray(scales, dtype=float):
            cost = cost + expected_slope_cost(name, mu, float(s)) + saturated_fraction_cost(name)
    return cost


def slope_distribution_cost(names: list[str], mu: float, s: float, bins: int = 40) -> Cost:
    """What :func:`slope_distribution` costs: the nodes, then per activation ``grad`` on them,
    its extremes and a weighted histogram (a sort of the nodes' slopes and weights, and some
    100 µs of ``np.histogram``'s own checks), a DataFrame each and their concatenation. Every
    activation's slopes are kept until the bins are known."""
    nodes = node_count(mu, s)
    cost = normal_nodes_cost(mu, s) + DATAFRAME
    for name in names:
        cost = (
            cost
            + EVAL_COSTS[name].grad(nodes)
            + Cost(elementwise=(2 * SORT_PASSES + 4) * nodes, calls=40)
            + DATAFRAME
            + TEXT_COLUMN
        )
    kept = 8.0 * len(names) * (nodes + 5 * bins)  # every slope array, then every frame
    return replace(cost, peak_bytes=cost.peak_bytes + kept)
