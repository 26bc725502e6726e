r"""Backpropagation through time, seen: ‖∂L/∂h_t‖ against the distance T − t.

:func:`gradient_through_time` runs a vanilla RNN, an LSTM and a GRU (:mod:`gradviz.cells`) on the
same input and returns, per cell, the gradient norm reaching each step, with Pascanu et al.'s
(2013) bound :math:`\lVert\partial L/\partial h_t\rVert \le (\gamma\,\sigma_{max})^{T-t}
\lVert\partial L/\partial h_T\rVert` and the LSTM's cell path :math:`\prod_{k>t} f_k`
(Hochreiter & Schmidhuber 1997). Every blow-up is computed under ``np.errstate(all="ignore")``
and reported as a :class:`~gradviz.numerics.Breakdown`. :func:`through_time_cost` is its cost
model, counted from the config alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from gradviz.activations import default_properties
from gradviz.activations import label as activation_label
from gradviz.blas import single_threaded_blas
from gradviz.budget import TRANSCENDENTAL, Cost
from gradviz.cells import (
    CELL_LABELS,
    CELLS,
    KEPT_BLOCKS,
    forget_gates,
    init_cost,
    init_params,
    sequence_backward,
    sequence_cost,
    sequence_forward,
    sigma_max,
    spectral_radius,
)

# ``norm`` scales by the largest entry, so a state of 1e200 has a finite norm: only a norm
# beyond float64 itself reads inf (a squared-sum norm would overflow from 1e154 on).
from gradviz.numerics import Breakdown, find_breakdown, norm

Array = np.ndarray


@dataclass(frozen=True)
class ThroughTimeConfig:
    """Settings of the gradient-through-time experiment.

    ``length`` T, ``hidden`` H, ``activation`` of the vanilla RNN, ``radius`` the spectral
    radius of every recurrent block (see :func:`gradviz.cells.recurrent_matrix`),
    ``recurrent_init`` "orthogonal" or "gaussian", ``input_scale`` the std of the inputs,
    ``forget_bias`` the LSTM's b_f, ``update_bias`` the GRU's b_z, ``seed``; ``batch`` N
    sequences of ``input_dim`` D features.
    """

    length: int = 100
    hidden: int = 32
    activation: str = "tanh"
    radius: float = 0.9
    recurrent_init: str = "orthogonal"
    input_scale: float = 1.0
    forget_bias: float = 1.0
    seed: int = 0
    batch: int = 8
    input_dim: int = 8
    update_bias: float = 0.0


@dataclass(frozen=True, eq=False)
class ThroughTime:
    """Result of :func:`gradient_through_time`.

    ``curves``: long-form frame with columns ``distance`` (T − t, 0..T), ``t`` (0..T),
    ``series`` (cell label or "Pascanu bound"), ``grad_norm`` (‖∂L/∂h_t‖ / ‖∂L/∂h_T‖).
    ``cell_path``: LSTM frame with the same columns for ‖∂L/∂h_t‖, ‖∂L/∂c_t‖ (both relative to
    their value at t = T) and the forget-gate product.
    ``gamma`` the largest slope of the RNN's activation, ``sigma_max`` and ``radius_measured``
    of the RNN's W_hh, ``breakdowns`` (quantity, :class:`Breakdown`) pairs indexed by time step
    t (1..T for hidden states, 0..T for gradients), ``mean_forget`` the mean LSTM forget gate.
    ``states``: frame with ``t`` (1..T), ``series``, ``state_norm`` (‖h_t‖ per sequence, RMS
    over the batch), drawn to show where a forward pass overflowed.
    ``undefined``: cells whose forward pass overflowed; their gradient rows for t < T are NaN,
    because BPTT starts at step T, beyond the overflow, and every derivative it forms there is
    taken at inf/NaN states.
    """

    config: ThroughTimeConfig
    curves: pd.DataFrame
    cell_path: pd.DataFrame
    gamma: float
    sigma_max: float
    radius_measured: float
    breakdowns: tuple[tuple[str, Breakdown], ...]
    mean_forget: float
    states: pd.DataFrame
    undefined: tuple[str, ...]

    @property
    def inverse_gamma(self) -> float:
        return 1.0 / self.gamma

    @property
    def vanishing_guaranteed(self) -> bool:
        """Pascanu's sufficient condition σ_max < 1/γ."""
        return self.gamma * self.sigma_max < 1.0

    @property
    def bound_series(self) -> pd.DataFrame:
        return self.curves[self.curves.series == BOUND_LABEL].sort_values("distance")

    def series(self, name: str) -> pd.DataFrame:
        """Rows of one series of ``curves`` sorted by distance."""
        return self.curves[self.curves.series == name].sort_values("distance")

    @property
    def rnn_label(self) -> str:
        return rnn_series_label(self.config.activation)

    @property
    def worst_bound_ratio(self) -> float:
        """max over distances T − t ≥ 1 of the measured RNN ratio / bound (≤ 1 when the bound
        holds), over rows where both are finite and the bound is positive; NaN if there are
        none."""
        # Distance 0 is 1/1 by construction; the bound says something from one step back on.
        measured = self.series(self.rnn_label).grad_norm.to_numpy()[1:]
        bound = self.bound_series.grad_norm.to_numpy()[1:]
        ok = np.isfinite(measured) & np.isfinite(bound) & (bound > 0)
        if not ok.any():
            return math.nan
        return float(np.max(measured[ok] / bound[ok]))

    def ratio_at(self, series: str, distance: int) -> float:
        """‖∂L/∂h_t‖ / ‖∂L/∂h_T‖ of one series at T − t = ``distance``."""
        rows = self.curves[(self.curves.series == series) & (self.curves.distance == distance)]
        return float(rows.grad_norm.iloc[0])


