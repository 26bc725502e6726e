r"""Choosing an activation (seeds 002 and 004), trained on the Remedies page's runs.

* :func:`dying_relu` trains ReLU, leaky ReLU and ELU with a high learning rate and measures the
  dead units, the units that came back, and the biases that killed them.
* :func:`activation_shootout` trains the runs that tie seed 004's "how to choose an
  activation" to numbers (the advice itself is worded in :mod:`views.remedies`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gradviz import activations, parallel
from gradviz import train as tr
from gradviz.budget import Cost, Progress
from gradviz.diagnostics import bias_key
from gradviz.mlp import MLPConfig, forward, init_params
from gradviz.remedies import (
    CHART_COST,
    RELU_FAMILY,
    TRAINING_ROOM,
    fit_steps,
    gradient_ratio,
    runs_cost,
    workers_for,
)

# ----------------------------------------------------------------------------- dying ReLU

DYING_STEPS = 200
"""Steps of the Dying ReLU tab's runs, before :func:`dying_steps` fits them to the budget."""


@dataclass(frozen=True)
class DyingReLU:
    """Runs of :func:`dying_relu`.

    over_time : [activation, step, dead_fraction, mean_bias] averaged over the hidden layers
        (dead: zero slope for every training point, so no gradient reaches the unit's own
        parameters; it can still come back when earlier layers move its inputs).
    final : one row per activation: dead_units, units, dead_at_start, revived, died,
        first_layer_revived (:func:`_final_units`), mean_bias_dead, mean_bias_alive (hidden
        units after training, on the full training set), final_accuracy, diverged_step.
    """

    over_time: pd.DataFrame
    final: pd.DataFrame
    lr: float = 0.1
    optimizer: str = "adam"
    steps: int = 200


def dying_relu(
    depth: int = 6,
    width: int = 32,
    lr: float = 0.1,
    optimizer: str = "adam",
    steps: int = DYING_STEPS,
    seed: int = 0,
    activations_: tuple[str, ...] = RELU_FAMILY,
    progress: Progress | None = None,
) -> DyingReLU:
    """Train each activation with He init and a high learning rate on moons; count dead units.

    A unit is dead when its pre-activation is negative for every training point: ReLU's slope
    is then 0 there and no gradient reaches its weights or bias, but a unit beyond layer 1 can
    recover when earlier layers change its inputs. Leaky ReLU's slope α never vanishes; ELU's
    slope αe^z is 0 in float64 only for z below about -745 (a diverging run can get there).
    """
    cfgs = dying_configs(depth, width, lr, optimizer, steps, seed, activations_)
    runs = parallel.train_many(cfgs, progress, workers=workers_for(cfgs), keep=_dying_run)
    over_time, finals = zip(*runs, strict=True)
    return DyingReLU(
        pd.concat(over_time, ignore_index=True), pd.DataFrame(list(finals)), lr, optimizer, steps
    )


def dying_configs(
    depth: int = 6,
    width: int = 32,
    lr: float = 0.1,
    optimizer: str = "adam",
    steps: int = 200,
    seed: int = 0,
    activations_: tuple[str, ...] = RELU_FAMILY,
) -> list[tr.TrainConfig]:
    """The runs of :func:`dying_relu`: He init, moons, 128 points, full batch."""
    return [
        tr.TrainConfig(
            mlp=MLPConfig(depth=depth, width=width, activation=name, init="he_normal", seed=seed),
            dataset="moons",
            n=128,
            data_seed=seed,
            steps=steps,
            optimizer=optimizer,
            lr=lr,
        )
        for name in activations_
    ]


def _dying_run(result: tr.TrainResult) -> tuple[pd.DataFrame, dict]:
    """What :func:`dying_relu` keeps of one run (``keep`` of train_many): the dead fraction and
    mean bias over the steps, and :func:`_final_units`."""
    depth = result.config.network.depth
    name = result.config.mlp.activation
    dead = result.layer_metric(tr.DEAD_FRACTION)
    bias = result.layer_metric(tr.BIAS_MEAN)[:, :depth]
    over_time = pd.DataFrame(
        {
            "activation": activations.label(name),
            "step": np.arange(dead.shape[0]),
            "dead_fraction": dead.mean(axis=1),
            "mean_bias": bias.mean(axis=1),
        }
    )
    return over_time, _final_units(result, dead[0], name)


def dead_units(params: dict, cfg: tr.TrainConfig) -> list[np.ndarray]:
    """Per hidden layer, (n,) bool: units whose slope is 0 for every training point of
    ``cfg`` with ``params`` (dead on this batch: no gradient reaches their weights or bias)."""
    X, _ = cfg.data()
    with np.errstate(all="ignore"):
        _, cache = forward(params, X, cfg.network)
    return [np.all(s == 0, axis=0) for s in cache.slope]


def _final_units(result: tr.TrainResult, dead_at_start: np.ndarray, name: str) -> dict:
    """The run's hidden units after training; ``revived``: dead at initialization and alive
    at the end (a dead unit's own parameters get no gradient, but earlier layers can move
    its inputs); ``died``: the reverse; ``first_layer_revived``: revived units of layer 1,
    whose inputs are the fixed data (0: with no gradient its weights never move)."""
    net = result.config.network
    before = dead_units(init_params(net), result.config)
    after = dead_units(result.final_params, result.config)
    dead = np.concatenate(after)
    start = np.concatenate(before)
    with np.errstate(all="ignore"):
        biases = np.concatenate(
            [result.final_params[bias_key(net, layer)] for layer in range(1, net.depth + 1)]
        )
        mean_dead = float(np.mean(biases[dead])) if dead.any() else math.nan
        mean_alive = float(np.mean(biases[~dead])) if (~dead).any() else math.nan
    return {
        "activation": activations.label(name),
        "dead_units": int(dead.sum()),
        "units": int(dead.size),
        "dead_at_start": round(float(np.sum(dead_at_start)) * net.width),
        "revived": int(np.sum(start & ~dead)),
        "died": int(np.sum(~start & dead)),
        "first_layer_revived": int(np.sum(before[0] & ~after[0])),
        "mean_bias_dead": mean_dead,
        "mean_bias_alive": mean_alive,
        "final_accuracy": result.final_accuracy,
        "diverged_step": math.nan if result.diverged_step is None else result.diverged_step,
    }


