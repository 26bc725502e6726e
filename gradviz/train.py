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
from gradviz.blas import blas_threads_for
from gradviz.budget import Cost
from gradviz.datasets import DATASETS, make_dataset
from gradviz.diagnostics import bias_key, dead_fraction
from gradviz.layers import activation_forward, batchnorm_backward, batchnorm_forward
from gradviz.mlp import (
    BN_EPS,
    MLPConfig,
    activation_cost,
    draw_cost,
    init_params,
    layer_shapes,
    make_activation,
    predict_scores,
    product_cost,
    tanh_into,
)
from gradviz.numerics import norm
from gradviz.optim import CLIPPING, OPTIMIZERS, Optimizer

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

Observer = Callable[[int, tuple[str, ...], float, np.ndarray, np.ndarray, np.ndarray], None]
"""``observe(step, keys, loss, grad_norms, param_norms, update_norms)``: per parameter (``keys``
such as ``"W1"``, ``"b1"``), ‖∂C/∂θ‖ before clipping, ‖θ‖ before the update and ‖Δθ‖ of the
update, with the step's loss (penalties included)."""


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


class _FlatParams:
    """Every parameter of a network side by side in one float64 array, and the dict of views
    the layers use (``"W1"`` ... are reshaped slices of it).

    Weights come first (W_1 .. W_{L+1}), then biases, then batch-norm scales and shifts, so a
    training step computes the norms of all parameters, gradients and updates with two numpy
    calls each (:meth:`norms`) and updates them all with one or two.
    """

    def __init__(self, params: dict[str, Array]) -> None:
        order = sorted(params, key=lambda k: (_KIND_ORDER[k.rstrip("0123456789")], _layer(k)))
        sizes = [params[k].size for k in order]
        self.keys = order
        self.offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
        self.sizes = np.array(sizes, dtype=float)
        self.flat = np.empty(int(sum(sizes)))
        self.views: dict[str, Array] = {}
        for key, start, size in zip(order, self.offsets, sizes, strict=True):
            view = self.flat[start : start + size].reshape(params[key].shape)
            view[...] = params[key]
            self.views[key] = view
        self.weights_end = int(sum(p.size for k, p in params.items() if k.startswith("W")))

    def like(self) -> tuple[Array, dict[str, Array]]:
        """A zero flat array of the same layout and its dict of views."""
        flat = np.zeros_like(self.flat)
        return flat, {
            k: flat[s : s + v.size].reshape(v.shape)
            for k, s, v in zip(self.keys, self.offsets, self.views.values(), strict=True)
        }

    def norms(self, flat: Array, scratch: Array) -> Array:
        r"""(P,) ‖parameter‖ of a flat array of this layout, in :attr:`keys` order: per-parameter
        sums of squares (``scratch``: an array of ``flat``'s size to square into), with
        :func:`gradviz.numerics.norm`'s exact scaled form for the rare parameter whose sum of
        squares left the normal float range (0, overflow, inf or NaN)."""
        squares = np.add.reduceat(np.multiply(flat, flat, out=scratch), self.offsets)
        out = np.sqrt(squares)
        if not (squares.min() > 1e-290 and squares.max() < 1e300):  # NaN fails both
            for k in np.flatnonzero(~((squares > 1e-290) & (squares < 1e300))):
                start = self.offsets[k]
                out[k] = norm(flat[start : start + int(self.sizes[k])])
        return out


_KIND_ORDER = {"W": 0, "b": 1, "gamma": 2, "beta": 3}


def _layer(key: str) -> int:
    return int(key.lstrip("Wbgamet"))


def _forward(params, X, net, act, buffers, tanh_buffers=None) -> tuple[Array, list, list, list]:
    """Training-mode :func:`gradviz.mlp.forward` into preallocated pre-activations: the same
    operations, so the same numbers (tanh's slope to a few ulp, :func:`gradviz.mlp.tanh_into`,
    into the ``(h, slope)`` blocks ``tanh_buffers`` when given). Returns ``(scores, h,
    slopes, bn_caches)``."""
    h = X
    hs, slopes, bn_caches = [X], [], []
    for layer in range(1, net.depth + 1):
        z = np.matmul(h, params[f"W{layer}"], out=buffers[layer - 1])
        np.add(z, params[f"b{layer}"], out=z)
        if net.batchnorm:
            z, bn = batchnorm_forward(z, params[f"gamma{layer}"], params[f"beta{layer}"], BN_EPS)
            bn_caches.append(bn)
        if tanh_buffers is not None:
            value, slope = tanh_buffers[0][layer - 1], tanh_buffers[1][layer - 1]
            tanh_into(z, value, slope)
        else:
            value, (_, slope) = activation_forward(z, act)
        if net.is_residual(layer):
            value = np.add(h, value, out=value)
        hs.append(value)
        slopes.append(slope)
        h = value
    last = net.depth + 1
    scores = np.add(np.matmul(h, params[f"W{last}"]), params[f"b{last}"])
    return scores, hs, slopes, bn_caches


