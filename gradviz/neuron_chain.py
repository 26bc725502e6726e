r"""Nielsen's chain of single neurons: forward, backward, and the exact log-space gradient.

Layer :math:`j = 1..L` holds one weight :math:`w_j` and one bias :math:`b_j`:

.. math::
    z_j = w_j a_{j-1} + b_j,\qquad a_j = f(z_j),\qquad a_0 = x,\qquad
    C = \tfrac12 (a_L - y)^2 .

Backpropagation gives :math:`\delta_L = \partial C/\partial z_L = f'(z_L)(a_L - y)` and

.. math::
    \frac{\partial C}{\partial b_j} = \delta_j = \underbrace{w_{j+1} f'(z_j)}_{\text{factor}_j}
    \,\delta_{j+1},\qquad \frac{\partial C}{\partial w_j} = \delta_j a_{j-1},

so :math:`\partial C/\partial b_1 = f'(z_1)\,w_2 f'(z_2)\cdots w_L f'(z_L)\,\partial C/\partial
a_L` (seed 003, with :math:`f = \sigma`). Each factor is the exact ratio
:math:`\delta_j / \delta_{j+1}` between neighbouring bias gradients.

Two backward passes are provided. :func:`chain_backward` multiplies in float64, as a network
would, and so underflows to 0 or overflows to inf on long chains. :func:`log_space_gradients`
adds :math:`\log_{10}|\cdot|` of every factor and keeps the signs apart, with closed forms for
:math:`\log|f'(z)|` that never underflow, so ``∂C/∂b_1`` is exact at L = 1000 even when it is
:math:`10^{-602}` or :math:`10^{+1396}`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gradviz.activations import SELU_ALPHA, SELU_LAMBDA, default_properties, get_activation
from gradviz.budget import Cost
from gradviz.initializers import get_initializer, init_bias
from gradviz.numerics import Breakdown, find_breakdown, format_sci, regime, safe_log10

Array = np.ndarray
LN10 = math.log(10.0)
QUARTER = 0.25
MAX_LENGTH = 1000
EXPLOSION_WEIGHT = 100.0
"""Seed 003's explosion example: w_j = 100 and b_j = -100·a_{j-1}, so z_j = 0."""
CHART_LAYERS = 500
"""Layers per series on the gradient chart (four series stay under 5,000 rows)."""


# ----------------------------------------------------------------------------- the chain


def draw_chain(
    length: int, init: str, seed: int, sigma_b: float, **init_params: float
) -> tuple[Array, Array]:
    """Random weights and biases, shapes ``(L,)`` each.

    Each ``w_j`` is a 1x1 draw of the registry initializer ``init`` (a single neuron has
    fan_in = fan_out = 1, so ``standard_normal`` and ``xavier_normal`` both give N(0, 1)). Biases
    are N(0, σ_b²) (zero when ``sigma_b == 0``). Weights and biases come from two independent
    streams of ``seed``, so a longer chain extends a shorter one layer for layer.
    """
    rng_w = np.random.default_rng([seed, 0])
    rng_b = np.random.default_rng([seed, 1])
    initializer = get_initializer(init, **init_params)
    w = np.array([initializer.sample(1, 1, rng_w)[0, 0] for _ in range(length)], dtype=float)
    b = init_bias(length, sigma_b, rng_b).astype(float)
    return w, b


def exploding_chain(length: int, weight: float, x: float, act: str) -> tuple[Array, Array]:
    r"""Seed 003's explosion: :math:`w_j = w` and :math:`b_j = -w\,a_{j-1}`, so every
    :math:`z_j = 0` exactly and every factor is :math:`w f'(0)` (25 for sigmoid and w = 100).

    Returns ``(w, b)`` of shape ``(L,)``.
    """
    f = get_activation(act).fn
    w = np.full(length, float(weight))
    b = np.empty(length)
    a_prev = float(x)
    with np.errstate(all="ignore"):
        for j in range(length):
            b[j] = -weight * a_prev
            a_prev = float(f(np.array(weight * a_prev + b[j])))
    return w, b


