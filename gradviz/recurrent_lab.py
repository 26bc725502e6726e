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
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gradviz.activations import default_properties
from gradviz.activations import label as activation_label
from gradviz.blas import single_threaded_blas

# ``norm`` scales by the largest entry, so a state of 1e200 has a finite norm: only a norm
# beyond float64 itself reads inf (a squared-sum norm would overflow from 1e154 on).
from gradviz.numerics import Breakdown, find_breakdown, norm
from gradviz.optim import CLIPPING, Optimizer, clip, global_norm
from gradviz.rnn import (
    CELL_LABELS,
    CELLS,
    forget_gates,
    init_params,
    sequence_backward,
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


def _gradient_breakdown(values_by_t: Array, where: str = "time step") -> Breakdown:
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
    """
    with single_threaded_blas():  # T small products: a BLAS thread pool only adds waiting
        return _gradient_through_time(cfg)


def _gradient_through_time(cfg: ThroughTimeConfig) -> ThroughTime:
    T, H, N = cfg.length, cfg.hidden, cfg.batch
    data_rng = np.random.default_rng([cfg.seed, 0])
    x = cfg.input_scale * data_rng.normal(size=(N, T, cfg.input_dim))
    v = data_rng.normal(size=(N, H))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    dh = np.zeros((N, T, H))
    dh[:, -1] = v
    h0 = np.zeros((N, H))
    t_axis = np.arange(T + 1)
    distance = T - t_axis

    frames, states, breakdowns, undefined = [], [], [], []
    lstm = None
    for cell in CELLS:
        # One generator per cell, so the vanilla RNN's W_h is the same matrix whatever the
        # other cells draw.
        params = init_params(
            cell,
            cfg.input_dim,
            H,
            np.random.default_rng([cfg.seed, 1]),
            radius=cfg.radius,
            recurrent_init=cfg.recurrent_init,
            forget_bias=cfg.forget_bias,
        )
        h, cache = sequence_forward(cell, x, h0, params, cfg.activation)
        grads = sequence_backward(cell, dh, cache)
        rel = _relative_norms(grads.dh, grads.dh0)
        label = rnn_series_label(cfg.activation) if cell == "rnn" else CELL_LABELS[cell]
        state_norm = norm(h, (0, 2)) / math.sqrt(N)
        # A state of exactly 0 is legitimate (zero input, zero h0); only inf/NaN break it.
        found = find_breakdown(state_norm, "time step")
        forward = (
            Breakdown(found.index + 1, found.kind, found.where)
            if found.kind in ("inf", "nan")
            else Breakdown(None, None, found.where)
        )
        states.append(pd.DataFrame({"t": t_axis[1:], "series": label, "state_norm": state_norm}))
        if forward.ok:
            breakdowns.append((f"the {label} gradient ‖∂L/∂h_t‖", _gradient_breakdown(rel)))
        else:
            # BPTT starts at step T, beyond the overflow: every derivative it returns was taken
            # at inf/NaN states (ReLU'(NaN) = 0 even masks units), so none of it is meaningful.
            rel[:-1] = np.nan
            breakdowns.append((f"the {label} hidden state", forward))
            undefined.append(label)
        frames.append(pd.DataFrame({"distance": distance, "t": t_axis, "series": label}))
        frames[-1]["grad_norm"] = rel
        if cell == "rnn":
            rnn_Wh = params["Wh"]
        if cell == "lstm":
            lstm = (grads, cache)

    gamma = default_properties(cfg.activation).max_slope
    smax = sigma_max(rnn_Wh)
    with np.errstate(all="ignore"):
        bound = np.exp(distance * math.log(gamma * smax)) if smax > 0 else (distance == 0) * 1.0
    frames.append(pd.DataFrame({"distance": distance, "t": t_axis, "series": BOUND_LABEL}))
    frames[-1]["grad_norm"] = bound

    grads, cache = lstm
    f = forget_gates(cache.steps)  # (N, T, H)
    # ∂c_T/∂c_t along the cell path alone: ∏_{k=t+1}^{T} f_k (empty product 1 at t = T).
    with np.errstate(all="ignore"):
        suffix = np.concatenate([np.cumprod(f[:, ::-1], axis=1)[:, ::-1], np.ones((N, 1, H))], 1)
        dc_T = grads.dc[:, -1]
        path = norm(suffix * dc_T[:, None, :], axis=(0, 2)) / norm(dc_T)
    cell_rel = _relative_norms(grads.dc, grads.dc0)
    lstm_h = frames[1]["grad_norm"].to_numpy()
    cell_path = pd.concat(
        [
            pd.DataFrame({"distance": distance, "t": t_axis, "series": name, "grad_norm": vals})
            for name, vals in zip(CELL_PATH_LABELS, (lstm_h, cell_rel, path), strict=True)
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
        mean_forget=float(np.mean(f)),
        states=pd.concat(states, ignore_index=True),
        undefined=tuple(undefined),
    )


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
    cell: str, cfg: LongRangeConfig, progress: Progress | None = None, done: float = 0.0
) -> CellTraining:
    """Train one cell on the adding problem with Adam and clipping; see :class:`CellTraining`.

    Every cell gets the same initial generator, the same training batches (from ``seed``) and
    the same test set. ``progress(fraction, text)`` is called about 20 times; ``done`` offsets
    the fraction so that :func:`compare_long_range` reports one bar for the three cells.
    """
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
    loss, first, last, clipped = (np.full(cfg.iters, np.nan) for _ in range(4))
    every = max(cfg.iters // 20, 1)
    for it in range(cfg.iters):
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
            progress(done + (it + 1) / cfg.iters / len(CELLS), f"training {CELL_LABELS[cell]}")
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
    """

    config: LongRangeConfig
    curves: pd.DataFrame
    results: pd.DataFrame
    runs: tuple[CellTraining, ...] = field(repr=False)

    @property
    def baseline_mse(self) -> float:
        return ADDING_BASELINE_MSE


METRICS = ("train MSE", "‖∂L/∂h_1‖", "‖∂L/∂h_T‖")
MAX_CURVE_POINTS = 300


def compare_long_range(cfg: LongRangeConfig, progress: Progress | None = None) -> LongRange:
    """Train RNN (tanh), LSTM and GRU on the same adding-problem data; see :class:`LongRange`."""
    if cfg.clip_mode not in CLIPPING:
        raise ValueError(f"unknown clipping mode {cfg.clip_mode!r}; choose one of {CLIPPING}")
    with single_threaded_blas():  # thousands of small products: see gradient_through_time
        runs = [train_adding(c, cfg, progress, done=k / len(CELLS)) for k, c in enumerate(CELLS)]
    if progress is not None:
        progress(1.0, "done")
    keep = np.unique(np.linspace(0, cfg.iters - 1, min(cfg.iters, MAX_CURVE_POINTS)).astype(int))
    frames, results = [], []
    window = max(cfg.iters // 10, 1)
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
                "clipped_fraction": float(np.nanmean(run.clipped)),
            }
        )
    return LongRange(cfg, pd.concat(frames, ignore_index=True), pd.DataFrame(results), tuple(runs))
