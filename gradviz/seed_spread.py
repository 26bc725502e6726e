r"""Where mean field and measurement part: the same network drawn with several seeds.

Mean-field theory (:mod:`gradviz.meanfield`) describes the limit of infinite width. A network of
finite width is one draw around it, and its per-layer statistics wander away as the depth grows:
for ReLU networks Hanin & Rolnick (2018, "How to start training") show that the variance of the
squared length of the activations over initializations grows exponentially in

.. math:: \beta = \sum_{l} \frac{1}{n_l} \quad\text{(here } L/n\text{: } L \text{ hidden layers
   of width } n\text{)}.

:func:`other_draws` probes the network of a :class:`~gradviz.probe.ProbeConfig` again with the
next seeds (only the per-layer activation std and gradient norm, no histograms), and
:func:`seed_band` turns them, with the probed network itself, into the lowest and highest value
per layer: the band the Initialization page draws around its curves.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from gradviz import probe
from gradviz.blas import blas_threads_for
from gradviz.budget import COMPUTE_BYTES, Cost
from gradviz.numerics import drawable_on_log
from gradviz.probe import ACT_STD, GRAD_H_NORM, MEASURED, ProbeConfig, ProbeResult

SEEDS = 8
"""Networks the band spans: the probed one and the next seven seeds."""
METRICS = (ACT_STD, GRAD_H_NORM)


def with_seed(cfg: ProbeConfig, seed: int) -> ProbeConfig:
    """``cfg`` with its network's weights drawn from ``seed`` (same data, same batch)."""
    return replace(cfg, mlp=replace(cfg.mlp, seed=seed))


def other_draws(cfg: ProbeConfig, count: int, budget: float = COMPUTE_BYTES) -> pd.DataFrame:
    """[seed, layer, metric, value]: the activation std and ‖∂L/∂h_l‖ of every hidden layer of
    ``cfg``'s network drawn with each of the ``count`` seeds after its own, measured as
    :func:`gradviz.probe.probe` measures them (one pass each, streamed within ``budget``)."""
    net = cfg.network
    layers = np.arange(1, net.depth + 1)
    frames = []
    with blas_threads_for(cfg.batch * net.width * net.width):
        for seed in range(cfg.mlp.seed + 1, cfg.mlp.seed + 1 + count):
            recorder, _ = probe.record(with_seed(cfg, seed), False, budget)
            frames += [
                pd.DataFrame(
                    {"seed": seed, "layer": layers, "metric": m, "value": recorder.hidden[m]}
                )
                for m in METRICS
            ]
    if not frames:
        return pd.DataFrame(columns=["seed", "layer", "metric", "value"])
    return pd.concat(frames, ignore_index=True)


def other_draws_cost(cfg: ProbeConfig, count: int, budget: float = COMPUTE_BYTES) -> Cost:
    """What :func:`other_draws` costs: ``count`` passes recorded without details, one after
    another (the peak is one pass's)."""
    return probe.record_cost(cfg, False, budget) * count


def seed_band(result: ProbeResult, draws: pd.DataFrame) -> pd.DataFrame:
    """[layer, metric, low, high, seeds]: per hidden layer and metric, the lowest and highest
    value over the probed network (``result``) and the ``draws`` of :func:`other_draws`, among
    the finite positive ones (a log axis draws the band), and how many seeds those were."""
    shown = result.curves[result.curves["source"] == MEASURED][["layer", "metric", "value"]]
    every, _ = drawable_on_log(
        pd.concat([shown, draws[["layer", "metric", "value"]]], ignore_index=True), "value"
    )
    return (
        every.groupby(["layer", "metric"], sort=True)["value"]
        .agg(low="min", high="max", seeds="size")
        .reset_index()
    )


def beta(cfg: ProbeConfig) -> float:
    r"""Hanin & Rolnick's :math:`\beta = \sum_l 1/n_l` over the hidden layers: :math:`L/n`."""
    net = cfg.network
    return net.depth / net.width