@dataclass(frozen=True)
class ChainCache:
    """What the backward passes need: ``w, b, z, a`` of shape (L,), and ``a_prev`` of shape
    (L,) holding a_0..a_{L-1}."""

    w: Array
    b: Array
    z: Array
    a: Array
    a_prev: Array
    act: str


def scalar_activation(act: str) -> Callable[[float], float]:
    """``f`` of registry activation ``act`` on one Python float (see ``Activation.scalar``)."""
    return get_activation(act).scalar


def chain_forward(w: Array, b: Array, x: float, act: str) -> tuple[float, ChainCache]:
    """Run the chain on the input ``a_0 = x``; returns ``(a_L, cache)``.

    ``z_j = w_j a_{j-1} + b_j`` and ``a_j = f(z_j)`` in float64, one layer after another.
    Overflow is data: a weight like 1e300 drives ``z`` to ±inf (or NaN), which the caller reports
    with :func:`gradviz.numerics.find_breakdown`; no warning is raised.
    """
    w = np.asarray(w, dtype=float)
    b = np.asarray(b, dtype=float)
    f = scalar_activation(act)
    zs, activations = [], []
    a_prev = float(x)
    for w_j, b_j in zip(w.tolist(), b.tolist(), strict=True):
        z_j = w_j * a_prev + b_j  # Python floats: overflow gives inf, never an exception
        a_prev = f(z_j)
        zs.append(z_j)
        activations.append(a_prev)
    z, a = np.array(zs), np.array(activations)
    prev = np.concatenate([[float(x)], a[:-1]])
    return float(a[-1]), ChainCache(w, b, z, a, prev, act)


def quadratic_cost(a_last: float, y: float) -> tuple[float, float]:
    """``(C, ∂C/∂a_L)`` for :math:`C = \\tfrac12(a_L - y)^2`."""
    with np.errstate(all="ignore"):
        diff = float(np.float64(a_last) - np.float64(y))
        return float(0.5 * np.float64(diff) ** 2), diff


def chain_backward(dout: float, cache: ChainCache) -> tuple[Array, Array]:
    """Direct float64 backward pass from ``dout = ∂C/∂a_L``; returns ``(dw, db)``, shapes (L,).

    ``db[j] = δ_j`` with ``δ_L = f'(z_L)·dout`` and ``δ_j = f'(z_j)·w_{j+1}·δ_{j+1}``;
    ``dw[j] = δ_j·a_{j-1}``. Products may underflow to 0 or overflow to inf, exactly as a float64
    network would; nothing warns.
    """
    slope = get_activation(cache.act).grad
    with np.errstate(all="ignore"):
        fprime = slope(cache.z).tolist()
        w = cache.w.tolist()
        length = len(w)
        db = [0.0] * length
        delta_next = None
        for j in reversed(range(length)):
            upstream = dout if delta_next is None else w[j + 1] * delta_next
            db[j] = delta_next = fprime[j] * upstream
        db_arr = np.array(db, dtype=float)
        dw_arr = db_arr * cache.a_prev
    return dw_arr, db_arr


# ----------------------------------------------------------------------------- exact logs


def _log_sigmoid(x: Array) -> Array:
    """ln σ(x) = -ln(1 + e^{-x}), never underflowing."""
    return -np.logaddexp(0.0, -x)