def dying_cost(
    depth: int = 6, lr: float = 0.1, optimizer: str = "adam", steps: int = DYING_STEPS
) -> Cost:
    """What the Dying ReLU tab costs from a cold cache: its three runs (:func:`runs_cost`, with
    one more forward pass each for the final count) and its two charts."""
    runs = dying_configs(depth, lr=lr, optimizer=optimizer, steps=steps)
    return runs_cost(runs) + CHART_COST * 2


def dying_steps(
    depth: int, lr: float, optimizer: str, seconds: float = TRAINING_ROOM
) -> tuple[int, float]:
    """The steps of :data:`DYING_STEPS` that fit ``seconds`` (:func:`fit_steps`), and what the
    rest would take."""
    return fit_steps(lambda k: dying_cost(depth, lr, optimizer, k), DYING_STEPS, seconds)


# ----------------------------------------------------------------------------- choosing

SHOOTOUT_STEPS = 300
"""Steps of the Choosing an activation tab's runs, before :func:`advice_steps` fits them."""
SHOOTOUT = (
    ("relu", "he_normal", False),
    ("leaky_relu", "he_normal", False),
    ("elu", "he_normal", False),
    ("tanh", "xavier_normal", False),
    ("sigmoid", "xavier_normal", False),
    ("sigmoid", "xavier_normal", True),
)


def shootout_label(activation: str, init: str, batchnorm: bool) -> str:
    """E.g. ``"ReLU (He)"`` or ``"sigmoid (Xavier) + batch norm"``."""
    init_name = {"he_normal": "He", "xavier_normal": "Xavier"}.get(init, init)
    return f"{activations.label(activation)} ({init_name})" + (" + batch norm" if batchnorm else "")


def activation_shootout(
    depth: int = 10,
    width: int = 32,
    lr: float = 0.1,
    steps: int = SHOOTOUT_STEPS,
    seed: int = 0,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Each activation of :data:`SHOOTOUT` with its matching init, same data, seed and steps.

    Returns one row per run: run, activation, final_accuracy, final_loss, diverged_step,
    grad_ratio (first/last hidden layer at step 0), dead_fraction (mean over layers at the end),
    mean_output (E[f(z)], z ~ N(0,1)) and zero_centred.
    """
    cfgs = shootout_configs(depth, width, lr, steps, seed)
    rows = parallel.train_many(cfgs, progress, workers=workers_for(cfgs), keep=_shootout_row)
    return pd.DataFrame(rows)


def shootout_configs(
    depth: int = 10, width: int = 32, lr: float = 0.1, steps: int = 300, seed: int = 0
) -> list[tr.TrainConfig]:
    """The runs of :func:`activation_shootout`, in :data:`SHOOTOUT` order."""
    return [
        tr.TrainConfig(
            mlp=MLPConfig(depth, width, activation=name, init=init, batchnorm=bn, seed=seed),
            dataset="moons",
            n=100,
            data_seed=seed,
            steps=steps,
            lr=lr,
        )
        for name, init, bn in SHOOTOUT
    ]


def _shootout_row(result: tr.TrainResult) -> dict:
    """One row of :func:`activation_shootout` (``keep`` of train_many)."""
    mlp = result.config.mlp
    props = activations.default_properties(mlp.activation)
    dead = result.layer_metric(tr.DEAD_FRACTION)
    return {
        "run": shootout_label(mlp.activation, mlp.init, mlp.batchnorm),
        "activation": mlp.activation,
        "final_accuracy": result.final_accuracy,
        "final_loss": result.final_loss,
        "diverged_step": math.nan if result.diverged_step is None else result.diverged_step,
        "grad_ratio": gradient_ratio(result),
        "dead_fraction": float(dead[-1].mean()),
        "mean_output": props.mean_output_std_normal,
        "zero_centred": props.zero_centred,
    }


ADVICE_DYING = {"depth": 6, "lr": 0.1, "optimizer": "adam"}
"""The dying-ReLU runs the advice quotes (the Dying ReLU tab's defaults)."""


def advice_cost(depth: int = 10, steps: int = SHOOTOUT_STEPS) -> Cost:
    """What the Choosing an activation tab costs from a cold cache: the six shoot-out runs,
    then the dying-ReLU runs its advice quotes (:data:`ADVICE_DYING`, at the steps the Dying
    ReLU tab gives them), and its chart."""
    dying_runs, _ = dying_steps(**ADVICE_DYING)
    return (
        runs_cost(shootout_configs(depth, steps=steps))
        + dying_cost(**ADVICE_DYING, steps=dying_runs)
        + CHART_COST
    )


def advice_steps(depth: int, seconds: float = TRAINING_ROOM) -> tuple[int, float]:
    """The steps of :data:`SHOOTOUT_STEPS` that fit ``seconds`` (:func:`fit_steps`), and what
    the rest would take."""
    return fit_steps(lambda k: advice_cost(depth, k), SHOOTOUT_STEPS, seconds)
