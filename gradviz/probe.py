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

Seed 001's zero-initialization claims are in :mod:`gradviz.zero_init`, Glorot & Bengio's two
initializations side by side in :mod:`gradviz.glorot_bengio`; both run this probe.

Memory. The pass is :func:`gradviz.mlp.streamed_pass`: every statistic is taken while its layer
exists (:class:`_LayerRecorder`), and only as many layers and weights are kept as fit in
:data:`gradviz.budget.COMPUTE_BYTES` (:func:`probe_plan`); the rest are recomputed or redrawn.
At the page's largest network (100 layers of 512 units, 512 samples) one layer's array and one
weight matrix are 2.1 MB each, so keeping them all would take 420 MB. The histograms bin every
k-th sample beyond :data:`HIST_VALUES` values per layer; every other number uses the whole
batch. :func:`probe_cost` says what a probe costs before it runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from itertools import pairwise

import numpy as np
import pandas as pd

from gradviz import diagnostics, losses, meanfield
from gradviz.blas import blas_threads_for
from gradviz.budget import COMPUTE_BYTES, Cost
from gradviz.datasets import make_dataset
from gradviz.diagnostics import (
    ACT_MEAN,
    ACT_STD,
    BIAS_GRAD_NORM,
    DEAD,
    GRAD_DATA_RATIO,
    GRAD_H_NORM,
    PRE_MEAN,
    PRE_STD,
    SATURATED,
    WEIGHT_GRAD_NORM,
)
from gradviz.initializers import get_initializer
from gradviz.mlp import (
    MLPConfig,
    PassPlan,
    backward,
    forward,
    init_params,
    make_activation,
    pass_cost,
    pass_plan,
    streamed_pass,
)
from gradviz.numerics import Breakdown, find_breakdown, norm

Array = np.ndarray

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
    hist_rows : samples of the batch the histograms bin (every k-th one beyond
        :data:`HIST_VALUES` values per layer, see :func:`hist_stride`).
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
    hist_rows: int = 0

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


def _canonical(x: Array) -> Array:
    """``x`` with -0.0 as 0.0 and every NaN as the same NaN, so equal values have equal bytes."""
    with np.errstate(all="ignore"):
        y = np.asarray(x, dtype=float) + 0.0
    nan = np.isnan(y)
    if nan.any():
        y[nan] = np.nan
    return y


def distinct_units(h: Array, key_rows: int = 8) -> int:
    """Number of distinct columns of ``h`` (N, n): units that compute different functions on
    the batch.

    Exact: two columns count once iff their float64 values are equal on every sample (-0.0
    equals 0.0, and NaN equals NaN, so identical computations count once). Columns are first
    told apart by their bytes on the first ``key_rows`` samples, which already separates the
    units of a random initialization without reading the rest of the layer; only columns that
    agree there are compared on the whole batch.
    """
    h = np.asarray(h, dtype=float)
    head = _rows_as_bytes(h[:key_rows])
    keys, inverse, counts = np.unique(head, return_inverse=True, return_counts=True)
    if h.shape[0] <= key_rows or counts.max() == 1:
        return len(keys)
    count = int(np.sum(counts == 1))
    for group in np.flatnonzero(counts > 1):
        units = np.flatnonzero(inverse == group)
        count += len(np.unique(_rows_as_bytes(h[key_rows:, units])))
    return count


