r"""Probe a deep MLP at initialization: what every layer's activations and gradients look like.

One forward and one backward pass of :mod:`gradviz.mlp` on a batch of a 2D toy set with the
binary cross-entropy loss, summarised layer by layer for the Initialization page:

* per-layer statistics in :mod:`gradviz.diagnostics`' long-form schema;
* measured activation std and :math:`\lVert\partial L/\partial h_l\rVert` next to the
  mean-field predictions of :mod:`gradviz.meanfield` (``curves``);
* histograms of :math:`h_l` and :math:`\partial L/\partial h_l`, binned in numpy on one shared
  range per quantity so that layers can be compared, as in Glorot & Bengio (2010), Figs. 6–7;
* symmetry: the number of distinct units per layer (a constant initialization makes every unit
  of a layer compute the same function, so each layer collapses to one distinct unit);
* where the forward or backward signal first left float64 range (:class:`~gradviz.numerics.
  Breakdown`).

:func:`zero_init_facts` and :func:`first_update_steps` state seed 001's zero-initialization
claims as measured facts, the latter with a few steps of full-batch gradient descent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from itertools import pairwise

import numpy as np
import pandas as pd

from gradviz import diagnostics, losses, meanfield
from gradviz.blas import single_threaded_blas
from gradviz.datasets import make_dataset
from gradviz.initializers import get_initializer
from gradviz.mlp import MLPConfig, backward, forward, init_params, make_activation, param_grads
from gradviz.numerics import Breakdown, find_breakdown, format_sci
from gradviz.optim import Optimizer
from gradviz.train import LOSS, SPEED, TrainResult

Array = np.ndarray

ACT_MEAN = diagnostics.ACT_MEAN
ACT_STD = diagnostics.ACT_STD
GRAD_H_NORM = diagnostics.GRAD_H_NORM
MEASURED = "measured"
PREDICTED = "mean-field"
HIST_ACT = "activation h"
HIST_GRAD = "gradient ∂L/∂h"
MAX_HIST_LAYERS = 10


@dataclass(frozen=True)
class ProbeConfig:
    """A network at initialization and the batch that probes it (hashable).

    mlp : the network (its ``in_dim`` is forced to 2 and ``out_dim`` to 1, for the BCE loss).
    batch : N, samples of ``dataset`` (4..4096).
    dataset, data_seed : the 2D toy set of :func:`gradviz.datasets.make_dataset`, noise 0.1.
    bins : histogram bins per layer (2..200).
    """

    mlp: MLPConfig = field(default_factory=lambda: MLPConfig(depth=10, width=64))
    batch: int = 256
    dataset: str = "moons"
    data_seed: int = 0
    bins: int = 30

    def __post_init__(self) -> None:
        if not isinstance(self.batch, (int, np.integer)) or not 4 <= self.batch <= 4096:
            raise ValueError(f"batch must be an integer from 4 to 4096, got {self.batch!r}")
        if not isinstance(self.bins, (int, np.integer)) or not 2 <= self.bins <= 200:
            raise ValueError(f"bins must be an integer from 2 to 200, got {self.bins!r}")

    @property
    def network(self) -> MLPConfig:
        return replace(self.mlp, in_dim=2, out_dim=1)


@dataclass(frozen=True)
class ProbeResult:
    r"""Everything the page draws about one network at initialization.

    stats : DataFrame[layer, metric, value] from :func:`gradviz.diagnostics.layer_stats`.
    curves : DataFrame[layer, metric, source, value]: ``metric`` in (:data:`ACT_STD`,
        :data:`GRAD_H_NORM`), ``source`` in (:data:`MEASURED`, :data:`PREDICTED`); values may be
        0, inf or NaN (pages filter with ``drawable_on_log``).
    histograms : DataFrame[layer, quantity, bin_start, bin_end, fraction] for at most
        :data:`MAX_HIST_LAYERS` layers (see :func:`shared_histograms`).
    distinct : (L,) int array, distinct units (columns of :math:`h_l`) per hidden layer.
    forward_breakdown, backward_breakdown : where :math:`h_l` / :math:`\partial L/\partial h_l`
        first became inf/NaN or underflowed to 0 (0-based layer index, so ``offset=1`` in
        messages); the backward one is searched from layer L down to 1.
    depth_scale : the mean-field :class:`~gradviz.meanfield.DepthScale` of the hidden layers,
        or ``None`` for a constant initialization (mean-field needs zero-mean weights).
    sigma_w2 : :math:`n\,\mathrm{Var}(W_l)` of the hidden layers.
    loss : the loss of the probed batch.
    """

    config: ProbeConfig
    stats: pd.DataFrame
    curves: pd.DataFrame
    histograms: pd.DataFrame
    distinct: Array = field(repr=False)
    forward_breakdown: Breakdown
    backward_breakdown: Breakdown
    depth_scale: meanfield.DepthScale | None
    sigma_w2: float
    loss: float

    def measured(self, metric: str) -> Array:
        """(L,) measured values of ``metric`` (:data:`ACT_STD` or :data:`GRAD_H_NORM`)."""
        rows = self.curves[(self.curves["metric"] == metric) & (self.curves["source"] == MEASURED)]
        return rows["value"].to_numpy(dtype=float)

    @property
    def grad_ratio_first_to_last(self) -> float:
        r""":math:`\lVert\partial L/\partial h_1\rVert / \lVert\partial L/\partial h_L\rVert`
        (NaN when undefined, e.g. 0/0 for zero initialization)."""
        g = self.measured(GRAD_H_NORM)
        with np.errstate(all="ignore"):
            return float(np.float64(g[0]) / np.float64(g[-1]))


def distinct_units(h: Array) -> int:
    """Number of distinct columns of ``h`` (N, n): units that compute different functions on
    the batch.

    Exact comparison of the columns' float64 bytes after mapping -0.0 to 0.0 (numerically
    equal) and NaN to one value, so identical computations count once. Hashing the bytes is
    linear in the size; ``np.unique(axis=0)`` sorts and was 30x slower on identical columns.
    """
    with np.errstate(all="ignore"):
        cols = np.nan_to_num(np.asarray(h, dtype=float).T + 0.0, nan=np.inf)
    return len({col.tobytes() for col in np.ascontiguousarray(cols)})


def _layer_summary(arrays: list[Array], settled: Array | None = None) -> Array:
    """(K,) one value per layer that :func:`find_breakdown` reads the same way as the layer:
    NaN if any entry is NaN, else inf if any is infinite, else max |entry| (0 if all are 0).

    settled : optional (K,) bool, layers already known to hold only finite entries and a
        non-zero one (from their statistics); they get 1.0 without being read again.

    max |entry| = max(max, -min): two reductions, without an array of absolute values (both
    propagate NaN).
    """
    out = np.ones(len(arrays))
    for k, a in enumerate(arrays):
        if settled is None or not settled[k]:
            top, bottom = float(np.max(a)), float(np.min(a))
            out[k] = math.nan if math.isnan(top) else max(0.0, top, -bottom)
    return out


def hist_layers(depth: int, limit: int = MAX_HIST_LAYERS) -> list[int]:
    """At most ``limit`` evenly spaced layers from 1 to ``depth``, always both ends."""
    if depth <= limit:
        return list(range(1, depth + 1))
    return sorted({int(x) for x in np.rint(np.linspace(1, depth, limit))})


def histogram_range(arrays: list[Array], quantile: float = 0.995) -> float:
    """The half-width m of a shared range ``[-m, m]``: the largest per-array ``quantile`` of
    |finite entries| (1 when there is none or it is 0)."""
    tops = []
    for a in arrays:
        v = np.abs(a[np.isfinite(a)])
        if v.size:
            tops.append(float(np.quantile(v, quantile)))
    top = max([t for t in tops if np.isfinite(t)], default=0.0)
    return top if top > 0 else 1.0


def shared_histograms(
    arrays: dict[int, Array],
    quantity: str,
    bins: int,
    quantile: float = 0.995,
    top: float | None = None,
) -> pd.DataFrame:
    """Histograms of several layers on one shared symmetric range.

    Parameters
    ----------
    arrays : layer -> array (N, n).
    quantity : label stored in the ``quantity`` column.
    bins : number of bins.
    quantile : the range is ``[-m, m]`` with m the largest per-layer ``quantile`` of |finite
        entries| (:func:`histogram_range`); entries beyond it are counted in the end bins.
    top : m itself, to share one range between several calls.

    Returns
    -------
    DataFrame[layer, quantity, bin_start, bin_end, fraction]: ``fraction`` of the layer's entries
    (inf/NaN entries are in no bin, so a layer's fractions then sum to less than 1). A layer with
    no finite entry gets no rows.
    """
    finite = {layer: a[np.isfinite(a)].ravel() for layer, a in arrays.items()}
    if top is None:
        top = histogram_range(list(finite.values()), quantile)
    edges = np.linspace(-top, top, bins + 1)
    frames = []
    for layer, values in finite.items():
        if values.size == 0:
            continue
        counts, _ = np.histogram(np.clip(values, -top, top), bins=edges)
        frames.append(
            pd.DataFrame(
                {
                    "layer": layer,
                    "quantity": quantity,
                    "bin_start": edges[:-1],
                    "bin_end": edges[1:],
                    "fraction": counts / arrays[layer].size,
                }
            )
        )
    columns = ["layer", "quantity", "bin_start", "bin_end", "fraction"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def probe_batch(cfg: ProbeConfig) -> tuple[Array, Array]:
    """The probing batch ``(X (N, 2), y (N,))``."""
    return make_dataset(cfg.dataset, cfg.batch, 0.1, cfg.data_seed)


def hidden_sigma_w2(net: MLPConfig) -> float:
    r""":math:`\sigma_w^2 = n\,\mathrm{Var}(W_l)` of a hidden-to-hidden layer (fan-in =
    fan-out = n)."""
    init = get_initializer(net.init, **dict(net.init_params))
    return net.width * init.variance(net.width, net.width)


def one_pass(cfg: ProbeConfig) -> tuple[dict, object, dict, Array, float]:
    """Forward and backward pass at initialization: ``(params, cache, grads, X, loss)`` with
    ``grads`` from :func:`gradviz.mlp.backward` (including ``"dh"``)."""
    net = cfg.network
    X, y = probe_batch(cfg)
    params = init_params(net)
    with single_threaded_blas():
        scores, cache = forward(params, X, net)
        loss, dscores = losses.loss_forward("bce", scores, y)
        grads = backward(dscores, cache)
    return params, cache, grads, X, float(loss)


def scaled_norm(x: Array) -> float:
    r"""Frobenius norm computed as :math:`m\,\lVert x/m\rVert` with :math:`m = \max|x|`, so it is
    inf only when the norm itself exceeds float64 (a plain sum of squares overflows once entries
    pass ~1e154). NaN if any entry is NaN, inf if any is infinite."""
    with np.errstate(all="ignore"):
        m = float(np.max(np.abs(x))) if np.size(x) else 0.0
        if m == 0 or not np.isfinite(m):
            return m
        y = np.ravel(x) / m
        return float(m * np.sqrt(np.dot(y, y)))


def scaled_std(x: Array) -> float:
    r"""Standard deviation of all entries, as :math:`m\,\mathrm{std}(x/m)` (see
    :func:`scaled_norm`)."""
    with np.errstate(all="ignore"):
        m = float(np.max(np.abs(x))) if np.size(x) else 0.0
        if m == 0 or not np.isfinite(m):
            return m
        return float(m * np.std(np.asarray(x) / m))


def probe(cfg: ProbeConfig, histograms: bool = True) -> ProbeResult:
    """Run one forward/backward pass at initialization and summarise it (see the module doc).

    ``histograms=False`` skips the histograms and the symmetry count (for timing the core).
    BLAS runs single-threaded (:func:`gradviz.blas.single_threaded_blas`): the
    products and norms are small, and a contended thread pool made them 5-10x slower.
    """
    with single_threaded_blas():
        return _probe(cfg, histograms)


def _probe(cfg: ProbeConfig, histograms: bool) -> ProbeResult:
    net = cfg.network
    params, cache, grads, X, loss = one_pass(cfg)
    stats = diagnostics.layer_stats(params, cache, grads, net)

    hidden = stats["layer"].to_numpy() <= net.depth
    metric, value = stats["metric"].to_numpy(), stats["value"].to_numpy(dtype=float)
    act_mean, act_std, grad_norm = (
        value[hidden & (metric == name)] for name in (ACT_MEAN, ACT_STD, GRAD_H_NORM)
    )
    # find_breakdown asks three things of a layer: a NaN? an inf? all zero? The statistics
    # answer them for most layers without reading the layer again: a finite mean rules out NaN
    # and inf entries and a non-zero mean or std rules out all-zero; a finite non-zero norm
    # rules out all three.
    act_settled = np.isfinite(act_mean) & ((act_mean != 0) | (act_std > 0))
    grad_settled = np.isfinite(grad_norm) & (grad_norm > 0)
    forward_breakdown = find_breakdown(_layer_summary(cache.h[1:], act_settled))
    back = find_breakdown(_layer_summary(grads["dh"][::-1], grad_settled[::-1]))
    backward_breakdown = (
        back if back.ok else Breakdown(net.depth - 1 - back.index, back.kind, back.where)
    )
    # A sum of squares overflows once entries pass ~1e154: redo those layers scaled.
    for k in np.flatnonzero(np.isinf(act_std)):
        act_std[k] = scaled_std(cache.h[k + 1])
    for k in np.flatnonzero(np.isinf(grad_norm)):
        grad_norm[k] = scaled_norm(grads["dh"][k])
    layers = np.arange(1, net.depth + 1)
    frames = [
        _curve(layers, ACT_STD, MEASURED, act_std),
        _curve(layers, GRAD_H_NORM, MEASURED, grad_norm),
    ]

    sw2 = hidden_sigma_w2(net)
    scale = None
    if net.init != "constant":
        act = make_activation(net.activation, net.act_params)
        init = get_initializer(net.init, **dict(net.init_params))
        sb2 = net.sigma_b**2
        q1 = init.variance(net.in_dim, net.width) * float(np.mean(np.sum(X * X, axis=1))) + sb2
        pred = meanfield.predict_layers(act, net.depth, q1, sw2, sb2)
        with np.errstate(all="ignore"):
            pred_grad = grad_norm[-1] * pred["grad_ratio"].to_numpy()
        frames += [
            _curve(layers, ACT_STD, PREDICTED, pred["act_std"].to_numpy()),
            _curve(layers, GRAD_H_NORM, PREDICTED, pred_grad),
        ]
        scale = meanfield.depth_scale(sw2, sb2, act)

    if histograms:
        chosen = hist_layers(net.depth)
        hist = pd.concat(
            [
                shared_histograms({k: cache.h[k] for k in chosen}, HIST_ACT, cfg.bins),
                shared_histograms({k: grads["dh"][k - 1] for k in chosen}, HIST_GRAD, cfg.bins),
            ],
            ignore_index=True,
        )
        distinct = np.array([distinct_units(h) for h in cache.h[1:]])
    else:
        hist = pd.DataFrame(columns=["layer", "quantity", "bin_start", "bin_end", "fraction"])
        distinct = np.zeros(0, dtype=int)
    return ProbeResult(
        config=cfg,
        stats=stats,
        curves=pd.concat(frames, ignore_index=True),
        histograms=hist,
        distinct=distinct,
        forward_breakdown=forward_breakdown,
        backward_breakdown=backward_breakdown,
        depth_scale=scale,
        sigma_w2=sw2,
        loss=float(loss),
    )


def _curve(layers: Array, metric: str, source: str, values: Array) -> pd.DataFrame:
    return pd.DataFrame({"layer": layers, "metric": metric, "source": source, "value": values})


@dataclass(frozen=True)
class ZeroInitFacts:
    """Which gradients of one backward pass are exactly zero.

    zero_weight_grads : names of weight matrices whose gradient is exactly 0 everywhere.
    nonzero_grads : names of parameters (weights and biases) with a non-zero gradient.
    distinct : distinct units per hidden layer.
    """

    zero_weight_grads: tuple[str, ...]
    nonzero_grads: tuple[str, ...]
    distinct: tuple[int, ...]


def zero_init_facts(cfg: ProbeConfig) -> ZeroInitFacts:
    """Run one pass of ``cfg`` and list which gradients are exactly zero (seed 001's claims).

    Zero weights with ReLU: every hidden :math:`h_l = \\mathrm{ReLU}(0) = 0`, so every weight
    gradient :math:`h_{l-1}^\\top\\,\\partial L/\\partial z_l` is 0 and only the output bias moves.
    Zero weights with sigmoid: :math:`h_L = 1/2 \\ne 0`, so only the last layer's weights get a
    gradient at the first step.
    """
    _, cache, all_grads, _, _ = one_pass(cfg)
    grads = param_grads(all_grads)
    names = sorted(grads, key=lambda k: (int(k[1:]), k[0]))
    return ZeroInitFacts(
        zero_weight_grads=tuple(k for k in names if k.startswith("W") and not np.any(grads[k])),
        nonzero_grads=tuple(k for k in names if np.any(grads[k])),
        distinct=tuple(distinct_units(h) for h in cache.h[1:]),
    )


@dataclass(frozen=True)
class UpdateOrder:
    r"""When each layer's weights first moved during training, and whether units stayed tied.

    first_step : (L+1,) float, the first step ``t`` after which :math:`W_l \ne 0` (t updates
        applied), NaN if it never moved within the run; index l-1 is layer l.
    distinct : (L,) distinct units per hidden layer after training: distinct columns of
        :math:`W_l` (fan_in, n), i.e. distinct incoming weight vectors.
    loss : (steps + 1,) the loss before each update and after the last one.
    """

    first_step: Array
    distinct: tuple[int, ...]
    loss: Array = field(repr=False)


def first_update_steps(cfg: ProbeConfig, steps: int = 10, lr: float = 0.5) -> UpdateOrder:
    r"""Full-batch gradient descent on the probing batch for ``steps`` updates; when did each
    layer's weights first become non-zero, and how many distinct units does each layer keep?

    Meant for the zero initialization with :math:`\phi(0) \ne 0` (seed 001): the output layer
    moves at step 1, and each further step wakes one more layer towards the input, while the
    units of a layer stay identical. Uses :func:`gradviz.mlp.forward` / ``backward`` and
    :class:`gradviz.optim.Optimizer` (SGD), with single-threaded BLAS like :func:`probe`.
    """
    if not isinstance(steps, (int, np.integer)) or not 1 <= steps <= 10_000:
        raise ValueError(f"steps must be an integer from 1 to 10000, got {steps!r}")
    net = cfg.network
    X, y = probe_batch(cfg)
    params = init_params(net)
    opt = Optimizer("sgd", lr=lr)
    first = np.full(net.depth + 1, np.nan)
    loss_curve = np.empty(steps + 1)
    with single_threaded_blas():
        for t in range(steps + 1):
            for k in np.flatnonzero(np.isnan(first)):
                if np.any(params[f"W{k + 1}"]):
                    first[k] = t
            scores, cache = forward(params, X, net)
            loss_curve[t], dscores = losses.loss_forward("bce", scores, y)
            if t < steps:
                opt.step(params, param_grads(backward(dscores, cache)))
    distinct = tuple(distinct_units(params[f"W{k}"]) for k in range(1, net.depth + 1))
    return UpdateOrder(first_step=first, distinct=distinct, loss=loss_curve)


GB_INITS = ("standard_uniform", "xavier_uniform")


def glorot_bengio(
    width: int, batch: int, seed: int, depth: int = 5, bins: int = 30
) -> tuple[pd.DataFrame, pd.DataFrame]:
    r"""Glorot & Bengio (2010), Figs. 6-7: a tanh network of ``depth`` hidden layers at the
    standard init :math:`U[\pm 1/\sqrt{n}]` and at the normalized init
    :math:`U[\pm\sqrt{6/(n_{in}+n_{out})}]`, same data and seed.

    Returns
    -------
    hist : DataFrame[init, layer, quantity, bin_start, bin_end, fraction], one shared range per
        quantity across both initializations.
    summary : DataFrame[init, layer, act_std, grad_std]: std of :math:`h_l` and of
        :math:`\partial L/\partial h_l` per layer.
    """
    passes = {}
    for name in GB_INITS:
        net = MLPConfig(depth=depth, width=width, activation="tanh", init=name, seed=seed)
        _, cache, grads, _, _ = one_pass(ProbeConfig(mlp=net, batch=batch, data_seed=seed))
        passes[name] = (cache.h[1:], grads["dh"])
    frames, rows = [], []
    for index, quantity in ((0, HIST_ACT), (1, HIST_GRAD)):
        top = histogram_range([a for p in passes.values() for a in p[index]])
        for name, arrays in passes.items():
            by_layer = dict(enumerate(arrays[index], start=1))
            frames.append(
                shared_histograms(by_layer, quantity, bins, top=top).assign(init=label(name))
            )
    for name, (hs, dhs) in passes.items():
        with np.errstate(all="ignore"):
            for layer, (h, dh) in enumerate(zip(hs, dhs, strict=True), start=1):
                rows.append((label(name), layer, float(np.std(h)), float(np.std(dh))))
    summary = pd.DataFrame(rows, columns=["init", "layer", "act_std", "grad_std"])
    return pd.concat(frames, ignore_index=True), summary


def label(init_name: str) -> str:
    """Display label of a registry initializer."""
    return get_initializer(init_name).label


def explain_layers(result: ProbeResult) -> str:
    """The "what you are seeing" paragraph of the per-layer curves, from the measured numbers."""
    net = result.config.network
    depth = net.depth
    grad = result.measured(GRAD_H_NORM)
    act_std = result.measured(ACT_STD)
    parts = []
    if depth > 1:
        ratio = result.grad_ratio_first_to_last
        if np.isfinite(ratio) and ratio > 0:
            verdict = "vanished" if ratio < 1e-2 else "exploded" if ratio > 1e2 else "held"
            parts.append(
                f"The gradient at layer 1 is **{format_sci(ratio)}** of the gradient at layer "
                f"{depth} (‖∂L/∂h₁‖ = {format_sci(grad[0])}, ‖∂L/∂h_{depth}‖ = "
                f"{format_sci(grad[-1])}): it {verdict} on its way back through {depth - 1} "
                "layers."
            )
        else:
            parts.append(
                f"‖∂L/∂h₁‖ = {format_sci(grad[0])} and ‖∂L/∂h_{depth}‖ = "
                f"{format_sci(grad[-1])}, so their ratio is not a number."
            )
    for quantity, brk in (
        ("the activations", result.forward_breakdown),
        ("the gradient", result.backward_breakdown),
    ):
        if not brk.ok:
            direction = "" if quantity == "the activations" else " (counting back from the output)"
            parts.append(f"In float64, {brk.message(quantity, offset=1)}{direction}.")
    parts.append(
        f"The activation std goes from {format_sci(act_std[0])} at layer 1 to "
        f"{format_sci(act_std[-1])} at layer {depth}."
    )
    scale = result.depth_scale
    if scale is None:
        parts.append(
            "Mean-field theory assumes zero-mean random weights, so it has no prediction for a "
            "constant initialization."
        )
    else:
        per_layer = math.sqrt(scale.chi1) if scale.chi1 >= 0 else math.nan
        parts.append(
            f"Mean-field theory (dashed): σ_w² = {scale.sigma_w2:.4g}, σ_b² = "
            f"{scale.sigma_b2:.4g}, χ₁ = {format_sci(scale.chi1, 3)}, so each layer multiplies "
            f"the gradient norm by about √χ₁ = {format_sci(per_layer, 3)} ({scale.phase} phase)."
        )
    n_distinct = result.distinct
    if n_distinct.size and np.all(n_distinct == 1) and net.width > 1:
        parts.append(
            f"Every layer has exactly **1 distinct unit** out of {net.width}: each layer acts "
            "as a single neuron."
        )
    return " ".join(parts)


def explain_zero_init(facts: ZeroInitFacts, order: UpdateOrder, net: MLPConfig) -> str:
    """Seed 001's zero/constant-initialization claims next to what the network actually does."""
    depth = net.depth
    moved = [f"W{k + 1} at step {int(s)}" for k, s in enumerate(order.first_step) if s > 0]
    from_start = [f"W{k + 1}" for k, s in enumerate(order.first_step) if s == 0]
    still = [f"W{k + 1}" for k, s in enumerate(order.first_step) if not np.isfinite(s)]
    text = [
        "At initialization the non-zero gradients are: "
        + (", ".join(facts.nonzero_grads) if facts.nonzero_grads else "**none**")
        + f"; the weight gradients of {len(facts.zero_weight_grads)} of {depth + 1} layers are "
        "exactly 0."
    ]
    if not facts.nonzero_grads:
        text.append(
            "Why none at all: with zero weights every sample reaches the output with the same "
            "hidden vector, so the output layer's gradients are proportional to "
            "Σₙ ∂L/∂sₙ = Σₙ (σ(0) − yₙ)/N, exactly 0 on a batch with as many 0s as 1s. "
            "An odd batch size breaks the tie."
        )
    steps = len(order.loss) - 1
    if from_start:
        text.append(f"Non-zero from the start: {', '.join(from_start)}.")
    if moved:
        text.append(
            f"In {steps} steps of gradient descent the weights first moved in this order: "
            + ", ".join(sorted(moved, key=lambda m: int(m.rsplit(" ", 1)[1])))
            + "."
        )
    if still:
        text.append(f"Still exactly zero after {steps} steps: {', '.join(still)}.")
    text.append(
        "Distinct units per hidden layer after training: "
        + ", ".join(str(d) for d in order.distinct[:12])
        + (" …" if depth > 12 else "")
        + "."
    )
    return " ".join(text)


def training_frames(
    runs: dict[str, TrainResult], max_layers: int = 6, max_steps: int = 300
) -> dict[str, pd.DataFrame | str]:
    """Chart data and text for side-by-side training runs (same data, same seed).

    runs : display name -> :class:`gradviz.train.TrainResult`.

    Returns a dict with ``"loss"``: DataFrame[step, init, loss]; ``"speed"``: DataFrame[step,
    layer, init, value] of Nielsen's speed of learning :math:`\\lVert\\partial C/\\partial
    b_l\\rVert` for at most ``max_layers`` layers (always the first and the output layer) and
    ``max_steps`` evenly spaced steps, so the chart stays under 5,000 rows; ``"text"``: what
    the runs show, from their numbers.
    """
    loss_frames, speed_frames, lines = [], [], []
    for name, res in runs.items():
        loss = res.metric(LOSS)
        steps = np.arange(loss.size)
        loss_frames.append(pd.DataFrame({"step": steps, "init": name, "loss": loss}))
        speed = res.layer_metric(SPEED)  # (steps, L+1)
        keep_steps = np.unique(np.rint(np.linspace(0, speed.shape[0] - 1, max_steps)).astype(int))
        layers = hist_layers(speed.shape[1], max_layers)
        for layer in layers:
            speed_frames.append(
                pd.DataFrame(
                    {
                        "step": keep_steps,
                        "layer": layer,
                        "init": name,
                        "value": speed[keep_steps, layer - 1],
                    }
                )
            )
        first, last = speed[0, 0], speed[0, -1]
        with np.errstate(all="ignore"):
            ratio = np.float64(first) / np.float64(last)
        status = (
            f"diverged (loss or weights not finite) at step {res.diverged_step}"
            if res.diverged
            else f"final loss {format_sci(res.final_loss, 3)}, accuracy "
            f"{100 * res.final_accuracy:.0f}%"
        )
        lines.append(
            f"- **{name}**: {status}. At step 0, layer 1 learns at "
            f"{format_sci(ratio)} × the speed of the output layer "
            f"(‖∂C/∂b₁‖ = {format_sci(first)}, ‖∂C/∂b_out‖ = {format_sci(last)})."
        )
    return {
        "loss": pd.concat(loss_frames, ignore_index=True),
        "speed": pd.concat(speed_frames, ignore_index=True),
        "text": "\n".join(lines),
    }


SOURCES = """
- **Seed 001** (shine-lee, *网络权重初始化方法总结(上)*): too-small weights vanish, too-large
  explode, constant init makes every layer one neuron, zero init with ReLU never moves, zero init
  with sigmoid updates the last layer first. The probe and the zero-init facts above measure
  each claim; one exact refinement: on a batch with as many 0s as 1s, zero init is a stationary
  point even for sigmoid, because every sample produces the same hidden vector.
- **Glorot & Bengio (2010)**, *Understanding the difficulty of training deep feedforward neural
  networks*: standard init U[±1/√n] vs normalized init U[±√(6/(n_in+n_out))], per-layer
  histograms of activations and back-propagated gradients (their Figs. 6–7).
- **He et al. (2015)**: Var(W) = 2/n_in keeps ReLU activations at a constant scale (σ_w² = 2).
- **Schoenholz et al. (2017)**, *Deep information propagation*: the variance map, χ₁, the
  order/chaos boundary (tanh: σ_w² ≈ 1.76 at σ_b² = 0.05; ReLU: σ_w² = 2 at σ_b² = 0) and
  trainable depth ≈ 6ξ. Here ξ = 1/|ln χ₁|: in the ordered phase this equals their correlation
  depth ξ_c (c* = 1, χ_c = χ₁); in the chaotic phase it is the gradient depth scale ξ_∇.
- Mean-field expectations use Gauss–Legendre quadrature on dyadic panels rather than plain
  Gauss–Hermite, which fails once √q ≫ 1 (88% error for tanh at q = 100 with 100 nodes).
- Mean-field assumes i.i.d. zero-mean weights and infinite width; the dashed curves are anchored
  at the measured ‖∂L/∂h_L‖ of the last hidden layer. Zero and constant initializations break
  the zero-mean assumption for the gradient (constant) or make every unit identical.
- The probe batch is the "moons" toy set (noise 0.1, standardized), binary cross-entropy loss.
"""


def explain_glorot_bengio(summary: pd.DataFrame, width: int) -> str:
    """Per initialization: how the gradient std and the activation std change across the
    layers, from :func:`glorot_bengio`'s summary."""
    lines = [f"Same data, same seed, width {width}:"]
    for name, rows in summary.groupby("init", sort=False):
        g, a = rows["grad_std"].to_numpy(), rows["act_std"].to_numpy()
        with np.errstate(all="ignore"):
            shrink = np.float64(g[0]) / np.float64(g[-1])
        lines.append(
            f"- **{name}**: std of ∂L/∂h from layer {len(g)} to layer 1: {format_sci(g[-1])} → "
            f"{format_sci(g[0])} (×{format_sci(shrink)}); activation std from layer 1 to layer "
            f"{len(a)}: {format_sci(a[0])} → {format_sci(a[-1])}."
        )
    return "\n".join(lines)


def explain_phase(result: ProbeResult, act_label: str, boundary: pd.DataFrame, depth: int) -> str:
    """Where the network sits on the phase diagram, with the edge of chaos at σ_b² = 0."""
    edge = boundary.loc[np.isclose(boundary["sigma_b2"], 0.0), "sigma_w2"]
    text = f"The black line is the edge of chaos χ₁ = 1 for {act_label}" + (
        f" (σ_w² = {edge.iloc[0]:.3g} at σ_b² = 0)." if len(edge) else "."
    )
    scale = result.depth_scale
    if scale is None:
        return text + " A constant initialization is not zero-mean, so it has no place here."
    return text + (
        f" Your network: σ_w² = {result.sigma_w2:.4g}, χ₁ = {format_sci(scale.chi1, 3)}, "
        f"{scale.phase} phase, ξ = {format_sci(scale.xi)}, trainable depth ≈ 6ξ = "
        f"{format_sci(scale.trainable_depth)} layers against your L = {depth}."
    )


def multiply_adds(cfg: ProbeConfig, passes: int = 1) -> int:
    """Multiply-adds of ``passes`` forward+backward passes of ``cfg``'s network on its batch:
    three (N × fan_in × fan_out) products per layer (forward, ∂L/∂W, ∂L/∂h)."""
    net = cfg.network
    dims = [net.in_dim] + [net.width] * net.depth + [net.out_dim]
    per_pass = sum(3 * cfg.batch * a * b for a, b in pairwise(dims))
    return passes * per_pass
