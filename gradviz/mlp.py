r"""A deep multi-layer perceptron as explicit forward/backward functions over named arrays.

Hidden layer :math:`l = 1..L` computes

.. math::
    a_l = h_{l-1} W_l + b_l,\qquad z_l = \mathrm{BN}_{\gamma_l,\beta_l}(a_l)\ \text{(if batchnorm,
    else } z_l = a_l),\qquad h_l = f(z_l)\ \big(+\,h_{l-1}\ \text{if residual and widths match}\big)

and the output layer :math:`\text{scores} = h_L W_{L+1} + b_{L+1}` (no activation), with
:math:`h_0 = X` of shape (N, D). ``cache.z[l-1]`` is :math:`z_l`, the input of the activation
(after batch normalization when it is on), and ``cache.h[l]`` is :math:`h_l`; all (N, n).

Nothing warns: every pass runs inside ``np.errstate(all="ignore")`` so that an exploding
network produces inf/NaN as data, which callers locate with
:func:`gradviz.numerics.find_breakdown`.

>>> cfg = MLPConfig(depth=3, width=8)
>>> params = init_params(cfg)
>>> scores, cache = forward(params, np.zeros((5, 2)), cfg)
>>> scores.shape, len(cache.z), len(cache.h)
((5, 1), 3, 4)
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache as memoise
from typing import Protocol

import numpy as np

from gradviz import activations, initializers
from gradviz.blas import blas_cores_for
from gradviz.budget import Cost
from gradviz.layers import (
    activation_backward,
    activation_forward,
    affine_backward,
    affine_forward,
    batchnorm_backward,
    batchnorm_forward,
    batchnorm_inference,
)

Array = np.ndarray
Params = dict[str, Array]

MAX_DEPTH = 1000
MAX_WIDTH = 4096
BN_EPS = 1e-5


@dataclass(frozen=True)
class MLPConfig:
    """Architecture and initialization of an MLP (hashable, so page caches can key on it).

    depth : L, the number of hidden layers (1..1000).
    width : n, the units per hidden layer.
    in_dim, out_dim : D inputs and output scores.
    activation, act_params : registry activation and its parameters as ``((name, value), ...)``.
    init, init_params : registry initializer for every weight matrix, and its parameters.
    sigma_b : standard deviation of the N(0, σ_b²) bias initialization (0 = zero biases).
    batchnorm : batch-normalize each hidden pre-activation before the activation.
    residual : hidden layers whose input and output widths match add their input,
        :math:`h_l = h_{l-1} + f(z_l)`.
    seed : seed of the initialization.
    """

    depth: int = 4
    width: int = 32
    in_dim: int = 2
    out_dim: int = 1
    activation: str = "tanh"
    act_params: tuple[tuple[str, float], ...] = ()
    init: str = "xavier_normal"
    init_params: tuple[tuple[str, float], ...] = ()
    sigma_b: float = 0.0
    batchnorm: bool = False
    residual: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        for name, value, high in (
            ("depth", self.depth, MAX_DEPTH),
            ("width", self.width, MAX_WIDTH),
            ("in_dim", self.in_dim, MAX_WIDTH),
            ("out_dim", self.out_dim, MAX_WIDTH),
        ):
            if not isinstance(value, (int, np.integer)) or not 1 <= value <= high:
                raise ValueError(f"{name} must be an integer from 1 to {high}, got {value!r}")
        if not np.isfinite(self.sigma_b) or self.sigma_b < 0:
            raise ValueError(f"sigma_b must be a finite number >= 0, got {self.sigma_b!r}")
        # Unknown names or parameters raise with the list of valid ones.
        make_activation(self.activation, self.act_params)
        initializers.get_initializer(self.init, **dict(self.init_params))

    def is_residual(self, layer: int) -> bool:
        """Whether hidden layer ``layer`` (1-based) carries a skip connection."""
        fan_in = self.in_dim if layer == 1 else self.width
        return self.residual and fan_in == self.width


@memoise
def make_activation(name: str, act_params: tuple[tuple[str, float], ...] = ()):
    """The registry :class:`~gradviz.activations.Activation` for a config (memoised)."""
    return activations.get_activation(name, **dict(act_params))


@dataclass
class MLPCache:
    """What :func:`backward` needs, plus the per-layer arrays the app plots.

    z : list of L arrays (N, n), ``z[l-1]`` = input of layer l's activation.
    h : list of L + 1 arrays, ``h[0] = X`` (N, D) and ``h[l]`` (N, n).
    slope : list of L arrays (N, n), ``slope[l-1] = f'(z_l)``.
    bn_mean, bn_var : per-layer batch statistics (M,) when batchnorm, else empty.
    """

    config: MLPConfig
    z: list[Array] = field(default_factory=list)
    h: list[Array] = field(default_factory=list)
    slope: list[Array] = field(default_factory=list)
    bn_mean: list[Array] = field(default_factory=list)
    bn_var: list[Array] = field(default_factory=list)
    layer_caches: list[tuple] = field(default_factory=list, repr=False)
    out_cache: tuple = field(default=(), repr=False)


def layer_shapes(cfg: MLPConfig) -> list[tuple[int, int]]:
    """(fan_in, fan_out) of W_1 .. W_{L+1}."""
    dims = [cfg.in_dim] + [cfg.width] * cfg.depth + [cfg.out_dim]
    return list(itertools.pairwise(dims))


def init_params(cfg: MLPConfig) -> Params:
    """Draw ``W1..W{L+1}`` (fan_in, fan_out) and ``b1..b{L+1}`` (fan_out,) from ``cfg.seed``;
    with batchnorm also ``gamma{l}`` = 1 and ``beta{l}`` = 0 (n,) for hidden layers."""
    rng = np.random.default_rng(cfg.seed)
    init = initializers.get_initializer(cfg.init, **dict(cfg.init_params))
    params: Params = {}
    for layer, (fan_in, fan_out) in enumerate(layer_shapes(cfg), start=1):
        params[f"W{layer}"] = np.asarray(init.sample(fan_in, fan_out, rng), dtype=float)
        params[f"b{layer}"] = np.asarray(initializers.init_bias(fan_out, cfg.sigma_b, rng), float)
        if cfg.batchnorm and layer <= cfg.depth:
            params[f"gamma{layer}"] = np.ones(fan_out)
            params[f"beta{layer}"] = np.zeros(fan_out)
    return params


def _layer_block(depth: int, batch_shape: tuple[int, ...], width: int) -> Array:
    """An uninitialised (depth, N, width) block (N = ``batch_shape``, normally ``(N,)``);
    ``block[l - 1]`` is layer l's array.

    A pass keeps every layer's arrays, so it allocates one block per quantity rather than one
    array per layer. Fresh memory costs a page fault per 4 KiB page, and a block of a few MB
    gets huge pages instead: at depth 50, width 256 and batch 256 this took a probe from 45,000
    page faults to 10,000 and made it about 15% faster (``python -m bench initialization``).
    """
    return np.empty((depth, *batch_shape, width))


def forward(
    params: Params, X: Array, cfg: MLPConfig, bn_stats: list[tuple[Array, Array]] | None = None
) -> tuple[Array, MLPCache]:
    """Forward pass.

    Parameters
    ----------
    params : from :func:`init_params`.
    X : (N, D) inputs.
    cfg : the network's :class:`MLPConfig`.
    bn_stats : per-layer ``(mean, var)`` to normalize with fixed statistics (inference mode,
        e.g. a decision-boundary grid); ``None`` uses the batch statistics (training mode).

    Returns
    -------
    scores : (N, out_dim).
    cache : :class:`MLPCache`; its per-layer arrays are views of one (L, N, n) block per
        quantity (:func:`_layer_block`).
    """
    act = make_activation(cfg.activation, cfg.act_params)
    X = np.asarray(X, dtype=float)
    cache = MLPCache(config=cfg, h=[X])
    z_all, h_all, slope_all = (_layer_block(cfg.depth, X.shape[:-1], cfg.width) for _ in range(3))
    with np.errstate(all="ignore"):
        h = X
        for layer in range(1, cfg.depth + 1):
            w, b = params[f"W{layer}"], params[f"b{layer}"]
            z = z_all[layer - 1]
            bn = None
            if cfg.batchnorm:
                a, aff = affine_forward(h, w, b)
                gamma, beta = params[f"gamma{layer}"], params[f"beta{layer}"]
                if bn_stats is None:
                    z[...], bn = batchnorm_forward(a, gamma, beta, BN_EPS)
                    cache.bn_mean.append(bn[3])
                    cache.bn_var.append(bn[4])
                else:
                    mean, var = bn_stats[layer - 1]
                    z[...] = batchnorm_inference(a, gamma, beta, mean, var, BN_EPS)
            else:
                _, aff = affine_forward(h, w, b, out=z)
            value, (_, slope_value) = activation_forward(z, act)
            slope = slope_all[layer - 1]
            slope[...] = slope_value
            h_next = h_all[layer - 1]
            if cfg.is_residual(layer):
                np.add(h, value, out=h_next)
            else:
                h_next[...] = value
            h = h_next
            cache.z.append(z)
            cache.h.append(h)
            cache.slope.append(slope)
            cache.layer_caches.append((aff, bn, (z, slope)))
        last = cfg.depth + 1
        scores, cache.out_cache = affine_forward(h, params[f"W{last}"], params[f"b{last}"])
    return scores, cache


def backward(dscores: Array, cache: MLPCache) -> dict:
    """Backward pass of :func:`forward` (training mode).

    Parameters
    ----------
    dscores : (N, out_dim), :math:`\\partial L/\\partial \\text{scores}`.
    cache : from :func:`forward`.

    Returns
    -------
    grads : ``dW{l}``-style keys equal to the parameter keys (``"W1"``, ``"b1"``, ...,
        ``"gamma1"``, ``"beta1"``), plus ``"dh"``: list of L arrays
        :math:`\\partial L/\\partial h_l` (N, n) for l = 1..L, and ``"dz"``: list of L arrays
        :math:`\\partial L/\\partial z_l`. ``dh``, ``dz`` and the (n, n) weight gradients of
        layers 2..L are views of one block each (:func:`_layer_block`).
    """
    cfg = cache.config
    depth, width = cfg.depth, cfg.width
    grads: dict = {}
    dh_all, dz_all = (_layer_block(depth, np.shape(dscores)[:-1], width) for _ in range(2))
    dw_hidden = _layer_block(depth - 1, (width,), width)  # W_2 .. W_L are (n, n)
    with np.errstate(all="ignore"):
        last = depth + 1
        dh, grads[f"W{last}"], grads[f"b{last}"] = affine_backward(
            dscores, cache.out_cache, dx_out=dh_all[depth - 1]
        )
        for layer in range(depth, 0, -1):
            aff, bn, act_cache = cache.layer_caches[layer - 1]
            dz = activation_backward(dh, act_cache, out=dz_all[layer - 1])
            if bn is not None:
                da, grads[f"gamma{layer}"], grads[f"beta{layer}"] = batchnorm_backward(dz, bn)
            else:
                da = dz
            if layer == 1:  # ∂L/∂X is never needed: skip one matrix product
                x, _ = aff
                grads["W1"], grads["b1"] = x.T @ da, da.sum(axis=0)
                break
            dh_prev, grads[f"W{layer}"], grads[f"b{layer}"] = affine_backward(
                da, aff, dx_out=dh_all[layer - 2], dw_out=dw_hidden[layer - 2]
            )
            if cfg.is_residual(layer):
                dh_prev += dh
            dh = dh_prev
    grads["dh"] = list(dh_all)
    grads["dz"] = list(dz_all)
    return grads


def param_grads(grads: dict) -> dict[str, Array]:
    """Only the parameter gradients of :func:`backward`'s result (drops ``dh`` and ``dz``)."""
    return {k: v for k, v in grads.items() if k not in ("dh", "dz")}