def _backward(dscores, params, net, hs, slopes, bn_caches, grads, dh_buffers) -> None:
    """Training-mode :func:`gradviz.mlp.backward`, writing each parameter's gradient into
    ``grads`` (views of one flat array): the same operations, so the same numbers."""
    depth = net.depth
    last = depth + 1
    np.matmul(hs[depth].T, dscores, out=grads[f"W{last}"])
    np.add.reduce(dscores, axis=0, out=grads[f"b{last}"])
    dh = np.matmul(dscores, params[f"W{last}"].T, out=dh_buffers[0])
    for layer in range(depth, 0, -1):
        dz = np.multiply(dh, slopes[layer - 1], out=dh_buffers[2])
        if net.batchnorm:
            da, grads[f"gamma{layer}"][...], grads[f"beta{layer}"][...] = batchnorm_backward(
                dz, bn_caches[layer - 1]
            )
        else:
            da = dz
        np.matmul(hs[layer - 1].T, da, out=grads[f"W{layer}"])
        np.add.reduce(da, axis=0, out=grads[f"b{layer}"])
        if layer == 1:  # ∂L/∂X is never needed
            break
        spare = dh_buffers[1] if dh is dh_buffers[0] else dh_buffers[0]
        dh_prev = np.matmul(da, params[f"W{layer}"].T, out=spare)
        if net.is_residual(layer):
            dh_prev += dh
        dh = dh_prev