def _rows_as_bytes(block: Array) -> Array:
    """(n,) the columns of ``block`` (m, n), canonical (:func:`_canonical`), each as one
    m·8-byte value that numpy compares and sorts bytewise."""
    cols = np.ascontiguousarray(_canonical(block).T)
    return cols.view(np.dtype((np.void, cols.shape[1] * 8))).ravel()


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
    layers, fractions = [], []
    for layer, values in finite.items():
        if values.size == 0:
            continue
        # equal bins given as a count and a range take numpy's linear-time path (bins given as
        # edges are found by sorting), with the same edges and counts
        counts, _ = np.histogram(np.clip(values, -top, top), bins=bins, range=(-top, top))
        layers.append(layer)
        fractions.append(counts / arrays[layer].size)
    # one frame for all layers: a DataFrame per layer costs more than its histogram
    return pd.DataFrame(
        {
            "layer": np.repeat(np.array(layers, dtype=int), bins),
            "quantity": quantity,
            "bin_start": np.tile(edges[:-1], len(layers)),
            "bin_end": np.tile(edges[1:], len(layers)),
            "fraction": np.concatenate(fractions) if fractions else np.empty(0),
        },
        columns=["layer", "quantity", "bin_start", "bin_end", "fraction"],
    )


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
    with blas_threads_for(cfg.batch * net.width * net.width):
        scores, cache = forward(params, X, net)
        loss, dscores = losses.loss_forward("bce", scores, y)
        grads = backward(dscores, cache)
    return params, cache, grads, X, float(loss)


def scaled_std(x: Array) -> float:
    r"""Standard deviation of all entries, as :math:`m\,\mathrm{std}(x/m)` (see
    :func:`gradviz.numerics.norm`)."""
    with np.errstate(all="ignore"):
        m = float(np.max(np.abs(x))) if np.size(x) else 0.0
        if m == 0 or not np.isfinite(m):
            return m
        return float(m * np.std(np.asarray(x) / m))


HIST_VALUES = 2**14
"""Values per layer and quantity that the histograms bin at most: beyond it they use every k-th
sample of the batch (:func:`hist_stride`)."""


def hist_stride(batch: int, width: int) -> int:
    """Histograms use samples 0, k, 2k, ... of the batch, with the smallest k that keeps a layer
    under :data:`HIST_VALUES` values (1, i.e. every sample, up to 256 × 64: the default)."""
    return max(1, math.ceil(batch * width / HIST_VALUES))