def predict_scores(params: Params, X: Array, cfg: MLPConfig, X_stats: Array | None = None):
    """Scores (N, out_dim) for new points ``X``: :func:`forward`'s numbers (to float rounding:
    ``f`` alone, no slope), one layer at a time with nothing kept (a 40 × 40 decision grid
    through 100 layers of 512 units would otherwise hold 2 GB of caches).

    With batchnorm, the normalization uses the statistics of ``X_stats`` (the training set;
    ``X`` itself if ``None``) instead of the batch being predicted, as inference-mode batch norm
    does; they are computed alongside, layer by layer.
    """
    act = make_activation(cfg.activation, cfg.act_params)
    h = np.asarray(X, dtype=float)
    ref = np.asarray(X if X_stats is None else X_stats, dtype=float) if cfg.batchnorm else None
    with np.errstate(all="ignore"):
        for layer in range(1, cfg.depth + 1):
            w, b = params[f"W{layer}"], params[f"b{layer}"]
            a = np.add(np.matmul(h, w), b)
            if cfg.batchnorm:
                gamma, beta = params[f"gamma{layer}"], params[f"beta{layer}"]
                ref_a = np.add(np.matmul(ref, w), b)
                ref_z, (_, _, _, mean, var) = batchnorm_forward(ref_a, gamma, beta, BN_EPS)
                a = batchnorm_inference(a, gamma, beta, mean, var, BN_EPS)
                ref_value = act.fn(ref_z)
                ref = ref + ref_value if cfg.is_residual(layer) else ref_value
            value = act.fn(a)
            h = h + value if cfg.is_residual(layer) else value
        last = cfg.depth + 1
        return np.add(np.matmul(h, params[f"W{last}"]), params[f"b{last}"])


