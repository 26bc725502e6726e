r"""Singular values of a deep MLP's input-output Jacobian at initialization (dynamical isometry).

For hidden layers :math:`z_l = h_{l-1}W_l + b_l`, :math:`h_l = f(z_l)` (row vectors, the MLP
contract of :mod:`gradviz.mlp`), the Jacobian of :math:`h_L` with respect to :math:`h_0` in
column convention is

.. math:: J = \prod_{l=L}^{1} D_l W_l^\top,\qquad D_l = \mathrm{diag}\big(f'(z_l)\big).

Backpropagation multiplies the output gradient by :math:`J^\top`, so the singular values of
:math:`J` are the gains of every gradient direction. Pennington, Schoenholz & Ganguli (2017):
at the critical scale (:math:`\chi_1 = \sigma_w^2\,E[f'(z)^2] = 1`) the *mean* squared singular
value stays 1 for Gaussian and orthogonal weights alike, but only orthogonal weights with tanh
(or linear) keep the whole spectrum near 1 (dynamical isometry); Gaussian weights, and ReLU
with any weights, spread it over orders of magnitude as depth grows.

The per-layer pre-activations are those of :func:`gradviz.mlp.forward`; the forward pass and
the Jacobian product run together, one layer at a time, so a deep wide network never holds more
than one layer's weights.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from gradviz import meanfield
from gradviz.activations import get_activation
from gradviz.blas import single_threaded_blas
from gradviz.budget import Cost
from gradviz.initializers import get_initializer, init_bias
from gradviz.layers import activation_forward, affine_forward
from gradviz.linear_chain import NORMAL_PASSES, QR_MADDS, SVD_MADDS
from gradviz.mlp import MLPConfig, layer_shapes, make_activation
from gradviz.numerics import Breakdown, find_breakdown, format_sci

Array = np.ndarray

WEIGHTS = ("gaussian", "orthogonal")
MAX_DEPTH = 200
"""Deepest network the page offers (both spectra at :data:`WIDTHS`' largest fit the tab
budget: see :func:`spectrum_cost`)."""
WIDTHS = (16, 32, 64, 128, 256)
"""Widths the page offers."""
ACTIVATIONS = ("tanh", "relu", "linear")
EPS = np.finfo(float).eps


@cache
def critical_point(act: str, sigma_b2: float = 0.0) -> tuple[float, float]:
    r"""``(σ_w, q*)`` on the critical line :math:`\chi_1 = 1` at the given σ_b², for the
    activation named ``act``: :func:`gradviz.meanfield.critical_point`, the app's one χ₁ = 1
    solver, with σ_w = √σ_w². tanh: σ_w = 1, q* = 0 at σ_b² = 0, and σ_w² ≈ 1.76 at σ_b² = 0.05;
    ReLU and linear: σ_w = √2 and 1, q* NaN."""
    sigma_w2, q_star = meanfield.critical_point(sigma_b2, get_activation(act))
    return math.sqrt(sigma_w2), q_star


def input_variance(q_star: float) -> float:
    """Variance of the input x: the critical fixed point q* when it is positive and finite;
    1e-6, just off it, when q* = 0 (so an unstable origin can be left, as in a real network,
    and ReLU units are not all at their kink); 1 when q* is undetermined (NaN) or infinite."""
    if q_star == 0:
        return 1e-6
    return q_star if 0 < q_star < math.inf else 1.0


def mlp_config(
    weights: str, act: str, sigma_w: float, sigma_b2: float, depth: int, width: int, seed: int
) -> MLPConfig:
    """A square MLP (``in_dim = width``), biases N(0, σ_b²), whose weights have
    :math:`\\mathrm{Var}(W_{ij}) = \\sigma_w^2/n`: Gaussian ``scaled`` or ``orthogonal`` with
    gain σ_w."""
    if weights == "gaussian":
        init, params = "scaled", (("sigma_w", float(sigma_w)),)
    elif weights == "orthogonal":
        init, params = "orthogonal", (("gain", float(sigma_w)),)
    else:
        raise ValueError(f"unknown weights {weights!r}; choose one of {', '.join(WEIGHTS)}")
    return MLPConfig(
        depth=depth,
        width=width,
        in_dim=width,
        out_dim=1,
        activation=act,
        init=init,
        init_params=params,
        sigma_b=math.sqrt(sigma_b2),
        seed=seed,
    )


def report_depths(depth: int, max_points: int = 12) -> Array:
    """Depths 1..depth at which the spectrum is computed: all up to ``max_points``, else
    geometrically spaced, always including 1 and ``depth``."""
    if depth <= max_points:
        return np.arange(1, depth + 1)
    return np.unique(np.geomspace(1, depth, max_points).round().astype(int))


@dataclass(frozen=True)
class Spectrum:
    """Singular values of the partial Jacobians :math:`J_l = D_l W_l^\\top\\cdots D_1 W_1^\\top`.

    ``depths`` (K,); ``mean``, ``max`` and ``min`` (K,) at those depths; ``singular_values``
    (n,) at the full depth, descending. ``resolved`` (n,) marks the values above the float64
    floor :math:`\\sigma_{max}\\,n\\,\\varepsilon` of an SVD (below it a value is round-off, not
    a gain). ``breakdown`` locates the first layer where J left float range.
    """

    weights: str
    act: str
    sigma_w: float
    q_in: float
    depths: Array
    mean: Array
    max: Array
    min: Array
    singular_values: Array
    resolved: Array
    breakdown: Breakdown


def network_layers(cfg: MLPConfig) -> Iterator[tuple[Array, Array]]:
    """``(W_l, b_l)`` of the hidden layers l = 1..L, one at a time, drawn exactly as
    :func:`gradviz.mlp.init_params` draws them (the same stream in the same order).

    Only the current layer is in memory: all 200 layers of 256 x 256 would be 105 MB.
    """
    rng = np.random.default_rng(cfg.seed)
    init = get_initializer(cfg.init, **dict(cfg.init_params))
    for fan_in, fan_out in layer_shapes(cfg)[: cfg.depth]:
        w = np.asarray(init.sample(fan_in, fan_out, rng), dtype=float)
        yield w, np.asarray(init_bias(fan_out, cfg.sigma_b, rng), dtype=float)


def jacobian_spectrum(
    weights: str,
    act: str,
    sigma_w: float,
    sigma_b2: float,
    depth: int,
    width: int,
    seed: int,
    q_in: float = 1.0,
) -> Spectrum:
    r"""One network at initialization: forward one input :math:`x \sim N(0, q_{in} I_n)`
    (see :func:`input_variance`) and build :math:`J_l = D_l W_l^\top J_{l-1}` in the same
    pass, layer by layer (:func:`network_layers`), taking singular values at
    :func:`report_depths`.

    The forward pass is :func:`gradviz.mlp.forward`'s, bit for bit (the same
    ``affine_forward`` and ``activation_forward`` on the same weights); only the current
    layer's arrays are kept. Cost: :func:`spectrum_cost`.
    """
    cfg = mlp_config(weights, act, sigma_w, sigma_b2, depth, width, seed)
    activation = make_activation(cfg.activation, cfg.act_params)
    h = math.sqrt(q_in) * np.random.default_rng([seed, 3]).normal(size=(1, width))
    wanted = set(report_depths(depth).tolist())
    jac = np.eye(width)
    depths, means, maxes, mins = [], [], [], []
    scale = np.empty(depth)
    sv = np.full(width, np.nan)
    # Hundreds of small QRs, products and SVDs: OpenBLAS's thread pool only adds contention.
    with single_threaded_blas(), np.errstate(all="ignore"):
        for layer, (w, b) in enumerate(network_layers(cfg), start=1):
            z, _ = affine_forward(h, w, b)
            h, (_, slope) = activation_forward(z, activation)
            jac = np.matmul(w.T, jac)
            jac *= slope[0][:, None]
            largest = float(np.max(np.abs(jac)))  # NaN or inf as soon as any entry is
            scale[layer - 1] = largest if math.isfinite(largest) else math.inf
            if layer in wanted:
                sv = _singular_values(jac, largest)
                depths.append(layer)
                means.append(float(np.mean(sv)))
                maxes.append(float(sv[0]))
                mins.append(float(sv[-1]))
    resolved = np.isfinite(sv) & (sv > sv[0] * width * EPS) if np.isfinite(sv[0]) else sv > 0
    return Spectrum(
        weights=weights,
        act=act,
        sigma_w=float(sigma_w),
        q_in=float(q_in),
        depths=np.array(depths),
        mean=np.array(means),
        max=np.array(maxes),
        min=np.array(mins),
        singular_values=sv,
        resolved=resolved,
        breakdown=find_breakdown(scale),
    )


def spectrum_cost(weights: str, depth: int, width: int) -> Cost:
    r"""What :func:`jacobian_spectrum` costs, from its size alone.

    Per layer: drawing W (n² normals; an orthogonal W adds a QR), the forward step (a 1 x n by
    n x n product), the Jacobian product :math:`W^\top J` (n³ multiply-adds), scaling its rows
    and its largest entry (3n² element passes), and the calls' fixed cost: measured at width 16,
    where it is nearly all of it, 20 µs a layer (50 µs with the QR), 20-28 µs an SVD and
    0.1-0.2 ms to set up. At each of the K :func:`report_depths` one SVD. Peak: J, the product
    that replaces it and W (three n x n arrays); drawing an orthogonal W holds the Gaussian
    matrix, its Q and R, and the scaled copy as well (six);
    about 8 kB of small objects besides.
    """
    n, k = float(width), float(report_depths(depth).size)
    qr = QR_MADDS * n**3 if weights == "orthogonal" else 0.0
    calls = 20.0 if weights == "orthogonal" else 8.0
    per_layer = Cost(madds=n**3 + n**2 + qr, elementwise=(NORMAL_PASSES + 4.0) * n**2, calls=calls)
    svds = Cost(madds=SVD_MADDS * n**3, elementwise=2.0 * n**2, calls=9.0)
    arrays = 6.0 if weights == "orthogonal" else 3.0
    setup = Cost(elementwise=n**2, calls=80.0, peak_bytes=8e3 + arrays * n * n * 8.0)
    return setup + per_layer * depth + svds * k


def _singular_values(jac: Array, largest: float) -> Array:
    """Descending singular values, or NaN when the matrix is no longer finite (``largest``,
    its largest magnitude, is then inf or NaN)."""
    if not math.isfinite(largest):
        return np.full(jac.shape[0], np.nan)
    return np.linalg.svd(jac, compute_uv=False)


def histogram_frame(spectra: list[Spectrum], bins: int = 40) -> tuple[pd.DataFrame, int]:
    """Shared-edge histogram of log10 of the resolved singular values of each spectrum.

    Returns the long frame (weights, bin_start, bin_end, count, fraction) and how many values
    were left out (unresolved, zero or non-finite). ``fraction`` is count / n.
    """
    logs = {}
    dropped = 0
    for s in spectra:
        keep = s.resolved & (s.singular_values > 0)
        logs[s.weights] = np.log10(s.singular_values[keep])
        dropped += int((~keep).sum())
    everything = np.concatenate(list(logs.values())) if logs else np.array([])
    if everything.size == 0:
        return pd.DataFrame(columns=["weights", "bin_start", "bin_end", "count", "fraction"]), (
            dropped
        )
    lo, hi = float(everything.min()), float(everything.max())
    if hi - lo < 0.02:  # an isometry: every value equal; give the bars some width
        lo, hi = lo - 0.05, hi + 0.05
    edges = np.linspace(lo, hi, bins + 1)
    parts = []
    for s in spectra:
        counts, _ = np.histogram(logs[s.weights], bins=edges)
        parts.append(
            pd.DataFrame(
                {
                    "weights": s.weights,
                    "bin_start": edges[:-1],
                    "bin_end": edges[1:],
                    "count": counts,
                    "fraction": counts / s.singular_values.size,
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    return frame[frame["count"] > 0].reset_index(drop=True), dropped


def depth_frame(spectra: list[Spectrum]) -> pd.DataFrame:
    """Long form (depth, weights, statistic, log10_value, value) of mean and max singular value
    against depth; non-finite or zero values are left out."""
    parts = []
    for s in spectra:
        for statistic, values in (("mean", s.mean), ("max", s.max)):
            with np.errstate(divide="ignore", invalid="ignore"):
                logs = np.log10(values)
            parts.append(
                pd.DataFrame(
                    {
                        "depth": s.depths,
                        "weights": s.weights,
                        "statistic": statistic,
                        "log10_value": logs,
                        "value": [format_sci(v) for v in values],
                    }
                )
            )
    frame = pd.concat(parts, ignore_index=True)
    return frame[np.isfinite(frame["log10_value"].to_numpy())].reset_index(drop=True)


def spread_decades(s: Spectrum) -> float:
    """log10(σ_max / σ_min) over the resolved singular values: how many orders of magnitude
    the gradient gains span (0 for a perfect isometry)."""
    values = s.singular_values[s.resolved & (s.singular_values > 0)]
    if values.size == 0:
        return math.nan
    return float(np.log10(values.max()) - np.log10(values.min()))


SIGMA_B2_OPTIONS = (0.0, 0.001, 0.01, 0.05, 0.1, 0.5)