def log_abs_slope(act: str, z: Array) -> tuple[Array, Array]:
    r"""``(log10|f'(z)|, sign f'(z))`` for registry activation ``act`` (default parameters).

    Closed forms keep the log exact where :math:`f'(z)` itself underflows in float64:

    - sigmoid: :math:`\ln\sigma'(z) = -|z| - 2\ln(1+e^{-|z|})`; softplus: :math:`\ln\sigma(z)`;
    - tanh: :math:`\ln\operatorname{sech}^2 z = \ln 4 - 2|z| - 2\ln(1+e^{-2|z|})`;
    - softsign: :math:`-2\ln(1+|z|)`; ELU/SELU: :math:`\ln\alpha + z` for :math:`z \le 0`;
    - SiLU: :math:`f' = \sigma(z)\,(1 + z\,\sigma(-z))`;
    - GELU (the registry's tanh form, clipped at ±50 like the registry):
      :math:`f' = \sigma(2u)\,(1 + 2x\,\sigma(-2u)\,u')`.

    Piecewise-linear activations (ReLU family, hard tanh, linear) have slopes that never
    underflow; their zeros are true zeros (log10 = -inf, sign 0).
    """
    z = np.asarray(z, dtype=float)
    with np.errstate(all="ignore"):
        if act == "sigmoid":
            ln, sign = -np.abs(z) - 2.0 * np.log1p(np.exp(-np.abs(z))), np.ones_like(z)
        elif act == "softplus":
            ln, sign = _log_sigmoid(z), np.ones_like(z)
        elif act == "tanh":
            ln = math.log(4.0) - 2.0 * np.abs(z) - 2.0 * np.log1p(np.exp(-2.0 * np.abs(z)))
            sign = np.ones_like(z)
        elif act == "softsign":
            ln, sign = -2.0 * np.log1p(np.abs(z)), np.ones_like(z)
        elif act in ("elu", "selu"):
            alpha = SELU_ALPHA if act == "selu" else get_activation("elu").params[0][1]
            scale = SELU_LAMBDA if act == "selu" else 1.0
            neg = np.log(alpha) + np.minimum(z, 0.0)
            ln = math.log(scale) + np.where(z > 0, 0.0, neg)
            sign = np.where((z > 0) | (alpha > 0), 1.0, 0.0)
        elif act == "silu":
            inner = 1.0 + z * np.exp(_log_sigmoid(-z))
            ln, sign = _log_sigmoid(z) + np.log(np.abs(inner)), np.sign(inner)
        elif act == "gelu":
            c, k = math.sqrt(2.0 / math.pi), 0.044715
            xc = np.clip(z, -50.0, 50.0)
            u = c * (xc + k * xc**3)
            du = c * (1.0 + 3.0 * k * xc**2)
            inner = 1.0 + 2.0 * xc * np.exp(_log_sigmoid(-2.0 * u)) * du
            ln, sign = _log_sigmoid(2.0 * u) + np.log(np.abs(inner)), np.sign(inner)
        else:
            slope = get_activation(act).grad(z)
            return safe_log10(slope), np.sign(slope)
        ln = np.where(np.isnan(z), np.nan, ln)
    return ln / LN10, sign


@dataclass(frozen=True)
class LogGradients:
    """Exact log-space gradients of the chain. Shapes: slope/``db`` (L,), factor (L-1,).

    ``log10_*`` hold log10 of the magnitude (-inf for an exact zero), ``sign_*`` hold -1, 0 or
    +1. ``factor[j-1] = w_{j+1} f'(z_j)`` for j = 1..L-1, so ``db[j-1] = factor[j-1]·db[j]``.
    """

    log10_slope: Array
    sign_slope: Array
    log10_factor: Array
    sign_factor: Array
    log10_db: Array
    sign_db: Array