def sigmoid_into(act, z: Array, h: Array, slope: Array, spare: Array) -> tuple[Array, Array]:
    r"""``h = σ(z)`` (``act.fn``, the registry's sigmoid) and ``slope = σ'(z)`` written into
    preallocated arrays of ``z``'s shape (``spare``: one more, overwritten); returns
    ``(h, slope)``.

    :math:`\sigma'(z) = e^{-|z|}/(1 + e^{-|z|})^2`, as the registry computes it (no
    cancellation for large z, unlike :math:`\sigma(1 - \sigma)`), here in six in-place passes
    and two divisions by :math:`1 + e^{-|z|}` (a few ulp from the registry's numbers). Call
    inside ``np.errstate(all="ignore")``, as for :func:`tanh_into`.
    """
    act.fn(z, out=h)
    np.abs(z, out=slope)
    np.negative(slope, out=slope)
    np.exp(slope, out=slope)
    np.add(slope, 1.0, out=spare)
    np.divide(slope, spare, out=slope)
    np.divide(slope, spare, out=slope)
    return h, slope


def _tanh_into(act, z: Array, h: Array, slope: Array, spare: Array) -> tuple[Array, Array]:
    return tanh_into(z, h, slope)


def tanh_into(z: Array, h: Array, slope: Array) -> tuple[Array, Array]:
    r"""``h = tanh(z)`` and ``slope = tanh'(z)`` written into preallocated arrays of ``z``'s
    shape; returns ``(h, slope)``.

    The slope is :math:`\mathrm{sech}^2 z = (1/\cosh z)^2`, in three in-place passes: a few
    ulp from the exact value at every z (no cancellation, unlike :math:`1 - \tanh^2 z`, which
    is exactly 0 beyond |z| ~ 19); the reciprocal comes before the square, so it underflows
    gracefully where the square of cosh would overflow, and it is 0 from |z| ~ 373 on, as the
    registry's :math:`4e^{-2|z|}/(1 + e^{-2|z|})^2` is. That form takes seven passes, each into a
    fresh array: at 1024 x 512 about eight times as long as ``tanh`` itself (measured). Call
    inside ``np.errstate(all="ignore")``: cosh overflows to inf for |z| > 710 (slope 0).
    """
    np.tanh(z, out=h)
    np.cosh(z, out=slope)
    np.reciprocal(slope, out=slope)
    np.multiply(slope, slope, out=slope)
    return h, slope


