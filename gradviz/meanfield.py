r"""Mean-field theory of signal propagation in deep random networks (Schoenholz et al. 2017).

A fully connected layer with weights :math:`W_{ij} \sim (0, \sigma_w^2/n)` and biases
:math:`b_i \sim N(0, \sigma_b^2)` maps the per-unit pre-activation variance
:math:`q_{l-1}` of the previous layer to

.. math:: q_l = \sigma_w^2\, E\big[\phi(z)^2\big] + \sigma_b^2, \qquad z \sim N(0, q_{l-1}),

with a fixed point :math:`q^*`. Back-propagated squared gradients are multiplied, per layer, by

.. math:: \chi(q) = \sigma_w^2\, E\big[\phi'(z)^2\big], \qquad z \sim N(0, q),

and :math:`\chi_1 = \chi(q^*)`. So :math:`\lVert\partial L/\partial h_l\rVert^2` scales like
:math:`\chi_1^{L-l}`: the ordered phase :math:`\chi_1 < 1` vanishes, the chaotic phase
:math:`\chi_1 > 1` explodes, and :math:`\chi_1 = 1` is the edge of chaos. The depth scale is
:math:`\xi = 1/|\ln\chi_1|` (layers over which the squared gradient changes by a factor e) and
networks train up to about :math:`6\xi` layers.

Gaussian expectations. Textbook Gauss–Hermite quadrature (``gauss_hermite_normal``) is exact for
integrands that are smooth on the scale of the Gaussian, which fails as soon as
:math:`\sqrt q \gg 1`: with 100 nodes it misses :math:`E[\tanh'(z)^2]` at :math:`q = 100` by 88%.
We therefore integrate :math:`\int g(x)\,N(x; 0, q)\,dx` by Gauss–Legendre quadrature on dyadic
panels ``[0, a], [a, 2a], [2a, 4a], ...`` (mirrored for x < 0), with ``a`` a power of two below
both :math:`\sqrt q` and 1, so 0 and ±1 (the kinks of ReLU and hard tanh) are panel edges and the
panels resolve both the activation's scale and the Gaussian's. The tests cross-check it against
Gauss–Hermite where that is accurate, and against closed forms (ReLU, linear, hard tanh).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from gradviz.activations import Activation
from gradviz.budget import Cost

Array = np.ndarray

_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(12)
_TAIL_SIGMAS = 12.0  # Gaussian mass beyond 12 σ is below 1e-32
_FINE = 6  # the first panel is 2^-6 of min(√q, 1) wide
Q_MAX = 1e12  # a variance beyond this is reported as diverging (q* = ∞)
# A variance below this counts as converged to 0: χ(q) differs from χ(0) by O(q) (~1e-8), and the
# edge of chaos at σ_b = 0 (tanh at σ_w² = 1) is approached only like q ~ 1/l.
Q_MIN = 1e-8
_ZERO_SIDE = 1e-300  # g(±1e-300) are g's one-sided limits at 0, for every registry activation


@cache
def _unit_panels(n_panels: int) -> tuple[Array, Array]:
    """Gauss–Legendre nodes and weights, each (12 ``n_panels``,), on the dyadic panels
    ``[0, 1], [1, 2], [2, 4], ...``: :func:`_panel_nodes`' panels for a first panel of width 1.

    Every first width is a power of two and scaling by one is exact in float64, so
    ``first * nodes`` are the very nodes that building the panels at that width gives. Memoised
    on the panel count (a few dozen arrays at most), so a call costs two multiplications.
    """
    right = np.exp2(np.arange(n_panels))
    left = np.concatenate([[0.0], right[:-1]])
    half = (right - left) / 2
    mid = (right + left) / 2
    x = (mid[:, None] + half[:, None] * _GL_NODES[None, :]).ravel()
    w = (half[:, None] * _GL_WEIGHTS[None, :]).ravel()
    x.flags.writeable = w.flags.writeable = False
    return x, w


def _panel_nodes(sqrt_q: Array) -> tuple[Array, Array]:
    """Quadrature nodes ``x`` (B, K) and weights (B, K) for :math:`\\int_0^\\infty g(x)dx`
    on dyadic panels that reach :math:`12\\sqrt q` for every batch entry.

    The first panel is :math:`2^{\\lfloor\\log_2 \\min(\\sqrt q, 1)\\rfloor - 6}` wide and
    the panels double until they pass :math:`12\\sqrt q`. Both base-2 logarithms are read off
    the float's exponent (``frexp``), which is exact where a rounded ``log2`` could land on the
    wrong side of an integer.
    """
    # y = m 2^e with m in [1/2, 1): floor(log2 y) = e - 1, and ceil(log2 y) = e unless m = 1/2.
    mantissa, exponent = np.frexp(np.minimum(sqrt_q, 1.0))
    first = np.ldexp(1.0, exponent - 1 - _FINE)  # a power of two: 1 is a panel edge
    mantissa, exponent = np.frexp(np.max(_TAIL_SIGMAS * sqrt_q / first))
    x, w = _unit_panels(max(int(exponent) - int(mantissa == 0.5) + 1, 2))
    first = first[:, None]
    return first * x, first * w


def _positive_expectation(g, q: Array) -> Array:
    r""":math:`E[g(z)]`, :math:`z \sim N(0, q)`, for (B,) finite variances q > 0: the panel
    quadrature of the module doc, :math:`\sum_k w_k\,N(x_k; 0, q)\,(g(x_k) + g(-x_k))`."""
    x, w = _panel_nodes(np.sqrt(q))
    q = q[:, None]
    density = np.exp(-(x * x) / (2 * q)) / np.sqrt(2 * np.pi * q)
    return np.sum(w * density * (g(x) + g(-x)), axis=1)


def _expectation_at(g, q: float) -> float:
    """:func:`_positive_expectation` for one variance, with its scalars as Python floats: the
    same numbers at less than half the cost, for the layer-by-layer recursions."""
    sqrt_q = math.sqrt(q)  # the logarithms as in _panel_nodes
    mantissa, exponent = math.frexp(min(sqrt_q, 1.0))
    first = math.ldexp(1.0, exponent - 1 - _FINE)
    mantissa, exponent = math.frexp(_TAIL_SIGMAS * sqrt_q / first)
    x, w = _unit_panels(max(exponent - (mantissa == 0.5) + 1, 2))
    x, w = first * x, first * w
    density = np.exp(-(x * x) / (2 * q)) / math.sqrt(2 * math.pi * q)
    return float(np.sum(w * density * (g(x) + g(-x))))


def gaussian_expectation(g, q: Array | float) -> Array:
    r""":math:`E[g(z)]` for :math:`z \sim N(0, q)`, elementwise over an array of variances.

    Parameters
    ----------
    g : elementwise function of an array (for example ``act.fn(x)**2``).
    q : variances, shape (B,) or scalar; ``q = inf`` gives NaN. ``q == 0`` gives the limit
        q → 0, the mean of g's one-sided limits at 0, :math:`(g(0^+) + g(0^-))/2` (the normal is
        symmetric): g(0) where g is continuous, and for a slope with a jump at 0 (ReLU's 0 | 1,
        SELU's λα | λ) the average, as the limit of the quadrature at small q.

    Returns
    -------
    Array of shape ``np.shape(q)``.
    """
    q_arr = np.asarray(q, dtype=float)
    with np.errstate(all="ignore"):
        if q_arr.size == 1 and 0.0 < q_arr.item() < math.inf:  # one variance: the recursions
            return np.full(q_arr.shape, _expectation_at(g, q_arr.item()))
        q_arr = np.atleast_1d(q_arr)
        out = np.full(q_arr.shape, np.nan)
        zero = q_arr == 0
        if zero.any():
            sides = g(np.array([_ZERO_SIDE, -_ZERO_SIDE]))
            out[zero] = (sides[0] + sides[1]) / 2.0
        ok = np.isfinite(q_arr) & (q_arr > 0)
        if ok.any():
            out[ok] = _positive_expectation(g, q_arr[ok])
    return out.reshape(np.shape(q))


def q_map(q: Array | float, sigma_w2: Array | float, sigma_b2: Array | float, act: Activation):
    r"""One layer of the variance recursion :math:`\sigma_w^2 E[\phi(z)^2] + \sigma_b^2`,
    :math:`z\sim N(0,q)`. Broadcasts over arrays of equal shape."""
    second_moment = gaussian_expectation(lambda x: act.fn(x) ** 2, q)
    with np.errstate(all="ignore"):
        return np.asarray(sigma_w2) * second_moment + np.asarray(sigma_b2)


def chi(q: Array | float, sigma_w2: Array | float, act: Activation) -> Array:
    r""":math:`\chi(q) = \sigma_w^2 E[\phi'(z)^2]`, :math:`z\sim N(0,q)`: the factor by which one
    layer multiplies the mean squared back-propagated gradient."""
    with np.errstate(all="ignore"):
        return np.asarray(sigma_w2) * gaussian_expectation(lambda x: act.grad(x) ** 2, q)


@dataclass(frozen=True)
class FixedPoint:
    """Fixed point of the variance map, elementwise over a batch of (σ_w², σ_b²).

    ``q_star`` is ``inf`` where the variance grew past :data:`Q_MAX` (unbounded activations in the
    expanding regime); ``converged`` is False where the iteration budget ran out first (for example
    tanh at σ_w² = 1, σ_b² = 0, where q decays to 0 only like 1/l).
    """

    q_star: Array
    converged: Array
    iterations: int


def variance_fixed_point(
    sigma_w2: Array | float,
    sigma_b2: Array | float,
    act: Activation,
    q0: float = 1.0,
    tol: float = 1e-12,
    max_iter: int = 400,
) -> FixedPoint:
    r"""Iterate :func:`q_map` from ``q0`` to its fixed point :math:`q^*`.

    Plain iteration converges linearly, slowly near the edge of chaos; every third step is an
    Aitken :math:`\Delta^2` extrapolation, kept only when the last three iterates contract and it
    lands on a positive finite value with a smaller residual. Converged means that one step
    moves q by at most ``tol`` :math:`\cdot q`, or that q fell below :data:`Q_MIN`.
    """
    sw2, sb2 = np.broadcast_arrays(
        np.atleast_1d(np.asarray(sigma_w2, dtype=float)),
        np.atleast_1d(np.asarray(sigma_b2, dtype=float)),
    )
    shape = sw2.shape
    sw2, sb2 = sw2.ravel(), sb2.ravel()
    q = np.full(sw2.shape, float(q0))
    done = np.zeros(sw2.shape, dtype=bool)
    diverged = np.zeros(sw2.shape, dtype=bool)
    iterations = 0
    for iterations in range(1, max_iter + 1):
        active = np.flatnonzero(~done)
        if active.size == 0:
            break
        qa, wa, ba = q[active], sw2[active], sb2[active]
        q1 = q_map(qa, wa, ba, act)
        new = q1
        if iterations % 3 == 0:
            q2 = q_map(q1, wa, ba, act)
            with np.errstate(all="ignore"):
                denom = q2 - 2 * q1 + qa
                aitken = qa - (q1 - qa) ** 2 / denom
                # Only a contracting sequence extrapolates to its limit; on an expanding one
                # Aitken would jump to the repelling fixed point instead.
                contracting = np.abs(q2 - q1) < np.abs(q1 - qa)
                good = contracting & np.isfinite(aitken) & (aitken > 0) & (denom != 0)
            if good.any():
                res_aitken = np.abs(q_map(np.where(good, aitken, 1.0), wa, ba, act) - aitken)
                res_plain = np.abs(q_map(q2, wa, ba, act) - q2)
                better = good & (res_aitken < res_plain)
                new = np.where(better, aitken, q2)
            else:
                new = q2
        with np.errstate(all="ignore"):
            gone = ~np.isfinite(new) | (new > Q_MAX)
            vanished = new < Q_MIN
            close = (np.abs(new - qa) <= tol * new) | vanished
            # with σ_b² = 0, q = 0 is a fixed point and the iteration is heading there: take the
            # limit itself, not a q of 1e-8, where a slope with a kink at 0 (softsign, ELU, SELU)
            # would leave χ off by O(√q) (softsign at σ_w² = 0.5: 0.49997 instead of 0.5)
            new = np.where(vanished & (ba == 0), 0.0, new)
        q[active] = np.where(gone, np.inf, new)
        diverged[active] |= gone
        done[active] |= gone | close
    return FixedPoint(
        q_star=q.reshape(shape), converged=(done & ~diverged).reshape(shape), iterations=iterations
    )


def chi1(sigma_w2: Array | float, sigma_b2: Array | float, act: Activation) -> Array:
    r""":math:`\chi_1 = \chi(q^*)`. Where the variance diverges (:math:`q^* = \infty`), the limit
    of :math:`\chi(q)` is taken at :data:`Q_MAX`: for ReLU it is :math:`\sigma_w^2/2` at any q."""
    fp = variance_fixed_point(sigma_w2, sigma_b2, act)
    q_eval = np.where(np.isinf(fp.q_star), Q_MAX, fp.q_star)
    sw2 = np.broadcast_to(np.asarray(sigma_w2, dtype=float), q_eval.shape)
    return chi(q_eval, sw2, act)


def critical_sigma_w2(
    sigma_b2: Array | float,
    act: Activation,
    low: float = 1e-2,
    high: float = 1e3,
    tol: float = 1e-10,
) -> Array:
    r"""The σ_w² at which :math:`\chi_1 = 1`, for each σ_b² (array or scalar).

    Bisection on ``[low, high]`` in log σ_w² (:math:`\chi_1` grows with σ_w²), all σ_b² at once,
    until the bracket is narrower than ``tol`` in log σ_w². NaN where :math:`\chi_1 - 1` has no
    sign change on the interval, e.g. sigmoid at small σ_b², whose slope never exceeds 1/4.
    """
    sb2 = np.atleast_1d(np.asarray(sigma_b2, dtype=float))
    lo = np.full(sb2.shape, math.log(low))
    hi = np.full(sb2.shape, math.log(high))
    f_lo = chi1(np.exp(lo), sb2, act) - 1.0
    f_hi = chi1(np.exp(hi), sb2, act) - 1.0
    bracketed = np.isfinite(f_lo) & np.isfinite(f_hi) & (f_lo * f_hi <= 0)
    while np.any(hi - lo > tol):
        mid = (lo + hi) / 2
        f_mid = chi1(np.exp(mid), sb2, act) - 1.0
        same = (f_mid < 0) == (f_lo < 0)
        lo, f_lo = np.where(same, mid, lo), np.where(same, f_mid, f_lo)
        hi = np.where(same, hi, mid)
    root = np.where(bracketed, np.exp((lo + hi) / 2), np.nan)
    return root.reshape(np.shape(sigma_b2))


CRITICAL_CHECK = 1e-3
"""Relative half-width of the σ_w² bracket in which :func:`critical_point` checks that χ₁
crosses 1 at a point of the q*-parametrised line."""
LINE_GRID = np.geomspace(1e-10, 1e4, 1401)
"""The variances on which :func:`critical_point` looks for points of the critical line."""


def _line(act: Activation, q: Array) -> tuple[Array, Array]:
    r"""The critical line parametrised by the fixed point q (Schoenholz et al. 2017): at
    :math:`\sigma_w^2 = 1/E[f'(z)^2]` and :math:`\sigma_b^2 = q - E[f(z)^2]/E[f'(z)^2]`,
    :math:`z \sim N(0, q)`, q is a fixed point of the variance map with :math:`\chi_1 = 1`.
    Returns ``(sigma_w2, sigma_b2)`` at each q."""
    e_f2 = gaussian_expectation(lambda x: act.fn(x) ** 2, q)
    e_g2 = gaussian_expectation(lambda x: act.grad(x) ** 2, q)
    with np.errstate(all="ignore"):
        return 1.0 / e_g2, q - e_f2 / e_g2


def _line_points(act: Activation, sigma_b2: float) -> Iterator[tuple[float, float]]:
    """``(sigma_w2, q)`` of every point of the q*-parametrised line at ``sigma_b2``, in order of
    q: q = 0 when σ_b² = 0 (the origin is a fixed point of an activation with f(0) = 0), then
    the roots of its σ_b² equation on :data:`LINE_GRID` (bisection in log q between grid
    points). Lazily: the caller that stops at the first point it accepts skips the other
    bisections (tanh at σ_b² = 0, where rounding flips the sign of the line's σ_b² at some
    thirty grid points of small q: 126 ms for all of them)."""
    if sigma_b2 == 0 and act.fn(np.zeros(1))[0] == 0:
        yield float(_line(act, 0.0)[0]), 0.0
    _, bias = _line(act, LINE_GRID)
    above = bias >= sigma_b2
    for i in np.flatnonzero(above[1:] != above[:-1]):
        lo, hi = math.log(LINE_GRID[i]), math.log(LINE_GRID[i + 1])
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            below = float(_line(act, math.exp(mid))[1]) < sigma_b2
            lo, hi = (mid, hi) if below == (not above[i]) else (lo, mid)
        q = math.exp(0.5 * (lo + hi))
        yield float(_line(act, q)[0]), q


def critical_point(sigma_b2: float, act: Activation) -> tuple[float, float]:
    r"""``(σ_w², q*)`` where :math:`\chi_1` crosses 1 at bias variance ``sigma_b2``: the point of
    the critical line a network of this activation reaches (its variance iterated from q = 1).
    The app's one χ₁ = 1 solver: the Phase diagram's line (:func:`critical_line`) is its
    bisection, the Jacobian spectra's critical scale (:func:`gradviz.spectra.critical_point`)
    this point.

    * Positively homogeneous activations (ReLU, leaky ReLU, linear):
      :math:`\chi(q) = \sigma_w^2 E[f'(z)^2]` is the same at every q, so
      :math:`\sigma_w^2 = 1/E[f'(z)^2]` exactly, and q* is NaN (every q is a fixed point at
      σ_b² = 0, none is at σ_b² > 0).
    * Otherwise: each point of the q*-parametrised line (:func:`_line_points`) whose σ_w² has
      χ₁ (:func:`chi1`) below 1 at :data:`CRITICAL_CHECK` below it and above 1 just above it is
      the answer, exact on the line (tanh at σ_b² = 0: σ_w² = 1, q* = 0). Where no point passes
      (the line's point sits on another branch than the one the iteration reaches, as for GELU
      at small σ_b², or there is none, as for softplus), the bisection on χ₁ itself
      (:func:`critical_sigma_w2`) and the fixed point there (inf where the variance diverges,
      NaN where the iteration has not converged, as for softplus, whose q* near 7000 creeps up
      at the edge). For GELU and SiLU at small σ_b² that is a jump, not a root: the fixed
      point the iteration reaches jumps to another branch there, and χ₁ with it (GELU at
      σ_b² = 0.05: σ_w² = 2.23, χ₁ = 0.73 just below). NaN where χ₁ never crosses 1 on
      [1e-2, 1e3].
    """
    probe_q = np.array([1e-2, 1.0, 1e2])
    e_f2 = gaussian_expectation(lambda x: act.fn(x) ** 2, probe_q)
    e_g2 = gaussian_expectation(lambda x: act.grad(x) ** 2, probe_q)
    if np.allclose(e_f2 / probe_q, e_g2, rtol=1e-9, atol=0.0):
        return float(1.0 / e_g2[1]), math.nan
    for sigma_w2, q in _line_points(act, float(sigma_b2)):
        if not (np.isfinite(sigma_w2) and sigma_w2 > 0):
            continue
        below, above = chi1(
            sigma_w2 * np.array([1 - CRITICAL_CHECK, 1 + CRITICAL_CHECK]), sigma_b2, act
        )
        if below < 1.0 < above:
            return sigma_w2, q
    sigma_w2 = float(critical_sigma_w2(sigma_b2, act))
    if math.isnan(sigma_w2):
        return math.nan, math.nan
    fixed = variance_fixed_point(sigma_w2, sigma_b2, act)
    q_star = float(fixed.q_star[0])
    return sigma_w2, q_star if fixed.converged[0] or math.isinf(q_star) else math.nan


CORRELATION_NODES = 40
"""Gauss-Hermite nodes per axis of :func:`correlation_depth`'s two-dimensional expectations."""


@cache
def _normal_pairs(nodes: int = CORRELATION_NODES) -> tuple[Array, Array, Array]:
    """(z1, z2, w): a product Gauss-Hermite rule for E[g(Z1, Z2)], Z1, Z2 i.i.d. N(0, 1)."""
    z, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / w.sum()
    z1, z2 = np.meshgrid(z, z, indexing="ij")
    return z1.ravel(), z2.ravel(), np.outer(w, w).ravel()


def correlation_depth(
    sigma_w2: Array | float,
    sigma_b2: Array | float,
    q_star: Array | float,
    act: Activation,
) -> tuple[Array, Array, Array]:
    r"""Schoenholz et al. (2017)'s correlation depth, elementwise: ``(c_star, chi_c, xi_c)``.

    Two inputs at the fixed point :math:`q^*` with correlation c map to

    .. math:: c' = \big(\sigma_w^2 E[\phi(u_1)\phi(u_2)] + \sigma_b^2\big)/q^*,\quad
              u_1 = \sqrt{q^*} z_1,\ u_2 = \sqrt{q^*}\big(c z_1 + \sqrt{1-c^2} z_2\big),

    whose stable fixed point :math:`c^*` is 1 in the ordered phase (:math:`\chi_1 \le 1`) and
    the root below 1 in the chaotic one (:func:`_chaotic_correlation`);
    :math:`\chi_c = \sigma_w^2 E[\phi'(u_1)\phi'(u_2)]` at :math:`c^*` and
    :math:`\xi_c = -1/\ln\chi_c`, the depth over which correlations approach :math:`c^*`. Their
    trainable depth is about :math:`6\xi_c`. Where :math:`c^* = 1`, :math:`\chi_c = \chi_1`
    (:func:`chi`, exact). NaN where :math:`q^*` diverges: there is no fixed point.
    """
    sw2, sb2, q = (
        np.asarray(a, dtype=float) for a in np.broadcast_arrays(sigma_w2, sigma_b2, q_star)
    )
    shape = q.shape
    sw2, sb2, q = sw2.ravel(), sb2.ravel(), q.ravel()
    z1, z2, w = _normal_pairs()
    c_star, chi_c = np.full(q.shape, np.nan), np.full(q.shape, np.nan)
    known = np.isfinite(q)  # a diverging variance has no fixed point to correlate at
    if known.any():
        chi1_known = chi(q[known], sw2[known], act)
        c_star[known], chi_c[known] = 1.0, chi1_known  # ordered: c* = 1 attracts, χ_c = χ₁
        chaotic = np.flatnonzero(known)[(chi1_known > 1.0) & (q[known] > 0)]
        if chaotic.size:
            c_star[chaotic], chi_c[chaotic] = _chaotic_correlation(
                sw2[chaotic], sb2[chaotic], q[chaotic], act, z1, z2, w
            )
    with np.errstate(all="ignore"):
        xi_c = -1.0 / np.log(chi_c)
    return c_star.reshape(shape), chi_c.reshape(shape), xi_c.reshape(shape)


def _chaotic_correlation(sw2, sb2, q, act, z1, z2, w, steps: int = 50) -> tuple[Array, Array]:
    """``(c*, χ_c)`` where χ₁ > 1: c = 1 repels, and c' − c goes from ≥ 0 at c = 0 (the map
    gives σ_w²E[φ]² + σ_b² ≥ 0 there) to < 0 just below 1 (slope χ₁ > 1), so bisection on
    [0, 1) finds the attracting root to 2⁻⁵⁰ (iterating the map would take thousands of steps
    near the edge of chaos, where it contracts by χ_c → 1 per step)."""
    sw, sb, qq = sw2[:, None], sb2[:, None], q[:, None]
    root = np.sqrt(qq)
    u1 = root * z1
    f1, g1 = act.fn(u1), act.grad(u1)

    def pair(c, g):
        u2 = root * (c * z1 + np.sqrt(np.maximum(1.0 - c * c, 0.0)) * z2)
        return np.sum(w * g(u2), axis=1, keepdims=True)

    lo, hi = np.zeros_like(qq), np.ones_like(qq)
    with np.errstate(all="ignore"):
        for _ in range(steps):
            mid = (lo + hi) / 2.0
            above = (sw * pair(mid, lambda u: f1 * act.fn(u)) + sb) / qq - mid >= 0
            lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
        c = (lo + hi) / 2.0
        chi_c = sw[:, 0] * pair(c, lambda u: g1 * act.grad(u))[:, 0]
    # no attracting root below 1 (the quadrature's q* is not a fixed point of this map): none
    found = (chi_c < 1.0) & (c[:, 0] < 1.0 - 1e-9)
    return np.where(found, c[:, 0], np.nan), np.where(found, chi_c, np.nan)


@dataclass(frozen=True)
class DepthScale:
    r"""Where a configuration sits on the phase diagram.

    ``q_star`` (inf if diverging), ``chi1``, ``phase`` ("ordered" / "critical" / "chaotic"),
    ``xi`` = :math:`1/|\ln\chi_1|`, the depth over which the squared gradient changes by e
    (inf at criticality); ``c_star``, ``chi_c`` and ``xi_c`` = :math:`-1/\ln\chi_c`, Schoenholz
    et al.'s correlation depth (:func:`correlation_depth`), and ``trainable_depth`` =
    :math:`6\xi_c`, their rule. In the ordered phase :math:`c^* = 1`, so :math:`\xi_c = \xi`;
    in the chaotic phase they differ (tanh, σ_w² = 2, σ_b² = 0: 6ξ = 59.8, 6ξ_c = 130).
    """

    sigma_w2: float
    sigma_b2: float
    q_star: float
    chi1: float
    phase: str
    xi: float
    trainable_depth: float
    c_star: float = math.nan
    chi_c: float = math.nan
    xi_c: float = math.nan


def depth_scale(sigma_w2: float, sigma_b2: float, act: Activation, tol: float = 1e-6) -> DepthScale:
    """:class:`DepthScale` of one (σ_w², σ_b²); ``tol`` is how close to 1 counts as critical."""
    q_star = float(variance_fixed_point(sigma_w2, sigma_b2, act).q_star.ravel()[0])
    c1 = float(chi(Q_MAX if math.isinf(q_star) else q_star, sigma_w2, act).ravel()[0])
    with np.errstate(all="ignore"):
        log_chi = math.log(c1) if c1 > 0 else -math.inf
    if abs(log_chi) <= tol:
        phase, xi = "critical", math.inf
    else:
        phase = "ordered" if log_chi < 0 else "chaotic"
        xi = 1.0 / abs(log_chi)
    c_star, chi_c, xi_c = (float(v) for v in correlation_depth(sigma_w2, sigma_b2, q_star, act))
    if phase == "critical":
        xi_c = math.inf
    return DepthScale(sigma_w2, sigma_b2, q_star, c1, phase, xi, 6.0 * xi_c, c_star, chi_c, xi_c)


def predict_layers(
    act: Activation, depth: int, q1: float, sigma_w2: float, sigma_b2: float
) -> pd.DataFrame:
    r"""Mean-field prediction for every hidden layer ``l = 1..L`` of a width-n MLP.

    Parameters
    ----------
    act : the hidden activation φ.
    depth : L, the number of hidden layers.
    q1 : variance of the first pre-activation, :math:`\mathrm{Var}(W_1)\,E\lVert x\rVert^2 +
        \sigma_b^2` (layer 1 has fan-in D, not n, so it enters separately).
    sigma_w2 : :math:`n\,\mathrm{Var}(W_l)` of the hidden-to-hidden layers l = 2..L.
    sigma_b2 : bias variance.

    Returns
    -------
    DataFrame with one row per layer: ``layer``, ``q`` (:math:`q_l`, may be inf),
    ``act_std`` (:math:`\sqrt{\mathrm{Var}\,\phi(z)}`, z ~ N(0, q_l)), ``chi``
    (:math:`\chi(q_l)`), ``log10_grad_ratio`` and ``grad_ratio``: the predicted
    :math:`\lVert\partial L/\partial h_l\rVert / \lVert\partial L/\partial h_L\rVert =
    \prod_{k=l+1}^{L}\chi(q_k)^{1/2}` (kept in log10 so it never overflows; the ratio itself may
    be inf or 0).
    """
    q = np.empty(depth)
    q[0] = q1
    for layer in range(1, depth):
        q[layer] = (
            float(q_map(q[layer - 1], sigma_w2, sigma_b2, act)) if q[layer - 1] < np.inf else np.inf
        )
    with np.errstate(all="ignore"):
        mean = gaussian_expectation(act.fn, q)
        second = gaussian_expectation(lambda x: act.fn(x) ** 2, q)
        act_std = np.sqrt(np.maximum(second - mean**2, 0.0))
        chis = chi(np.where(np.isinf(q), Q_MAX, q), sigma_w2, act)
        log10_chi = np.log10(chis)
        # ||dh_{l-1}||^2 = chi(q_l) ||dh_l||^2, so log10 ratio_l = 0.5 * sum_{k>l} log10 chi_k.
        tail = np.concatenate([np.cumsum(log10_chi[::-1])[::-1][1:], [0.0]])
        log10_ratio = 0.5 * tail
        ratio = 10.0**log10_ratio
    return pd.DataFrame(
        {
            "layer": np.arange(1, depth + 1),
            "q": q,
            "act_std": act_std,
            "chi": chis,
            "log10_grad_ratio": log10_ratio,
            "grad_ratio": ratio,
        }
    )


def phase_grid(
    act: Activation,
    sigma_w2_range: tuple[float, float] = (1e-2, 1e3),
    sigma_b2_range: tuple[float, float] = (0.0, 1.0),
    n_w: int = 48,
    n_b: int = 21,
) -> pd.DataFrame:
    r""":math:`\log_{10}\chi_1` over a grid: σ_w² log-spaced, σ_b² linearly spaced.

    Returns a long-form DataFrame with one row per cell: ``sigma_w2``, ``sigma_b2`` (cell
    centres), ``sigma_w2_lo``/``sigma_w2_hi`` and ``sigma_b2_lo``/``sigma_b2_hi`` (cell edges, for
    ``rect`` marks), ``chi1``, ``log10_chi1`` (clipped to ±3 for the colour scale, NaN-free) and
    ``phase``.
    """
    w_edges = np.geomspace(*sigma_w2_range, n_w + 1)
    b_edges = np.linspace(*sigma_b2_range, n_b + 1)
    w_mid = np.sqrt(w_edges[:-1] * w_edges[1:])
    b_mid = (b_edges[:-1] + b_edges[1:]) / 2
    ww, bb = np.meshgrid(w_mid, b_mid)
    c1 = chi1(ww.ravel(), bb.ravel(), act)
    with np.errstate(all="ignore"):
        log_c = np.clip(np.log10(c1), -3.0, 3.0)
    log_c = np.where(np.isnan(log_c), 0.0, log_c)
    i_b, i_w = np.divmod(np.arange(ww.size), n_w)
    return pd.DataFrame(
        {
            "sigma_w2": ww.ravel(),
            "sigma_b2": bb.ravel(),
            "sigma_w2_lo": w_edges[i_w],
            "sigma_w2_hi": w_edges[i_w + 1],
            "sigma_b2_lo": b_edges[i_b],
            "sigma_b2_hi": b_edges[i_b + 1],
            "chi1": c1,
            "log10_chi1": log_c,
            "phase": np.where(c1 < 1, "ordered", "chaotic"),
        }
    )


def critical_line(
    act: Activation, sigma_b2_values: Array, low: float = 1e-2, high: float = 1e3
) -> pd.DataFrame:
    """The order/chaos boundary: ``sigma_b2`` and the critical ``sigma_w2`` (rows without a
    boundary in ``[low, high]`` are dropped)."""
    sb2 = np.asarray(sigma_b2_values, dtype=float)
    root = critical_sigma_w2(sb2, act, low, high, tol=1e-3)
    df = pd.DataFrame({"sigma_b2": sb2, "sigma_w2": root})
    return df.dropna().reset_index(drop=True)


NAMED_INITS = (
    "too_small",
    "standard_uniform",
    "lecun_normal",
    "xavier_normal",
    "he_normal",
    "standard_normal",
)


def named_points(
    act: Activation, width: int, sigma_b2: float, sigma_w2_range: tuple[float, float] = (1e-2, 1e3)
) -> pd.DataFrame:
    r"""Named initializers of a width-n hidden layer on the phase diagram.

    Each sits at :math:`\sigma_w^2 = n\,\mathrm{Var}(W)` (fan-in = fan-out = n) and the given
    σ_b². Initializers with the same σ_w² share one point (Xavier and LeCun at n_in = n_out).
    Returns DataFrame[name, sigma_w2, sigma_b2, chi1, kind="initializer"], only rows inside
    ``sigma_w2_range``.
    """
    from gradviz.initializers import get_initializer, sigma_w2

    by_value: dict[float, list[str]] = {}
    for name in NAMED_INITS:
        value = round(sigma_w2(name, width, width), 12)
        by_value.setdefault(value, []).append(get_initializer(name).label)
    values = np.array(sorted(v for v in by_value if sigma_w2_range[0] <= v <= sigma_w2_range[1]))
    if values.size == 0:
        return pd.DataFrame(columns=["name", "sigma_w2", "sigma_b2", "chi1", "kind"])
    return pd.DataFrame(
        {
            "name": [" / ".join(by_value[v]) for v in values],
            "sigma_w2": values,
            "sigma_b2": sigma_b2,
            "chi1": chi1(values, np.full(values.shape, sigma_b2), act),
            "kind": "initializer",
        }
    )


def phase_points(
    act: Activation,
    width: int,
    sigma_b2: float,
    current_sigma_w2: float | None,
    sigma_w2_range: tuple[float, float] = (1e-2, 1e3),
) -> pd.DataFrame:
    """:func:`named_points` plus the current network (``kind="current"``, named "your
    network") when its σ_w² is given and inside ``sigma_w2_range``."""
    points = named_points(act, width, sigma_b2, sigma_w2_range)
    if current_sigma_w2 is None or not sigma_w2_range[0] <= current_sigma_w2 <= sigma_w2_range[1]:
        return points
    here = pd.DataFrame(
        {
            "name": ["your network"],
            "sigma_w2": [current_sigma_w2],
            "sigma_b2": [sigma_b2],
            "chi1": chi1(current_sigma_w2, sigma_b2, act),
            "kind": ["current"],
        }
    )
    return pd.concat([points, here], ignore_index=True) if len(points) else here


CURVE_POINTS = 120
"""σ_w² points of :func:`trainable_depth_curve`."""


def trainable_depth_curve(
    act: Activation,
    sigma_b2: float,
    sigma_w2_range: tuple[float, float] = (1e-2, 1e3),
    n: int | None = None,
) -> pd.DataFrame:
    r""":math:`\chi_1`, :math:`\xi = 1/|\ln\chi_1|`, the correlation depth :math:`\xi_c`
    (:func:`correlation_depth`) and Schoenholz et al.'s trainable depth :math:`6\xi_c` along
    log-spaced σ_w² at fixed σ_b²: DataFrame[sigma_w2, chi1, xi, xi_c, trainable_depth] (inf
    where :math:`\chi_1 = 1` exactly)."""
    n = CURVE_POINTS if n is None else n
    sw2 = np.geomspace(*sigma_w2_range, n)
    sb2 = np.full(n, sigma_b2)
    q_star = variance_fixed_point(sw2, sb2, act).q_star
    c1 = chi(np.where(np.isinf(q_star), Q_MAX, q_star), sw2, act)
    _, _, xi_c = correlation_depth(sw2, sb2, q_star, act)
    with np.errstate(all="ignore"):
        xi = 1.0 / np.abs(np.log(c1))
    xi_c = np.where(np.isinf(xi), np.inf, xi_c)
    return pd.DataFrame(
        {"sigma_w2": sw2, "chi1": c1, "xi": xi, "xi_c": xi_c, "trainable_depth": 6.0 * xi_c}
    )


PHASE_WORK: dict[str, tuple[float, float, float]] = {
    "sigmoid": (2.75e6, 260, 14),
    "tanh": (3.24e6, 374, 660),
    "softsign": (3.50e6, 398, 631),
    "relu": (11.99e6, 3083, 357),
    "leaky_relu": (10.93e6, 2561, 851),
    "rrelu": (12.89e6, 3424, 885),
    "prelu": (11.06e6, 2649, 686),
    "elu": (9.54e6, 1296, 1721),
    "selu": (8.19e6, 788, 958),
    "gelu": (10.67e6, 2350, 2141),
    "silu": (11.90e6, 4856, 808),
    "softplus": (16.91e6, 5196, 956),
    "hardtanh": (3.16e6, 356, 1502),
    "linear": (13.31e6, 3270, 399),
}
"""Per activation, the work of one phase diagram (:func:`phase_grid`, :func:`critical_line`,
:func:`phase_points`, :func:`trainable_depth_curve`): quadrature nodes evaluated on arrays, array
quadratures, and one-variance quadratures. The fixed-point iterations stop when they converge,
so these were counted (at σ_b² = 0, width 64; other σ_b² change them by a few per cent)."""

PHASE_GRID_CELLS = 48 * 21
"""Cells of :func:`phase_grid`'s default grid: its χ₁ is one array quadrature over them all."""
PHASE_PANELS: dict[str, int] = {"sigmoid": 15, "tanh": 16, "softsign": 16, "hardtanh": 16}
"""Dyadic panels (12 nodes each) of the grid's quadrature, the largest array of a phase diagram:
16 for a bounded activation, whose variance stays below σ_w²·sup f² + σ_b² ≈ 10³; 31 for the
others, whose variance may grow to :data:`Q_MAX` in the chaotic corner (counted)."""
PHASE_ARRAYS = 9
"""Arrays of the largest quadrature's size alive at once in :func:`_positive_expectation`: the
nodes, weights and density, g(x) and g(-x) and the activation's temporaries (measured with
tracemalloc: 7-10, GELU 14)."""


def phase_diagram_cost(act: Activation) -> Cost:
    """What one phase diagram of ``act`` costs: per quadrature node the Gaussian density (an
    exp and a few passes), the integrand at ±x, and the weighted sum; per quadrature its calls
    (:data:`PHASE_WORK`); its peak is the grid's quadrature (:data:`PHASE_PANELS`)."""
    from gradviz.mlp import ACTIVATION_PASSES

    nodes, array_calls, scalar_calls = PHASE_WORK[act.name]
    fn_passes, grad_passes = ACTIVATION_PASSES[act.name]
    per_node = 12 + fn_passes + grad_passes
    largest = PHASE_GRID_CELLS * 12 * PHASE_PANELS.get(act.name, 31)
    # the trainable-depth curve's correlation depths, at most every point chaotic: a bisection
    # of 50 steps, each one activation and four passes per node of the 40 x 40 rule
    correlation = CURVE_POINTS * CORRELATION_NODES**2 * (50 * (fn_passes + 4) + 2 * grad_passes)
    return Cost(
        elementwise=nodes * per_node + correlation,
        calls=25 * array_calls + 20 * scalar_calls + 50 * 10,
        peak_bytes=max(PHASE_ARRAYS * largest, 6 * CURVE_POINTS * CORRELATION_NODES**2) * 8.0,
    )
