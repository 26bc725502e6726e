r"""Products of many factors: why depth makes vanishing and exploding exponential.

Two computations behind the landing page and the Activations page:

* :func:`factor_power` — one per-layer factor ``a`` repeated over ``L`` layers,
  :math:`a^l` for :math:`l = 0..L` (seed 001: :math:`0.25^{10} = 9.5367431640625\times10^{-7}`,
  :math:`2^{10} = 1024`), and :func:`peak_slope_products` — the best case
  :math:`\max|f'|^l` of each activation next to a free factor.
* :func:`uniform_products` — the product of ``n`` numbers drawn from U(0, 1) (seed 004 claims it
  is never above 1e-18). Its exact law is known: :math:`-\ln U \sim \mathrm{Exp}(1)`, so
  :math:`-\ln \prod_{i=1}^n U_i \sim \mathrm{Gamma}(n, 1)` and

  .. math:: P\Big(\prod U_i > t\Big) = P(G < -\ln t) = P(n, -\ln t),

  the regularized lower incomplete gamma function, computed by :func:`gamma_p` from its power
  series in log space. The Monte-Carlo estimate and the exact value are reported side by side.

Everything is float64 and warning-free; products that leave float range are returned as 0 or inf
with a :class:`~gradviz.numerics.Breakdown` saying where.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gradviz.budget import DATAFRAME, TEXT_COLUMN, Cost
from gradviz.numerics import Breakdown, find_breakdown

Array = np.ndarray
LN10 = math.log(10.0)


# ----------------------------------------------------------------------------- chain products


@dataclass(frozen=True)
class FactorPower:
    """:math:`a^l` for one per-layer factor ``a`` over layers ``l = 0..L``.

    ``frame`` has one row per layer: ``layer`` (int, 0..L) and ``product`` (float, ``a**layer``;
    0 or inf once it leaves float64 range). ``final`` is ``a**L``; ``breakdown`` says at which
    layer the product underflowed or overflowed, if it did.
    """

    factor: float
    depth: int
    frame: pd.DataFrame
    final: float
    breakdown: Breakdown

    @property
    def log10_magnitude(self) -> float:
        r""":math:`\log_{10}|a|^L = L\log_{10}|a|`: the size of the exact product, also where
        ``final`` left float64 range (``-inf`` for ``a = 0``)."""
        a = abs(self.factor)
        return self.depth * math.log10(a) if a > 0 else -math.inf


def layer_powers(factor: float, depth: int) -> Array:
    """``[a**0, a**1, ..., a**L]``, shape (L + 1,), by repeated multiplication (no warnings).

    Repeated multiplication is what backpropagation does, and for a power of two such as 0.25 or
    2 every partial product is exact in float64.
    """
    if depth < 0:
        raise ValueError(f"depth must be >= 0, got {depth}")
    with np.errstate(all="ignore"):
        return np.cumprod(np.concatenate([[1.0], np.full(depth, float(factor))]))


def factor_power_cost(depth: int) -> Cost:
    """What :func:`factor_power` costs for ``depth`` layers: about 12 passes over the L + 1
    powers (the chain, the frame's columns, :func:`~gradviz.numerics.find_breakdown`'s masks),
    some 50 numpy calls (with two errstates) and one DataFrame; five arrays of L + 1 numbers
    alive at once."""
    n = depth + 1
    return Cost(
        elementwise=12 * n,
        calls=50 + DATAFRAME.calls,
        peak_bytes=DATAFRAME.peak_bytes + 5 * 8 * n,
    )


def factor_power(factor: float, depth: int) -> FactorPower:
    """The product of ``depth`` equal per-layer factors, with every partial product.

    Parameters
    ----------
    factor : the per-layer factor ``a`` (e.g. ``f'(z)·w``), any real number.
    depth : number of layers ``L >= 0``.
    """
    powers = layer_powers(factor, depth)
    frame = pd.DataFrame({"layer": np.arange(depth + 1), "product": powers})
    return FactorPower(
        float(factor), int(depth), frame, float(powers[-1]), find_breakdown(powers[1:])
    )


def _sampled_depths(max_depth: int, points: int) -> Array:
    return np.unique(np.linspace(1, max_depth, min(points, max_depth)).round().astype(int))


def peak_slope_products(
    peaks: dict[str, float], free_factor: float, max_depth: int, points: int = 200
) -> pd.DataFrame:
    r"""Best-case backprop factor over depth: :math:`(\max|f'|)^l` per activation.

    Parameters
    ----------
    peaks : ``{label: max|f'|}`` per activation.
    free_factor : a user-chosen factor drawn next to them, labelled ``"free factor a"``.
    max_depth : largest depth ``L``.
    points : at most this many depths (always including 1 and ``L``) to keep charts small.

    Returns
    -------
    Long-form frame with columns ``series`` (label), ``depth`` (int), ``peak`` (the factor) and
    ``product`` (``peak**depth`` by repeated multiplication, as :func:`factor_power` and
    :func:`depth_to_reach` form it; 0 / inf once out of float64 range), ``len(peaks) + 1``
    series.
    """
    depths = _sampled_depths(max_depth, points)
    series = {**peaks, "free factor a": float(free_factor)}
    factors = np.array([float(v) for v in series.values()])
    products = np.stack([layer_powers(a, max_depth)[depths] for a in factors])
    return pd.DataFrame(
        {
            "series": np.repeat(np.array(list(series), dtype=object), depths.size),
            "depth": np.tile(depths, factors.size),
            "peak": np.repeat(factors, depths.size),
            "product": products.ravel(),
        }
    )


def peak_slope_products_cost(series: int, max_depth: int, points: int = 200) -> Cost:
    """What :func:`peak_slope_products` costs for ``series`` activations plus the free factor:
    per series a chain of ``max_depth`` products (three passes) and about 8 numpy calls; the
    frame's four columns of ``(series + 1)·min(points, max_depth)`` rows (the labels are a
    pointer each, then Arrow's copy of the text: about 40 bytes a row, and a pass of about 30
    element operations to build)."""
    lines, rows = series + 1, (series + 1) * min(points, max_depth)
    return Cost(
        elementwise=lines * 3 * (max_depth + 1) + 40 * rows,
        calls=8 * lines + 20 + DATAFRAME.calls + TEXT_COLUMN.calls,
        peak_bytes=DATAFRAME.peak_bytes + (6 * 8 + 40) * rows + 3 * 8 * (max_depth + 1),
    )


DIRECT_CROSSING_DEPTH = 100_000
"""Up to this depth :func:`depth_to_reach` runs the chain itself; beyond, it uses logarithms."""


def depth_to_reach(factor: float, level: float) -> int | None:
    r"""Smallest depth :math:`L \ge 1` at which :math:`|a|^L` is strictly below ``level``
    (``level < 1``) or strictly above it (``level > 1``); ``None`` when it never gets there
    (|a| on the wrong side of 1, or exactly 1).

    The powers are formed by repeated multiplication, as :func:`factor_power` forms the
    numbers the landing page draws, so the depth quoted is the one where the chart crosses
    ``level`` (``0.1**6`` is 1.0000000000000004e-06 in float64: not below one millionth; the
    chain drops below it at depth 7). Crossings deeper than :data:`DIRECT_CROSSING_DEPTH` (a
    factor within about 1e-4 of 1) come from :math:`\lfloor \ln(\text{level})/\ln|a|
    \rfloor + 1`.
    """
    if not level > 0 or level == 1:
        raise ValueError(f"level must be > 0 and not 1, got {level}")
    a = abs(float(factor))
    if (level < 1 and a >= 1) or (level > 1 and a <= 1):
        return None
    if a == 0.0:
        return 1
    exact = math.log(level) / math.log(a)
    if exact > DIRECT_CROSSING_DEPTH:
        return math.floor(exact) + 1
    # Rounding moves the float64 chain off a^L by about L ulp: it crosses within a layer of the
    # exact depth, so two layers past it always contain the crossing.
    powers = layer_powers(a, math.ceil(exact) + 2)[1:]
    crossed = powers < level if level < 1 else powers > level
    return int(np.argmax(crossed)) + 1


# ----------------------------------------------------------------------------- uniform products


def gamma_p(a: float, x: Array | float) -> Array:
    r"""Regularized lower incomplete gamma :math:`P(a, x) = \gamma(a, x)/\Gamma(a)`, ``a > 0``.

    For ``x < a + 1`` the power series

    .. math:: P(a, x) = \frac{x^a e^{-x}}{\Gamma(a+1)} \sum_{k\ge0}
              \frac{x^k}{(a+1)(a+2)\cdots(a+k)},

    summed in log space (log-sum-exp), so nothing overflows; it runs until its terms are below
    1e-18 of the sum. For ``x >= a + 1`` the series would lose the small complement
    :math:`Q = 1 - P` to rounding, so :math:`Q(a, x)` comes from its continued fraction
    (modified Lentz, as in Numerical Recipes ``gcf``) and :math:`P = 1 - Q`. ``x`` may be an
    array of any shape; ``x <= 0`` gives 0 and ``x = inf`` gives 1. Relative accuracy is about
    1e-15·(a ln x), limited by exponentiating the log prefactor (1e-12 at a = 800).
    """
    if not a > 0:
        raise ValueError(f"gamma_p needs a > 0, got {a}")
    x = np.asarray(x, dtype=float)
    flat = x.reshape(-1)
    out = np.zeros_like(flat)
    out[np.isposinf(flat)] = 1.0
    finite = np.isfinite(flat) & (flat > 0)
    series = finite & (flat < a + 1.0)
    fraction = finite & (flat >= a + 1.0)
    if series.any():
        out[series] = _gamma_p_series(a, flat[series])
    if fraction.any():
        out[fraction] = 1.0 - _gamma_q_fraction(a, flat[fraction])
    return np.clip(out, 0.0, 1.0).reshape(x.shape)


def _gamma_p_series(a: float, xs: Array) -> Array:
    """Series branch of :func:`gamma_p` for ``0 < xs < a + 1`` (shape (K,))."""
    top = float(xs.max())
    terms = math.ceil(12.0 * math.sqrt(top + 1.0) + 60.0)
    k = np.arange(1, terms + 1, dtype=float)
    # log of x^k / ((a+1)...(a+k)) for every k (rows) and x (columns)
    log_terms = np.cumsum(np.log(xs)[None, :] - np.log(a + k)[:, None], axis=0)
    log_terms = np.vstack([np.zeros((1, xs.size)), log_terms])
    peak = log_terms.max(axis=0)
    log_sum = peak + np.log(np.exp(log_terms - peak).sum(axis=0))
    return np.exp(a * np.log(xs) - xs - math.lgamma(a + 1.0) + log_sum)


def _gamma_q_fraction(a: float, xs: Array, max_iter: int = 10_000) -> Array:
    """Continued-fraction branch: :math:`Q(a, x) = 1 - P(a, x)` for ``xs >= a + 1`` (K,)."""
    tiny = 1e-300
    b = xs + 1.0 - a
    c = np.full_like(xs, 1.0 / tiny)
    d = 1.0 / b
    h = d.copy()
    for i in range(1, max_iter + 1):
        an = -i * (i - a)
        b = b + 2.0
        d = an * d + b
        d = np.where(np.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = np.where(np.abs(c) < tiny, tiny, c)
        d = 1.0 / d
        step = d * c
        h = h * step
        if np.all(np.abs(step - 1.0) < 4 * np.finfo(float).eps):
            break
    return np.exp(a * np.log(xs) - xs - math.lgamma(a) + np.log(h))


def gamma_p_integer(n: int, x: Array | float) -> Array:
    r""":math:`P(n, x) = 1 - e^{-x}\sum_{k=0}^{n-1} x^k/k!` for integer ``n`` (the Erlang CDF).

    An independent closed form used to check :func:`gamma_p`; the Poisson sum is formed in log
    space, so it is accurate wherever :math:`P` is not tiny (cancellation limits it to about
    1e-16 absolute).
    """
    x = np.asarray(x, dtype=float)
    k = np.arange(n, dtype=float)
    lgam = np.array([math.lgamma(v + 1.0) for v in k])
    with np.errstate(divide="ignore", invalid="ignore"):
        log_terms = k[:, None] * np.log(x.reshape(1, -1)) - x.reshape(1, -1) - lgam[:, None]
    log_terms[0] = -x.reshape(-1)  # x^0 = 1 also when x == 0
    peak = log_terms.max(axis=0)
    tail = np.exp(peak + np.log(np.exp(log_terms - peak).sum(axis=0)))
    return np.clip(1.0 - tail, 0.0, 1.0).reshape(x.shape)


def exact_fraction_above(n: int, threshold: float) -> float:
    r""":math:`P(\prod_{i=1}^n U_i > t) = P(n, -\ln t)` for ``0 < t < 1``."""
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be in (0, 1), got {threshold}")
    return float(gamma_p(float(n), -math.log(threshold)))


def log10_product_moments(n: int) -> tuple[float, float]:
    r"""Exact mean and std of :math:`\log_{10}\prod_{i=1}^n U_i = -G/\ln 10`, G ~ Gamma(n, 1):
    :math:`(-n/\ln 10,\ \sqrt n/\ln 10)`; for n = 50 that is (-21.71, 3.07)."""
    return -n / LN10, math.sqrt(n) / LN10


@dataclass(frozen=True)
class UniformProducts:
    """Products of ``n`` U(0, 1) numbers over ``trials`` Monte-Carlo trials, next to the truth.

    Attributes
    ----------
    n, trials, threshold, seed : the settings.
    mean_log10, std_log10 : sample mean and std of ``log10(product)`` over the trials.
    exact_mean_log10, exact_std_log10 : the exact values, :func:`log10_product_moments`.
    mc_fraction_above : share of trials whose product exceeds ``threshold``.
    exact_fraction_above : :math:`P(n, -\\ln t)`.
    mc_stderr : binomial standard error of ``mc_fraction_above``.
    largest_log10 : the largest ``log10(product)`` seen.
    underflow_fraction : share of trials whose product, formed by multiplying in float64, would
        round to 0 (``log10 < -323.3``, below the smallest subnormal).
    histogram : long-form frame, one row per (bin, source): ``bin_start``, ``bin_end``,
        ``bin_mid`` (log10 product), ``probability`` (share of trials in the bin for
        ``source == "Monte Carlo"``, exact probability ``P(n, b) - P(n, a)`` for
        ``source == "exact"``).
    """

    n: int
    trials: int
    threshold: float
    seed: int
    mean_log10: float
    std_log10: float
    exact_mean_log10: float
    exact_std_log10: float
    mc_fraction_above: float
    exact_fraction_above: float
    mc_stderr: float
    largest_log10: float
    underflow_fraction: float
    histogram: pd.DataFrame


SMALLEST_SUBNORMAL_LOG10 = math.log10(np.nextafter(0.0, 1.0))


DRAWS_PER_BLOCK = 1_000_000
""":func:`sample_log10_products` draws about this many numbers at a time (8 MB)."""


def sample_log10_products(n: int, trials: int, rng: np.random.Generator) -> Array:
    """``log10`` of ``trials`` products of ``n`` U(0, 1) draws, shape (trials,).

    Summing ``log10(u)`` instead of multiplying keeps every trial finite at any ``n``. The draws
    are made in blocks of about :data:`DRAWS_PER_BLOCK` numbers, drawn and logged in place in
    one buffer, so memory stays at 8 MB and no block pays for fresh pages. ``rng.random`` draws
    from [0, 1); an exact 0 (probability 2^-53 per draw) is redrawn.
    """
    if n < 1 or trials < 1:
        raise ValueError(f"need n >= 1 and trials >= 1, got n={n}, trials={trials}")
    out = np.empty(trials)
    rows = max(1, DRAWS_PER_BLOCK // n)
    buffer = np.empty((min(rows, trials), n))
    for start in range(0, trials, rows):
        block = buffer[: min(rows, trials - start)]  # leading rows: still C-contiguous
        rng.random(out=block)
        while not block.all():
            zero = block == 0
            block[zero] = rng.random(int(zero.sum()))
        np.log10(block, out=block)
        out[start : start + block.shape[0]] = block.sum(axis=1)
    return out


def uniform_products(
    n: int, trials: int, threshold: float, seed: int = 0, bins: int = 60
) -> UniformProducts:
    """Monte Carlo of ``prod(U_1..U_n)`` over ``trials`` trials, with the exact law beside it.

    See :class:`UniformProducts` for what is returned. The histogram spans the sample range of
    ``log10(product)`` widened to include ``log10(threshold)``, in ``bins`` equal bins.
    """
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be in (0, 1), got {threshold}")
    logs = sample_log10_products(n, trials, np.random.default_rng(seed))
    log_t = math.log10(threshold)
    lo, hi = min(float(logs.min()), log_t), max(float(logs.max()), log_t)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, bins + 1)
    counts, _ = np.histogram(logs, bins=edges)
    # P(lo < log10 prod <= hi) = P(-hi ln10 <= G < -lo ln10); G's CDF at -edge·ln10.
    cdf = gamma_p(float(n), -edges * LN10)
    exact = np.clip(cdf[:-1] - cdf[1:], 0.0, 1.0)
    common = {
        "bin_start": edges[:-1],
        "bin_end": edges[1:],
        "bin_mid": (edges[:-1] + edges[1:]) / 2,
    }
    histogram = pd.concat(
        [
            pd.DataFrame({**common, "probability": counts / trials, "source": "Monte Carlo"}),
            pd.DataFrame({**common, "probability": exact, "source": "exact"}),
        ],
        ignore_index=True,
    )
    frac = float(np.mean(logs > log_t))
    exact_mean, exact_std = log10_product_moments(n)
    return UniformProducts(
        n=int(n),
        trials=int(trials),
        threshold=float(threshold),
        seed=int(seed),
        mean_log10=float(logs.mean()),
        std_log10=float(logs.std(ddof=1)) if trials > 1 else 0.0,
        exact_mean_log10=exact_mean,
        exact_std_log10=exact_std,
        mc_fraction_above=frac,
        exact_fraction_above=exact_fraction_above(n, threshold),
        mc_stderr=math.sqrt(max(frac * (1 - frac), 1e-300) / trials),
        largest_log10=float(logs.max()),
        underflow_fraction=float(np.mean(logs < SMALLEST_SUBNORMAL_LOG10)),
        histogram=histogram,
    )


RANDOM_PASSES = 3.5
"""Element passes one ``rng.random`` draw costs (about 2.2 ns measured)."""
LOG10_PASSES = 1.5
"""Element passes of ``np.log10`` (about 1 ns measured: half of the global TRANSCENDENTAL)."""
HISTOGRAM_PASSES = 25.0
"""Element passes per value of ``np.histogram`` with explicit edges (it sorts the values)."""


def _fraction_iterations(n: int) -> float:
    # The continued fraction of Q(n, x) converges in at most about 3·sqrt(n) + 1 steps for
    # x >= n + 1 (69 at n = 500 next to x = n + 1, fewer further out; 1 at n = 1).
    return 3.0 * math.sqrt(n) + 1.0


def uniform_products_cost(n: int, trials: int, bins: int = 60) -> Cost:
    """What :func:`uniform_products` costs for ``trials`` products of ``n`` U(0, 1) numbers.

    Every draw is made, checked for an exact 0, logged and summed (:data:`RANDOM_PASSES` +
    :data:`LOG10_PASSES` + 1); every trial is binned (:data:`HISTOGRAM_PASSES`) and compared
    (about 8 more passes). Blocks of :data:`DRAWS_PER_BLOCK` numbers bound memory: one block
    is alive with three arrays of ``trials`` numbers. The exact law adds two incomplete-gamma
    evaluations at ``bins + 1`` points (series terms, or the continued fraction's iterations of
    about 14 small numpy calls) and the histogram frames.
    """
    draws = n * trials
    rows = max(1, DRAWS_PER_BLOCK // n)
    blocks = math.ceil(trials / rows)
    block = min(rows, trials) * n
    series_terms = 12.0 * math.sqrt(n + 1.0) + 60.0  # at most, as _gamma_p_series sizes it
    gamma = Cost(
        elementwise=2 * 8 * series_terms * (bins + 1),
        calls=2 * (14 * _fraction_iterations(n) + 40),
    )
    sample = Cost(
        elementwise=draws * (RANDOM_PASSES + LOG10_PASSES + 1) + trials * (HISTOGRAM_PASSES + 8),
        calls=6 * blocks + 40 + 3 * DATAFRAME.calls + 2 * TEXT_COLUMN.calls,
        peak_bytes=8 * (block + 3 * trials) + 2 * DATAFRAME.peak_bytes,
    )
    return sample + gamma