IN_PLACE = {"tanh": _tanh_into, "sigmoid": sigmoid_into}
"""Activations whose value (``act.fn(z, out=...)``) and slope :func:`streamed_pass` computes
into reused buffers: ``name -> fn(act, z, h, slope, spare) -> (h, slope)``."""


class LayerDraws:
    """The parameters of :func:`init_params`, drawn one layer at a time, and again on demand.

    ``draw(l)`` returns ``(W_l, b_l)`` exactly as ``init_params(cfg)`` holds them. The generator
    is sequential, so layers are first drawn in order 1, 2, ..., L + 1; the generator's state
    before each layer is remembered, so a layer drawn once can be drawn again at any time, bit
    for bit, without keeping its matrix (:func:`streamed_pass` does this when the weights of a
    deep, wide network would not fit in memory). Batch-norm parameters are not drawn.

    ``prefetch(l)`` starts drawing layer l on a helper thread, so that the draw (about 10 ns a
    weight: as long as a third of a layer's products at batch 256) overlaps element work the
    caller does meanwhile on the other core; the next ``draw(l)`` collects it. numpy's
    generators release the GIL while they fill an array.
    """

    def __init__(self, cfg: MLPConfig) -> None:
        self._shapes = layer_shapes(cfg)
        self._sigma_b = cfg.sigma_b
        self._init = initializers.get_initializer(cfg.init, **dict(cfg.init_params))
        self._rng = np.random.default_rng(cfg.seed)
        self._states: list[dict] = []
        self._helper: ThreadPoolExecutor | None = None
        self._pending: tuple[int, Future] | None = None
        self.draws = 0
        """How many matrices were drawn so far (first draws and redraws)."""

    def __enter__(self) -> LayerDraws:
        self._helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gradviz-draws")
        return self

    def __exit__(self, *exc) -> None:
        self._collect()
        self._helper.shutdown()
        self._helper = None

    def prefetch(self, layer: int) -> None:
        """Start drawing ``layer`` in the background (inside a ``with`` block; else nothing)."""
        if self._helper is not None and self._pending is None and layer <= len(self._shapes):
            self._pending = (layer, self._helper.submit(self._draw, layer))

    def draw(self, layer: int) -> tuple[Array, Array]:
        """``(W_layer (fan_in, fan_out), b_layer (fan_out,))``, 1-based."""
        if self._pending is not None and self._pending[0] == layer:
            return self._collect()
        self._collect()
        return self._draw(layer)

    def _collect(self):
        if self._pending is None:
            return None
        _, future = self._pending
        self._pending = None
        return future.result()

    def _draw(self, layer: int) -> tuple[Array, Array]:
        if layer == len(self._states) + 1:
            self._states.append(self._rng.bit_generator.state)
            rng = self._rng
        elif 1 <= layer <= len(self._states):
            rng = np.random.Generator(np.random.PCG64())
            rng.bit_generator.state = self._states[layer - 1]
        else:
            raise ValueError(f"layer {layer} drawn before layer {len(self._states) + 1}")
        fan_in, fan_out = self._shapes[layer - 1]
        self.draws += 1
        w = np.asarray(self._init.sample(fan_in, fan_out, rng), dtype=float)
        return w, np.asarray(initializers.init_bias(fan_out, self._sigma_b, rng), float)


