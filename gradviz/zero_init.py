r"""Seed 001's zero-initialization claims, as measured facts of one probe and of a few steps of
full-batch gradient descent.

With every weight 0, each unit of a layer computes the same function. With ReLU
(:math:`g(0) = 0`) every weight gradient is 0 and only the output bias moves; with sigmoid
(:math:`g(0) \ne 0`) the last layer moves first, then one more layer towards the input at each
step, while the units of a layer stay identical.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gradviz import diagnostics
from gradviz.budget import Cost
from gradviz.diagnostics import BIAS_GRAD_NORM, WEIGHT_GRAD_NORM
from gradviz.probe import ProbeConfig, ProbeResult, distinct_units, probe
from gradviz.train import LOSS, WEIGHT_NORM, TrainConfig, train, train_cost

Array = np.ndarray


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


def zero_init_facts(cfg: ProbeConfig, result: ProbeResult | None = None) -> ZeroInitFacts:
    """Which gradients of one pass of ``cfg`` are exactly zero (seed 001's claims), read off the
    probe's statistics: a gradient is exactly 0 everywhere iff its norm is 0 (the norm is exact,
    :func:`gradviz.numerics.norm`; NaN counts as non-zero). ``result``: the probe of ``cfg``,
    if already computed.

    Zero weights with ReLU: every hidden :math:`h_l = \\mathrm{ReLU}(0) = 0`, so every weight
    gradient :math:`h_{l-1}^\\top\\,\\partial L/\\partial z_l` is 0 and only the output bias moves.
    Zero weights with sigmoid: :math:`h_L = 1/2 \\ne 0`, so only the last layer's weights get a
    gradient at the first step.
    """
    result = probe(cfg) if result is None else result
    net = cfg.network
    stats = result.stats
    norms = {
        metric: stats[stats.metric == metric].sort_values("layer")["value"].to_numpy()
        for metric in (WEIGHT_GRAD_NORM, BIAS_GRAD_NORM)
    }
    zero_weights, nonzero = [], []
    for layer in range(1, net.depth + 2):
        for name, value in (
            (f"W{layer}", norms[WEIGHT_GRAD_NORM][layer - 1]),
            (diagnostics.bias_key(net, layer), norms[BIAS_GRAD_NORM][layer - 1]),
        ):
            if value == 0:
                if name.startswith("W"):
                    zero_weights.append(name)
            else:
                nonzero.append(name)
    return ZeroInitFacts(
        zero_weight_grads=tuple(zero_weights),
        nonzero_grads=tuple(nonzero),
        distinct=tuple(int(d) for d in result.distinct),
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


def first_update_config(cfg: ProbeConfig, steps: int = 10, lr: float = 0.5) -> TrainConfig:
    """The training run of :func:`first_update_steps`: full-batch SGD on the probing batch."""
    if not isinstance(steps, (int, np.integer)) or not 1 <= steps <= 10_000:
        raise ValueError(f"steps must be an integer from 1 to 10000, got {steps!r}")
    return TrainConfig(
        mlp=cfg.network,
        dataset=cfg.dataset,
        n=cfg.batch,
        noise=0.1,
        data_seed=cfg.data_seed,
        steps=int(steps),
        lr=lr,
    )


def first_update_steps(
    cfg: ProbeConfig, steps: int = 10, lr: float = 0.5, progress=None
) -> UpdateOrder:
    r"""Full-batch gradient descent on the probing batch for ``steps`` updates; when did each
    layer's weights first become non-zero, and how many distinct units does each layer keep?

    Meant for the zero initialization with :math:`\phi(0) \ne 0` (seed 001): the output layer
    moves at step 1, and each further step wakes one more layer towards the input, while the
    units of a layer stay identical. A run of :func:`gradviz.train.train`
    (:func:`first_update_config`): :math:`W_l` is non-zero at step t iff its norm
    :math:`\lVert W_l\rVert` recorded at step t is (the norm is exact). ``progress`` as in
    ``train``.
    """
    run = train(first_update_config(cfg, steps, lr), progress)
    norms = run.layer_metric(WEIGHT_NORM)  # (steps run, L + 1), before each step's update
    moved = ~(norms == 0)  # NaN weights have moved too
    first = np.where(moved.any(axis=0), np.argmax(moved, axis=0), np.nan).astype(float)
    depth = cfg.network.depth
    distinct = tuple(distinct_units(run.final_params[f"W{k}"]) for k in range(1, depth + 1))
    return UpdateOrder(first_step=first, distinct=distinct, loss=run.metric(LOSS))


def first_update_cost(cfg: ProbeConfig, steps: int = 10) -> Cost:
    """:func:`first_update_steps`: a training run (:func:`gradviz.train.train_cost`)."""
    return train_cost(first_update_config(cfg, steps))