class _LayerRecorder:
    """The probe's :class:`~gradviz.mlp.PassObserver`: every statistic of the page, per layer,
    computed while the layer's arrays exist, in :mod:`gradviz.diagnostics`' definitions."""

    def __init__(self, net: MLPConfig, details: bool, stride: int, grad_std: bool = False):
        depth = net.depth
        self.net = net
        self.details = details
        self.stride = stride
        self.grad_std = np.full(depth, np.nan) if grad_std else None
        self.hidden = {m: np.full(depth, np.nan) for m in diagnostics.HIDDEN_METRICS}
        self.params = {m: np.full(depth + 1, np.nan) for m in diagnostics.PARAM_METRICS}
        self.weight_norm = np.full(depth + 1, np.nan)
        self.act_summary = np.ones(depth)  # see _layer_summary: 1.0 = finite with a non-zero
        self.grad_summary = np.ones(depth)
        self.distinct = np.zeros(depth if details else 0, dtype=int)
        self.chosen = set(hist_layers(depth)) if details else set()
        self.act_samples: dict[int, Array] = {}
        self.grad_samples: dict[int, Array] = {}
        self._scratch: Array | None = None

    def _mean_and_std(self, x: Array) -> tuple[float, float]:
        if self._scratch is None or self._scratch.shape != x.shape:
            self._scratch = np.empty_like(x)
        return diagnostics.mean_and_std(x, self._scratch)

    def weights(self, layer: int, w: Array) -> None:
        self.weight_norm[layer - 1] = norm(w)

    def forward(self, layer: int, z: Array, h: Array) -> None:
        k = layer - 1
        pre_mean, pre_std = self._mean_and_std(z)
        act_mean, act_std = self._mean_and_std(h)
        # find_breakdown asks three things of a layer: a NaN? an inf? all zero? A finite mean
        # rules out NaN and inf entries and a non-zero mean or std rules out all-zero, so the
        # layer is read again only when its statistics leave the answer open.
        if not (math.isfinite(act_mean) and (act_mean != 0 or act_std > 0)):
            self.act_summary[k] = _layer_summary([h])[0]
        if math.isinf(act_std):  # the squares overflowed: the scaled form is exact
            act_std = scaled_std(h)
        self.hidden[PRE_MEAN][k], self.hidden[PRE_STD][k] = pre_mean, pre_std
        self.hidden[ACT_MEAN][k], self.hidden[ACT_STD][k] = act_mean, act_std
        if self.details:
            self.distinct[k] = distinct_units(h)
            if layer in self.chosen:
                self.act_samples[layer] = h[:: self.stride].copy()

    def backward(
        self, layer: int, slope: Array | None, dh: Array | None, dw: Array, db: Array
    ) -> None:
        k = layer - 1
        w_grad = norm(dw)
        self.params[WEIGHT_GRAD_NORM][k] = w_grad
        self.params[BIAS_GRAD_NORM][k] = norm(db)
        self.params[GRAD_DATA_RATIO][k] = diagnostics._ratio(w_grad, self.weight_norm[k])
        if slope is None:
            return
        saturated, dead = diagnostics.saturated_and_dead(slope)
        self.hidden[SATURATED][k] = saturated
        self.hidden[DEAD][k] = dead
        grad_norm = norm(dh)  # exact: scaled, so inf only if the norm itself is
        if not (math.isfinite(grad_norm) and grad_norm > 0):
            self.grad_summary[k] = _layer_summary([dh])[0]
        self.hidden[GRAD_H_NORM][k] = grad_norm
        if self.grad_std is not None:
            self.grad_std[k] = self._mean_and_std(dh)[1]
        if layer in self.chosen:
            self.grad_samples[layer] = dh[:: self.stride].copy()

    def stats_frame(self) -> pd.DataFrame:
        """DataFrame[layer, metric, value] in :func:`gradviz.diagnostics.layer_stats`' order."""
        depth = self.net.depth
        hidden = np.column_stack([self.hidden[m] for m in diagnostics.HIDDEN_METRICS])
        params = np.column_stack([self.params[m] for m in diagnostics.PARAM_METRICS])
        n_hidden, n_param = len(diagnostics.HIDDEN_METRICS), len(diagnostics.PARAM_METRICS)
        return pd.DataFrame(
            {
                "layer": np.concatenate(
                    [
                        np.repeat(np.arange(1, depth + 1), n_hidden),
                        np.repeat(np.arange(1, depth + 2), n_param),
                    ]
                ),
                "metric": list(diagnostics.HIDDEN_METRICS) * depth
                + list(diagnostics.PARAM_METRICS) * (depth + 1),
                "value": np.concatenate([hidden.ravel(), params.ravel()]),
            }
        )


def _replay(cfg: ProbeConfig, recorder: _LayerRecorder) -> float:
    """Feed ``recorder`` from one dense pass (:func:`one_pass`, every layer kept): for networks
    with batch norm or residual connections, which :func:`gradviz.mlp.streamed_pass` does not
    run."""
    net = cfg.network
    params, cache, grads, _, loss = one_pass(cfg)
    for layer in range(1, net.depth + 2):
        recorder.weights(layer, params[f"W{layer}"])
    for layer in range(1, net.depth + 1):
        recorder.forward(layer, cache.z[layer - 1], cache.h[layer])
    last = net.depth + 1
    recorder.backward(last, None, None, grads[f"W{last}"], grads[f"b{last}"])
    for layer in range(net.depth, 0, -1):
        recorder.backward(
            layer,
            cache.slope[layer - 1],
            grads["dh"][layer - 1],
            grads[f"W{layer}"],
            grads[diagnostics.bias_key(net, layer)],
        )
    return loss