class PassObserver(Protocol):
    """What :func:`streamed_pass` shows a caller, one layer at a time (the arrays are only valid
    during the call: the pass reuses or frees them afterwards)."""

    def weights(self, layer: int, w: Array) -> None:
        """W_l, the first time it is drawn (layers 1..L+1)."""

    def forward(self, layer: int, z: Array, h: Array) -> None:
        """Hidden layer l's pre-activation z_l and activation h_l = f(z_l), both (N, n)."""

    def backward(
        self, layer: int, slope: Array | None, dh: Array | None, dw: Array, db: Array
    ) -> None:
        """Layer l's f'(z_l) and ∂L/∂h_l (N, n), and ∂L/∂W_l, ∂L/∂b_l; for the output layer
        (l = L + 1) ``slope`` and ``dh`` are ``None``."""


@dataclass(frozen=True)
class PassPlan:
    """What :func:`streamed_pass` keeps in memory, decided from the sizes alone (so a pass
    recomputes exactly the same layers on every run).

    kept : the hidden layers whose pre-activation z_l the forward sweep keeps: always the top
        ones, plus checkpoints below them when not all fit. The backward pass recomputes every
        other layer once, from the nearest kept layer below it (:func:`checkpoints`).
    keep_weights : keep every W_l once drawn; otherwise it is drawn again from its saved
        generator state whenever it is needed (:class:`LayerDraws`).
    """

    kept: tuple[int, ...]
    keep_weights: bool

    def recomputed(self, depth: int) -> int:
        """Hidden layers whose forward product the backward pass runs a second time."""
        return depth - len(self.kept)

    def draws(self, depth: int) -> int:
        """Weight matrices drawn: L + 1 once, plus each W_l again for a recomputed layer and
        for the backward product ∂L/∂h_{l-1} (layers 2..L) unless the weights are kept."""
        if self.keep_weights:
            return depth + 1
        return depth + 1 + self.recomputed(depth) + depth - 1


def min_slots(depth: int) -> int:
    """The fewest slots :func:`checkpoints` can work with at this depth: with M slots the top
    layer and the segments below it cover at most M(M+1)/2 layers."""
    slots = 2
    while slots * (slots + 1) // 2 < depth:
        slots += 1
    return min(slots, depth)


def checkpoints(depth: int, slots: int) -> tuple[int, ...]:
    r"""The layers a pass keeps when it can hold ``slots`` layers' arrays at once.

    All of them if they fit. Otherwise the top :math:`T` layers and :math:`k` checkpoints
    :math:`c_1 < \dots < c_k = L - T` below them, with :math:`k + T` = ``slots``. Going back,
    the pass recomputes the layers between :math:`c_i` and :math:`c_{i+1}` from :math:`c_i`
    while it still holds the :math:`i + 1` checkpoints up to :math:`c_{i+1}`, so that segment
    may hold :math:`M - i` layers (M = ``slots``), and :math:`k` is the fewest checkpoints whose
    segments cover the :math:`L - T` lower layers. Every layer that is not kept is recomputed
    exactly once: :math:`L - M` of them, the fewest any schedule with M slots and one
    recomputation per layer can manage. Fewer than :func:`min_slots` are raised to it.
    """
    slots = max(min_slots(depth), slots)
    if depth <= slots:
        return tuple(range(1, depth + 1))
    k = 1
    while sum(slots - i for i in range(k)) < depth - slots + k:
        k += 1
    top = slots - k
    sizes = [slots - i for i in range(k)]  # segment i (0 = the bottom one) holds M - i layers
    excess = sum(sizes) - (depth - top)
    for i in range(k):  # shrink the largest segments first: any split recomputes L - M layers
        cut = min(excess, sizes[i] - 1)
        sizes[i] -= cut
        excess -= cut
    marks = list(itertools.accumulate(sizes))
    return tuple(marks) + tuple(range(depth - top + 1, depth + 1))