def rnn_series_label(activation: str) -> str:
    return f"RNN ({activation_label(activation)})"


BOUND_LABEL = "Pascanu bound (γσ_max)^(T−t)"
CELL_PATH_LABELS = ("LSTM ‖∂L/∂h_t‖", "LSTM ‖∂L/∂c_t‖", "forget-gate product ∏ f")


def _relative_norms(dh_total: Array, dh0: Array) -> Array:
    """‖∂L/∂h_t‖_F over the batch for t = 0..T, divided by the value at t = T, as (T+1,)."""
    per_step = np.concatenate([[norm(dh0)], norm(dh_total, axis=(0, 2))])
    with np.errstate(all="ignore"):
        return per_step / per_step[-1]


def gradient_breakdown(values_by_t: Array, where: str = "time step") -> Breakdown:
    """:func:`find_breakdown` in the order BPTT computes ``values_by_t`` (t = T down to 0),
    reported with its time step t."""
    found = find_breakdown(values_by_t[::-1], where)
    if found.ok:
        return found
    return Breakdown(len(values_by_t) - 1 - found.index, found.kind, where)


def gradient_through_time(cfg: ThroughTimeConfig) -> ThroughTime:
    r"""Backpropagate :math:`L = \sum_n v_n \cdot h_T^{(n)}` (random unit vectors v_n) through
    the three cells on the same input ``x`` (N, T, D) ~ N(0, input_scale²) and ``h0 = c0 = 0``.

    For the vanilla RNN the Jacobian of one step is
    :math:`\partial h_t/\partial h_{t-1} = W_h\,\mathrm{diag}(\varphi'(z_t))` (row-vector
    convention), whose norm is at most :math:`\gamma\,\sigma_{max}(W_h)` with
    :math:`\gamma = \max|\varphi'|`, which gives the bound drawn over the curve.

    One cell at a time: each cell's states, caches and gradients are reduced to their per-step
    norms (and the LSTM's to its cell path) before the next cell runs, so the peak memory is
    one cell's BPTT, not three (see :func:`through_time_cost`).
    """
    with single_threaded_blas():  # T small products: a BLAS thread pool only adds waiting
        return _gradient_through_time(cfg)


