"""Initialization page: the probe against a bare-GEMM floor, training speed, the cost models
against measured runs, the worst-case link of every tab, and the page's warm rerun."""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np

from bench import Report, peak_bytes, timed
from gradviz import glorot_bengio, meanfield, probe, seed_spread, zero_init
from gradviz.activations import get_activation
from gradviz.budget import COMPUTE_BYTES, PROCESS_BYTES, TAB_SECONDS, TRAINING_SECONDS
from gradviz.mlp import LayerDraws, MLPConfig
from gradviz.probe import ProbeConfig
from gradviz.train import TrainConfig, train, train_cost
from views import initialization as views

PAGE = "pages/2_Initialization.py"
SIZES = {
    "depth 50, width 256, batch 256": (ProbeConfig(mlp=MLPConfig(50, 256), batch=256), 2.0),
    "page maximum (depth 100, width 512, batch 512)": (
        ProbeConfig(mlp=MLPConfig(100, 512), batch=views.MAX_BATCH),
        1.5,
    ),
    "former page maximum (depth 100, width 512, batch 1024)": (
        ProbeConfig(mlp=MLPConfig(100, 512), batch=1024),
        1.5,
    ),
}
DEFAULT_TRAINING = TrainConfig(mlp=MLPConfig(depth=10, width=64), n=201, steps=300)
MAX = {
    "depth": "100",
    "width": "512",
    "batch": str(views.MAX_BATCH),
    "sigma_b": "1.0",
    "seed": "9999",
}


def gemm_floor(cfg: ProbeConfig):
    """A loop of exactly the matrix products one forward and backward pass needs (forward
    h·W, backward hᵀ·dz and dz·Wᵀ; no ∂L/∂X), same shapes, on preallocated arrays and with the
    BLAS threads the machine has: nothing else. Returns the loop as a function."""
    net = cfg.network
    rng = np.random.default_rng(0)
    dims = [net.in_dim] + [net.width] * net.depth + [net.out_dim]
    weights = [rng.normal(size=shape) for shape in pairwise(dims)]
    acts = [rng.normal(size=(cfg.batch, d)) for d in dims]
    grads = [np.empty_like(w) for w in weights]
    dz = [rng.normal(size=(cfg.batch, d)) for d in dims[1:]]

    def loop() -> None:
        for k, w in enumerate(weights):
            np.matmul(acts[k], w, out=acts[k + 1])
        for k in range(len(weights) - 1, -1, -1):
            np.matmul(acts[k].T, dz[k], out=grads[k])
            if k > 0:
                np.matmul(dz[k], weights[k].T, out=dz[k - 1])

    return loop


def weight_draws(cfg: ProbeConfig) -> None:
    """Draw every weight matrix of ``cfg``'s network once, in order, as the probe's pass does
    (:class:`gradviz.mlp.LayerDraws`): work the probe cannot skip and the GEMM floor leaves out."""
    with LayerDraws(cfg.network) as draws:
        for layer in range(1, cfg.network.depth + 2):
            draws.draw(layer)


def fastest_alternating(fns: dict, rounds: int) -> dict[str, float]:
    """Each function's fastest of ``rounds`` runs, taking turns: on a shared machine the load
    comes and goes, and the minimum is the run it disturbed least."""
    best = dict.fromkeys(fns, math.inf)
    for _ in range(rounds):
        for name, fn in fns.items():
            best[name] = min(best[name], timed(fn, repeat=1, warmup=0))
    return best


