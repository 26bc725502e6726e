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
from dataclasses import dataclass, field
from functools import cache as memoise

import numpy as np

from gradviz import activations, initializers
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
    """Scores (N, out_dim) for new points ``X``.

    With batchnorm, the normalization uses the statistics of ``X_stats`` (the training set)
    instead of the batch being predicted, as inference-mode batch norm does.
    """
    stats = None
    if cfg.batchnorm:
        reference = X if X_stats is None else X_stats
        _, ref_cache = forward(params, reference, cfg)
        stats = list(zip(ref_cache.bn_mean, ref_cache.bn_var, strict=True))
    scores, _ = forward(params, X, cfg, bn_stats=stats)
    return scores
