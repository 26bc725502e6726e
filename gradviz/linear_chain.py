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
from gradviz.numerics import Breakdown, find_breakdown, format_sci, norm, safe_log10

Array = np.ndarray

KINDS = ("eigen", "gaussian", "orthogonal", "jordan")
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


def matrix_powers(w: Array, steps: int) -> Array:
    """:math:`W^t` for t = 0..steps by repeated multiplication, shape (steps + 1, n, n)."""
    n = w.shape[0]
    powers = np.empty((steps + 1, n, n))
    powers[0] = np.eye(n)
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            powers[t] = powers[t - 1] @ w
    return powers


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
    """Compare the powers ``powers[t]`` with the eigen-decomposition at the given ``steps``."""
    lam, v = np.linalg.eig(w)
    with np.errstate(all="ignore"):
        cond = float(np.linalg.cond(v))
        cond = cond if np.isfinite(cond) else math.inf
        try:
            v_inv = np.linalg.inv(v)
        except np.linalg.LinAlgError:  # V singular: W is defective, no eigenvector basis
            return EigenCheck(lam, math.inf, math.inf, steps)
        errors = []
        for t in steps:
            rebuilt = (v * lam**t) @ v_inv
            scale = norm(powers[t])
            error = float(norm(np.abs(powers[t] - rebuilt)) / scale) if scale > 0 else 0.0
            errors.append(error if np.isfinite(error) else math.inf)
    return EigenCheck(lam, cond, max(errors) if errors else 0.0, steps)


@dataclass(frozen=True)
class LinearChainResult:
    """Powers of one matrix and what they show.

    ``signal_norm`` (steps + 1,) is :math:`\\|W^t x\\| / \\|x\\|` for a random unit x;
    ``op_norm`` is :math:`\\|W^t\\|_2` at ``sampled_steps``;
    ``radius`` is :math:`\\max|\\lambda_i|`.
    ``peak_op_norm`` is the largest :math:`\\|W^t\\|_2` over t >= 1, reached at ``peak_step``,
    where the eigenvalues alone give :math:`\\rho^t` (``radius_at_peak``).
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
    breakdown: Breakdown

    @property
    def transient_gain(self) -> float:
        """How far :math:`\\|W^t\\|_2` rises above the eigenvalue prediction :math:`\\rho^t` at
        its peak."""
        if self.radius_at_peak == 0:
            return math.inf
        return self.peak_op_norm / self.radius_at_peak


def sampled(steps: int, max_points: int = 100) -> Array:
    """At most ``max_points`` values of t in 0..steps, always including 0 and ``steps``."""
    return np.unique(np.linspace(0, steps, min(steps + 1, max_points)).round().astype(int))


def analyze_linear_chain(
    kind: str,
    n: int,
    radius: float,
    spread: float,
    coupling: float,
    steps: int,
    seed: int,
) -> LinearChainResult:
    """Build W, take its powers, check the eigen-decomposition, and measure transient growth."""
    with single_threaded_blas():  # small products: OpenBLAS's thread pool only adds contention
        return _analyze(kind, n, radius, spread, coupling, steps, seed)


def _analyze(kind, n, radius, spread, coupling, steps, seed) -> LinearChainResult:
    w = make_matrix(kind, n, radius, spread, coupling, seed)
    powers = matrix_powers(w, steps)
    x = np.random.default_rng([seed, 2]).normal(size=n)
    x /= np.linalg.norm(x)
    ts = sampled(steps)
    with np.errstate(all="ignore"):
        signal = norm(powers @ x, axis=1)
        finite = np.isfinite(powers[ts]).all(axis=(1, 2))
        op = np.full(ts.size, np.inf)
        if finite.any():
            op[finite] = np.linalg.svd(powers[ts][finite], compute_uv=False)[:, 0]
    check = eigen_check(w, powers, ts[finite])
    radius_w = float(np.max(np.abs(check.eigenvalues)))
    later = ts >= 1
    k = int(np.argmax(np.where(later, op, -np.inf)))
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
        breakdown=find_breakdown(signal, where="step"),
    )


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


def summary_markdown(result: LinearChainResult) -> str:
    """The "what you are seeing" paragraph, with every number computed from ``result``."""
    check = result.check
    parts = [
        f"**What you are seeing.** W is {KIND_LABELS[result.kind]} with n = {result.n} and "
        f"spectral radius ρ = max|λ_i| = **{result.radius:.4g}**."
    ]
    if math.isfinite(check.max_rel_error) and check.max_rel_error < 1e-6:
        parts.append(
            f"W^t = V diag(λ)^t V⁻¹ holds numerically: the largest relative error over "
            f"t ≤ {result.steps} is **{format_sci(check.max_rel_error)}** "
            f"(κ(V) = {format_sci(check.cond_v)})."
        )
    else:
        parts.append(
            f"W^t = V diag(λ)^t V⁻¹ holds only to a relative error of "
            f"**{format_sci(check.max_rel_error)}**: κ(V) = {format_sci(check.cond_v)}, the "
            f"eigenvectors are nearly parallel (an exact Jordan block has no eigenvector basis)."
        )
    gain = result.transient_gain
    if gain > 1.5:
        peak, at_peak = format_sci(result.peak_op_norm), format_sci(result.radius_at_peak)
        parts.append(
            f"\n\nThe eigenvalues predict ρ^t, yet ‖W^t‖₂ peaks at **{peak}** at "
            f"t = {result.peak_step}, where ρ^t = {at_peak}: a transient growth of "
            f"**{format_sci(gain)}×** that eigenvalues alone do not predict."
        )
    else:
        parts.append(
            f"\n\n‖W^t‖₂ follows the eigenvalues: its peak {format_sci(result.peak_op_norm)} at "
            f"t = {result.peak_step} is within {format_sci(gain)}× of ρ^t."
        )
    parts.append(
        f"After t = {result.steps} layers, ‖W^t x‖/‖x‖ = **{format_sci(result.signal_norm[-1])}**."
    )
    return " ".join(parts)