def log_space_gradients(dout: float, cache: ChainCache) -> LogGradients:
    r""":math:`\log_{10}|\partial C/\partial b_j|` as a sum of logs, from ``dout = ∂C/∂a_L``:

    .. math:: \log_{10}|\delta_j| = \log_{10}|dout| + \log_{10}|f'(z_L)|
              + \sum_{k=j}^{L-1} \log_{10}|w_{k+1} f'(z_k)|,

    with the sign the product of the signs. Sums of ~1000 logs lose about 1e-13 in the exponent,
    so the result is exact to display precision at any depth.
    """
    log_slope, sign_slope = log_abs_slope(cache.act, cache.z)
    with np.errstate(all="ignore"):
        log_factor = safe_log10(cache.w[1:]) + log_slope[:-1]
        sign_factor = np.sign(cache.w[1:]) * sign_slope[:-1]
        head = safe_log10(dout) + log_slope[-1]
        # Suffix sums: entry j (0-based) = sum of log factors j..L-2.
        suffix = np.concatenate([np.cumsum(log_factor[::-1])[::-1], [0.0]])
        sign_suffix = np.concatenate([np.cumprod(sign_factor[::-1])[::-1], [1.0]])
        log_db = head + suffix
        sign_db = np.sign(dout) * sign_slope[-1] * sign_suffix
        zero = sign_db == 0
        log_db = np.where(zero & ~np.isnan(log_db), -np.inf, log_db)
    return LogGradients(log_slope, sign_slope, log_factor, sign_factor, log_db, sign_db)


def from_log10(log10_abs: Array, sign: Array) -> Array:
    """Back to float64: ``sign·10**log10_abs`` (0 or ±inf where that leaves float range)."""
    with np.errstate(all="ignore"):
        return np.asarray(sign) * np.power(10.0, np.asarray(log10_abs, dtype=float))


def format_log10(log10_abs: float, sign: float = 1.0, digits: int = 3) -> str:
    """Scientific text for ``sign·10**log10_abs`` at any exponent: ``"-3.21e-412"``; beyond
    :math:`10^{\\pm 10^9}` only the power of ten, ``"10^(-4.34e+299)"``."""
    # Python floats: rounding a numpy scalar costs ~10 µs, and the frames format thousands; the
    # built-in round also rounds exactly as the f-string below prints.
    log10_abs, sign = float(log10_abs), float(sign)
    if math.isnan(log10_abs) or math.isnan(sign):
        return "NaN"
    if sign == 0 or log10_abs == -math.inf:
        return "0"
    if log10_abs == math.inf:
        return "inf" if sign > 0 else "-inf"
    if abs(log10_abs) >= 1e9:
        # A mantissa would be noise (the log carries 16 digits) and the exponent unreadable.
        return ("-" if sign < 0 else "") + f"10^({log10_abs:.{digits}g})"
    exponent = math.floor(log10_abs)
    mantissa = 10.0 ** (log10_abs - exponent)
    if round(mantissa, digits - 1) >= 10.0:
        mantissa, exponent = mantissa / 10.0, exponent + 1
    text = f"{mantissa:.{digits - 1}f}e{exponent:+03d}"
    if -3 <= exponent < 4:
        text = format_sci(float(mantissa * 10.0**exponent), digits - 1)
    return ("-" if sign < 0 else "") + text


# ----------------------------------------------------------------------------- edits


def apply_overrides(
    w: Array, b: Array, edits: dict[int, tuple[float, float]]
) -> tuple[Array, Array]:
    """Copies of ``w`` and ``b`` with the 1-based layer edits applied."""
    w, b = np.array(w, dtype=float), np.array(b, dtype=float)
    for j, (wj, bj) in edits.items():
        w[j - 1], b[j - 1] = wj, bj
    return w, b


# ----------------------------------------------------------------------------- analysis


