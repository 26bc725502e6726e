r"""Experiments of the RNN / LSTM page, built on :mod:`gradviz.rnn`.

Three experiments, each a pure function of a frozen config that returns long-form DataFrames
and the numbers the page quotes:

1. :func:`gradient_through_time` -- ‖∂L/∂h_t‖ against the distance T − t for a vanilla RNN, an
   LSTM and a GRU on the same input, with Pascanu et al.'s (2013) bound
   :math:`\lVert\partial L/\partial h_t\rVert \le (\gamma\,\sigma_{max})^{T-t}
   \lVert\partial L/\partial h_T\rVert` and the LSTM's cell path
   :math:`\prod_{k>t} f_k` (Hochreiter & Schmidhuber 1997).
2. :func:`cliff_surface` / :func:`cliff_trajectories` -- Pascanu's single-unit RNN
   :math:`x_t = w\,\sigma(x_{t-1}) + b`, its loss cliff over (w, b), and gradient descent with
   no clipping, value clipping and norm clipping.
3. :func:`compare_long_range` -- the adding problem (Hochreiter & Schmidhuber 1997) trained
   with Adam and the same clipping for the three cells.

Every blow-up is computed under ``np.errstate(all="ignore")`` and reported as a
:class:`~gradviz.numerics.Breakdown`; nothing here warns or raises on overflow.

Next to each experiment, its cost model (:mod:`gradviz.budget`), counted from the config
alone: :func:`through_time_cost`, :func:`cliff_cost`, :func:`long_range_cost`. The training
takes only the steps the model says fit the time budget (:func:`affordable_iters`), so a shared
link reproduces the same run whatever the server's load.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from gradviz.activations import default_properties
from gradviz.activations import label as activation_label
from gradviz.blas import single_threaded_blas
from gradviz.budget import TRAINING_SECONDS, TRANSCENDENTAL, Cost, affordable_repeats

# ``norm`` scales by the largest entry, so a state of 1e200 has a finite norm: only a norm
# beyond float64 itself reads inf (a squared-sum norm would overflow from 1e154 on).
from gradviz.numerics import Breakdown, find_breakdown, norm
from gradviz.optim import CLIPPING, Optimizer, clip, global_norm
from gradviz.rnn import (
    CELL_LABELS,
    CELLS,
    GATES,
    KEPT_BLOCKS,
    LOOP_CALL,
    forget_gates,
    init_cost,
    init_params,
    sequence_backward,
    sequence_cost,
    sequence_forward,
    sigma_max,
    sigmoid,
    spectral_radius,
)

Array = np.ndarray
Progress = Callable[[float, str], None]

# ============================================================================ 1. through time


@dataclass(frozen=True)
class ThroughTimeConfig:
    """Settings of the gradient-through-time experiment.

    ``length`` T, ``hidden`` H, ``activation`` of the vanilla RNN, ``radius`` the spectral
    radius of every recurrent block (see :func:`gradviz.rnn.recurrent_matrix`),
    ``recurrent_init`` "orthogonal" or "gaussian", ``input_scale`` the std of the inputs,
    ``forget_bias`` the LSTM's b_f, ``seed``; ``batch`` N sequences of ``input_dim`` D features.
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

    Per cell: its parameters (:func:`gradviz.rnn.init_cost`), a forward pass and BPTT
    (:func:`gradviz.rnn.sequence_cost`), then the per-step norms of h_t and ∂L/∂h_t (and for
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


# ============================================================================ 2. the cliff


@dataclass(frozen=True)
class CliffConfig:
    r"""Pascanu et al.'s (2013, Fig. 6) single-unit RNN :math:`x_t = w\,\sigma(x_{t-1}) + b`,
    :math:`x_0` = ``x0``, loss :math:`(x_T - \text{target})^2` with T = ``length``."""

    length: int = 50
    x0: float = 0.5
    target: float = 0.7


def cliff_loss_and_grad(w: Array, b: Array, cfg: CliffConfig = CliffConfig()):
    r"""Loss and its gradient (∂L/∂w, ∂L/∂b) for arrays of (w, b) of any common shape.

    Backpropagation through time of the scalar recurrence: with
    :math:`\delta_T = 2(x_T - \text{target})`, for t = T..1:
    :math:`\partial L/\partial w \mathrel{+}= \delta_t\,\sigma(x_{t-1})`,
    :math:`\partial L/\partial b \mathrel{+}= \delta_t`,
    :math:`\delta_{t-1} = \delta_t\,w\,\sigma'(x_{t-1})`.
    """
    w, b = np.broadcast_arrays(np.asarray(w, dtype=float), np.asarray(b, dtype=float))
    xs = [np.full(w.shape, cfg.x0)]
    with np.errstate(all="ignore"):
        for _ in range(cfg.length):
            xs.append(w * sigmoid(xs[-1]) + b)
        loss = (xs[-1] - cfg.target) ** 2
        delta = 2.0 * (xs[-1] - cfg.target)
        dw, db = np.zeros(w.shape), np.zeros(w.shape)
        for t in reversed(range(1, cfg.length + 1)):
            s = sigmoid(xs[t - 1])
            dw += delta * s
            db += delta
            delta = delta * w * s * (1.0 - s)
    return loss, dw, db


W_RANGE = (0.0, 12.0)
B_RANGE = (-8.0, 2.0)


def cliff_surface(
    cfg: CliffConfig = CliffConfig(),
    w_range: tuple[float, float] = W_RANGE,
    b_range: tuple[float, float] = B_RANGE,
    n: int = 60,
) -> pd.DataFrame:
    """The loss on an n × n grid of cells covering the window: columns ``w``, ``b`` (cell
    centre, where the loss is evaluated), ``w_lo``, ``w_hi``, ``b_lo``, ``b_hi`` (cell edges),
    ``loss``, ``log10_loss`` (floored at -12) and ``grad_norm`` (n² < 5,000 rows)."""
    w_edges, b_edges = np.linspace(*w_range, n + 1), np.linspace(*b_range, n + 1)
    w_mid, b_mid = (w_edges[:-1] + w_edges[1:]) / 2, (b_edges[:-1] + b_edges[1:]) / 2
    w, b = np.meshgrid(w_mid, b_mid)
    loss, dw, db = cliff_loss_and_grad(w, b, cfg)
    with np.errstate(all="ignore"):
        log_loss = np.log10(np.maximum(loss, 1e-12))
    w_lo, b_lo = np.meshgrid(w_edges[:-1], b_edges[:-1])
    w_hi, b_hi = np.meshgrid(w_edges[1:], b_edges[1:])
    return pd.DataFrame(
        {
            "w": w.ravel(),
            "b": b.ravel(),
            "w_lo": w_lo.ravel(),
            "w_hi": w_hi.ravel(),
            "b_lo": b_lo.ravel(),
            "b_hi": b_hi.ravel(),
            "loss": loss.ravel(),
            "log10_loss": log_loss.ravel(),
            "grad_norm": np.hypot(dw, db).ravel(),
        }
    )


@dataclass(frozen=True, eq=False)
class CliffRun:
    """Gradient-descent paths of :func:`cliff_trajectories`.

    ``paths``: columns ``method`` (clipping mode), ``step``, ``w``, ``b``, ``loss``,
    ``grad_norm`` (before clipping), ``step_norm`` (‖Δ(w, b)‖ actually taken).
    ``summary``: one row per method with ``final_loss``, ``max_grad_norm``, ``max_step``,
    ``left_window`` (steps outside the plotted (w, b) window) and ``breakdown``.
    """

    paths: pd.DataFrame
    summary: pd.DataFrame


CLIP_LABELS = {"none": "no clipping", "value": "clip by value", "norm": "clip by norm"}


def cliff_trajectories(
    theta: float,
    lr: float,
    start: tuple[float, float],
    steps: int = 40,
    cfg: CliffConfig = CliffConfig(),
) -> CliffRun:
    r"""Plain gradient descent on the cliff from ``start`` = (w0, b0) with learning rate ``lr``,
    once per mode in :data:`gradviz.optim.CLIPPING`, clipping at ``theta``: value clipping
    bounds each of ∂L/∂w, ∂L/∂b to [−θ, θ]; norm clipping rescales
    :math:`g \leftarrow \theta g/\lVert g\rVert` when :math:`\lVert g\rVert > \theta`.
    """
    rows, summary = [], []
    for mode in CLIPPING:
        params = {"w": np.array(start[0], dtype=float), "b": np.array(start[1], dtype=float)}
        opt = Optimizer("sgd", lr=lr)
        losses = []
        for step in range(steps + 1):
            loss, dw, db = cliff_loss_and_grad(params["w"], params["b"], cfg)
            grads = {"w": dw, "b": db}
            g_norm = global_norm(grads)
            w_now, b_now = float(params["w"]), float(params["b"])
            delta = 0.0
            if step < steps and np.isfinite(g_norm):
                update = opt.step(params, clip(grads, mode, theta))
                delta = global_norm(update)
            rows.append((CLIP_LABELS[mode], step, w_now, b_now, float(loss), g_norm, delta))
            losses.append(float(loss))
            if not np.isfinite(g_norm):
                break
        path = pd.DataFrame(rows[-len(losses) :], columns=list(_PATH_COLUMNS))
        outside = ~(path.w.between(*W_RANGE) & path.b.between(*B_RANGE))
        summary.append(
            {
                "method": CLIP_LABELS[mode],
                "final_loss": losses[-1],
                "max_grad_norm": float(path.grad_norm.max()),
                "max_step": float(path.step_norm.max()),
                "left_window": int(outside.sum()),
                "breakdown": find_breakdown(np.array(losses), "step"),
            }
        )
    return CliffRun(pd.DataFrame(rows, columns=list(_PATH_COLUMNS)), pd.DataFrame(summary))


_PATH_COLUMNS = ("method", "step", "w", "b", "loss", "grad_norm", "step_norm")


CLIFF_STEP = (21, 2, 24)
"""One time step of :func:`cliff_loss_and_grad`, forward and backward: element passes, exp
passes and numpy calls (the registry's σ twice, in its own ``errstate``, and the products)."""
SCALAR_CALL = 0.15
"""What a numpy call on 0-d arrays costs in units of :data:`gradviz.budget.CALL_SECONDS`:
one descent step evaluates the loss at a single (w, b), 50 time steps of 24 calls, in 0.40 ms
on the reference machine (thread CPU time), 0.35 µs a call."""


def cliff_cost(cfg: CliffConfig = CliffConfig(), steps: int = 40, n: int = 60) -> Cost:
    """What :func:`cliff_surface` on an ``n`` × ``n`` grid and :func:`cliff_trajectories` with
    ``steps`` steps cost, from the config (see :mod:`gradviz.budget`).

    The surface is one vectorised BPTT over n² points; the three descents evaluate the loss
    and gradient at one point per step (the modes run one after the other) plus an update,
    a clip and two norms; a path that leaves float64 range stops early, so this is the most
    they cost. The peak is the surface's T + 1 states over the grid and its frame.
    """
    passes, exps, calls = CLIFF_STEP
    per_point = Cost(elementwise=cfg.length * (passes + TRANSCENDENTAL * exps))
    surface = Cost(
        elementwise=n * n * (per_point.elementwise + 30),
        calls=cfg.length * calls + 40,
        peak_bytes=8.0 * n * n * (cfg.length + 1 + 15),
    )
    one_step = Cost(calls=SCALAR_CALL * cfg.length * calls + 60)
    return surface + one_step * (len(CLIPPING) * (steps + 1)) + Cost(calls=FRAME_CALLS)


# ============================================================================ 3. long range


@dataclass(frozen=True)
class LongRangeConfig:
    """Settings of the adding-problem comparison.

    ``length`` T, ``hidden`` H, ``iters`` Adam steps on fresh batches of ``batch`` sequences,
    learning rate ``lr``, ``clip_mode`` in :data:`gradviz.optim.CLIPPING` at ``theta``,
    ``forget_bias`` of the LSTM, ``seed``; ``test_size`` held-out sequences.
    """

    length: int = 30
    hidden: int = 16
    iters: int = 300
    batch: int = 32
    lr: float = 0.01
    clip_mode: str = "norm"
    theta: float = 1.0
    forget_bias: float = 1.0
    seed: int = 0
    test_size: int = 500


# Hochreiter & Schmidhuber (1997) count an adding-problem answer as correct when its absolute
# error is below 0.04.
ADDING_TOLERANCE = 0.04
# Predicting the mean 1 for every sequence scores Var(u1 + u2) = 2 · 1/12 for u ~ U(0, 1).
ADDING_BASELINE_MSE = 2.0 / 12.0
SOLVED_FRACTION = 0.1  # "solved": test MSE below 10 % of the baseline


def adding_problem(rng: np.random.Generator, n: int, length: int) -> tuple[Array, Array]:
    """``n`` sequences of the adding problem: ``x`` (n, T, 2), ``y`` (n,).

    Channel 0 holds values u_t ~ U(0, 1); channel 1 marks one step in the first half and one
    in the second half; the target is the sum of the two marked values (Le et al. 2015 layout).
    """
    values = rng.uniform(0.0, 1.0, size=(n, length))
    half = max(length // 2, 1)
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, max(length, half + 1), size=n)
    marks = np.zeros((n, length))
    rows = np.arange(n)
    marks[rows, first] = 1.0
    marks[rows, np.minimum(second, length - 1)] = 1.0
    return np.stack([values, marks], axis=-1), np.sum(values * marks, axis=1)


def _predict(cell: str, params: dict[str, Array], x: Array) -> tuple[Array, Array, object]:
    """Readout ``y_hat = h_T @ Wy + by``: returns (y_hat (N,), h (N, T, H), cache)."""
    N = x.shape[0]
    H = params["Wh"].shape[0]
    rnn = {k: params[k] for k in ("Wx", "Wh", "b")}
    h, cache = sequence_forward(cell, x, np.zeros((N, H)), rnn)
    with np.errstate(all="ignore"):
        return (h[:, -1] @ params["Wy"])[:, 0] + params["by"][0], h, cache


@dataclass(frozen=True, eq=False)
class CellTraining:
    """One cell's run: per-iteration ``loss`` (train MSE), ``first_grad`` ‖∂L/∂h_1‖,
    ``last_grad`` ‖∂L/∂h_T‖, ``clipped`` (norm above θ), and test ``mse``, ``accuracy``
    (fraction with |error| < 0.04), ``breakdown`` of the loss."""

    cell: str
    loss: Array
    first_grad: Array
    last_grad: Array
    clipped: Array
    mse: float
    accuracy: float
    breakdown: Breakdown

    @property
    def solved(self) -> bool:
        return bool(self.mse < SOLVED_FRACTION * ADDING_BASELINE_MSE)


def train_adding(
    cell: str,
    cfg: LongRangeConfig,
    progress: Progress | None = None,
    done: float = 0.0,
    iters: int | None = None,
) -> CellTraining:
    """Train one cell on the adding problem with Adam and clipping; see :class:`CellTraining`.

    Every cell gets the same initial generator, the same training batches (from ``seed``) and
    the same test set. ``iters`` Adam steps (default ``cfg.iters``; :func:`compare_long_range`
    passes fewer when the rest would not fit the time budget): the first ``iters`` steps of the
    full run, bit for bit. ``progress(fraction, text)`` is called about 20 times; ``done``
    offsets the fraction so that :func:`compare_long_range` reports one bar for the three
    cells.
    """
    iters = cfg.iters if iters is None else iters
    init_rng = np.random.default_rng([cfg.seed, 2])
    params = init_params(
        cell,
        2,
        cfg.hidden,
        init_rng,
        radius=1.0,
        recurrent_init="gaussian",
        forget_bias=cfg.forget_bias,
    )
    params["Wy"] = init_rng.normal(0.0, 1.0 / math.sqrt(cfg.hidden), size=(cfg.hidden, 1))
    params["by"] = np.zeros(1)
    data_rng = np.random.default_rng([cfg.seed, 3])
    opt = Optimizer("adam", lr=cfg.lr)
    loss, first, last, clipped = (np.full(iters, np.nan) for _ in range(4))
    every = max(iters // 20, 1)
    for it in range(iters):
        x, y = adding_problem(data_rng, cfg.batch, cfg.length)
        with np.errstate(all="ignore"):
            y_hat, h, cache = _predict(cell, params, x)
            err = y_hat - y
            loss[it] = np.mean(err * err)
            dy = 2.0 * err / cfg.batch
            dh = np.zeros_like(h)
            dh[:, -1] = dy[:, None] * params["Wy"][:, 0]
            bptt = sequence_backward(cell, dh, cache)
            grads = bptt.params()
            grads["Wy"] = h[:, -1].T @ dy[:, None]
            grads["by"] = np.array([dy.sum()])
        first[it], last[it] = norm(bptt.dh[:, 0]), norm(bptt.dh[:, -1])
        g_norm = global_norm(grads)
        clipped[it] = g_norm > cfg.theta
        if not np.isfinite(loss[it]) or not np.isfinite(g_norm):
            break
        opt.step(params, clip(grads, cfg.clip_mode, cfg.theta))
        if progress is not None and (it + 1) % every == 0:
            progress(done + (it + 1) / iters / len(CELLS), f"training {CELL_LABELS[cell]}")
    test_x, test_y = adding_problem(np.random.default_rng([cfg.seed, 4]), cfg.test_size, cfg.length)
    y_hat, _, _ = _predict(cell, params, test_x)
    with np.errstate(all="ignore"):
        err = y_hat - test_y
        mse = float(np.mean(err * err))
        accuracy = float(np.mean(np.abs(err) < ADDING_TOLERANCE))
    return CellTraining(
        cell, loss, first, last, clipped, mse, accuracy, find_breakdown(loss, "iteration")
    )


@dataclass(frozen=True, eq=False)
class LongRange:
    """Result of :func:`compare_long_range`.

    ``curves``: long-form frame with ``cell``, ``iteration``, ``metric`` ("train MSE",
    "‖∂L/∂h_1‖", "‖∂L/∂h_T‖"), ``value``; at most 300 iterations per series (evenly
    subsampled). ``results``: one row per cell with ``mse``, ``accuracy``, ``solved``,
    ``first_grad_start``, ``first_grad_end`` (median ‖∂L/∂h_1‖ over the first / last 10 % of
    iterations) and ``clipped_fraction``. ``runs``: the :class:`CellTraining` objects.
    ``trained_iters``: the Adam steps each cell took, ``config.iters`` unless the cost model
    cut the run to the time budget; ``rest_seconds``: the modelled time of the steps left out.
    """

    config: LongRangeConfig
    curves: pd.DataFrame
    results: pd.DataFrame
    runs: tuple[CellTraining, ...] = field(repr=False)
    trained_iters: int = 0
    rest_seconds: float = 0.0

    @property
    def baseline_mse(self) -> float:
        return ADDING_BASELINE_MSE

    @property
    def cut_short(self) -> bool:
        return self.trained_iters < self.config.iters


METRICS = ("train MSE", "‖∂L/∂h_1‖", "‖∂L/∂h_T‖")
MAX_CURVE_POINTS = 300
ITERATION_CALLS = 150
"""numpy calls of one training iteration outside BPTT: the batch, the readout and the loss,
two norms, the global norm, clipping and Adam's update of five parameters (about 16 calls
each). All on small arrays, so each costs :data:`gradviz.rnn.LOOP_CALL`."""


def _iteration_cost(cell: str, cfg: LongRangeConfig) -> Cost:
    """One Adam step of :func:`train_adding` for ``cell``: a fresh batch, forward, BPTT, the
    readout's gradient, clipping and the update."""
    N, T, H = cfg.batch, cfg.length, cfg.hidden
    G = len(GATES[cell]) * H
    n_params = (2 + H + 1) * G + H + 1
    batch = Cost(elementwise=N * T * (8 + TRANSCENDENTAL), calls=15, peak_bytes=8.0 * 6 * N * T)
    # ∂L/∂h zeros and its fresh pages; Adam's dozen passes over every parameter
    rest = Cost(
        madds=2 * N * H,
        elementwise=2 * N * T * H + 30 * n_params,
        calls=LOOP_CALL * ITERATION_CALLS,
        peak_bytes=8.0 * (N * T * H + 4 * n_params),
    )
    bptt = sequence_cost(cell, N, T, 2, H)
    return Cost(
        batch.madds + bptt.madds + rest.madds,
        batch.elementwise + bptt.elementwise + rest.elementwise,
        batch.calls + bptt.calls + rest.calls,
        bptt.peak_bytes + rest.peak_bytes + batch.peak_bytes,
    )


def _test_cost(cell: str, cfg: LongRangeConfig) -> Cost:
    """The held-out evaluation of :func:`train_adding`: ``test_size`` fresh sequences through
    a forward pass; its (T, test_size, ·) blocks are the training's peak."""
    n, T = cfg.test_size, cfg.length
    return sequence_cost(cell, n, T, 2, cfg.hidden, backward=False) + Cost(
        elementwise=n * T * (8 + TRANSCENDENTAL), calls=30, peak_bytes=8.0 * 6 * n * T
    )


def train_adding_cost(cell: str, cfg: LongRangeConfig, iters: int | None = None) -> Cost:
    """What :func:`train_adding` costs with ``iters`` steps (default ``cfg.iters``)."""
    iters = cfg.iters if iters is None else iters
    init = init_cost(cell, 2, cfg.hidden, "gaussian")
    return init + _iteration_cost(cell, cfg) * iters + _test_cost(cell, cfg)


def long_range_cost(cfg: LongRangeConfig, iters: int | None = None) -> Cost:
    """What :func:`compare_long_range` costs when every cell takes ``iters`` steps (default
    ``cfg.iters``): the three trainings one after the other, then the frames."""
    total = Cost(calls=FRAME_CALLS)
    for cell in CELLS:
        total = total + train_adding_cost(cell, cfg, iters)
    return total


def affordable_iters(cfg: LongRangeConfig, seconds: float = TRAINING_SECONDS) -> int:
    """How many of the ``cfg.iters`` Adam steps the three cells can each take within
    ``seconds`` by the cost model: all of them when they fit. Decided from the config alone,
    so a shared link trains exactly as many steps as the presenter saw."""
    each = sum((_iteration_cost(cell, cfg) for cell in CELLS), Cost())
    return affordable_repeats(each, cfg.iters, long_range_cost(cfg, iters=0), seconds)


def compare_long_range(
    cfg: LongRangeConfig, progress: Progress | None = None, seconds: float = TRAINING_SECONDS
) -> LongRange:
    """Train RNN (tanh), LSTM and GRU on the same adding-problem data; see :class:`LongRange`.

    Each cell takes :func:`affordable_iters` steps: ``cfg.iters`` unless the cost model says
    the three runs would not finish within ``seconds``; the result says how many it took.
    """
    if cfg.clip_mode not in CLIPPING:
        raise ValueError(f"unknown clipping mode {cfg.clip_mode!r}; choose one of {CLIPPING}")
    iters = affordable_iters(cfg, seconds)
    with single_threaded_blas():  # thousands of small products: see gradient_through_time
        runs = [
            train_adding(c, cfg, progress, done=k / len(CELLS), iters=iters)
            for k, c in enumerate(CELLS)
        ]
    if progress is not None:
        progress(1.0, "done")
    frames, results = [], []
    if iters:
        keep = np.unique(np.linspace(0, iters - 1, min(iters, MAX_CURVE_POINTS)).astype(int))
    else:
        keep = np.arange(0)
    window = max(iters // 10, 1)
    for run in runs:
        for metric, series in zip(METRICS, (run.loss, run.first_grad, run.last_grad), strict=True):
            frames.append(
                pd.DataFrame(
                    {
                        "cell": CELL_LABELS[run.cell],
                        "iteration": keep + 1,
                        "metric": metric,
                        "value": series[keep],
                    }
                )
            )
        ran = run.first_grad[np.isfinite(run.first_grad)]
        results.append(
            {
                "cell": CELL_LABELS[run.cell],
                "mse": run.mse,
                "accuracy": run.accuracy,
                "solved": run.solved,
                "first_grad_start": float(np.median(ran[:window])) if ran.size else math.nan,
                "first_grad_end": float(np.median(ran[-window:])) if ran.size else math.nan,
                "clipped_fraction": float(np.nanmean(run.clipped)) if iters else math.nan,
            }
        )
    each = sum((_iteration_cost(cell, cfg) for cell in CELLS), Cost())
    return LongRange(
        cfg,
        pd.concat(frames, ignore_index=True),
        pd.DataFrame(results),
        tuple(runs),
        trained_iters=iters,
        rest_seconds=(cfg.iters - iters) * each.seconds,
    )