class _CellCurves(NamedTuple):
    """What :func:`gradient_through_time` keeps of one cell: ‖∂L/∂h_t‖ / ‖∂L/∂h_T‖ for
    t = 0..T (``rel``), ‖h_t‖ per sequence for t = 1..T (``state_norm``), the forward pass's
    :class:`Breakdown` (by time step), ``Wh``; for the LSTM ``cell_rel`` (‖∂L/∂c_t‖ relative),
    ``path`` (the forget-gate product) and ``mean_forget``."""

    rel: Array
    state_norm: Array
    forward: Breakdown
    Wh: Array
    cell_rel: Array | None = None
    path: Array | None = None
    mean_forget: float = math.nan


def _cell_curves(cell: str, cfg: ThroughTimeConfig, x: Array, dh: Array) -> _CellCurves:
    """One cell's forward pass and BPTT, reduced to the curves the tab draws."""
    N, H = cfg.batch, cfg.hidden
    # One generator per cell, so the vanilla RNN's W_h is the same matrix whatever the other
    # cells draw.
    params = init_params(
        cell,
        cfg.input_dim,
        H,
        np.random.default_rng([cfg.seed, 1]),
        radius=cfg.radius,
        recurrent_init=cfg.recurrent_init,
        forget_bias=cfg.forget_bias,
        update_bias=cfg.update_bias,
    )
    h, cache = sequence_forward(cell, x, np.zeros((N, H)), params, cfg.activation)
    grads = sequence_backward(cell, dh, cache)
    state_norm = norm(h, (0, 2)) / math.sqrt(N)
    # A state of exactly 0 is legitimate (zero input, zero h0); only inf/NaN break it.
    found = find_breakdown(state_norm, "time step")
    forward = (
        Breakdown(found.index + 1, found.kind, found.where)
        if found.kind in ("inf", "nan")
        else Breakdown(None, None, found.where)
    )
    curves = _CellCurves(_relative_norms(grads.dh, grads.dh0), state_norm, forward, params["Wh"])
    if cell != "lstm":
        return curves
    f = forget_gates(cache.steps)  # (N, T, H)
    # ∂c_T/∂c_t along the cell path alone: ∏_{k=t+1}^{T} f_k (empty product 1 at t = T).
    with np.errstate(all="ignore"):
        suffix = np.cumprod(f[:, ::-1], axis=1)[:, ::-1]
        dc_T = grads.dc[:, -1]
        suffix *= dc_T[:, None, :]
        path = np.append(norm(suffix, axis=(0, 2)), norm(dc_T)) / norm(dc_T)
    return curves._replace(
        cell_rel=_relative_norms(grads.dc, grads.dc0), path=path, mean_forget=float(np.mean(f))
    )


def _gradient_through_time(cfg: ThroughTimeConfig) -> ThroughTime:
    T, H, N = cfg.length, cfg.hidden, cfg.batch
    data_rng = np.random.default_rng([cfg.seed, 0])
    x = cfg.input_scale * data_rng.normal(size=(N, T, cfg.input_dim))
    v = data_rng.normal(size=(N, H))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    dh = np.zeros((N, T, H))
    dh[:, -1] = v
    t_axis = np.arange(T + 1)
    distance = T - t_axis

    frames, states, breakdowns, undefined = [], [], [], []
    runs = {cell: _cell_curves(cell, cfg, x, dh) for cell in CELLS}
    for cell, run in runs.items():
        label = rnn_series_label(cfg.activation) if cell == "rnn" else CELL_LABELS[cell]
        states.append(
            pd.DataFrame({"t": t_axis[1:], "series": label, "state_norm": run.state_norm})
        )
        rel = run.rel
        if run.forward.ok:
            breakdowns.append((f"the {label} gradient ‖∂L/∂h_t‖", gradient_breakdown(rel)))
        else:
            # BPTT starts at step T, beyond the overflow: every derivative it returns was taken
            # at inf/NaN states (ReLU'(NaN) = 0 even masks units), so none of it is meaningful.
            rel = rel.copy()
            rel[:-1] = np.nan
            breakdowns.append((f"the {label} hidden state", run.forward))
            undefined.append(label)
        frames.append(
            pd.DataFrame({"distance": distance, "t": t_axis, "series": label, "grad_norm": rel})
        )

    rnn_Wh = runs["rnn"].Wh
    gamma = default_properties(cfg.activation).max_slope
    smax = sigma_max(rnn_Wh)
    with np.errstate(all="ignore"):
        bound = np.exp(distance * math.log(gamma * smax)) if smax > 0 else (distance == 0) * 1.0
    frames.append(pd.DataFrame({"distance": distance, "t": t_axis, "series": BOUND_LABEL}))
    frames[-1]["grad_norm"] = bound

    lstm = runs["lstm"]
    lstm_h = frames[1]["grad_norm"].to_numpy()
    cell_path = pd.concat(
        [
            pd.DataFrame({"distance": distance, "t": t_axis, "series": name, "grad_norm": vals})
            for name, vals in zip(CELL_PATH_LABELS, (lstm_h, lstm.cell_rel, lstm.path), strict=True)
        ],
        ignore_index=True,
    )
    return ThroughTime(
        config=cfg,
        curves=pd.concat(frames, ignore_index=True),
        cell_path=cell_path,
        gamma=gamma,
        sigma_max=smax,
        radius_measured=spectral_radius(rnn_Wh),
        breakdowns=tuple(breakdowns),
        mean_forget=lstm.mean_forget,
        states=pd.concat(states, ignore_index=True),
        undefined=tuple(undefined),
    )


