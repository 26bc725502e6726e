"""Initialization page: the probe against a bare numpy loop, the page rerun, training speed."""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np

from bench import Report, timed
from gradviz import diagnostics, meanfield
from gradviz.blas import single_threaded_blas
from gradviz.initializers import get_initializer
from gradviz.mlp import MLPConfig, make_activation
from gradviz.probe import ProbeConfig, hidden_sigma_w2, one_pass, probe, probe_batch
from gradviz.train import TrainConfig, train

DEPTH, WIDTH, BATCH = 50, 256, 256


def bare_loop(X: np.ndarray, depth: int, width: int) -> float:
    """The probe's draws and matrix products and nothing else: Xavier-normal weights from a
    seed, forward ``tanh(h W + b)`` through ``depth`` hidden layers and the output layer, then
    backward ``dW = hᵀ dz``, ``dh = dz Wᵀ`` with ``dz = dh · (1 - h²)``, in float64 with the
    probe's thread setting."""
    rng = np.random.default_rng(0)
    dims = [X.shape[1]] + [width] * depth + [1]
    params = {}
    for layer, (fan_in, fan_out) in enumerate(pairwise(dims), start=1):
        params[f"W{layer}"] = rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), (fan_in, fan_out))
        params[f"b{layer}"] = np.zeros(fan_out)
    with np.errstate(all="ignore"), single_threaded_blas():
        hs = [X]
        for layer in range(1, depth + 1):
            hs.append(np.tanh(hs[-1] @ params[f"W{layer}"] + params[f"b{layer}"]))
        scores = hs[-1] @ params[f"W{depth + 1}"] + params[f"b{depth + 1}"]
        dscores = np.ones_like(scores) / len(X)
        dh = dscores @ params[f"W{depth + 1}"].T
        total = 0.0
        for layer in range(depth, 0, -1):
            dz = dh * (1.0 - hs[layer] ** 2)
            dW = hs[layer - 1].T @ dz
            dh = dz @ params[f"W{layer}"].T
            total += float(dW[0, 0])
    return total


def probe_parts(cfg: ProbeConfig, repeat: int = 5) -> dict[str, float]:
    """Fastest of ``repeat`` timings of each part of :func:`gradviz.probe.probe`, for the
    breakdown rows (the rest of the probe is pandas frames and bookkeeping)."""
    net = cfg.network
    params, cache, grads, X, _ = one_pass(cfg)
    act = make_activation(net.activation, net.act_params)
    sw2, sb2 = hidden_sigma_w2(net), net.sigma_b**2
    var_w1 = get_initializer(net.init, **dict(net.init_params)).variance(net.in_dim, net.width)
    q1 = var_w1 * float(np.mean(np.sum(X * X, axis=1))) + sb2
    parts = {
        "forward + backward (draws included)": lambda: one_pass(cfg),
        "per-layer statistics": lambda: diagnostics.layer_stats(params, cache, grads, net),
        "mean-field prediction per layer": lambda: meanfield.predict_layers(
            act, net.depth, q1, sw2, sb2
        ),
        "mean-field depth scale": lambda: meanfield.depth_scale(sw2, sb2, act),
    }
    with single_threaded_blas():
        return {
            name: min(timed(fn, repeat=1, warmup=0) for _ in range(repeat))
            for name, fn in parts.items()
        }


def run(report: Report) -> None:
    cfg = ProbeConfig(mlp=MLPConfig(depth=DEPTH, width=WIDTH), batch=BATCH)
    X, _ = probe_batch(cfg)
    # Alternate the two and keep each one's fastest run: on a shared machine the load comes and
    # goes, and the minimum is the run it disturbed least.
    t_bare, t_core = math.inf, math.inf
    probe(cfg, histograms=False)  # warm-up (imports, quadrature nodes)
    for _ in range(7):
        t_bare = min(t_bare, timed(lambda: bare_loop(X, DEPTH, WIDTH), repeat=1, warmup=0))
        t_core = min(t_core, timed(lambda: probe(cfg, histograms=False), repeat=1, warmup=0))
    report.time(f"bare numpy loop, depth {DEPTH}, width {WIDTH}, batch {BATCH}", t_bare)
    report.time("probe: forward + backward + per-layer stats + mean-field", t_core)
    report.ratio("probe / bare numpy loop", t_core / t_bare, 1.5)
    for name, seconds in probe_parts(cfg).items():
        report.time(f"  of which {name}", seconds)
    t_full = timed(lambda: probe(cfg), repeat=3)
    report.time("probe with histograms and symmetry count", t_full)

    report.page("pages/2_Initialization.py", warm_target=0.3)

    default = TrainConfig(mlp=MLPConfig(depth=10, width=64), n=201, steps=300)
    report.time(
        "300 training steps, default network (10 x 64)", timed(lambda: train(default), 3), 3.0
    )
