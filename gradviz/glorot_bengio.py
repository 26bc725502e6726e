r"""Glorot & Bengio (2010), Figs. 6-7: the standard and the normalized initialization of one
tanh network, probed side by side on the same data (:mod:`gradviz.probe`)."""

from __future__ import annotations

import pandas as pd

from gradviz.blas import blas_threads_for
from gradviz.budget import COMPUTE_BYTES, Cost
from gradviz.diagnostics import ACT_STD
from gradviz.initializers import get_initializer
from gradviz.mlp import MLPConfig
from gradviz.probe import (
    HIST_ACT,
    HIST_GRAD,
    ProbeConfig,
    histogram_cost,
    histogram_range,
    record,
    record_cost,
    sample_bytes,
    shared_histograms,
)

GB_INITS = ("standard_uniform", "xavier_uniform")


def glorot_bengio_configs(width: int, batch: int, seed: int, depth: int = 5):
    """The two probes of :func:`glorot_bengio`: ``{initializer: ProbeConfig}``."""
    return {
        name: ProbeConfig(
            mlp=MLPConfig(depth=depth, width=width, activation="tanh", init=name, seed=seed),
            batch=batch,
            data_seed=seed,
        )
        for name in GB_INITS
    }


def glorot_bengio(
    width: int, batch: int, seed: int, depth: int = 5, bins: int = 30
) -> tuple[pd.DataFrame, pd.DataFrame]:
    r"""Glorot & Bengio (2010), Figs. 6-7: a tanh network of ``depth`` hidden layers at the
    standard init :math:`U[\pm 1/\sqrt{n}]` and at the normalized init
    :math:`U[\pm\sqrt{6/(n_{in}+n_{out})}]`, same data and seed.

    Returns
    -------
    hist : DataFrame[init, layer, quantity, bin_start, bin_end, fraction], one shared range per
        quantity across both initializations; beyond :data:`gradviz.probe.HIST_VALUES` values
        per layer the histograms bin every k-th sample (:func:`gradviz.probe.hist_stride`).
    summary : DataFrame[init, layer, act_std, grad_std]: std of :math:`h_l` and of
        :math:`\partial L/\partial h_l` per layer, over the whole batch.
    """
    passes = {}
    for name, cfg in glorot_bengio_configs(width, batch, seed, depth).items():
        with blas_threads_for(batch * width * width):
            recorder, _ = record(cfg, True, COMPUTE_BYTES, grad_std=True)
        passes[name] = recorder
    frames, rows = [], []
    for quantity, samples_of in (
        (HIST_ACT, lambda r: r.act_samples),
        (HIST_GRAD, lambda r: r.grad_samples),
    ):
        top = histogram_range([a for r in passes.values() for a in samples_of(r).values()])
        for name, recorder in passes.items():
            by_layer = dict(sorted(samples_of(recorder).items()))
            frames.append(
                shared_histograms(by_layer, quantity, bins, top=top).assign(init=label(name))
            )
    for name, recorder in passes.items():
        for layer in range(1, depth + 1):
            rows.append(
                (
                    label(name),
                    layer,
                    float(recorder.hidden[ACT_STD][layer - 1]),
                    float(recorder.grad_std[layer - 1]),
                )
            )
    summary = pd.DataFrame(rows, columns=["init", "layer", "act_std", "grad_std"])
    return pd.concat(frames, ignore_index=True), summary


def label(init_name: str) -> str:
    """Display label of a registry initializer."""
    return get_initializer(init_name).label


def glorot_bengio_cost(width: int, batch: int, depth: int = 5) -> Cost:
    """:func:`glorot_bengio`: two recorded passes of a tanh network (with the std of ∂L/∂h, 4
    more passes per layer), both kept for the shared histograms."""
    configs = glorot_bengio_configs(width, batch, 0, depth).values()
    work = Cost()
    for cfg in configs:
        std = Cost(elementwise=4.0 * batch * width * depth)
        work = work + record_cost(cfg, True) + std + histogram_cost(cfg)
    return work + Cost(peak_bytes=work.peak_bytes + sum(sample_bytes(c) for c in configs))
