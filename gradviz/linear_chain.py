r"""A linear chain: the powers :math:`W^t` of one square matrix (seed 001).

With a linear activation every layer multiplies by the same :math:`W`, so after t layers the
signal is :math:`W^t x`. When :math:`W = V\,\mathrm{diag}(\lambda)\,V^{-1}`,

.. math:: W^t = V\,\mathrm{diag}(\lambda)^t\,V^{-1},

and each eigen-direction scales by :math:`|\lambda_i|^t`: above 1 it explodes, below 1 it
vanishes. The eigenvalues tell the whole story only for a normal :math:`W` (orthogonal
eigenvectors). For a non-normal :math:`W`, such as a Jordan-like block, :math:`\|W^t\|` can grow
by orders of magnitude before it decays, although every :math:`|\lambda_i| < 1`: the
eigenvector matrix :math:`V` is ill-conditioned, and :math:`\|W^t\| \le \kappa(V)\,\rho^t`
leaves room for a large transient.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gradviz.blas import single_threaded_blas
from gradviz.budget import Cost
from gradviz.numerics import Breakdown, find_breakdown, format_sci, norm, safe_log10

Array = np.ndarray

KINDS = ("eigen", "gaussian", "orthogonal", "jordan")
MAX_SIZE = 64
"""Largest n the page offers (every kind, with t up to :data:`MAX_STEPS`, fits the tab budget:
see :func:`analysis_cost`)."""
MAX_STEPS = 500
"""Largest power t the page offers."""
KIND_LABELS = {
    "eigen": "diagonalizable, chosen eigenvalues",
    "gaussian": "random Gaussian",
    "orthogonal": "orthogonal (scaled)",
    "jordan": "non-normal (Jordan-like block)",
}


def chosen_eigenvalues(n: int, radius: float, spread: float) -> Array:
    r"""``n`` real eigenvalues from ``radius`` down to ``radius·spread``, geometrically:
    :math:`\lambda_i = \rho\,s^{i/(n-1)}`, i = 0..n-1. Shape (n,)."""
    if n == 1:
        return np.array([float(radius)])
    return radius * spread ** (np.arange(n) / (n - 1))


def make_matrix(
    kind: str, n: int, radius: float, spread: float, coupling: float, seed: int
) -> Array:
    """An (n, n) matrix of the given ``kind``:

    - ``eigen``: :math:`V\\,\\mathrm{diag}(\\lambda)V^{-1}` with :func:`chosen_eigenvalues` and
      a random Gaussian :math:`V`;
    - ``gaussian``: :math:`\\rho\\,G/\\sqrt n`, :math:`G_{ij}\\sim N(0,1)` (spectral radius about
      ρ by the circular law);
    - ``orthogonal``: :math:`\\rho\\,Q` with Haar-random orthogonal Q (every :math:`|\\lambda| =
      \\rho`);
    - ``jordan``: upper bidiagonal, diagonal :func:`chosen_eigenvalues` and ``coupling`` on the
      superdiagonal; with ``spread = 1`` it is an exact (defective) Jordan block.
    """
    rng = np.random.default_rng(seed)
    if kind == "eigen":
        v = rng.normal(size=(n, n))
        return (v * chosen_eigenvalues(n, radius, spread)) @ np.linalg.inv(v)
    if kind == "gaussian":
        return radius * rng.normal(size=(n, n)) / math.sqrt(n)
    if kind == "orthogonal":
        q, r = np.linalg.qr(rng.normal(size=(n, n)))
        return radius * q * np.sign(np.diag(r))
    if kind == "jordan":
        return np.diag(chosen_eigenvalues(n, radius, spread)) + np.diag(np.full(n - 1, coupling), 1)
    raise ValueError(f"unknown matrix kind {kind!r}; choose one of {', '.join(KINDS)}")


def power_walk(w: Array, x: Array, steps: int, keep: Array) -> tuple[Array, Array]:
    """:math:`W^t x` for t = 0..steps and :math:`W^t` at the steps ``keep``, by repeated
    multiplication :math:`W^t = W^{t-1} W`.

    Returns ``signals`` (steps + 1, n), row t = :math:`W^t x`, and ``kept`` (K, n, n), entry i
    = :math:`W^{keep_i}` (``keep`` ascending, within 0..steps). Only the current power and the
    kept ones are in memory, not all steps + 1 of them.
    """
    n = w.shape[0]
    signals = np.empty((steps + 1, n))
    kept = np.empty((len(keep), n, n))
    power = np.eye(n)
    slot = 0
    with np.errstate(all="ignore"):
        for t in range(steps + 1):
            if t:
                power = power @ w
            signals[t] = power @ x
            if slot < len(keep) and keep[slot] == t:
                kept[slot] = power
                slot += 1
    return signals, kept


@dataclass(frozen=True)
class EigenCheck:
    """How well :math:`W^t = V\\,\\mathrm{diag}(\\lambda)^t V^{-1}` holds numerically.

    ``max_rel_error`` is the largest :math:`\\|W^t - V\\Lambda^tV^{-1}\\|_F / \\|W^t\\|_F` over the
    checked t; ``cond_v`` is the 2-norm condition number of V (inf when V is singular, i.e. W
    is defective and has no eigenvector basis).
    """

    eigenvalues: Array
    cond_v: float
    max_rel_error: float
    checked_steps: Array


def eigen_check(w: Array, powers: Array, steps: Array) -> EigenCheck:
    """Compare ``powers[i]`` = :math:`W^{t_i}` with the eigen-decomposition at ``steps[i]`` =
    :math:`t_i`. Shapes: ``powers`` (K, n, n), ``steps`` (K,)."""
    lam, v = np.linalg.eig(w)
    with np.errstate(all="ignore"):
        cond = float(np.linalg.cond(v))
        cond = cond if np.isfinite(cond) else math.inf
        try:
            v_inv = np.linalg.inv(v)
        except np.linalg.LinAlgError:  # V singular: W is defective, no eigenvector basis
            return EigenCheck(lam, math.inf, math.inf, steps)
        errors = []
        for power, t in zip(powers, steps, strict=True):
            rebuilt = (v * lam**t) @ v_inv
            scale = norm(power)
            error = float(norm(np.abs(power - rebuilt)) / scale) if scale > 0 else 0.0
            errors.append(error if np.isfinite(error) else math.inf)
    return EigenCheck(lam, cond, max(errors) if errors else 0.0, steps)


@dataclass(frozen=True)
class LinearChainResult:
    """Powers of one matrix and what they show.

    ``signal_norm`` (steps + 1,) is :math:`\\|W^t x\\| / \\|x\\|` for a random unit x;
    ``op_norm`` is :math:`\\|W^t\\|_2` at ``sampled_steps``;
    ``radius`` is :math:`\\max|\\lambda_i|`.
    ``peak_op_norm`` is the largest finite :math:`\\|W^t\\|_2` over t >= 1, reached at
    ``peak_step``, where the eigenvalues alone give :math:`\\rho^t` (``radius_at_peak``, 0 where
    it underflows); ``op_overflow_step`` is the first sampled t whose :math:`W^t` left float64
    range (``None`` if none did).
    """

    kind: str
    n: int
    steps: int
    check: EigenCheck
    radius: float
    signal_norm: Array
    sampled_steps: Array
    op_norm: Array
    peak_op_norm: float
    peak_step: int
    radius_at_peak: float
    op_overflow_step: int | None
    breakdown: Breakdown

    @property
    def log10_transient_gain(self) -> float:
        """log10 of how far :math:`\\|W^t\\|_2` rises above the eigenvalue prediction
        :math:`\\rho^t` at its peak, from logs (:math:`\\rho^t` alone may underflow)."""
        return float(safe_log10(self.peak_op_norm) - self.peak_step * safe_log10(self.radius))

    @property
    def transient_gain(self) -> float:
        """:math:`\\|W^t\\|_2 / \\rho^t` at the peak (inf beyond float64 range)."""
        with np.errstate(over="ignore"):
            return float(np.power(10.0, self.log10_transient_gain))


CHECK_FLOOR = 1e-250
"""The identity :math:`W^t = V\\Lambda^tV^{-1}` is checked on powers with
:math:`\\|W^t\\|_2` at least this: far enough above float64's underflow (1e-308) that
repeated products have not rounded their entries away."""


def sampled(steps: int, max_points: int = 100) -> Array:
    """At most ``max_points`` evenly spaced values of t in 0..steps, always including 0, 1 (a
    contracting W's norm is largest there) and ``steps``."""
    even = np.linspace(0, steps, min(steps + 1, max_points)).round().astype(int)
    return np.unique(np.concatenate([even, [min(1, steps)]]))


def analyze_linear_chain(
    kind: str,
    n: int,
    radius: float,
    spread: float,
    coupling: float,
    steps: int,
    seed: int,
) -> LinearChainResult:
    """Build W, take its powers, check the eigen-decomposition, and measure transient growth.
    Cost: :func:`analysis_cost`."""
    with single_threaded_blas():  # small products: OpenBLAS's thread pool only adds contention
        return _analyze(kind, n, radius, spread, coupling, steps, seed)


def _analyze(kind, n, radius, spread, coupling, steps, seed) -> LinearChainResult:
    w = make_matrix(kind, n, radius, spread, coupling, seed)
    x = np.random.default_rng([seed, 2]).normal(size=n)
    x /= np.linalg.norm(x)
    ts = sampled(steps)
    signals, powers = power_walk(w, x, steps, ts)
    with np.errstate(all="ignore"):
        signal = norm(signals, axis=1)
        finite = np.isfinite(powers).all(axis=(1, 2))
        powers = powers if finite.all() else powers[finite]
        op = np.full(ts.size, np.inf)
        if finite.any():
            op[finite] = np.linalg.svd(powers, compute_uv=False)[:, 0]
    # Near float64's underflow a power has lost digits to rounding, not to the identity.
    checkable = op[finite] >= CHECK_FLOOR
    check = eigen_check(w, powers[checkable], ts[finite][checkable])
    radius_w = float(np.max(np.abs(check.eigenvalues)))
    finite_op = np.isfinite(op)
    later = (ts >= 1) & finite_op
    # The first t >= 1 stands in when every sampled power overflowed.
    k = int(np.argmax(np.where(later, op, -np.inf))) if later.any() else int(np.argmax(ts >= 1))
    return LinearChainResult(
        kind=kind,
        n=n,
        steps=steps,
        check=check,
        radius=radius_w,
        signal_norm=signal,
        sampled_steps=ts,
        op_norm=op,
        peak_op_norm=float(op[k]),
        peak_step=int(ts[k]),
        radius_at_peak=float(radius_w ** ts[k]),
        op_overflow_step=None if finite_op.all() else int(ts[~finite_op][0]),
        breakdown=find_breakdown(signal, where="step"),
    )


QR_MADDS = 4.2
"""A QR with Q formed (an orthogonal draw) of an n x n matrix, in GEMM multiply-adds per n³.
LAPACK does (4/3)n³ multiply-adds (``geqrf`` + ``orgqr``), at n ≤ 256 on one thread at about a
third of the GEMM rate (3.6 ms at n = 256)."""
SVD_MADDS = 6.0
"""The singular values (no vectors) of an n x n matrix, in GEMM multiply-adds per n³: the
bidiagonal reduction does (4/3)n³, half of them in matrix-vector products that run far below
the GEMM rate (6 ms at n = 256)."""
EIG_MADDS = 20.0
"""Eigenvalues and eigenvectors of a general n x n matrix (``geev``), in GEMM multiply-adds per
n³: Hessenberg reduction, the shifted QR iterations and the back-substitution for the vectors
do about 10n³, mostly outside matrix products."""
INV_MADDS = 2.0
"""An n x n inverse (LU, then the inverse from it): n³ multiply-adds, at half the GEMM rate."""
NORMAL_PASSES = 8.0
"""Element passes one standard normal draw costs (about 5 ns each)."""


def analysis_cost(kind: str, n: int, steps: int) -> Cost:
    r"""What :func:`analyze_linear_chain` costs, from its size alone.

    - the matrix: n² normals, and an inverse (``eigen``) or a QR (``orthogonal``);
    - :func:`power_walk`: steps products :math:`W^{t-1}W` (n³ multiply-adds each) and
      :math:`W^t x` (n²), about 4 numpy calls a step;
    - the norms of the steps + 1 signals (8 passes);
    - the largest singular value of K ≤ 100 sampled powers (one SVD each);
    - :func:`eigen_check`: ``eig`` of W, the condition number (a complex SVD, 4 real ones)
      and inverse (complex, 4 real ones) of V, and per sampled power a complex product
      :math:`(V\Lambda^t)V^{-1}` (4n³) and the norms of its error (about 12 passes over n²
      complex numbers, 8 calls).

    Peak: the K kept powers, the signals and the norms' three temporaries of their size, and
    about six complex n x n arrays of the eigen check, over 6 kB of small objects.
    """
    k = float(sampled(steps).size)
    cube, square = float(n) ** 3, float(n) ** 2
    matrix = {
        "eigen": Cost(madds=INV_MADDS * cube + cube, elementwise=(NORMAL_PASSES + 1) * square),
        "gaussian": Cost(elementwise=(NORMAL_PASSES + 1) * square),
        "orthogonal": Cost(madds=QR_MADDS * cube, elementwise=(NORMAL_PASSES + 2) * square),
        "jordan": Cost(elementwise=3 * square),
    }[kind] + Cost(calls=30.0)
    walk = Cost(madds=cube + square, elementwise=n, calls=4.0) * steps
    signals_bytes, kept_bytes = 8.0 * (steps + 1) * n, 8.0 * k * square
    norms = Cost(elementwise=8.0 * (steps + 1) * n, calls=20.0)
    svds = Cost(madds=SVD_MADDS * cube * k, elementwise=2.0 * k * square, calls=10.0)
    check = Cost(
        madds=(EIG_MADDS + 4 * SVD_MADDS + 4 * INV_MADDS) * cube + k * 4.0 * cube,
        elementwise=k * 24.0 * square,
        calls=40.0 + 8.0 * k,
    )
    peak = Cost(peak_bytes=6e3 + kept_bytes + 4 * signals_bytes + 96 * square)
    return matrix + walk + norms + svds + check + peak


def distinct_moduli(eigenvalues: Array, max_lines: int = 6) -> Array:
    """Up to ``max_lines`` representative |λ| (largest, smallest and evenly between), sorted
    descending; near-equal moduli (relative 1e-9) count once."""
    mod = np.sort(np.abs(eigenvalues))[::-1]
    keep = [mod[0]]
    for m in mod[1:]:
        if abs(m - keep[-1]) > 1e-9 * max(keep[-1], 1e-300):
            keep.append(m)
    keep = np.array(keep)
    if keep.size > max_lines:
        keep = keep[np.unique(np.linspace(0, keep.size - 1, max_lines).round().astype(int))]
    return keep


def power_frame(result: LinearChainResult) -> pd.DataFrame:
    """Long form ``t, series, kind, log10_value, value`` for :func:`make_power_chart`.

    Norm series are log10 of float64 norms (non-finite or zero rows dropped); eigenvalue series
    are the exact :math:`t\\log_{10}|\\lambda_i|`.
    """
    ts = result.sampled_steps
    parts = [
        pd.DataFrame(
            {
                "t": np.arange(result.steps + 1),
                "series": "‖W^t x‖ / ‖x‖",
                "kind": "norm",
                "log10_value": safe_log10(result.signal_norm),
                "value": [format_sci(v) for v in result.signal_norm],
            }
        ),
        pd.DataFrame(
            {
                "t": ts,
                "series": "‖W^t‖₂ (worst x)",
                "kind": "norm",
                "log10_value": safe_log10(result.op_norm),
                "value": [format_sci(v) for v in result.op_norm],
            }
        ),
    ]
    for modulus in distinct_moduli(result.check.eigenvalues):
        log_mod = math.log10(modulus) if modulus > 0 else -math.inf
        with np.errstate(invalid="ignore"):
            logs = np.where(ts == 0, 0.0, ts * log_mod)  # |λ|^0 = 1, also for λ = 0
        parts.append(
            pd.DataFrame(
                {
                    "t": ts,
                    "series": f"|λ|^t, |λ| = {modulus:.4g}",
                    "kind": "eigenvalue",
                    "log10_value": logs,
                    "value": [f"{modulus:.4g}^{t}" for t in ts],
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    return frame[np.isfinite(frame["log10_value"].to_numpy())].reset_index(drop=True)
