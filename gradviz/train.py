r"""Training an MLP on a 2D toy set, recording what the remedies change, step by step.

``train(cfg) -> TrainResult``. Step :math:`t = 0..T` evaluates the network after t updates on
the step's batch (loss, accuracy, gradients, per-layer statistics); steps :math:`t < T` then
apply the update

.. math:: g = \mathrm{clip}\big(\nabla_\theta C + \lambda_1\,\mathrm{sign}(W) +
          \lambda_2 W\big),\qquad \theta \leftarrow \mathrm{optimizer}(\theta, g)

where :math:`C` is the data loss plus the L1/L2 penalties.

A run *diverges* at the first step whose loss or weights are no longer finite: that step is
recorded and the run stops there (``TrainResult.diverged_step``). A non-finite gradient alone is
recorded as an event and still applied, as a framework would (value clipping can rescue it).

To train several runs side by side on the other cores, see :func:`gradviz.parallel.train_many`.

Records are long-form DataFrames built once at the end from numpy arrays:

* ``history`` — [step, metric, value] with metrics :data:`LOSS`, :data:`ACCURACY`,
  :data:`GRAD_NORM` (global ‖∇C‖ before clipping), :data:`UPDATE_RATIO` (global ‖Δθ‖/‖θ‖),
  :data:`WEIGHTS_NORM` (global ‖W‖ over weight matrices) and :data:`MIN_NODE_GRAD`
  (:math:`\min_{l,j}|\partial C/\partial b^l_j|` over hidden units: seed 003's "error gradient of
  every node").
* ``layers`` — [step, layer, metric, value] with :data:`SPEED` (Nielsen's speed of learning
  :math:`\lVert\partial C/\partial b_l\rVert`), :data:`UPDATE_DATA` (:math:`\lVert\Delta
  W_l\rVert_F/\lVert W_l\rVert_F`), :data:`WEIGHT_NORM` (:math:`\lVert W_l\rVert_F`),
  :data:`BIAS_MEAN` (mean of :math:`b_l`) for layers 1..L+1, and :data:`DEAD_FRACTION` (units
  with zero slope for every sample of the batch) for hidden layers 1..L.
* ``events`` — [step, quantity, kind]: the first step at which the loss, the gradient and the
  weights became inf or NaN.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from gradviz import losses
from gradviz.blas import single_threaded_blas
from gradviz.datasets import DATASETS, make_dataset
from gradviz.diagnostics import bias_key, dead_fraction
from gradviz.mlp import MLPConfig, backward, forward, init_params, param_grads, predict_scores
from gradviz.numerics import norms
from gradviz.optim import CLIPPING, OPTIMIZERS, Optimizer, clip

Array = np.ndarray

LOSS = "loss"
ACCURACY = "accuracy"
GRAD_NORM = "gradient norm"
UPDATE_RATIO = "update:data ratio"
WEIGHTS_NORM = "weight norm"
MIN_NODE_GRAD = "smallest node gradient"
HISTORY_METRICS = (LOSS, ACCURACY, GRAD_NORM, UPDATE_RATIO, WEIGHTS_NORM, MIN_NODE_GRAD)

SPEED = "speed of learning ‖∂C/∂b‖"
UPDATE_DATA = "update:data ratio"
WEIGHT_NORM = "weight norm ‖W‖"
BIAS_MEAN = "mean bias"
DEAD_FRACTION = "dead fraction"
LAYER_METRICS = (SPEED, UPDATE_DATA, WEIGHT_NORM, BIAS_MEAN, DEAD_FRACTION)

MAX_STEPS = 100_000


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a run (hashable).

    mlp : the network; its ``in_dim`` and ``out_dim`` are set from the data (2) and the loss
        (see :attr:`network`).
    dataset, n, noise, data_seed : the toy set (:func:`gradviz.datasets.make_dataset`).
    steps : number of updates T.
    batch_size : samples per step; 0 (or ≥ n) means full batch.
    optimizer, lr : :class:`gradviz.optim.Optimizer` kind and learning rate.
    clip, clip_threshold : clipping mode in ``("none", "norm", "value")`` and its threshold.
    l1, l2 : penalty strengths λ₁, λ₂ on weight matrices.
    loss : ``"bce"``, ``"softmax"`` or ``"mse"``.
    """

    mlp: MLPConfig = field(default_factory=lambda: MLPConfig(depth=10, width=32))
    dataset: str = "moons"
    n: int = 200
    noise: float = 0.1
    data_seed: int = 0
    steps: int = 300
    batch_size: int = 0
    optimizer: str = "sgd"
    lr: float = 0.1
    clip: str = "none"
    clip_threshold: float = 1.0
    l1: float = 0.0
    l2: float = 0.0
    loss: str = "bce"

    def __post_init__(self) -> None:
        problems = []
        if self.dataset not in DATASETS:
            problems.append(f"unknown data set {self.dataset!r} (choose from {DATASETS})")
        if not isinstance(self.steps, (int, np.integer)) or not 0 <= self.steps <= MAX_STEPS:
            problems.append(f"steps must be an integer from 0 to {MAX_STEPS}")
        if not isinstance(self.batch_size, (int, np.integer)) or self.batch_size < 0:
            problems.append("batch_size must be an integer >= 0 (0 = full batch)")
        if self.optimizer not in OPTIMIZERS:
            problems.append(f"unknown optimizer {self.optimizer!r} (choose from {OPTIMIZERS})")
        if self.clip not in CLIPPING:
            problems.append(f"unknown clipping mode {self.clip!r} (choose from {CLIPPING})")
        if self.loss not in losses.LOSSES:
            problems.append(f"unknown loss {self.loss!r} (choose from {losses.LOSSES})")
        for name in ("lr", "clip_threshold"):
            value = getattr(self, name)
            if not np.isfinite(value) or value <= 0:
                problems.append(f"{name} must be a finite number > 0, got {value!r}")
        for name in ("l1", "l2", "noise"):
            value = getattr(self, name)
            if not np.isfinite(value) or value < 0:
                problems.append(f"{name} must be a finite number >= 0, got {value!r}")
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def network(self) -> MLPConfig:
        """:attr:`mlp` with ``in_dim = 2`` and ``out_dim`` as the loss needs."""
        return replace(self.mlp, in_dim=2, out_dim=losses.output_dim(self.loss))

    def data(self) -> tuple[Array, Array]:
        """The training set ``(X (n, 2), y (n,))``."""
        return make_dataset(self.dataset, self.n, self.noise, self.data_seed)