def streamed_pass(
    cfg: MLPConfig,
    X: Array,
    loss_grad: Callable[[Array], tuple[float, Array]],
    plan: PassPlan,
    observer: PassObserver,
) -> float:
    r"""One forward and backward pass of a plain MLP that keeps only what ``plan`` allows.

    The same numbers as :func:`forward` then :func:`backward` (to float rounding), for a network
    without batch norm or residual connections, but the layers are shown to ``observer`` one at
    a time and then dropped: only the pre-activations :math:`z_l` of ``plan.kept`` stay in
    memory during the forward sweep, and going back each layer needs only

    .. math:: dz_l = dh_l \odot f'(z_l),\quad dW_l = h_{l-1}^\top dz_l,\quad
              db_l = \textstyle\sum_n dz_{l,n},\quad dh_{l-1} = dz_l W_l^\top

    with :math:`h_{l-1} = f(z_{l-1})`, so a layer that was not kept is recomputed from the
    nearest kept one below it (:func:`checkpoints`). Weights come from :class:`LayerDraws`.

    Parameters
    ----------
    cfg : the network (``batchnorm`` and ``residual`` must be off).
    X : (N, D) inputs.
    loss_grad : ``scores (N, out_dim) -> (loss, dscores)``.
    plan : from the caller's memory budget (see :class:`PassPlan`).
    observer : receives every layer (:class:`PassObserver`).

    Returns
    -------
    The loss. Runs inside ``np.errstate(all="ignore")``: overflow is data.
    """
    if cfg.batchnorm or cfg.residual:
        raise ValueError("streamed_pass runs plain networks: no batch norm, no residual")
    act = make_activation(cfg.activation, cfg.act_params)
    depth, X = cfg.depth, np.asarray(X, dtype=float)
    shape = (X.shape[0], cfg.width)
    weights: dict[int, Array] = {}
    biases: dict[int, Array] = {}
    # The kept pre-activations live in one block of slots, reused as layers are dropped and
    # recomputed (one block of a few MB maps huge pages: fewer page faults than an array per
    # layer); every other array of the pass is one of a few reused buffers.
    slots = np.empty((len(plan.kept), *shape))
    free = list(range(len(plan.kept)))
    kept: dict[int, Array] = {}
    slot_of: dict[int, int] = {}
    scratch, dz = np.empty(shape), np.empty(shape)
    dh_bufs = [np.empty(shape), np.empty(shape)]
    dw_hidden = np.empty((cfg.width, cfg.width))
    # tanh and sigmoid (the page's default and its zero-init preset) write their values and
    # slopes into reused buffers (:data:`IN_PLACE`): a fresh multi-MB array costs a page fault
    # per 4 kB page, and the registry's forms allocate up to eight of them per call.
    in_place = act.name in IN_PLACE
    h_bufs = [np.empty(shape), np.empty(shape)] if in_place else None
    slope_bufs = [np.empty(shape), np.empty(shape)] if in_place else None

    def activate(z: Array, buffer: int) -> Array:
        return act.fn(z) if h_bufs is None else act.fn(z, out=h_bufs[buffer])

    def activate_with_slope(z: Array, buffer: int) -> tuple[Array, Array]:
        if h_bufs is None:
            value, (_, slope) = activation_forward(z, act)
            return value, slope
        # scratch holds non-kept pre-activations in the forward sweep only: free from here on
        return IN_PLACE[act.name](act, z, h_bufs[buffer], slope_bufs[buffer], scratch)

    def weight(layer: int) -> Array:
        return weights[layer] if layer in weights else draws.draw(layer)[0]

    def layer_forward(h: Array, layer: int, w: Array, keep: bool) -> Array:
        if keep:
            slot_of[layer] = free.pop()
        z = np.matmul(h, w, out=slots[slot_of[layer]] if keep else scratch)
        if biases[layer].any():  # adding zeros changes nothing but the sign of a zero
            z += biases[layer]
        if keep:
            kept[layer] = z
        return z

    def drop(layer: int) -> None:
        del kept[layer]
        free.append(slot_of.pop(layer))

    def first_weight_after(layer: int) -> int:
        """The next weight the backward pass draws once it is done with ``layer`` (0: none;
        layer 1 has no ∂L/∂h_0 product)."""
        below = layer - 1
        if below > 1 and below - 1 not in kept:
            return max((k for k in kept if k < below - 1), default=0) + 1
        return below if below > 1 else 0

    with np.errstate(all="ignore"), LayerDraws(cfg) as draws:
        keep = set(plan.kept)
        h = X
        for layer in range(1, depth + 2):
            w, biases[layer] = draws.draw(layer)
            observer.weights(layer, w)
            if plan.keep_weights or layer == depth + 1:
                weights[layer] = w
            if layer == depth + 1:
                break
            z = layer_forward(h, layer, w, layer in keep)
            draws.prefetch(layer + 1)  # drawn while this layer's activation and statistics run
            h = activate(z, layer % 2)  # the next product reads h and writes elsewhere
            observer.forward(layer, z, h)
            del z, w
        scores = np.matmul(h, weights[depth + 1]) + biases[depth + 1]
        loss, dscores = loss_grad(scores)
        dw_out = np.matmul(h.T, dscores)
        observer.backward(depth + 1, None, None, dw_out, dscores.sum(axis=0))
        dh = np.matmul(dscores, weights[depth + 1].T, out=dh_bufs[0])
        del h, dw_out
        side = depth % 2  # slope_bufs[side] holds f'(z_l); layer l - 1 uses the other one
        _, slope = activate_with_slope(kept[depth], side)
        for layer in range(depth, 0, -1):
            if layer > 1 and layer - 1 not in kept:
                base = max((k for k in kept if k < layer - 1), default=0)
                h_re = X if base == 0 else activate(kept[base], 1 - side)
                for again in range(base + 1, layer):
                    z = layer_forward(h_re, again, weight(again), True)
                    if not plan.keep_weights:
                        draws.prefetch(again + 1 if again + 1 < layer else layer)
                    h_re = activate(z, 1 - side)  # z is a slot: h_re may be overwritten
                del h_re
            if layer > 1:
                side = 1 - side
                h_prev, slope_prev = activate_with_slope(kept[layer - 1], side)
            else:
                h_prev, slope_prev = X, None
            np.multiply(dh, slope, out=dz)
            dw = np.matmul(h_prev.T, dz, out=dw_hidden if h_prev.shape[1] == cfg.width else None)
            dh_prev = None
            if layer > 1:
                spare = dh_bufs[1] if dh is dh_bufs[0] else dh_bufs[0]
                dh_prev = np.matmul(dz, weight(layer).T, out=spare)
                if not plan.keep_weights and first_weight_after(layer):
                    draws.prefetch(first_weight_after(layer))
            observer.backward(layer, slope, dh, dw, dz.sum(axis=0))
            drop(layer)
            del dw, h_prev
            dh, slope = dh_prev, slope_prev
    return float(loss)