def probe_rows(report: Report) -> None:
    probe.probe(ProbeConfig(mlp=MLPConfig(4, 8), batch=16))  # imports, quadrature nodes
    for name, (cfg, target) in SIZES.items():
        floor = gemm_floor(cfg)
        rounds = 7 if cfg.batch < 512 else 3
        best = fastest_alternating(
            {
                "floor": floor,
                "probe": lambda cfg=cfg: probe.probe(cfg),
                "core": lambda cfg=cfg: probe.probe(cfg, histograms=False),
                "draws": lambda cfg=cfg: weight_draws(cfg),
            },
            rounds,
        )
        report.time(f"GEMM floor, {name}", best["floor"])
        report.time(f"probe, {name}", best["probe"])
        report.ratio(f"probe / floor, {name}", best["probe"] / best["floor"], target)
        report.ratio(f"  probe without histograms / floor, {name}", best["core"] / best["floor"])
        report.ratio(f"  its weight draws alone / floor, {name}", best["draws"] / best["floor"])
        report.bytes(
            f"probe peak memory, {name}",
            peak_bytes(lambda cfg=cfg: probe.probe(cfg)),
            COMPUTE_BYTES,
        )
        plan = probe.probe_plan(cfg)
        depth = cfg.network.depth
        report.value(
            f"  plan, {name}",
            f"{len(plan.kept)} kept, {plan.recomputed(depth)} recomputed, "
            f"{'weights kept' if plan.keep_weights else f'{plan.draws(depth)} draws'}",
        )


def training_floor(cfg: TrainConfig):
    """A loop of what ``cfg``'s training cannot do without, on preallocated arrays: per step the
    forward, ∂L/∂W and ∂L/∂h products of every layer (as :func:`gemm_floor`), and with
    ``activation`` tanh's value and its exact slope sech² = (1/cosh z)² (as
    :func:`gradviz.mlp.tanh_into`). Returns ``{name: loop}`` for the products alone and with
    the activation."""
    net = cfg.network
    rng = np.random.default_rng(0)
    dims = [net.in_dim] + [net.width] * net.depth + [net.out_dim]
    weights = [rng.normal(size=shape) / math.sqrt(shape[0]) for shape in pairwise(dims)]
    acts = [rng.normal(size=(cfg.n, d)) for d in dims]
    slopes = [np.empty((cfg.n, net.width)) for _ in range(net.depth)]
    grads = [np.empty_like(w) for w in weights]
    dz = [rng.normal(size=(cfg.n, d)) for d in dims[1:]]

    def loop(activation: bool) -> None:
        for _ in range(cfg.steps):
            for k, w in enumerate(weights):
                np.matmul(acts[k], w, out=acts[k + 1])
                if activation and k < net.depth:
                    np.cosh(acts[k + 1], out=slopes[k])
                    np.tanh(acts[k + 1], out=acts[k + 1])
                    np.reciprocal(slopes[k], out=slopes[k])
                    np.multiply(slopes[k], slopes[k], out=slopes[k])
            for k in range(len(weights) - 1, -1, -1):
                np.matmul(acts[k].T, dz[k], out=grads[k])
                if k > 0:
                    np.matmul(dz[k], weights[k].T, out=dz[k - 1])

    return {"products": lambda: loop(False), "products + tanh": lambda: loop(True)}


def training_rows(report: Report) -> None:
    train(TrainConfig(mlp=MLPConfig(2, 4), steps=2))
    floors = training_floor(DEFAULT_TRAINING)
    best = fastest_alternating({**floors, "train": lambda: train(DEFAULT_TRAINING)}, 5)
    name = "300 training steps, default network (10 x 64, 201 points)"
    report.time(name, best["train"], 0.4)
    for floor in floors:
        report.time(f"  floor: {floor} alone, same shapes and steps", best[floor])
        report.ratio(f"  training / floor of {floor}", best["train"] / best[floor])