@dataclass(frozen=True)
class TrainResult:
    """The records of one run (see the module docstring for the schemas).

    diverged_step : first step whose loss or weights were not finite, or ``None``.
    steps_run : number of evaluated steps (``T + 1`` unless the run diverged earlier).
    final_params : parameters at the end (after the last applied update).
    final_loss, final_accuracy : on the full training set with ``final_params``.
    data : DataFrame[x1, x2, label] of the training set.
    """

    config: TrainConfig
    history: pd.DataFrame
    layers: pd.DataFrame
    events: pd.DataFrame
    diverged_step: int | None
    steps_run: int
    final_loss: float
    final_accuracy: float
    data: pd.DataFrame
    final_params: dict[str, Array] = field(repr=False)

    @property
    def diverged(self) -> bool:
        return self.diverged_step is not None

    def metric(self, name: str) -> Array:
        """One history metric as an array over the recorded steps."""
        rows = self.history[self.history["metric"] == name]
        return rows["value"].to_numpy(dtype=float)

    def layer_metric(self, name: str) -> Array:
        """One per-layer metric as an array (recorded steps, layers) in layer order."""
        rows = self.layers[self.layers["metric"] == name]
        wide = rows.pivot(index="step", columns="layer", values="value")
        return wide.to_numpy(dtype=float)