@dataclass(frozen=True)
class ChainResult:
    """Everything the page shows about one chain (arrays have shape (L,) unless noted).

    ``direct_db`` / ``direct_dw`` come from :func:`chain_backward`; ``logs`` from
    :func:`log_space_gradients`. ``log10_bound[j]`` bounds ``log10|∂C/∂b_j|`` by
    :math:`(\\max|f'|)^{L-j+1}\\prod_{k>j}|w_k|\\,|\\partial C/\\partial a_L|`;
    ``log10_slope_bound`` is the weight-free part :math:`(\\max|f'|)^{L-j+1}`, which is
    (1/4)^L at j = 1 for sigmoid.
    ``max_log_diff`` is the largest |log10 direct - log10 exact| over layers where the direct
    value is a finite, non-zero, normal float64 (``n_compared`` of them; subnormals below
    2.2e-308 have lost digits already).
    """

    act: str
    x: float
    y: float
    cost: float
    dout: float
    cache: ChainCache
    logs: LogGradients
    direct_db: Array
    direct_dw: Array
    max_slope: float
    log10_bound: Array
    log10_slope_bound: Array
    max_log_diff: float
    n_compared: int
    forward_breakdown: Breakdown
    direct_breakdown: Breakdown

    @property
    def length(self) -> int:
        return int(self.cache.w.size)

    @property
    def factors(self) -> Array:
        """``w_{j+1} f'(z_j)`` multiplied in float64, shape (L-1,) (0 where f' underflows)."""
        with np.errstate(all="ignore"):
            return self.cache.w[1:] * get_activation(self.act).grad(self.cache.z[:-1])

    def factors_1_2(self) -> tuple[float, float]:
        """``(log10|·|, sign)`` of factor_1·factor_2 = w_2 f'(z_1)·w_3 f'(z_2) (needs L >= 3):
        the ratio (∂C/∂b_1)/(∂C/∂b_3) whenever ∂C/∂b_3 is not 0, and defined even when it is.
        NaN where z_1 or z_2 is NaN."""
        lg = self.logs
        return float(lg.log10_factor[0] + lg.log10_factor[1]), float(
            lg.sign_factor[0] * lg.sign_factor[1]
        )

    def fraction_factors_below_quarter(self) -> float:
        """Share of the L-1 factors with |w_{j+1} f'(z_j)| < 1/4."""
        return float(np.mean(self.logs.log10_factor < math.log10(QUARTER)))

    def fraction_weights_below_quarter(self) -> float:
        """Share of the L weights with |w_j| < 1/4 (seed 003 claims 'usually')."""
        return float(np.mean(np.abs(self.cache.w) < QUARTER))


def _backward_breakdown(values: Array) -> Breakdown:
    """First layer, counted from the output as backprop runs, where ``values`` break."""
    found = find_breakdown(values[::-1])
    if found.ok:
        return found
    return Breakdown(values.size - 1 - found.index, found.kind, found.where)


def max_abs_slope(act: str) -> float:
    """Exact peak of |f'| for the activations whose peak is known in closed form, else the
    registry's measured peak."""
    exact = {"sigmoid": 0.25, "softplus": 1.0, "tanh": 1.0, "softsign": 1.0, "linear": 1.0}
    exact |= {"relu": 1.0, "hardtanh": 1.0, "leaky_relu": 1.0, "prelu": 1.0, "rrelu": 1.0}
    exact |= {"elu": 1.0, "selu": SELU_LAMBDA * SELU_ALPHA}
    return exact.get(act, default_properties(act).max_slope)


def analyze_chain(w: Array, b: Array, x: float, y: float, act: str) -> ChainResult:
    """Forward, direct backward and exact log-space backward of one chain, with the checks."""
    a_last, cache = chain_forward(w, b, x, act)
    cost, dout = quadratic_cost(a_last, y)
    direct_dw, direct_db = chain_backward(dout, cache)
    logs = log_space_gradients(dout, cache)
    peak = max_abs_slope(act)
    with np.errstate(all="ignore"):
        n_slopes = np.arange(cache.w.size, 0, -1)  # layer j has L - j + 1 slopes
        log_w = safe_log10(cache.w)
        weights_after = np.concatenate([np.cumsum(log_w[::-1])[::-1][1:], [0.0]])
        slope_bound = n_slopes * math.log10(peak)
        bound = slope_bound + weights_after + safe_log10(dout)
        direct_log = safe_log10(direct_db)
        # Subnormal floats (below 2.2e-308) carry fewer digits; compare only normal ones.
        normal = np.abs(direct_db) >= np.finfo(float).tiny
        comparable = normal & np.isfinite(direct_log) & np.isfinite(logs.log10_db)
        diffs = np.abs(direct_log - logs.log10_db)[comparable]
    return ChainResult(
        act=act,
        x=float(x),
        y=float(y),
        cost=cost,
        dout=dout,
        cache=cache,
        logs=logs,
        direct_db=direct_db,
        direct_dw=direct_dw,
        max_slope=peak,
        log10_bound=bound,
        log10_slope_bound=slope_bound,
        max_log_diff=float(diffs.max()) if diffs.size else 0.0,
        n_compared=int(comparable.sum()),
        # z = 0 is an ordinary value and a true zero gradient (a dead ReLU) is no underflow:
        # only inf/NaN, and zeros the exact log-space value says are not zero, count.
        forward_breakdown=find_breakdown(np.where(np.isfinite(cache.z), 1.0, cache.z)),
        direct_breakdown=_backward_breakdown(
            np.where((logs.sign_db == 0) & (direct_db == 0), 1.0, direct_db)
        ),
    )


