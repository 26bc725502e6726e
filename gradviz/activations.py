r"""Activation functions and their derivatives: the single registry of the app.

Every entry pairs a value :math:`f(x)` with its derivative :math:`f'(x)`, both elementwise on
arrays of any shape, in the style of numpy-ml's ``fn`` / ``grad``. Their *properties* (peak
slope, output range, saturation, monotonicity, zero-centring) are measured from the functions by
:func:`properties`, never typed in, so the numbers the app quotes cannot drift from the code.

>>> act = get_activation("sigmoid")
>>> float(act.grad(np.array(0.0)))
0.25
>>> str(get_activation("leaky_relu", alpha=0.2))
'leaky ReLU(α=0.2)'
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from gradviz.budget import TRANSCENDENTAL, Cost
from gradviz.registry import Param, lookup, resolve

Array = np.ndarray
ElementwiseFn = Callable[[Array], Array]

SELU_LAMBDA = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717
_GELU_C = math.sqrt(2.0 / math.pi)
_GELU_K = 0.044715


@dataclass(frozen=True)
class Activation:
    """One activation function with fixed parameters.

    Attributes
    ----------
    name : registry key, e.g. ``"leaky_relu"``.
    label : human-readable name, e.g. ``"leaky ReLU"``.
    fn : ``f(x)``, elementwise, any shape -> same shape.
    grad : ``f'(x)``, elementwise, any shape -> same shape.
    params : the parameter values this instance was built with, as ``((name, value), ...)``.
    """

    name: str
    label: str
    fn: ElementwiseFn = field(compare=False, repr=False)
    grad: ElementwiseFn = field(compare=False, repr=False)
    params: tuple[tuple[str, float], ...] = ()
    fused: Callable[[Array], tuple[Array, Array]] | None = field(
        default=None, compare=False, repr=False
    )

    def __call__(self, x: Array) -> Array:
        return self.fn(x)

    def value_and_grad(self, x: Array) -> tuple[Array, Array]:
        """``(f(x), f'(x))`` in one pass where the two share work (sigmoid's e^{-|x|}); the
        same numbers as ``fn`` and ``grad``. Forward passes of networks use this."""
        if self.fused is not None:
            return self.fused(x)
        return self.fn(x), self.grad(x)

    @property
    def scalar(self) -> Callable[[float], float]:
        """``f`` on one Python float, with the same formula as ``fn`` (to a few ulp).

        A 1-element numpy call costs ~7 µs, a hundred float operations; sequential loops such as
        Nielsen's chain at L = 1000 use this instead. Entries without a float form fall back to
        ``fn`` on a 1-element array.
        """
        build = _SCALAR_BUILDERS.get(self.name)
        if build is not None:
            return build(**dict(self.params))
        fn = self.fn
        return lambda x: float(fn(np.array([x]))[0])

    def __str__(self) -> str:
        if not self.params:
            return self.label
        inside = ", ".join(f"{'α' if k == 'alpha' else k}={v:g}" for k, v in self.params)
        return f"{self.label}({inside})"


@dataclass(frozen=True)
class ActivationSpec:
    """A registry entry: how to build an :class:`Activation` from parameter values."""

    name: str
    label: str
    build: Callable[..., tuple] = field(repr=False)  # -> (fn, grad) or (fn, grad, fused)
    params: tuple[Param, ...] = ()

    def make(self, **values: float) -> Activation:
        chosen = resolve(self.name, self.params, values)
        fn, grad, *fused = self.build(**dict(chosen))
        return Activation(self.name, self.label, fn, grad, chosen, *fused)


# ----------------------------------------------------------------------------- definitions
# Each builder returns (fn, grad). They are written to be overflow-free for any finite float64
# input: no exp of a large positive number is ever formed.


def _sigmoid(x: Array, out: Array | None = None) -> Array:
    # 1/(1 + e^{-x}): within 1.2 ulp of the exact value wherever that is a normal float64
    # (measured against extended precision), and 4 array passes. Below x = -709.78, e^{-x}
    # overflows to inf and the result is 0 (the exact value is subnormal, < 1e-308).
    # ``out``: an array of x's shape to compute in (the LSTM writes its gates into one block).
    with np.errstate(over="ignore"):
        if out is None:  # also takes scalars, which have no buffer to compute in
            return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))
        np.negative(x, out=out)
        np.exp(out, out=out)
        out += 1.0
        return np.reciprocal(out, out=out)


def _sigmoid_grad(x: Array) -> Array:
    # σ' = σ(1-σ) = e^{-|x|} / (1 + e^{-|x|})^2; the product form would cancel to 0 for x > 37.
    e = np.exp(-np.abs(np.asarray(x, dtype=float)))
    return e / (1.0 + e) ** 2


def _sigmoid_and_grad(x: Array) -> tuple[Array, Array]:
    x = np.asarray(x, dtype=float)
    e = np.exp(-np.abs(x))
    r = 1.0 / (1.0 + e)
    er = e * r
    return np.where(x >= 0, r, er), er * r


def _build_sigmoid():
    return _sigmoid, _sigmoid_grad, _sigmoid_and_grad


def _sech2(x: Array) -> Array:
    # tanh' = 1 - tanh^2 = sech^2 x = 4 e^{-2|x|} / (1 + e^{-2|x|})^2, without the
    # cancellation of 1 - tanh^2 (which is exactly 0 in float64 beyond |x| ~ 19).
    e = np.exp(-2.0 * np.abs(np.asarray(x, dtype=float)))
    return 4.0 * e / (1.0 + e) ** 2


def _tanh_and_grad(x: Array) -> tuple[Array, Array]:
    # For |x| < 1, (1 - t)(1 + t) has no cancellation (1 - |t| > 0.23): within a few ulp, and
    # much cheaper than the exp; beyond, the exp form, computed only on those entries.
    x = np.asarray(x, dtype=float)
    t = np.tanh(x)
    slope = (1.0 - t) * (1.0 + t)
    far = np.abs(x) >= 1.0
    if far.any():
        slope[far] = _sech2(x[far])
    return t, slope


def _build_tanh():
    return np.tanh, _sech2, _tanh_and_grad


def _build_softsign():
    def fn(x):
        return x / (1.0 + np.abs(x))

    def grad(x):
        return (1.0 / (1.0 + np.abs(x))) ** 2  # square last: no overflow for huge |x|

    return fn, grad


def _leaky(alpha: float):
    def fn(x):
        x = np.asarray(x, dtype=float)
        # With α = 0 the negative side is exactly 0, also at x = -inf (where 0·x would be NaN).
        return np.where(x > 0, x, alpha * x if alpha else 0.0)

    def grad(x):
        return np.where(np.asarray(x) > 0, 1.0, alpha)

    return fn, grad


def _build_relu():
    return _leaky(0.0)


def _build_leaky_relu(alpha: float):
    return _leaky(alpha)


def _build_rrelu(lower: float, upper: float):
    # Xu et al. (2015): training draws a ~ U(lower, upper) and uses slope 1/a for x < 0;
    # evaluation uses the deterministic slope 2 / (lower + upper) (= 1/5.5 for the suggested 3, 8).
    return _leaky(rrelu_eval_slope(lower, upper))


def rrelu_eval_slope(lower: float, upper: float) -> float:
    """Deterministic negative slope of randomized leaky ReLU: :math:`2/(l+u)`."""
    return 2.0 / (lower + upper)


def rrelu_sample(x: Array, lower: float, upper: float, rng: np.random.Generator):
    """Training-mode randomized leaky ReLU.

    Draws a per-element divisor :math:`a \\sim U(l, u)` and returns ``(out, slope)`` where
    ``out = x`` for ``x > 0`` and ``x / a`` otherwise; ``slope`` is the local derivative.
    """
    x = np.asarray(x, dtype=float)
    slope = np.where(x > 0, 1.0, 1.0 / rng.uniform(lower, upper, size=x.shape))
    return x * slope, slope


def _build_prelu(alpha: float):
    return _leaky(alpha)


def prelu_alpha_grad(x: Array, dout: Array) -> float:
    r"""Gradient of a PReLU's shared slope: :math:`\partial L/\partial\alpha = \sum dout\cdot
    \min(x, 0)`."""
    x = np.asarray(x, dtype=float)
    return float(np.sum(dout * np.minimum(x, 0.0)))


def _build_elu(alpha: float):
    def fn(x):
        x = np.asarray(x, dtype=float)
        return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))

    def grad(x):
        x = np.asarray(x, dtype=float)
        return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))

    return fn, grad


def _build_selu():
    elu_fn, elu_grad = _build_elu(SELU_ALPHA)
    return (lambda x: SELU_LAMBDA * elu_fn(x)), (lambda x: SELU_LAMBDA * elu_grad(x))


def _build_gelu():
    # tanh approximation (Hendrycks & Gimpel 2016); numpy has no erf, and this pair is exact
    # for the function it defines. Beyond |x| = 50 tanh is exactly ±1 in float64, so clipping
    # the inner argument changes nothing but avoids x**3 overflowing.
    def inner(x):
        xc = np.clip(x, -50.0, 50.0)
        return xc, _GELU_C * (xc + _GELU_K * xc**3)

    # Written as x·σ(2u) = ½x(1 + tanh u): the tanh form cancels for x < -5 (1% error at -7.4).
    def fn(x):
        x = np.asarray(x, dtype=float)
        _, u = inner(x)
        return x * _sigmoid(2.0 * u)

    def grad(x):
        # f' = σ(2u) + 2x σ(2u) σ(-2u) u'(x)
        x = np.asarray(x, dtype=float)
        xc, u = inner(x)
        du = _GELU_C * (1.0 + 3.0 * _GELU_K * xc**2)
        return _sigmoid(2.0 * u) * (1.0 + 2.0 * xc * _sigmoid(-2.0 * u) * du)

    return fn, grad


def _build_silu():
    def fn(x):
        x = np.asarray(x, dtype=float)
        return x * _sigmoid(x)

    def grad(x):
        x = np.asarray(x, dtype=float)
        return _sigmoid(x) + x * _sigmoid_grad(x)

    def fused(x):
        x = np.asarray(x, dtype=float)
        s, slope = _sigmoid_and_grad(x)
        return x * s, s + x * slope

    return fn, grad, fused


def _build_softplus():
    def fn(x):
        # log(1 + e^x) = max(x, 0) + log1p(e^{-|x|}): exact, and warning-free even at ±inf.
        x = np.asarray(x, dtype=float)
        return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))

    return fn, _sigmoid


def _build_hardtanh():
    def fn(x):
        return np.clip(x, -1.0, 1.0)

    def grad(x):
        x = np.asarray(x, dtype=float)
        return ((x > -1.0) & (x < 1.0)).astype(float)

    return fn, grad


def _build_linear():
    def fn(x):
        return np.asarray(x, dtype=float) * 1.0

    def grad(x):
        return np.ones_like(np.asarray(x, dtype=float))

    return fn, grad


_ALPHA_LEAKY = Param("alpha", 0.01, 0.0, 1.0, "negative slope")

REGISTRY: Mapping[str, ActivationSpec] = {
    spec.name: spec
    for spec in (
        ActivationSpec(
            "sigmoid",
            "sigmoid",
            _build_sigmoid,
        ),
        ActivationSpec("tanh", "tanh", _build_tanh),
        ActivationSpec(
            "softsign",
            "softsign",
            _build_softsign,
        ),
        ActivationSpec("relu", "ReLU", _build_relu),
        ActivationSpec(
            "leaky_relu",
            "leaky ReLU",
            _build_leaky_relu,
            (_ALPHA_LEAKY,),
        ),
        ActivationSpec(
            "rrelu",
            "randomized leaky ReLU",
            _build_rrelu,
            (
                Param("lower", 3.0, 1.0, 20.0, "a ~ U(lower, upper); slope 1/a for x < 0"),
                Param("upper", 8.0, 1.0, 20.0, "a ~ U(lower, upper); slope 1/a for x < 0"),
            ),
        ),
        ActivationSpec(
            "prelu",
            "PReLU",
            _build_prelu,
            (Param("alpha", 0.25, 0.0, 1.0, "learned slope (initial value)"),),
        ),
        ActivationSpec(
            "elu",
            "ELU",
            _build_elu,
            (Param("alpha", 1.0, 0.0, 5.0, "negative saturation level -α"),),
        ),
        ActivationSpec(
            "selu",
            "SELU",
            _build_selu,
        ),
        ActivationSpec("gelu", "GELU", _build_gelu),
        ActivationSpec("silu", "SiLU / swish", _build_silu),
        ActivationSpec("softplus", "softplus", _build_softplus),
        ActivationSpec("hardtanh", "hard tanh", _build_hardtanh),
        ActivationSpec("linear", "linear", _build_linear),
    )
}

NAMES: tuple[str, ...] = tuple(REGISTRY)


# Float twins of the array formulas above (same algebra, same guards), checked against them to
# 4 ulp at extremes, ±inf and NaN in tests/test_activations.py.
def _scalar_sigmoid(x: float) -> float:
    try:
        return 1.0 / (1.0 + math.exp(-x))
    except OverflowError:  # numpy's e^{-x} = inf there, and 1/(1 + inf) = 0
        return 0.0


def _scalar_leaky(alpha: float) -> Callable[[float], float]:
    return lambda x: x if x > 0 else (alpha * x if alpha else 0.0)


def _scalar_elu(alpha: float, scale: float = 1.0) -> Callable[[float], float]:
    return lambda x: scale * (x if x > 0 else alpha * math.expm1(min(x, 0.0)))


def _scalar_gelu(x: float) -> float:
    xc = min(max(x, -50.0), 50.0)
    return x * _scalar_sigmoid(2.0 * _GELU_C * (xc + _GELU_K * xc**3))


_SCALAR_BUILDERS: Mapping[str, Callable[..., Callable[[float], float]]] = {
    "sigmoid": lambda: _scalar_sigmoid,
    "tanh": lambda: math.tanh,
    "softsign": lambda: lambda x: x / (1.0 + abs(x)),
    "relu": lambda: _scalar_leaky(0.0),
    "leaky_relu": _scalar_leaky,
    "prelu": _scalar_leaky,
    "rrelu": lambda lower, upper: _scalar_leaky(rrelu_eval_slope(lower, upper)),
    "elu": _scalar_elu,
    "selu": lambda: _scalar_elu(SELU_ALPHA, SELU_LAMBDA),
    "gelu": lambda: _scalar_gelu,
    "silu": lambda: lambda x: x * _scalar_sigmoid(x),
    "softplus": lambda: lambda x: max(x, 0.0) + math.log1p(math.exp(-abs(x))),
    "hardtanh": lambda: lambda x: min(max(x, -1.0), 1.0),
    "linear": lambda: lambda x: x * 1.0,
}


def get_activation(name: str, **params: float) -> Activation:
    """Build the registry activation ``name`` with the given parameter values.

    Unknown names raise ``KeyError`` listing the valid ones.
    """
    return lookup(REGISTRY, name, "activation").make(**params)


def label(name: str) -> str:
    """Display label of a registry name: ``label("relu") == "ReLU"``."""
    return REGISTRY[name].label


# ----------------------------------------------------------------------------- properties

# Dense grid that contains 0 exactly (step 1e-4) for peak slopes; far points for limits.
_GRID = np.linspace(-20.0, 20.0, 400_001)
_FAR = 1e6
_SATURATION_EPS = 1e-4


@dataclass(frozen=True)
class Properties:
    """Properties of an activation, measured numerically from ``fn`` and ``grad``.

    ``max_slope`` is max |f'(x)| and ``argmax_slope`` the smallest |x| where it is reached;
    ``peak_where`` says where in words (``"x = 0"``, ``"x > 0"``, ``"x → +∞"``);
    ``slope_values`` lists the distinct values of f' when there are at most four (ReLU: 0, 1).
    ``out_low`` / ``out_high`` are inf/-inf when unbounded; ``*_attained`` says whether the bound is
    reached at a finite x (closed bracket) or only approached (open bracket).
    ``saturates_left/right``: |f'(x)| -> 0 as x -> -inf / +inf.
    ``mean_output_std_normal``: E[f(z)] for z ~ N(0, 1), by :func:`piecewise_normal_rule`;
    ``zero_centred`` means that mean is within ±0.1 of 0, so a following unit sees inputs of
    both signs (seed 004's zig-zag argument).
    """

    name: str
    max_slope: float
    argmax_slope: float
    peak_where: str
    slope_values: tuple[float, ...] | None
    out_low: float
    out_high: float
    low_attained: bool
    high_attained: bool
    zero_centred: bool
    saturates_left: bool
    saturates_right: bool
    monotonic: bool
    mean_output_std_normal: float

    @property
    def output_range(self) -> str:
        """Interval notation, e.g. ``"(0, 1)"`` or ``"[0, ∞)"``."""

        def fmt(v: float) -> str:
            if math.isinf(v):
                return "∞" if v > 0 else "-∞"
            return f"{v + 0.0:.4g}"  # + 0.0 turns -0.0 into 0.0

        left = "[" if self.low_attained else "("
        right = "]" if self.high_attained else ")"
        return f"{left}{fmt(self.out_low)}, {fmt(self.out_high)}{right}"

    @property
    def saturation(self) -> str:
        sides = [
            s for s, on in (("left", self.saturates_left), ("right", self.saturates_right)) if on
        ]
        return " and ".join(sides) if sides else "none"


def _limit(fn: ElementwiseFn, sign: float) -> tuple[float, bool]:
    """(limit of f at sign·∞, whether f is bounded on that side)."""
    near, far = float(fn(np.array(sign * _FAR / 100))), float(fn(np.array(sign * _FAR)))
    bounded = abs(far - near) <= 1e-3 * max(1.0, abs(near))
    return (far, True) if bounded else (sign * math.inf, False)


def _peak_where(at_peak: Array) -> str:
    lo, hi = _GRID[at_peak].min(), _GRID[at_peak].max()
    step = _GRID[1] - _GRID[0]
    wide = hi - lo > 1.0
    if lo == _GRID[0] and hi == _GRID[-1]:
        return "every x"
    if hi == _GRID[-1]:
        if not wide:
            return "x → +∞"
        return "x ≥ 0" if lo == 0.0 else f"x > {lo - step + 0.0:.3g}"
    if lo == _GRID[0]:
        return f"x < {hi + step + 0.0:.3g}" if wide else "x → -∞"
    if wide:
        return f"{lo - step + 0.0:.3g} < x < {hi + step + 0.0:.3g}"
    return f"x = {lo + 0.0:.4g}" if lo == hi else f"{lo:.4g} ≤ x ≤ {hi:.4g}"


def _few_distinct(values: Array, most: int) -> tuple[float, ...] | None:
    """The distinct entries of ``values`` (no NaN), sorted, when there are at most ``most``;
    otherwise ``None``. One pass per value found, where ``np.unique`` would sort 400,001
    numbers (30 ms) to learn that a smooth f' takes more than four values."""
    found: list[float] = []
    rest = values.reshape(-1)
    while rest.size and len(found) <= most:
        found.append(float(rest[0]))
        rest = rest[rest != rest[0]]
    return tuple(sorted(found)) if len(found) <= most else None


def gauss_hermite_normal(n: int = 101) -> tuple[Array, Array]:
    """Nodes ``z`` and weights ``w`` with :math:`\\sum_i w_i g(z_i) \\approx E[g(Z)]`,
    :math:`Z \\sim N(0,1)` (probabilists' Hermite quadrature, weights summing to 1)."""
    z, w = np.polynomial.hermite_e.hermegauss(n)
    return z, w / w.sum()


KINKS = (-1.0, 0.0, 1.0)
"""Where registry activations may have a kink (ReLU family, SELU, ELU, softsign at 0; hard tanh
at ±1): :func:`piecewise_normal_rule` splits its integral there."""


@cache
def piecewise_normal_rule(
    breaks: tuple[float, ...] = KINKS, reach: float = 12.0, nodes: int = 48
) -> tuple[Array, Array]:
    r"""Nodes ``z`` and weights ``w`` with :math:`\sum_i w_i g(z_i) \approx E[g(Z)]`,
    :math:`Z \sim N(0,1)`, exact to float rounding for any g smooth between ``breaks``.

    Gauss-Legendre with ``nodes`` points on each piece of ``[-reach, reach]`` cut at
    ``breaks``, weighted by the normal density: Gauss-Hermite's single polynomial rule converges
    slowly across a kink (ReLU's E[f(Z)] = 1/√(2π) = 0.39894 came out as 0.3957 with 101
    nodes). Beyond ±12 the normal mass is 3.6e-33, far below float64 resolution for any
    activation growing at most linearly. Read-only arrays, shared.
    """
    cuts = (-reach, *breaks, reach)
    x, v = np.polynomial.legendre.leggauss(nodes)
    zs, ws = [], []
    for a, b in itertools.pairwise(cuts):
        half = (b - a) / 2.0
        z = a + half * (x + 1.0)
        zs.append(z)
        ws.append(half * v * np.exp(-z * z / 2.0) / math.sqrt(2.0 * math.pi))
    z, w = np.concatenate(zs), np.concatenate(ws)
    z.flags.writeable = w.flags.writeable = False
    return z, w


def properties(act: Activation) -> Properties:
    """Measure :class:`Properties` of ``act`` from its functions on a dense grid and far points."""
    with np.errstate(all="ignore"):
        slopes = act.grad(_GRID)
        abs_slopes = np.abs(slopes)
        peak = float(abs_slopes.max())
        at_peak = np.flatnonzero(abs_slopes >= peak - 1e-12)
        argmax = float(_GRID[at_peak[np.argmin(np.abs(_GRID[at_peak]))]])
        distinct = _few_distinct(np.round(slopes, 12), most=4)
        values = act.fn(_GRID)
        low_lim, low_bounded = _limit(act.fn, -1.0)
        high_lim, high_bounded = _limit(act.fn, +1.0)
        grid_min, grid_max = float(values.min()), float(values.max())
        out_low = min(low_lim, grid_min) if low_bounded else -math.inf
        out_high = max(high_lim, grid_max) if high_bounded else math.inf
        # A bound is attained when f reaches it at moderate x (a flat part: ReLU's 0, hardtanh's
        # ±1) or dips past its limit (GELU's minimum -0.17). Moderate, because tanh(20) already
        # rounds to 1.0 in float64 while tanh never reaches 1.
        moderate = values[np.abs(_GRID) <= 5.0]
        low_attained = low_bounded and (
            grid_min < low_lim - 1e-12 or bool(np.any(np.abs(moderate - low_lim) < 1e-15))
        )
        high_attained = high_bounded and (
            grid_max > high_lim + 1e-12 or bool(np.any(np.abs(moderate - high_lim) < 1e-15))
        )
        far_slopes = np.abs(act.grad(np.array([-_FAR, _FAR])))
        z, w = piecewise_normal_rule()
        mean_out = float(np.sum(w * act.fn(z)))
    return Properties(
        name=act.name,
        max_slope=peak,
        argmax_slope=argmax,
        peak_where=_peak_where(at_peak),
        slope_values=distinct,
        out_low=out_low,
        out_high=out_high,
        low_attained=low_attained,
        high_attained=high_attained,
        zero_centred=abs(mean_out) < 0.1,
        saturates_left=bool(far_slopes[0] < _SATURATION_EPS),
        saturates_right=bool(far_slopes[1] < _SATURATION_EPS),
        monotonic=bool(np.all(np.diff(values) >= -1e-12)),
        mean_output_std_normal=mean_out,
    )


@cache
def default_properties(name: str) -> Properties:
    """:func:`properties` of the registry entry with default parameters (memoised)."""
    return properties(get_activation(name))


# ----------------------------------------------------------------------------- cost

POWER_PASSES = 80.0
"""Element passes of ``x**3`` (numpy's general power, about 50 ns an element; GELU has one in
``fn`` and one in ``grad``)."""
UFUNC_CALLS = 0.3
"""One bare ufunc on a few elements, in units of :data:`~gradviz.budget.CALL_SECONDS` (about
0.7 µs measured: loops of small evaluations, such as bisection, pay this per ufunc)."""
ERRSTATE = 4
"""Entering and leaving ``np.errstate`` costs as much as this many ufuncs (about 2.5 µs)."""


@dataclass(frozen=True)
class EvalCost:
    """What evaluating one registry activation costs, counted from its formulas.

    ``fn_passes`` / ``grad_passes``: element passes of ``fn`` / ``grad`` (a transcendental counts
    :data:`~gradviz.budget.TRANSCENDENTAL` passes, ``x**3`` :data:`POWER_PASSES`);
    ``fn_ufuncs`` / ``grad_ufuncs``: the numpy calls each makes (each :data:`UFUNC_CALLS` of a
    call); ``arrays``: arrays of the input's size alive at once inside the larger of the two,
    its output included.
    """

    fn_passes: float
    grad_passes: float
    fn_ufuncs: int
    grad_ufuncs: int
    arrays: int

    def fn(self, size: float) -> Cost:
        """``fn`` on ``size`` elements."""
        return Cost(
            elementwise=self.fn_passes * size,
            calls=self.fn_ufuncs * UFUNC_CALLS,
            peak_bytes=8.0 * self.arrays * size,
        )

    def grad(self, size: float) -> Cost:
        """``grad`` on ``size`` elements."""
        return Cost(
            elementwise=self.grad_passes * size,
            calls=self.grad_ufuncs * UFUNC_CALLS,
            peak_bytes=8.0 * self.arrays * size,
        )


_T = TRANSCENDENTAL
# Counted from the builders above; numbers of ufuncs include np.asarray and the errstate of
# _sigmoid (sigmoid, GELU, SiLU, softplus's f').
EVAL_COSTS: Mapping[str, EvalCost] = {
    # sigmoid: -x, exp, +1, 1/(...) in an errstate; f': |x|, -, exp, 1 + e, (...)^2, e/(...)
    "sigmoid": EvalCost(3 + _T, 5 + _T, 5 + ERRSTATE, 6, 3),
    "tanh": EvalCost(_T, 6 + _T, 1, 8, 3),
    "softsign": EvalCost(3, 4, 3, 4, 2),
    "relu": EvalCost(2, 2, 3, 3, 1),
    "leaky_relu": EvalCost(3, 2, 4, 3, 2),
    "rrelu": EvalCost(3, 2, 4, 3, 2),
    "prelu": EvalCost(3, 2, 4, 3, 2),
    "elu": EvalCost(4 + _T, 4 + _T, 6, 6, 2),
    "selu": EvalCost(5 + _T, 5 + _T, 7, 7, 2),
    "gelu": EvalCost(
        9 + _T + POWER_PASSES, 22 + 2 * _T + POWER_PASSES, 14 + ERRSTATE, 25 + 2 * ERRSTATE, 8
    ),
    "silu": EvalCost(4 + _T, 10 + 2 * _T, 7 + ERRSTATE, 13 + ERRSTATE, 4),
    "softplus": EvalCost(4 + 2 * _T, 3 + _T, 7, 5 + ERRSTATE, 3),
    "hardtanh": EvalCost(1, 2, 1, 5, 1),  # f': two comparisons and an and, on booleans
    "linear": EvalCost(1, 1, 2, 2, 1),
}
"""Evaluation cost of every registry activation (the parameters do not change it)."""

PROPERTY_PASSES = 12.0
"""Element passes :func:`properties` makes over its grid besides ``fn`` and ``grad``: |f'|, its
maximum and the peak mask, rounding to 12 decimals, the distinct-value scan, the output's
extremes, the moderate-x mask and the monotonicity test. Most of them compare and yield
booleans, a fraction of a pass each (measured: 3.7 ms for ReLU's 400,001 points)."""
PROPERTY_CALLS = 60.0
"""Calls :func:`properties` makes besides its grid passes: the far points, the 101-node
Gauss-Hermite mean and the bookkeeping."""


def properties_cost(name: str) -> Cost:
    """What :func:`properties` costs for activation ``name``: ``fn`` and ``grad`` on the
    400,001-point grid and :data:`PROPERTY_PASSES` more passes over it, with the grid, its
    slopes and values alive next to the evaluation's own arrays."""
    ev, size = EVAL_COSTS[name], float(_GRID.size)
    return Cost(
        elementwise=(PROPERTY_PASSES + ev.fn_passes + ev.grad_passes) * size,
        calls=PROPERTY_CALLS + (ev.fn_ufuncs + ev.grad_ufuncs) * UFUNC_CALLS,
        peak_bytes=8.0 * size * (3 + ev.arrays),
    )