def probe(cfg: ProbeConfig, histograms: bool = True, budget: float = COMPUTE_BYTES) -> ProbeResult:
    """Run one forward/backward pass at initialization and summarise it (see the module doc).

    The pass keeps at most ``budget`` bytes of arrays (:func:`probe_plan`): per-layer statistics
    are taken as the layers go by, and layers that do not fit are recomputed going back
    (:func:`gradviz.mlp.streamed_pass`). ``histograms=False`` skips the histograms and the
    symmetry count (for timing the core). Products of 256 × 128 × 128 and more use every BLAS
    thread, smaller ones one (:func:`gradviz.blas.blas_threads_for`).
    """
    net = cfg.network
    with blas_threads_for(cfg.batch * net.width * net.width):
        return _probe(cfg, histograms, budget)


def record(
    cfg: ProbeConfig, details: bool, budget: float, grad_std: bool = False
) -> tuple[_LayerRecorder, float]:
    """One pass of ``cfg``'s network on its batch, seen by a :class:`_LayerRecorder`; and the
    loss. Streamed within ``budget`` bytes, or dense for batch norm and residual networks."""
    net = cfg.network
    X, y = probe_batch(cfg)
    recorder = _LayerRecorder(net, details, hist_stride(cfg.batch, net.width), grad_std)
    plan = probe_plan(cfg, budget)
    if plan is None:
        return recorder, _replay(cfg, recorder)
    loss = streamed_pass(
        net, X, lambda scores: losses.loss_forward("bce", scores, y), plan, recorder
    )
    return recorder, loss


def _probe(cfg: ProbeConfig, histograms: bool, budget: float) -> ProbeResult:
    net = cfg.network
    X, _ = probe_batch(cfg)
    recorder, loss = record(cfg, histograms, budget)
    stats = recorder.stats_frame()
    act_std, grad_norm = recorder.hidden[ACT_STD], recorder.hidden[GRAD_H_NORM]
    forward_breakdown = find_breakdown(recorder.act_summary)
    back = find_breakdown(recorder.grad_summary[::-1])
    backward_breakdown = (
        back if back.ok else Breakdown(net.depth - 1 - back.index, back.kind, back.where)
    )
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
        hist = pd.concat(
            [
                shared_histograms(recorder.act_samples, HIST_ACT, cfg.bins),
                shared_histograms(dict(sorted(recorder.grad_samples.items())), HIST_GRAD, cfg.bins),
            ],
            ignore_index=True,
        )
    else:
        hist = pd.DataFrame(columns=["layer", "quantity", "bin_start", "bin_end", "fraction"])
    return ProbeResult(
        config=cfg,
        stats=stats,
        curves=pd.concat(frames, ignore_index=True),
        histograms=hist,
        distinct=recorder.distinct,
        forward_breakdown=forward_breakdown,
        backward_breakdown=backward_breakdown,
        depth_scale=scale,
        sigma_w2=sw2,
        loss=float(loss),
        hist_rows=len(range(0, cfg.batch, recorder.stride)),
    )


def _curve(layers: Array, metric: str, source: str, values: Array) -> pd.DataFrame:
    return pd.DataFrame({"layer": layers, "metric": metric, "source": source, "value": values})


def multiply_adds(cfg: ProbeConfig, passes: int = 1) -> int:
    """Multiply-adds of ``passes`` forward+backward passes of ``cfg``'s network on its batch:
    three (N × fan_in × fan_out) products per layer (forward, ∂L/∂W, ∂L/∂h)."""
    net = cfg.network
    dims = [net.in_dim] + [net.width] * net.depth + [net.out_dim]
    per_pass = sum(3 * cfg.batch * a * b for a, b in pairwise(dims))
    return passes * per_pass


# ----------------------------------------------------------------------------- cost models


def probe_plan(cfg: ProbeConfig, budget: float = COMPUTE_BYTES) -> PassPlan | None:
    """What the probe's pass keeps in memory (:func:`gradviz.mlp.pass_plan` within ``budget``
    bytes, less the histogram samples); ``None`` for batch norm or residual networks, which
    the probe runs densely (every layer kept)."""
    net = cfg.network
    if net.batchnorm or net.residual:
        return None
    return pass_plan(net, cfg.batch, budget - sample_bytes(cfg))