# ----------------------------------------------------------------------------- frames


def stride_layers(length: int, max_points: int = CHART_LAYERS) -> Array:
    """0-based layer indices: all of them up to ``max_points``, else an even stride that keeps
    the first and the last layer."""
    if length <= max_points:
        return np.arange(length)
    return np.unique(np.linspace(0, length - 1, max_points).round().astype(int))


def gradient_frame(result: ChainResult, max_points: int = CHART_LAYERS) -> pd.DataFrame:
    """Long form ``layer, series, log10_abs, value`` for the per-layer gradient chart.

    Series: ``exact (log space)``, ``float64 backward`` (only where finite and non-zero),
    ``bound`` (:math:`(\\max|f'|)^{L-j+1}\\prod_{k>j}|w_k|\\,|\\partial C/\\partial a_L|`) and
    ``slopes only`` (the same without the weights: (1/4)^(L-j+1)·|∂C/∂a_L| for sigmoid, the
    seed's reference). Non-finite log values (exact zeros) are left out; at most
    ``max_points`` layers per series.
    """
    keep = stride_layers(result.length, max_points)
    lg = result.logs
    exact = [format_log10(v, s) for v, s in zip(lg.log10_db[keep], lg.sign_db[keep], strict=True)]
    direct_log = safe_log10(result.direct_db[keep])
    slopes_only = result.log10_slope_bound[keep] + safe_log10(result.dout)
    parts = [
        pd.DataFrame(
            {
                "layer": keep + 1,
                "series": "exact (log space)",
                "log10_abs": lg.log10_db[keep],
                "value": exact,
            }
        ),
        pd.DataFrame(
            {
                "layer": keep + 1,
                "series": "float64 backward",
                "log10_abs": direct_log,
                "value": [format_sci(v) for v in result.direct_db[keep]],
            }
        ),
        pd.DataFrame(
            {
                "layer": keep + 1,
                "series": "bound",
                "log10_abs": result.log10_bound[keep],
                "value": [format_log10(v) for v in result.log10_bound[keep]],
            }
        ),
        pd.DataFrame(
            {
                "layer": keep + 1,
                "series": "slopes only",
                "log10_abs": slopes_only,
                "value": [format_log10(v) for v in slopes_only],
            }
        ),
    ]
    frame = pd.concat(parts, ignore_index=True)
    return frame[np.isfinite(frame["log10_abs"].to_numpy())].reset_index(drop=True)


