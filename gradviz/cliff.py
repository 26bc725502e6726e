r"""Pascanu et al.'s (2013) loss cliff, and what clipping does on it.

The single-unit RNN :math:`x_t = w\,\sigma(x_{t-1}) + b`: its loss over (w, b)
(:func:`cliff_surface`), and gradient descent with no clipping, value clipping and norm
clipping (:func:`cliff_trajectories`); :func:`cliff_cost` is their cost model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gradviz.budget import TRANSCENDENTAL, Cost
from gradviz.cells import (
    sigmoid,
)

# ``norm`` scales by the largest entry, so a state of 1e200 has a finite norm: only a norm
# beyond float64 itself reads inf (a squared-sum norm would overflow from 1e154 on).
from gradviz.numerics import find_breakdown
from gradviz.optim import CLIPPING, Optimizer, clip, global_norm
from gradviz.through_time import FRAME_CALLS

Array = np.ndarray


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
