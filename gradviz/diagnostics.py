r"""Per-layer statistics of one forward/backward pass, in one long-form schema.

After karpathy's makemore part 3: the numbers a practitioner looks at layer by layer.
:func:`layer_stats` returns a DataFrame with columns ``layer`` (int, 1-based), ``metric`` (one of
the constants below) and ``value`` (float; inf/NaN are kept as data). Hidden layers
:math:`l = 1..L` carry every metric; the output layer :math:`L+1` carries only the parameter
metrics (weight/bias-gradient norm, grad:data ratio).

=====================  ==========================================================================
metric                 definition (over the N samples and n units of layer l)
=====================  ==========================================================================
PRE_MEAN / PRE_STD     mean and std of :math:`z_l` (the activation's input)
ACT_MEAN / ACT_STD     mean and std of :math:`h_l`
SATURATED              % of entries with :math:`|f'(z_l)| <` ``sat_threshold``
DEAD                   % of units with :math:`f'(z_l) = 0` for every sample (they pass no
                       gradient: a dead ReLU)
GRAD_H_NORM            :math:`\lVert\partial L/\partial h_l\rVert_F`
WEIGHT_GRAD_NORM       :math:`\lVert\partial L/\partial W_l\rVert_F`
BIAS_GRAD_NORM         :math:`\lVert\partial L/\partial b_l\rVert` (with batch norm,
                       :math:`\partial L/\partial\beta_l`, because BN cancels :math:`b_l`)
GRAD_DATA_RATIO        :math:`\lVert\partial L/\partial W_l\rVert_F / \lVert W_l\rVert_F`
=====================  ==========================================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gradviz.mlp import MLPCache, MLPConfig
from gradviz.numerics import norm

Array = np.ndarray

PRE_MEAN = "pre-activation mean"
PRE_STD = "pre-activation std"
ACT_MEAN = "activation mean"
ACT_STD = "activation std"
SATURATED = "% saturated"
DEAD = "% dead"
GRAD_H_NORM = "‖∂L/∂h‖"
WEIGHT_GRAD_NORM = "weight-gradient norm"
BIAS_GRAD_NORM = "bias-gradient norm"
GRAD_DATA_RATIO = "grad:data ratio"

HIDDEN_METRICS = (PRE_MEAN, PRE_STD, ACT_MEAN, ACT_STD, SATURATED, DEAD, GRAD_H_NORM)
PARAM_METRICS = (WEIGHT_GRAD_NORM, BIAS_GRAD_NORM, GRAD_DATA_RATIO)
METRICS = HIDDEN_METRICS + PARAM_METRICS
DEFAULT_SAT_THRESHOLD = 0.01


def dead_fraction(slope: Array) -> float:
    """Fraction of units (columns of the (N, n) slope array f'(z)) with zero slope for every
    sample."""
    # The common case, without the mask: a positive minimum (4x cheaper than counting, and the
    # usual answer for sigmoid/tanh), else no zero at all (10x cheaper than the mask).
    if (slope.size and slope.min() > 0) or np.count_nonzero(slope) == slope.size:
        return 0.0
    return float(np.mean(np.all(slope == 0, axis=0)))


def saturated_and_dead(
    slope: Array, sat_threshold: float = DEFAULT_SAT_THRESHOLD
) -> tuple[float, float]:
    """``(% saturated, % dead)`` of one layer's slopes f'(z) (N, n): the percentage of entries
    with :math:`|f'(z)| <` ``sat_threshold`` and of units (columns) with :math:`f'(z) = 0` for
    every sample.

    When every slope is at least ``sat_threshold`` in size and of one sign (the usual case at a
    sound initialization), nothing is saturated or dead, and one or two reductions show it
    without the masks. NaN slopes fail both tests and take the full computation.
    """
    if slope.size and sat_threshold > 0:
        low = slope.min()
        if low >= sat_threshold or slope.max() <= -sat_threshold:
            return 0.0, 0.0
        if low >= 0:  # non-negative slopes (most activations): |f'| < t is f' < t, no copy
            saturated = 100.0 * np.count_nonzero(slope < sat_threshold) / slope.size
            return saturated, 0.0 if low > 0 else 100.0 * dead_fraction(slope)
    saturated = 100.0 * float(np.mean(np.abs(slope) < sat_threshold))
    return saturated, 100.0 * dead_fraction(slope)


def mean_and_std(x: Array, scratch: Array | None = None) -> tuple[float, float]:
    r"""``(mean, std)`` of all entries of ``x``: ``np.mean`` and ``np.std`` to float rounding.

    :math:`\bar x = \tfrac1m\sum x_i`, :math:`\mathrm{std} = \sqrt{\tfrac1m\sum(x_i-\bar
    x)^2}` over the m entries, in three passes: the mean, the deviations written into
    ``scratch`` (an optional array of ``x``'s shape, so nothing is allocated), and their sum of
    squares in one pass (``einsum``; ``np.std`` squares and sums in two). Call inside
    ``np.errstate(all="ignore")`` where entries may be inf or NaN.
    """
    mean = np.mean(x)
    deviations = np.subtract(x, mean, out=scratch).reshape(-1)
    squares = np.einsum("i,i->", deviations, deviations)
    return float(mean), float(np.sqrt(squares / deviations.size))


def bias_key(cfg: MLPConfig, layer: int) -> str:
    """The parameter whose gradient is layer ``layer``'s bias gradient: ``beta{l}`` for a
    batch-normalized hidden layer, else ``b{l}``."""
    return f"beta{layer}" if cfg.batchnorm and layer <= cfg.depth else f"b{layer}"


def layer_stats(
    params: dict[str, Array],
    cache: MLPCache,
    grads: dict,
    cfg: MLPConfig,
    sat_threshold: float = DEFAULT_SAT_THRESHOLD,
) -> pd.DataFrame:
    """Per-layer statistics of one pass: DataFrame[layer, metric, value] (see module doc).

    params, cache, grads : from :func:`gradviz.mlp.init_params`, :func:`gradviz.mlp.forward`
        and :func:`gradviz.mlp.backward` for the same batch.
    sat_threshold : a unit entry counts as saturated when :math:`|f'(z)|` is below this.
    """
    layers: list[int] = []
    metrics: list[str] = []
    values: list[float] = []

    def add(layer: int, metric: str, value: float) -> None:
        layers.append(layer)
        metrics.append(metric)
        values.append(value)

    scratch = np.empty_like(cache.z[0])  # deviations from the mean, reused by every layer
    with np.errstate(all="ignore"):
        for layer in range(1, cfg.depth + 1):
            z, h, slope = cache.z[layer - 1], cache.h[layer], cache.slope[layer - 1]
            pre_mean, pre_std = mean_and_std(z, scratch)
            act_mean, act_std = mean_and_std(h, scratch)
            saturated, dead = saturated_and_dead(slope, sat_threshold)
            add(layer, PRE_MEAN, pre_mean)
            add(layer, PRE_STD, pre_std)
            add(layer, ACT_MEAN, act_mean)
            add(layer, ACT_STD, act_std)
            add(layer, SATURATED, saturated)
            add(layer, DEAD, dead)
            add(layer, GRAD_H_NORM, norm(grads["dh"][layer - 1]))
        for layer in range(1, cfg.depth + 2):
            w_grad = norm(grads[f"W{layer}"])
            add(layer, WEIGHT_GRAD_NORM, w_grad)
            add(layer, BIAS_GRAD_NORM, norm(grads[bias_key(cfg, layer)]))
            add(layer, GRAD_DATA_RATIO, _ratio(w_grad, norm(params[f"W{layer}"])))
    return pd.DataFrame({"layer": layers, "metric": metrics, "value": values})


def _ratio(num: float, den: float) -> float:
    """num / den with 0/0 = NaN and x/0 = inf, warning-free."""
    with np.errstate(all="ignore"):
        return float(np.float64(num) / np.float64(den))
