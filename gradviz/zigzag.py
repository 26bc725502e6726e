r"""Why zero-centred inputs matter: the update path of a two-weight neuron.

A linear unit :math:`\hat y = w^\top x` with two weights learns a target unit
:math:`y = w_*^\top x` by per-example gradient descent on :math:`\ell = \tfrac12(\hat y - y)^2`:

.. math:: \frac{\partial \ell}{\partial w} = (\hat y - y)\,x, \qquad
          w \leftarrow w - \eta\,(\hat y - y)\,x .

The gradient is a scalar times the input ``x``. When ``x`` comes from a sigmoid or a ReLU every
component is >= 0, so both weights move in the same direction at every step (seed 004): a target
that needs one weight up and the other down is reached only by zig-zagging. Inputs from tanh have
both signs, so a step can move the weights in opposite directions and the path is direct.

:func:`neuron_path` runs one path; :func:`compare_paths` runs a positive-input path and a
zero-centred one on the same underlying draws and returns both, with summary numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gradviz.activations import EVAL_COSTS, get_activation
from gradviz.budget import DATAFRAME, TEXT_COLUMN, Cost
from gradviz.numerics import Breakdown, find_breakdown

Array = np.ndarray
POSITIVE_INPUTS = ("sigmoid", "relu")


def neuron_loss_and_grad(w: Array, x: Array, y: float) -> tuple[float, Array]:
    r"""Loss :math:`\tfrac12(w^\top x - y)^2` and its gradient :math:`(w^\top x - y)\,x`.

    ``w`` and ``x`` have shape (2,) (any (D,) works); returns ``(loss, dw)`` with ``dw`` (D,).
    """
    error = float(w @ x) - y
    return 0.5 * error * error, error * x


def neuron_path(inputs: Array, target: Array, lr: float, start: Array) -> Array:
    """Weights after each per-example SGD step, shape (T + 1, 2) for ``inputs`` of shape (T, 2).

    Row 0 is ``start``; row ``t`` is the weight after the ``t``-th example. The label of example
    ``t`` is ``target @ inputs[t]``. Overflow (a learning rate too large for the input scale) is
    left as inf/NaN; see :func:`find_breakdown`.
    """
    w = np.array(start, dtype=float)
    path = np.empty((inputs.shape[0] + 1, w.size))
    path[0] = w
    with np.errstate(all="ignore"):
        for t, x in enumerate(inputs):
            _, dw = neuron_loss_and_grad(w, x, float(target @ x))
            w = w - lr * dw
            path[t + 1] = w
    return path


@dataclass(frozen=True)
class PathSummary:
    """Numbers about one update path.

    ``opposite_share``: share of steps that moved the two weights in opposite directions
    (Δw1·Δw2 < 0); exactly 0 for inputs >= 0. ``steps_to_10pct``: first step whose distance to
    the target is at most 10% of the starting distance (``None`` if never). ``final_distance``:
    ‖w_T - w*‖. ``detour``: path length over the straight-line distance from start to the last
    finite point (1 = straight). ``breakdown``: where the weights left float range, if they did.
    """

    inputs: str
    opposite_share: float
    steps_to_10pct: int | None
    final_distance: float
    detour: float
    breakdown: Breakdown


def summarize_path(inputs: str, path: Array, target: Array) -> PathSummary:
    """:class:`PathSummary` of a path of shape (T + 1, 2) towards ``target`` (2,)."""
    with np.errstate(all="ignore"):
        finite = np.isfinite(path).all(axis=1)
        last = int(np.argmin(finite)) if not finite.all() else path.shape[0]
        good = path[:last]
        steps = np.diff(good, axis=0)
        opposite = float(np.mean(steps[:, 0] * steps[:, 1] < 0)) if steps.size else 0.0
        distance = np.linalg.norm(good - target, axis=1)
        reached = np.flatnonzero(distance <= 0.1 * distance[0])
        length = float(np.linalg.norm(steps, axis=1).sum())
        straight = float(np.linalg.norm(good[-1] - good[0]))
    return PathSummary(
        inputs=inputs,
        opposite_share=opposite,
        steps_to_10pct=int(reached[0]) if reached.size else None,
        final_distance=float(np.linalg.norm(path[-1] - target)) if finite.all() else np.inf,
        detour=length / straight if straight > 0 else 1.0,
        breakdown=find_breakdown(path, where="step"),
    )


@dataclass(frozen=True)
class ZigzagComparison:
    """Two update paths to the same target.

    ``frame``: long-form, one row per (inputs, step): ``inputs`` ("sigmoid inputs (all > 0)"
    style label), ``step``, ``w1``, ``w2``, ``dw1``, ``dw2`` (the update that led here; 0 at step
    0), ``same_direction`` (bool, Δw1·Δw2 > 0); non-finite rows are dropped.
    ``positive`` / ``centred``: :class:`PathSummary` of each path.
    """

    frame: pd.DataFrame
    positive: PathSummary
    centred: PathSummary
    target: tuple[float, float]
    start: tuple[float, float]


def input_label(kind: str) -> str:
    """Legend label of an input kind, e.g. ``"sigmoid inputs (all > 0)"``."""
    return {
        "sigmoid": "sigmoid inputs (all > 0)",
        "relu": "ReLU inputs (all ≥ 0)",
        "tanh": "tanh inputs (zero-centred)",
    }[kind]


def compare_paths(
    positive: str,
    target: tuple[float, float],
    lr: float,
    steps: int,
    start: tuple[float, float] = (0.0, 0.0),
    seed: int = 0,
) -> ZigzagComparison:
    """Per-example SGD paths of a two-weight neuron fed ``positive``-activation inputs and fed
    tanh inputs.

    Both paths use the same pre-activations ``u ~ N(0, I_2)`` of shape (steps, 2), passed
    through the chosen activation (``"sigmoid"`` or ``"relu"``) or through tanh.
    """
    if positive not in POSITIVE_INPUTS:
        raise ValueError(f"positive inputs come from one of {POSITIVE_INPUTS}, got {positive!r}")
    u = np.random.default_rng(seed).standard_normal((steps, 2))
    w_star, w0 = np.asarray(target, dtype=float), np.asarray(start, dtype=float)
    columns: dict[str, list[Array]] = {key: [] for key in ("step", "w", "dw")}
    labels, summaries = [], []
    for kind in (positive, "tanh"):
        path = neuron_path(get_activation(kind).fn(u), w_star, lr, w0)
        summaries.append(summarize_path(kind, path, w_star))
        with np.errstate(all="ignore"):
            delta = np.vstack([np.zeros((1, 2)), np.diff(path, axis=0)])
        # Rows are dropped before the frame is built: filtering a frame with a text column
        # costs milliseconds.
        keep = np.isfinite(path).all(axis=1) & np.isfinite(delta).all(axis=1)
        columns["step"].append(np.flatnonzero(keep))
        columns["w"].append(path[keep])
        columns["dw"].append(delta[keep])
        labels.append(np.full(int(keep.sum()), input_label(kind), dtype=object))
    w, dw = np.concatenate(columns["w"]), np.concatenate(columns["dw"])
    frame = pd.DataFrame(
        {
            "inputs": np.concatenate(labels),
            "step": np.concatenate(columns["step"]),
            "w1": w[:, 0],
            "w2": w[:, 1],
            "dw1": dw[:, 0],
            "dw2": dw[:, 1],
            "same_direction": dw[:, 0] * dw[:, 1] > 0,
        }
    )
    return ZigzagComparison(
        frame=frame,
        positive=summaries[0],
        centred=summaries[1],
        target=(float(w_star[0]), float(w_star[1])),
        start=(float(w0[0]), float(w0[1])),
    )


# ----------------------------------------------------------------------------- cost

STEP_CALLS = 2.0
"""One per-example SGD step of :func:`neuron_path` on two weights, in calls: two dot products,
the error, two scaled vectors and a row written (about 5 µs, all Python overhead)."""
SUMMARY_CALLS = 80
"""The calls of :func:`summarize_path` in units of CALL_SECONDS (masks, norms, an errstate and
the breakdown: about 0.2 ms)."""


def compare_paths_cost(positive: str, steps: int) -> Cost:
    """What :func:`compare_paths` costs for ``steps`` examples: the shared draws, the chosen
    activation and tanh on them, then per path ``steps`` SGD steps and a summary (about 40
    passes over the path), and one labelled DataFrame of both paths (its columns and their
    pieces alive together: about 20 numbers a row, and 100 bytes of label)."""
    size = 2.0 * steps
    rows = 2.0 * (steps + 1)
    path = Cost(elementwise=40.0 * rows / 2, calls=STEP_CALLS * steps + SUMMARY_CALLS)
    inputs = Cost(elementwise=3.0 * size, calls=3) + EVAL_COSTS[positive].fn(size)
    frame = Cost(
        elementwise=20.0 * rows,
        calls=15 + DATAFRAME.calls + TEXT_COLUMN.calls,
        peak_bytes=DATAFRAME.peak_bytes + (8.0 * 20 + 100) * rows,
    )
    return inputs + EVAL_COSTS["tanh"].fn(size) + path * 2 + frame