def train(
    cfg: TrainConfig,
    progress: Callable[[float], None] | None = None,
    observe: Observer | None = None,
) -> TrainResult:
    """Train ``cfg.network`` on ``cfg``'s data set and record every step (see module doc).

    progress : optional ``callable(fraction)`` called about 50 times with a value in [0, 1].
    observe : optional :data:`Observer`, called after each applied update with the step's
        per-parameter norms (what a practitioner's gradient log holds, see
        :mod:`gradviz.sample_logs`).

    Every parameter lives in one flat array (:class:`_FlatParams`), so the norms, penalties,
    clipping and updates of a step are a few numpy calls; the matrix products use one BLAS
    thread or all of them by their size (:func:`gradviz.blas.blas_threads_for`).
    """
    net = cfg.network
    X, y = cfg.data()
    flat = _FlatParams(init_params(net))
    params = flat.views
    grad_flat, grads = flat.like()
    update = np.zeros_like(flat.flat)
    opt = Optimizer(cfg.optimizer, lr=cfg.lr)
    act = make_activation(net.activation, net.act_params)
    batch_rng = np.random.default_rng([net.seed, cfg.data_seed, 7])
    full_batch = cfg.batch_size == 0 or cfg.batch_size >= cfg.n
    rows = cfg.n if full_batch else cfg.batch_size
    depth, n_layers, total = net.depth, net.depth + 1, cfg.steps + 1
    bias_keys = [bias_key(net, layer) for layer in range(1, n_layers + 1)]
    weight_index = np.arange(n_layers)  # weights come first in the flat layout
    bias_index = np.array([flat.keys.index(k) for k in bias_keys])
    node_start = int(flat.offsets[bias_index[0]])
    node_end = node_start + depth * net.width
    z_buffers = np.empty((depth, rows, net.width))
    # tanh (the page's default) writes its values and slopes into two blocks; with the slopes
    # side by side, one reduction per step shows that no unit is dead
    tanh_buffers = None
    if net.activation == "tanh":
        tanh_buffers = (np.empty_like(z_buffers), np.empty_like(z_buffers))
    dh_buffers = [np.empty((rows, net.width)) for _ in range(3)]
    scratch = np.empty_like(flat.flat)
    # Plain SGD applies -η g: its update norms are η times the gradient norms.
    scaled_grad = cfg.optimizer == "sgd" and cfg.clip == "none"

    scalars = {name: np.full(total, np.nan) for name in HISTORY_METRICS}
    per_layer = {name: np.full((total, n_layers), np.nan) for name in LAYER_METRICS}
    first_bad: dict[str, int] = {}
    diverged_step = None
    report_every = max(1, -(-total // 50))  # ceil: at most 50 reports

    with np.errstate(all="ignore"), blas_threads_for(rows * net.width * net.width):
        t = 0
        for t in range(total):
            if full_batch:
                Xb, yb = X, y
            else:
                idx = batch_rng.choice(cfg.n, size=cfg.batch_size, replace=False)
                Xb, yb = X[idx], y[idx]
            scores, hs, slopes, bn_caches = _forward(params, Xb, net, act, z_buffers, tanh_buffers)
            loss, dscores = losses.loss_forward(cfg.loss, scores, yb)
            _backward(dscores, params, net, hs, slopes, bn_caches, grads, dh_buffers)
            weights = flat.flat[: flat.weights_end]
            p_norms = flat.norms(flat.flat, scratch)
            w_norms = p_norms[weight_index]
            if cfg.l1 > 0:
                loss += float(cfg.l1 * np.abs(weights).sum())
                grad_flat[: flat.weights_end] += cfg.l1 * np.sign(weights)
            if cfg.l2 > 0:
                loss += float(0.5 * cfg.l2 * np.dot(w_norms, w_norms))
                grad_flat[: flat.weights_end] += cfg.l2 * weights

            param_norm = math.sqrt(float(np.dot(p_norms, p_norms)))
            g_norms = flat.norms(grad_flat, scratch)
            scalars[LOSS][t] = loss
            scalars[ACCURACY][t] = losses.accuracy(cfg.loss, scores, yb)
            scalars[GRAD_NORM][t] = math.sqrt(float(np.dot(g_norms, g_norms)))
            scalars[WEIGHTS_NORM][t] = math.sqrt(float(np.dot(w_norms, w_norms)))
            scalars[MIN_NODE_GRAD][t] = float(np.abs(grad_flat[node_start:node_end]).min())
            per_layer[SPEED][t] = g_norms[bias_index]
            per_layer[WEIGHT_NORM][t] = w_norms
            sums = np.add.reduceat(flat.flat, flat.offsets)
            per_layer[BIAS_MEAN][t] = sums[bias_index] / flat.sizes[bias_index]
            # a positive minimum slope means no dead unit, 4x cheaper to check than a count
            if tanh_buffers is not None and tanh_buffers[1].min() > 0:
                per_layer[DEAD_FRACTION][t, :depth] = 0.0
            else:
                per_layer[DEAD_FRACTION][t, :depth] = [dead_fraction(s) for s in slopes]

            for quantity, ok in (
                ("loss", math.isfinite(loss)),
                ("gradient", math.isfinite(scalars[GRAD_NORM][t])),
                ("weights", math.isfinite(param_norm)),
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

            if cfg.clip == "value":
                np.clip(grad_flat, -cfg.clip_threshold, cfg.clip_threshold, out=grad_flat)
            elif cfg.clip == "norm":
                g_total = float(norm(g_norms))
                if np.isfinite(g_total) and g_total > cfg.clip_threshold:
                    grad_flat *= cfg.clip_threshold / g_total
            opt.step_flat(flat.flat, grad_flat, update)
            u_norms = cfg.lr * g_norms if scaled_grad else flat.norms(update, scratch)
            per_layer[UPDATE_DATA][t] = u_norms[weight_index] / w_norms
            # numpy division: 0/0 = NaN and x/0 = inf as data (all-zero init), not an exception
            u_total = math.sqrt(float(np.dot(u_norms, u_norms)))
            scalars[UPDATE_RATIO][t] = np.float64(u_total) / np.float64(param_norm)
            if observe is not None:
                observe(t, tuple(flat.keys), float(loss), g_norms, p_norms, u_norms)
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
        final_params={k: v.copy() for k, v in params.items()},
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


# ----------------------------------------------------------------------------- cost model

OPTIMIZER_PASSES = {"sgd": 2, "momentum": 5, "adam": 14}
"""Element passes of one update over every parameter (:meth:`gradviz.optim.Optimizer.
step_flat`)."""
STEP_CALLS = 32
"""Numpy calls and Python bookkeeping of one step besides the layers (loss, accuracy, norms,
records, tanh's one dead-unit check), measured: about 80 µs a step at width 8."""
LAYER_CALLS = 6
"""Numpy calls per layer and step besides the products and the activation: the bias, ∂L/∂z,
∂L/∂b and their bookkeeping."""
ACTIVATION_CALLS = 4
"""Calls of one layer's activation and slope (:func:`gradviz.layers.activation_forward`) and
its dead-unit check (:func:`gradviz.diagnostics.dead_fraction`). Measured per layer and step at
width 8, in calls with the products and :data:`LAYER_CALLS`: from 8.3 (linear) and 11
(sigmoid) to 15 (ReLU, SELU); this counts 13."""
TANH_CALLS = 1
"""Calls of :func:`gradviz.mlp.tanh_into`, tanh's layer (four in-place ufuncs): 9.7 measured
as above; this counts 10."""


def batch_rows(cfg: TrainConfig) -> int:
    """Samples per step."""
    return cfg.n if cfg.batch_size == 0 or cfg.batch_size >= cfg.n else cfg.batch_size


def step_cost(cfg: TrainConfig) -> Cost:
    """One step of :func:`train`: forward and backward products on the step's batch, the
    activation and its slope, batch norm and residual additions, then the norms, penalties,
    clipping and update over every parameter; and the run's peak memory."""
    net = cfg.network
    rows, width, depth = batch_rows(cfg), net.width, net.depth
    shapes = layer_shapes(net)
    products = Cost()
    for layer, (fan_in, fan_out) in enumerate(shapes, start=1):
        one = product_cost(rows, fan_in, fan_out)
        products = products + one * (2 if layer == 1 else 3)  # no ∂L/∂X
    elements = float(rows * width)
    per_layer = 3 + (16 if net.batchnorm else 0) + (1 if net.residual else 0)
    act = activation_cost(net.activation, elements, fn=1, grad=1)
    act_calls = TANH_CALLS if net.activation == "tanh" else ACTIVATION_CALLS
    layers = Cost(
        elementwise=(act.elementwise + per_layer * elements) * depth,
        calls=(LAYER_CALLS + act_calls + (12 if net.batchnorm else 0)) * depth,
    )
    n_params = float(sum(a * b + b for a, b in shapes))
    passes = 8 + OPTIMIZER_PASSES[cfg.optimizer] + (cfg.clip != "none") + 4 * (cfg.l1 > 0)
    passes += 3 * (cfg.l2 > 0)
    vector = Cost(elementwise=passes * n_params + 20.0 * rows, calls=STEP_CALLS)
    total = products + layers + vector
    state = {"sgd": 0, "momentum": 1, "adam": 2}[cfg.optimizer]
    state += 2 if cfg.l1 > 0 or cfg.l2 > 0 else 0  # the penalty's temporaries: sign(W), λ·sign(W)
    layer_bytes = elements * 8 * depth * (3 + (3 if net.batchnorm else 0))
    peak = n_params * 8 * (4 + state) + layer_bytes + 3 * elements * 8
    return Cost(total.madds, total.elementwise, total.calls, peak)


def train_cost(cfg: TrainConfig) -> Cost:
    """What :func:`train` costs: the weight draws, ``steps + 1`` steps (:func:`step_cost`; a run
    that diverges stops early and costs less), the final evaluation on the whole set, and the
    records' DataFrames."""
    net = cfg.network
    draws = Cost()
    for shape in layer_shapes(net):
        draws = draws + draw_cost(net, shape)
    steps = step_cost(cfg) * (cfg.steps + 1)
    final = step_cost(replace(cfg, batch_size=0, optimizer="sgd")) * 0.4
    records = float(cfg.steps + 1) * (net.depth + 1) * len(LAYER_METRICS)
    frames = Cost(elementwise=60 * records, calls=2000)  # measured: 5.5 ms for 0 steps
    total = draws + steps + final + frames
    return Cost(total.madds, total.elementwise, total.calls, steps.peak_bytes + 100 * records)


def decision_grid_cost(cfg: TrainConfig, resolution: int = 50) -> Cost:
    """:func:`decision_grid`: the network on ``resolution²`` points (and, with batch norm, on
    the training set for its statistics), one layer at a time."""
    net = cfg.network
    rows = resolution * resolution + (cfg.n if net.batchnorm else 0)
    total = Cost()
    for fan_in, fan_out in layer_shapes(net):
        total = total + product_cost(rows, fan_in, fan_out)
    total = total + activation_cost(net.activation, float(rows * net.width), fn=net.depth)
    total = total + Cost(elementwise=2.0 * rows * net.width * net.depth)
    return Cost(total.madds, total.elementwise, total.calls, 4.0 * rows * net.width * 8)