def sample_bytes(cfg: ProbeConfig) -> float:
    """Bytes of the histogram samples a detailed :func:`record` keeps."""
    rows = len(range(0, cfg.batch, hist_stride(cfg.batch, cfg.network.width)))
    return 2.0 * len(hist_layers(cfg.network.depth)) * rows * cfg.network.width * 8


def dense_pass_cost(cfg: ProbeConfig) -> Cost:
    """:func:`one_pass`: every layer's z, h, f'(z), ∂L/∂h and ∂L/∂z kept, and the weights and
    their gradients (batch norm adds about half again)."""
    net = cfg.network
    layer = cfg.batch * net.width * 8.0
    weights = net.depth * net.width * net.width * 8.0
    plan = PassPlan(tuple(range(1, net.depth + 1)), True)
    work = pass_cost(net, cfg.batch, plan) * (1.5 if net.batchnorm else 1.0)
    peak = 5 * net.depth * layer * (1.4 if net.batchnorm else 1.0) + 2 * weights
    return Cost(work.madds, work.elementwise, work.calls, peak)


def recorder_cost(cfg: ProbeConfig, details: bool = True) -> Cost:
    """:class:`_LayerRecorder`'s statistics: per hidden layer the mean and std of z and h, the
    norm of ∂L/∂h, the saturated and dead checks (about 12 element passes in all) and the norms
    of W and its gradient; with ``details`` the symmetry count's keys and the histogram
    samples."""
    net = cfg.network
    elements = float(cfg.batch * net.width) * net.depth
    weights = float(net.width * net.width) * net.depth * 3
    calls = 60 * net.depth + (25 * net.depth if details else 0)
    return Cost(elementwise=12 * elements + weights, calls=calls)


def histogram_cost(cfg: ProbeConfig) -> Cost:
    """Quantiles and histograms of at most :data:`MAX_HIST_LAYERS` sampled layers per quantity
    (a partial sort is about 20 passes over its values), and their DataFrames."""
    rows = len(range(0, cfg.batch, hist_stride(cfg.batch, cfg.network.width)))
    values = 2.0 * min(cfg.network.depth, MAX_HIST_LAYERS) * rows * cfg.network.width
    return Cost(elementwise=30 * values, calls=2 * MAX_HIST_LAYERS * 120)


MEANFIELD_CALLS_PER_LAYER = 40
"""Numpy calls of :func:`gradviz.meanfield.predict_layers` per layer (one quadrature of the
variance map on a few hundred nodes), measured."""
SUMMARY_CALLS = 3000
"""The depth scale's fixed-point iteration and the result's DataFrames, measured."""


def record_cost(cfg: ProbeConfig, details: bool, budget: float = COMPUTE_BYTES) -> Cost:
    """What :func:`record` costs: the pass (streamed within ``budget``, :func:`probe_plan`, or
    dense) and the per-layer statistics, with ``details`` the histogram samples."""
    net = cfg.network
    plan = probe_plan(cfg, budget)
    work = dense_pass_cost(cfg) if plan is None else pass_cost(net, cfg.batch, plan)
    return work + recorder_cost(cfg, details)


def probe_cost(cfg: ProbeConfig, histograms: bool = True, budget: float = COMPUTE_BYTES) -> Cost:
    """What :func:`probe` costs (time on the reference machine and peak memory), from the
    configuration alone: :func:`record_cost`, the mean-field curves and, with ``histograms``,
    the histograms and the symmetry count."""
    work = record_cost(cfg, histograms, budget)
    if histograms:
        work = work + histogram_cost(cfg) + Cost(peak_bytes=work.peak_bytes + sample_bytes(cfg))
    return work + Cost(calls=MEANFIELD_CALLS_PER_LAYER * cfg.network.depth + SUMMARY_CALLS)