# ----------------------------------------------------------------------------- cost models
# Counts for gradviz.budget.Cost, from the configuration alone. Element work is counted in
# passes of budget.ELEMENT_RATE (one simple numpy pass over an array, e.g. a multiply); the
# tables give what one element of an activation or of a weight draw costs in such passes,
# measured on the reference machine (python -m bench initialization checks the models).

ACTIVATION_PASSES: dict[str, tuple[float, float]] = {
    "sigmoid": (2.5, 3.0),
    "tanh": (2.5, 3.0),
    "softsign": (1.0, 1.3),
    "relu": (1.5, 1.5),
    "leaky_relu": (1.8, 1.5),
    "rrelu": (1.8, 1.5),
    "prelu": (1.8, 1.5),
    "elu": (4.5, 4.0),
    "selu": (4.8, 4.3),
    "gelu": (90.0, 105.0),
    "silu": (3.5, 6.0),
    "softplus": (4.5, 2.5),
    "hardtanh": (0.6, 1.0),
    "linear": (0.4, 0.4),
}
"""Element passes of ``f`` and of ``f'`` per entry, for each registry activation."""

DRAW_PASSES: dict[str, float] = {
    "zeros": 15.0,
    "constant": 0.3,
    "too_small": 15.0,
    "standard_normal": 15.0,
    "standard_uniform": 4.0,
    "xavier_normal": 15.0,
    "xavier_uniform": 4.0,
    "he_normal": 15.0,
    "he_uniform": 4.0,
    "lecun_normal": 15.0,
    "orthogonal": 15.0,
    "scaled": 15.0,
}
"""Element passes per weight an initializer draws (a normal draw costs about 10 ns here, a
uniform one 3 ns); the orthogonal initializer adds its QR factorisation (:func:`draw_cost`)."""


def activation_cost(name: str, elements: float, fn: float = 1, grad: float = 0) -> Cost:
    """``fn`` evaluations of ``f`` and ``grad`` of ``f'`` over ``elements`` entries."""
    f_passes, g_passes = ACTIVATION_PASSES[name]
    return Cost(elementwise=elements * (fn * f_passes + grad * g_passes), calls=6 * (fn + grad))