NORM_PASSES = 8
"""Element passes of :func:`gradviz.numerics.norm` along axes (|x|, the max, the scaled copy,
its square, the sum...); it holds :data:`NORM_TEMPORARIES` arrays of x's size at once."""
NORM_TEMPORARIES = 4
FRAME_CALLS = 1500
"""The fixed work of building a result's pandas frames, in numpy calls (a DataFrame or a concat
costs some hundred microseconds whatever its size)."""
FRAME_BYTES = 30e3
"""What a result's pandas frames hold whatever their size (index, column objects)."""


def through_time_cost(cfg: ThroughTimeConfig) -> Cost:
    """What :func:`gradient_through_time` costs (see :mod:`gradviz.budget`), from the config.

    Per cell: its parameters (:func:`gradviz.cells.init_cost`), a forward pass and BPTT
    (:func:`gradviz.cells.sequence_cost`), then the per-step norms of h_t and ∂L/∂h_t (and for
    the LSTM of ∂L/∂c_t and of the forget-gate product). The peak is the largest cell's: its
    BPTT, or its kept blocks, gradients and the norms' temporaries, whichever is larger, plus
    the shared inputs x and ∂L/∂h (cells run one at a time, see :func:`gradient_through_time`).
    """
    T, N, D, H = cfg.length, cfg.batch, cfg.input_dim, cfg.hidden
    TNH, TND = T * N * H, T * N * D
    inputs = Cost(
        elementwise=TND * (1 + TRANSCENDENTAL) + 2 * TNH,  # x ~ N(0, 1) scaled, dh zeros
        calls=20,
        peak_bytes=8.0 * (TND + TNH),
    )
    total = inputs
    peak = 0.0
    for cell in CELLS:
        seq = sequence_cost(cell, N, T, D, H, cfg.activation)
        lstm = cell == "lstm"
        norms = (3 if lstm else 2) * NORM_PASSES + (4 if lstm else 0)  # + f, ∏ f, ⊙ dc_T, mean
        reduce = Cost(elementwise=TNH * norms, calls=60 if lstm else 30)
        kept = (1 + KEPT_BLOCKS[cell] + (3 if lstm else 2)) * TNH + 2 * TND  # + grads, dx
        peak = max(peak, seq.peak_bytes, 8.0 * (kept + NORM_TEMPORARIES * TNH))
        total = total + init_cost(cell, D, H, cfg.recurrent_init) + seq + reduce
    # σ_max (an SVD) and ρ (eigenvalues) of W_hh, at LAPACK's small-matrix speed (init_cost)
    spectra = Cost(madds=100.0 * H**3, calls=20)
    frames = Cost(elementwise=20.0 * (T + 1), calls=FRAME_CALLS)
    total = total + spectra + frames
    return Cost(total.madds, total.elementwise, total.calls, inputs.peak_bytes + peak + FRAME_BYTES)
