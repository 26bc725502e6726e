r"""The adding problem (Hochreiter & Schmidhuber 1997): long-range memory, trained.

:func:`compare_long_range` trains a vanilla RNN, an LSTM and a GRU with Adam and the same
clipping on the same sequences. It takes only the iterations its cost model
(:func:`long_range_cost`) says fit the training budget (:func:`affordable_iters`), so a shared
link reproduces the same run whatever the server's load.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gradviz.blas import single_threaded_blas
from gradviz.budget import TRAINING_SECONDS, TRANSCENDENTAL, Cost, Progress, affordable_repeats
from gradviz.cells import (
    CELL_LABELS,
    CELLS,
    GATES,
    LOOP_CALL,
    init_cost,
    init_params,
    sequence_backward,
    sequence_cost,
    sequence_forward,
)

# ``norm`` scales by the largest entry, so a state of 1e200 has a finite norm: only a norm
# beyond float64 itself reads inf (a squared-sum norm would overflow from 1e154 on).
from gradviz.numerics import Breakdown, find_breakdown, norm
from gradviz.optim import CLIPPING, Optimizer, clip, global_norm
from gradviz.through_time import FRAME_CALLS

Array = np.ndarray


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
# error is below 0.04 on their target 0.5 + (X1 + X2)/4; this module predicts the raw sum
# X1 + X2, on which the same criterion is an error below 0.04 * 4 = 0.16.
HS_TOLERANCE = 0.04
HS_TARGET_DIVISOR = 4.0
ADDING_TOLERANCE = HS_TOLERANCE * HS_TARGET_DIVISOR
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
    (fraction with |error| < :data:`ADDING_TOLERANCE`), ``breakdown`` of the loss."""

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
each). All on small arrays, so each costs :data:`gradviz.cells.LOOP_CALL`."""


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