def model_rows(report: Report) -> None:
    """Every cost model of the page against measured runs, small, default and large."""
    for label, cfg in (
        ("small 5 x 16 x 64", ProbeConfig(mlp=MLPConfig(5, 16), batch=64)),
        ("default 10 x 64 x 256", ProbeConfig(mlp=MLPConfig(10, 64), batch=256)),
        ("ReLU 50 x 256 x 256", ProbeConfig(MLPConfig(50, 256, activation="relu"), 256)),
        ("max 100 x 512 x 512", SIZES["page maximum (depth 100, width 512, batch 512)"][0]),
        ("sigmoid max", ProbeConfig(MLPConfig(100, 512, activation="sigmoid"), views.MAX_BATCH)),
    ):
        report.model(f"probe, {label}", probe.probe_cost(cfg), lambda cfg=cfg: probe.probe(cfg))
    for label, cfg in (
        ("default 10 x 64 x 256", ProbeConfig(mlp=MLPConfig(10, 64), batch=256)),
        ("ReLU 100 x 256 x 512", ProbeConfig(MLPConfig(100, 256, activation="relu"), 512)),
    ):
        report.model(
            f"3 other seeds, {label}",
            seed_spread.other_draws_cost(cfg, 3),
            lambda cfg=cfg: seed_spread.other_draws(cfg, 3),
        )
    for label, cfg in (
        ("small 3 x 8, 50 steps", TrainConfig(mlp=MLPConfig(3, 8), steps=50)),
        ("default 10 x 64, 300 steps", DEFAULT_TRAINING),
        (
            "adam, batch norm 20 x 64, 100 steps",
            TrainConfig(mlp=MLPConfig(20, 64, batchnorm=True), optimizer="adam", steps=100),
        ),
        ("20 x 512, 5 steps", TrainConfig(mlp=MLPConfig(20, 512), n=201, steps=5)),
    ):
        report.model(f"train, {label}", train_cost(cfg), lambda cfg=cfg: train(cfg))
    zero = ProbeConfig(mlp=MLPConfig(10, 64, init="zeros", activation="sigmoid"), batch=255)
    report.model(
        "zero-init steps, default",
        zero_init.first_update_cost(zero, views.ZERO_STEPS),
        lambda: zero_init.first_update_steps(zero, views.ZERO_STEPS),
    )
    for width, batch in ((64, 256), (512, views.MAX_BATCH)):
        report.model(
            f"Glorot & Bengio, width {width}, batch {batch}",
            glorot_bengio.glorot_bengio_cost(width, batch),
            lambda width=width, batch=batch: glorot_bengio.glorot_bengio(width, batch, 0),
        )
    for name in ("tanh", "relu", "gelu"):
        act = get_activation(name)
        report.model(
            f"phase diagram, {name}",
            meanfield.phase_diagram_cost(act),
            lambda name=name: views.phase_diagram(name, 0.0, 64, 1.0),
            repeat=1,
        )


def worst_case_rows(report: Report) -> None:
    """Every tab at its worst link: every expensive control at its maximum together."""
    for label, query, seconds in (
        ("Layers", {**MAX, "tab": "Layers"}, TAB_SECONDS),
        (
            "Layers, zero init + sigmoid",
            {**MAX, "tab": "Layers", "init": "zeros", "act": "sigmoid"},
            TAB_SECONDS,
        ),
        ("Layers, GELU", {**MAX, "tab": "Layers", "act": "GELU"}, TAB_SECONDS),
        ("Histograms", {**MAX, "tab": "Histograms"}, TAB_SECONDS),
        ("Phase diagram, GELU", {**MAX, "tab": "Phase diagram", "act": "GELU"}, TAB_SECONDS),
        ("Training", {**MAX, "tab": "Training", "steps": "1000", "lr": "1.0"}, TRAINING_SECONDS),
        (
            "Training, width 128",
            {**MAX, "width": "128", "tab": "Training", "steps": "1000"},
            TRAINING_SECONDS,
        ),
    ):
        report.worst_case(f"{PAGE} {label}", PAGE, query, seconds, PROCESS_BYTES)


def run(report: Report) -> None:
    probe_rows(report)
    training_rows(report)
    model_rows(report)
    worst_case_rows(report)
    report.page(PAGE, warm_target=0.15)