def waterfall_frame(result: ChainResult) -> pd.DataFrame:
    """One row per factor ``w_{j+1} f'(z_j)``, j = 1..L-1: the running log10|∂C/∂b| steps from
    ``start`` (= log10|∂C/∂b_{j+1}|) to ``end`` (= log10|∂C/∂b_j|) by ``log10_factor``;
    ``regime`` says whether the factor shrinks (|f| < 1) or grows the gradient. Factors that
    are exactly zero (infinite steps) are left out. Columns: layer, factor, log10_factor,
    start, end, regime, w_next, slope."""
    lg = result.logs
    if result.length < 2:
        return pd.DataFrame(
            columns=["layer", "factor", "log10_factor", "start", "end", "regime", "w_next", "slope"]
        )
    log_factor = lg.log10_factor
    frame = pd.DataFrame(
        {
            "layer": np.arange(1, result.length),
            "factor": [format_log10(v, s) for v, s in zip(log_factor, lg.sign_factor, strict=True)],
            "log10_factor": log_factor,
            "start": lg.log10_db[1:],
            "end": lg.log10_db[:-1],
            "regime": regime(np.power(10.0, np.clip(log_factor, -300, 300))),
            "w_next": result.cache.w[1:],
            "slope": [
                format_log10(v, s)
                for v, s in zip(lg.log10_slope[:-1], lg.sign_slope[:-1], strict=True)
            ],
        }
    )
    finite = np.isfinite(frame[["log10_factor", "start", "end"]].to_numpy()).all(axis=1)
    return frame[finite].reset_index(drop=True)


def layer_table(result: ChainResult) -> pd.DataFrame:
    """Per-layer values for the table: w, b, z, a, f'(z), factor, ∂C/∂b (exact text)."""
    c, lg = result.cache, result.logs
    factors = [format_log10(v, s) for v, s in zip(lg.log10_factor, lg.sign_factor, strict=True)]
    return pd.DataFrame(
        {
            "w": c.w,
            "b": c.b,
            "z": c.z,
            "a": c.a,
            "f'(z)": [
                format_log10(v, s) for v, s in zip(lg.log10_slope, lg.sign_slope, strict=True)
            ],
            "factor w_{j+1}f'(z_j)": [*factors, "—"],
            "∂C/∂b_j": [format_log10(v, s) for v, s in zip(lg.log10_db, lg.sign_db, strict=True)],
        },
        index=pd.RangeIndex(1, c.w.size + 1, name="layer"),
    )


# ----------------------------------------------------------------------------- cost

FORMAT_CALLS = 1.6
"""Formatting one number as text (:func:`format_log10`, :func:`format_sci`) costs about as much
as 1.6 numpy calls on small arrays (``CALL_SECONDS``): about 4 µs of Python."""


def chain_cost(length: int, explosion: bool = False) -> Cost:
    """What the Neuron chain tab computes for a chain of ``length`` layers, from the length
    alone: the chain (:func:`draw_chain`, or :func:`exploding_chain` for seed 003's
    explosion), :func:`analyze_chain`, the frames (:func:`gradient_frame`,
    :func:`waterfall_frame`, :func:`layer_table`) and the text.

    The per-layer work is Python on floats rather than numpy on arrays, so it is counted in
    numpy calls' worth (``CALL_SECONDS``): a random draw or a step of the forward and backward
    loops is a fraction of a call, a step of the explosion's activation on 0-d arrays about
    two, and every number written into a frame :data:`FORMAT_CALLS`. The vectorized log-space
    pass adds about 60 element passes a layer (its closed forms take logs and exponentials).
    Fixed: about 120 calls of analysis and the frames' pandas constructors (about 4.5 ms).
    Peak: about 500 bytes a layer (the result's arrays, the frames' text columns) over 40 kB.
    """
    chain = Cost(calls=(2.0 if explosion else 0.5) * length)
    analysis = Cost(elementwise=60.0 * length, calls=120.0 + 0.35 * length)
    formatted = 4.0 * min(length, 500) + 5.0 * length  # gradient chart; waterfall and table
    frames = Cost(calls=1800.0 + FORMAT_CALLS * formatted)
    return chain + analysis + frames + Cost(peak_bytes=40e3 + 500.0 * length)


# ----------------------------------------------------------------------------- probabilities


def normal_prob_abs_below(c: float) -> float:
    """P(|w| < c) for w ~ N(0, 1): erf(c/√2). 0.197 for c = 1/4 and 0.683 for c = 1."""
    return math.erf(c / math.sqrt(2.0))