def train(cfg: TrainConfig, progress: Callable[[float], None] | None = None) -> TrainResult:
    """Train ``cfg.network`` on ``cfg``'s data set and record every step (see module doc).

    progress : optional ``callable(fraction)`` called about 50 times with a value in [0, 1].
    """
    net = cfg.network
    X, y = cfg.data()
    params = init_params(net)
    opt = Optimizer(cfg.optimizer, lr=cfg.lr)
    batch_rng = np.random.default_rng([net.seed, cfg.data_seed, 7])
    full_batch = cfg.batch_size == 0 or cfg.batch_size >= cfg.n
    depth, n_layers, total = net.depth, net.depth + 1, cfg.steps + 1
    weight_keys = [f"W{layer}" for layer in range(1, n_layers + 1)]
    bias_keys = [bias_key(net, layer) for layer in range(1, n_layers + 1)]

    scalars = {name: np.full(total, np.nan) for name in HISTORY_METRICS}
    per_layer = {name: np.full((total, n_layers), np.nan) for name in LAYER_METRICS}
    first_bad: dict[str, int] = {}
    diverged_step = None
    report_every = max(1, -(-total // 50))  # ceil: at most 50 reports

    with np.errstate(all="ignore"), single_threaded_blas():
        t = 0
        for t in range(total):
            if full_batch:
                Xb, yb = X, y
            else:
                idx = batch_rng.choice(cfg.n, size=cfg.batch_size, replace=False)
                Xb, yb = X[idx], y[idx]
            scores, cache = forward(params, Xb, net)
            loss, dscores = losses.loss_forward(cfg.loss, scores, yb)
            grads = param_grads(backward(dscores, cache))
            if cfg.l1 > 0:
                penalty, pen_grads = losses.l1_penalty(params, cfg.l1)
                loss += penalty
                for k, g in pen_grads.items():
                    grads[k] = grads[k] + g
            if cfg.l2 > 0:
                penalty, pen_grads = losses.l2_penalty(params, cfg.l2)
                loss += penalty
                for k, g in pen_grads.items():
                    grads[k] = grads[k] + g

            p_norms = dict(zip(params, norms(params.values()), strict=True))
            w_norms = np.array([p_norms[k] for k in weight_keys])
            param_norm = math.sqrt(sum(v * v for v in p_norms.values()))
            b_grad = [grads[k] for k in bias_keys]
            scalars[LOSS][t] = loss
            scalars[ACCURACY][t] = losses.accuracy(cfg.loss, scores, yb)
            g_norms = dict(zip(grads, norms(grads.values()), strict=True))
            scalars[GRAD_NORM][t] = math.sqrt(sum(v * v for v in g_norms.values()))
            scalars[WEIGHTS_NORM][t] = math.sqrt(float(np.dot(w_norms, w_norms)))
            scalars[MIN_NODE_GRAD][t] = min(float(np.abs(g).min()) for g in b_grad[:depth])
            per_layer[SPEED][t] = [g_norms[k] for k in bias_keys]
            per_layer[WEIGHT_NORM][t] = w_norms
            per_layer[BIAS_MEAN][t] = [params[k].sum() / params[k].size for k in bias_keys]
            # a positive minimum slope means no dead unit, 4x cheaper to check than a count
            per_layer[DEAD_FRACTION][t, :depth] = [dead_fraction(s) for s in cache.slope]

            for quantity, ok in (
                ("loss", np.isfinite(loss)),
                ("gradient", np.isfinite(scalars[GRAD_NORM][t])),
                ("weights", np.isfinite(param_norm)),
            ):
                if not ok:
                    first_bad.setdefault(quantity, t)
            if "loss" in first_bad or "weights" in first_bad:
                diverged_step = t
                break
            if progress is not None and t % report_every == 0:
                progress(t / total)
            if t == cfg.steps:
                break

            updates = opt.step(params, clip(grads, cfg.clip, cfg.clip_threshold))
            all_u = dict(zip(updates, norms(updates.values()), strict=True))
            per_layer[UPDATE_DATA][t] = np.array([all_u[k] for k in weight_keys]) / w_norms
            all_norm = math.sqrt(sum(v * v for v in all_u.values()))
            # numpy division: 0/0 = NaN and x/0 = inf as data (all-zero init), not an exception
            scalars[UPDATE_RATIO][t] = np.float64(all_norm) / np.float64(param_norm)
        steps_run = t + 1

        if diverged_step is None:
            final_scores = predict_scores(params, X, net)
            final_loss, _ = losses.loss_forward(cfg.loss, final_scores, y)
            final_accuracy = losses.accuracy(cfg.loss, final_scores, y)
        else:
            final_loss, final_accuracy = float("nan"), float(scalars[ACCURACY][diverged_step])
    if progress is not None:
        progress(1.0)

    return TrainResult(
        config=cfg,
        history=_history_frame(scalars, steps_run),
        layers=_layers_frame(per_layer, steps_run, depth),
        events=pd.DataFrame(
            {
                "step": list(first_bad.values()),
                "quantity": list(first_bad),
                "kind": ["inf or NaN"] * len(first_bad),
            }
        ),
        diverged_step=diverged_step,
        steps_run=steps_run,
        final_loss=float(final_loss),
        final_accuracy=float(final_accuracy),
        data=pd.DataFrame({"x1": X[:, 0], "x2": X[:, 1], "label": y}),
        final_params=params,
    )


def _history_frame(scalars: dict[str, Array], steps_run: int) -> pd.DataFrame:
    steps = np.arange(steps_run)
    frames = []
    for name in HISTORY_METRICS:
        values = scalars[name][:steps_run]
        keep = ~np.isnan(values) if name == UPDATE_RATIO else np.ones(steps_run, bool)
        frames.append(pd.DataFrame({"step": steps[keep], "metric": name, "value": values[keep]}))
    return pd.concat(frames, ignore_index=True)


def _layers_frame(per_layer: dict[str, Array], steps_run: int, depth: int) -> pd.DataFrame:
    frames = []
    for name in LAYER_METRICS:
        values = per_layer[name][:steps_run]
        n_layers = depth if name == DEAD_FRACTION else values.shape[1]
        values = values[:, :n_layers]
        step_grid, layer_grid = np.meshgrid(
            np.arange(steps_run), np.arange(1, n_layers + 1), indexing="ij"
        )
        keep = np.ones(values.shape, bool)
        if name == UPDATE_DATA:  # no update is applied at the last evaluated step
            keep = np.zeros(values.shape, bool)
            keep[: steps_run - 1] = True
        frames.append(
            pd.DataFrame(
                {
                    "step": step_grid[keep],
                    "layer": layer_grid[keep],
                    "metric": name,
                    "value": values[keep],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def decision_grid(params: dict[str, Array], cfg: TrainConfig, resolution: int = 50) -> pd.DataFrame:
    """P(class 1) on a ``resolution`` × ``resolution`` grid covering the data with a margin.

    Returns DataFrame[x1, x2, p] (``resolution²`` rows); with batch norm the training set's
    statistics normalize the grid (inference mode). NaN parameters give NaN probabilities.
    """
    if not isinstance(resolution, (int, np.integer)) or not 2 <= resolution <= 400:
        raise ValueError(f"resolution must be an integer from 2 to 400, got {resolution!r}")
    X, _ = cfg.data()
    net = cfg.network
    lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    g1, g2 = np.meshgrid(
        np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    )
    grid = np.column_stack([g1.ravel(), g2.ravel()])
    scores = predict_scores(params, grid, net, X_stats=X)
    return pd.DataFrame(
        {"x1": grid[:, 0], "x2": grid[:, 1], "p": losses.class_probability(cfg.loss, scores)}
    )