def draw_cost(cfg: MLPConfig, shape: tuple[int, int], times: float = 1) -> Cost:
    """``times`` draws of one ``shape`` weight matrix with ``cfg``'s initializer (and its bias)."""
    fan_in, fan_out = shape
    madds = 0.0
    if cfg.init == "orthogonal":  # Householder QR and forming Q: about 2·m·k² multiply-adds
        big, small = max(fan_in, fan_out), min(fan_in, fan_out)
        madds = 2.0 * big * small * small
    return Cost(madds, DRAW_PASSES[cfg.init] * fan_in * fan_out + fan_out, 12) * times


def product_cost(rows: int, inner: int, cols: int) -> Cost:
    """One (rows × inner) by (inner × cols) product on the cores :mod:`gradviz.blas` gives it
    (counted as multiply-adds per core)."""
    madds = float(rows) * inner * cols
    return Cost(madds=madds / blas_cores_for(madds), calls=1)


PASS_WORK_ARRAYS = 12
"""(N, n) arrays a pass holds besides the kept layers: h, z, the activation's temporaries,
∂L/∂h, ∂L/∂z, ∂L/∂h_{l-1} and f'(z) going back, and a scratch array for statistics."""


def pass_peak_bytes(cfg: MLPConfig, batch: int, plan: PassPlan) -> float:
    """Peak bytes of :func:`streamed_pass` with ``plan``: the kept layers, the work arrays, and
    the weights (every one if kept, else the few in use)."""
    layer = batch * cfg.width * 8.0
    weight = cfg.width * cfg.width * 8.0
    weights = cfg.depth * weight if plan.keep_weights else 3 * weight
    return len(plan.kept) * layer + PASS_WORK_ARRAYS * layer + weights + 2 * weight


def pass_plan(cfg: MLPConfig, batch: int, budget: float) -> PassPlan:
    """The :class:`PassPlan` of a ``batch``-sample pass within ``budget`` bytes: every layer
    and weight kept if they fit; otherwise the faster (by :func:`pass_cost`) of keeping the
    weights with fewer layers, or redrawing the weights to keep more layers, among those within
    the budget. At least two
    layers are always kept (:func:`min_slots`; then the pass may exceed the budget, as
    :func:`pass_cost` says)."""
    layer = batch * cfg.width * 8.0
    everything = PassPlan(tuple(range(1, cfg.depth + 1)), True)
    if pass_peak_bytes(cfg, batch, everything) <= budget:
        return everything
    plans = []
    for keep_weights in (True, False):
        spare = budget - pass_peak_bytes(cfg, batch, PassPlan((), keep_weights))
        slots = max(min_slots(cfg.depth), int(spare // layer))
        plans.append(PassPlan(checkpoints(cfg.depth, slots), keep_weights))
    costs = [pass_cost(cfg, batch, plan) for plan in plans]
    return min(
        zip(plans, costs, strict=True),
        key=lambda pc: (pc[1].peak_bytes > budget, pc[1].seconds, pc[1].peak_bytes),
    )[0]


def pass_cost(cfg: MLPConfig, batch: int, plan: PassPlan) -> Cost:
    """What :func:`streamed_pass` costs: the forward and backward products (plus the
    recomputed ones), the activation (``f`` going forward and for recomputed layers, ``f`` and
    ``f'`` going back), the weight draws, and ``plan``'s peak memory."""
    depth, width = cfg.depth, cfg.width
    hidden = product_cost(batch, width, width)
    first, last = product_cost(batch, cfg.in_dim, width), product_cost(batch, width, cfg.out_dim)
    recomputed = plan.recomputed(depth)
    products = (
        first * 2  # forward, ∂L/∂W_1
        + hidden * (3 * (depth - 1) + recomputed)
        + last * 3
    )
    elements = float(batch * width)
    act = activation_cost(cfg.activation, elements, fn=2 * depth + recomputed, grad=depth)
    # bias (if any), ∂L/∂z, ∂L/∂b per layer; the bias again per recomputed layer
    bias = 1.0 if cfg.sigma_b > 0 else 0.0
    other = Cost(elementwise=elements * ((2 + bias) * depth + bias * recomputed), calls=8 * depth)
    redraws = plan.draws(depth) - depth - 1
    draws = (
        draw_cost(cfg, (cfg.in_dim, width))
        + draw_cost(cfg, (width, width), depth - 1 + redraws)
        + draw_cost(cfg, (width, cfg.out_dim))
    )
    total = products + act + other + draws
    return Cost(total.madds, total.elementwise, total.calls, pass_peak_bytes(cfg, batch, plan))
