r"""Remedies for vanishing and exploding gradients, compared on one problem, and their symptoms.

Everything the Remedies page shows comes from here:

* :func:`compare` trains a *baseline* (by default the classic failure: a 20-layer sigmoid MLP
  with too-large weights, :math:`W \sim N(0, \sigma_w^2/n)` with :math:`\sigma_w = 4`) and the
  same problem with each chosen remedy switched on, on the same data, seed and steps.
* :func:`symptoms` evaluates seed 003's six symptoms of exploding gradients on a run's history,
  each with the number that decided it.
* :func:`dying_relu` trains ReLU, leaky ReLU and ELU with a high learning rate and measures the
  dead units (seeds 002 and 004) and the biases that killed them.
* :func:`activation_shootout` and :func:`activation_advice` tie seed 004's "how to choose an
  activation" to runs.
* :func:`gated_cells` compares how far back a gradient survives in a vanilla RNN and an LSTM
  (seed 003's "use LSTM or gated cells"), with :mod:`gradviz.rnn`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from gradviz import activations, parallel, rnn
from gradviz import train as tr
from gradviz.diagnostics import bias_key
from gradviz.mlp import MLPConfig, forward
from gradviz.numerics import format_sci, norm

Progress = Callable[[float], None] | None

# ----------------------------------------------------------------------------- the problem


@dataclass(frozen=True)
class Problem:
    """The baseline run: a deep network that fails, and how it is trained.

    ``init`` is ``"scaled"`` (σ_w/√n, "too large" for σ_w > 1) or any registry initializer;
    ``sigma_w`` is used by ``"scaled"`` only.
    """

    depth: int = 20
    width: int = 64
    activation: str = "sigmoid"
    init: str = "scaled"
    sigma_w: float = 4.0
    lr: float = 0.1
    steps: int = 300
    dataset: str = "moons"
    n: int = 100
    seed: int = 0
    optimizer: str = "sgd"

    def config(self) -> tr.TrainConfig:
        """The baseline :class:`~gradviz.train.TrainConfig` (full batch)."""
        init_params = (("sigma_w", float(self.sigma_w)),) if self.init == "scaled" else ()
        mlp = MLPConfig(
            depth=self.depth,
            width=self.width,
            activation=self.activation,
            init=self.init,
            init_params=init_params,
            seed=self.seed,
        )
        return tr.TrainConfig(
            mlp=mlp,
            dataset=self.dataset,
            n=self.n,
            noise=0.1,
            data_seed=self.seed,
            steps=self.steps,
            optimizer=self.optimizer,
            lr=self.lr,
        )


@dataclass(frozen=True)
class RemedyOptions:
    """The setting each remedy uses when it is switched on."""

    activation: str = "relu"
    init: str = "he_normal"
    clip: str = "norm"
    clip_threshold: float = 1.0
    penalty: str = "l2"
    penalty_strength: float = 1e-3
    fewer_depth: int = 4
    lr_factor: float = 0.1


@dataclass(frozen=True)
class Remedy:
    """One switch: ``apply(cfg, options) -> cfg``; ``name(options)`` labels the run."""

    key: str
    name: Callable[[RemedyOptions], str] = field(repr=False)
    apply: Callable[[tr.TrainConfig, RemedyOptions], tr.TrainConfig] = field(repr=False)
    why: str = ""


def _with_mlp(cfg: tr.TrainConfig, **changes) -> tr.TrainConfig:
    return replace(cfg, mlp=replace(cfg.mlp, **changes))


REMEDIES: dict[str, Remedy] = {
    r.key: r
    for r in (
        Remedy(
            "activation",
            lambda o: activations.label(o.activation),
            lambda c, o: _with_mlp(c, activation=o.activation, act_params=()),
            "a slope of 1 for positive inputs instead of σ' ≤ 1/4",
        ),
        Remedy(
            "init",
            lambda o: {"he_normal": "He init", "xavier_normal": "Xavier init"}.get(o.init, o.init),
            lambda c, o: _with_mlp(c, init=o.init, init_params=()),
            "weights scaled to the layer width",
        ),
        Remedy(
            "batchnorm",
            lambda o: "batch norm",
            lambda c, o: _with_mlp(c, batchnorm=True),
            "every pre-activation renormalized to mean 0, std 1",
        ),
        Remedy(
            "residual",
            lambda o: "residual",
            lambda c, o: _with_mlp(c, residual=True),
            "h_l = h_{l-1} + f(z_l): an identity path for the gradient",
        ),
        Remedy(
            "clip",
            lambda o: f"clip by {o.clip} {o.clip_threshold:g}",
            lambda c, o: replace(c, clip=o.clip, clip_threshold=o.clip_threshold),
            "caps each update, so one huge gradient cannot wreck the weights",
        ),
        Remedy(
            "penalty",
            lambda o: f"{o.penalty.upper()} {o.penalty_strength:g}",
            lambda c, o: replace(
                c,
                l1=o.penalty_strength if o.penalty == "l1" else 0.0,
                l2=o.penalty_strength if o.penalty == "l2" else 0.0,
            ),
            "penalizes large weights",
        ),
        Remedy(
            "fewer_layers",
            lambda o: f"{o.fewer_depth} layers",
            lambda c, o: _with_mlp(c, depth=o.fewer_depth),
            "fewer factors in the product (the label is the depth actually used)",
        ),
        Remedy(
            "smaller_lr",
            lambda o: f"lr × {o.lr_factor:g}",
            lambda c, o: replace(c, lr=c.lr * o.lr_factor),
            "smaller steps",
        ),
    )
}
DEFAULT_REMEDIES = ("activation", "init", "batchnorm", "residual", "fewer_layers")
BASELINE = "baseline"


def remedy_config(base: tr.TrainConfig, keys: tuple[str, ...], options: RemedyOptions):
    """``base`` with every remedy in ``keys`` applied (in the order of :data:`REMEDIES`)."""
    unknown = set(keys) - set(REMEDIES)
    if unknown:
        raise ValueError(f"unknown remedies {sorted(unknown)}; choose from {list(REMEDIES)}")
    cfg = base
    for key in REMEDIES:
        if key in keys:
            cfg = REMEDIES[key].apply(cfg, options)
    return cfg


def run_label(keys: tuple[str, ...], options: RemedyOptions) -> str:
    """``"baseline"`` or the remedies joined with ``" + "``, e.g. ``"ReLU + He init"``."""
    if not keys:
        return BASELINE
    return " + ".join(REMEDIES[k].name(options) for k in REMEDIES if k in keys)


# ----------------------------------------------------------------------------- symptoms

NOT_CONVERGING = "the loss does not converge"
UNSTABLE = "the loss jumps around between updates"
LOSS_NAN = "the loss becomes NaN"
WEIGHTS_WILD = "the weights change wildly"
WEIGHTS_NAN = "the weights become NaN"
GRADS_ABOVE_ONE = "the error gradients stay above 1.0"
SYMPTOMS = (NOT_CONVERGING, UNSTABLE, LOSS_NAN, WEIGHTS_WILD, WEIGHTS_NAN, GRADS_ABOVE_ONE)

CONVERGED_FRACTION = 0.5  # final loss must fall below half the chance-level loss
JUMP = 0.10  # a loss rise of more than 10 % in one update is a jump
UNSTABLE_FRACTION = 0.05  # ... and more than 5 % of updates jumping is unstable
WILD_UPDATE_RATIO = 0.5  # one update moving the weights by half their norm (guide: 1e-3)
ABOVE_ONE_FRACTION = 0.9  # every node's |∂C/∂b| > 1 in at least 90 % of the steps


def chance_loss(kind: str, y: np.ndarray) -> float:
    """Loss of the best constant prediction (the class frequencies): the "learned nothing"
    level. BCE/softmax: the entropy :math:`-\\sum_k p_k\\ln p_k`; MSE: :math:`p(1-p)`."""
    p = float(np.mean(np.asarray(y) == 1))
    if kind == "mse":
        return p * (1 - p)
    return -sum(q * math.log(q) for q in (p, 1 - p) if q > 0)


def symptoms(result: tr.TrainResult) -> pd.DataFrame:
    """Seed 003's six symptoms of exploding gradients, evaluated on ``result``'s history.

    Returns DataFrame[symptom, present, value, evidence] in :data:`SYMPTOMS` order; ``value`` is
    the number that decided it and ``evidence`` says it in words.
    """
    loss = result.metric(tr.LOSS)
    finite = loss[np.isfinite(loss)]
    y = result.data["label"].to_numpy()
    chance = chance_loss(result.config.loss, y)
    tail = finite[-max(1, len(finite) // 10) :] if finite.size else np.array([np.nan])
    final = float(np.mean(tail))
    events = dict(zip(result.events["quantity"], result.events["step"], strict=True))
    rows = []

    if result.diverged:
        rows.append(
            (NOT_CONVERGING, True, math.nan, f"the run diverged at step {result.diverged_step}")
        )
    else:
        share = final / chance
        rows.append(
            (
                NOT_CONVERGING,
                bool(share > CONVERGED_FRACTION),
                share,
                f"final loss {format_sci(final)} is {share:.0%} of the chance level "
                f"{chance:.3f} (converged means below {CONVERGED_FRACTION:.0%})",
            )
        )

    with np.errstate(all="ignore"):
        before, after = loss[:-1], loss[1:]
        jumps = ~np.isfinite(after) | (after > (1 + JUMP) * before)
    jump_share = float(np.mean(jumps)) if jumps.size else 0.0
    rows.append(
        (
            UNSTABLE,
            bool(jump_share > UNSTABLE_FRACTION),
            jump_share,
            f"{int(jumps.sum())} of {jumps.size} updates raised the loss by more than "
            f"{JUMP:.0%} ({jump_share:.0%}; unstable above {UNSTABLE_FRACTION:.0%})",
        )
    )

    for symptom, quantity in ((LOSS_NAN, "loss"), (WEIGHTS_NAN, "weights")):
        step = events.get(quantity)
        text = (
            f"the {quantity} became inf/NaN at step {step}"
            if step is not None
            else f"the {quantity} stayed finite for all {result.steps_run} steps"
        )
        rows.append((symptom, step is not None, math.nan if step is None else float(step), text))

    updates = result.metric(tr.UPDATE_RATIO)
    with np.errstate(all="ignore"):
        biggest = (
            float(np.nanmax(np.where(np.isnan(updates), -np.inf, updates))) if updates.size else 0.0
        )
    rows.insert(
        3,
        (
            WEIGHTS_WILD,
            bool(biggest > WILD_UPDATE_RATIO),
            biggest,
            f"the largest update moved the weights by {format_sci(biggest)} of their norm "
            f"(wild above {WILD_UPDATE_RATIO:g}; a healthy update is about 1e-3)",
        ),
    )

    node = result.metric(tr.MIN_NODE_GRAD)
    above = float(np.mean(node > 1.0)) if node.size else 0.0
    rows.append(
        (
            GRADS_ABOVE_ONE,
            bool(above >= ABOVE_ONE_FRACTION),
            above,
            f"every node's |∂C/∂b| was above 1 in {above:.0%} of the steps "
            f"(symptom from {ABOVE_ONE_FRACTION:.0%}); smallest node gradient at the last step "
            f"{format_sci(float(node[-1]) if node.size else math.nan)}",
        )
    )
    return pd.DataFrame(rows, columns=["symptom", "present", "value", "evidence"])


# ----------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class Comparison:
    """The runs of :func:`compare`, as tidy frames.

    runs : run labels in order (baseline first).
    curves : [run, step, loss, accuracy]; a diverged run's rows stop at its divergence step.
    speed : [run, step, layer, value] Nielsen's ‖∂C/∂b_l‖ for the hidden layers.
    summary : one row per run: final_accuracy, final_loss, diverged_step (NaN if none),
        grad_ratio (‖∂C/∂b_1‖ / ‖∂C/∂b_L‖ at step 0), depth, symptoms (count present).
    symptoms : [run, symptom, present, value, evidence].
    results : the :class:`~gradviz.train.TrainResult` per run label.
    """

    runs: tuple[str, ...]
    curves: pd.DataFrame
    speed: pd.DataFrame
    summary: pd.DataFrame
    symptoms: pd.DataFrame
    results: dict[str, tr.TrainResult] = field(repr=False)

    def row(self, run: str) -> pd.Series:
        return self.summary.set_index("run").loc[run]


def gradient_ratio(result: tr.TrainResult, step: int = 0) -> float:
    """‖∂C/∂b_1‖ / ‖∂C/∂b_L‖ (first over last hidden layer) at ``step``: below 1 the input
    layer learns slower (vanishing), above 1 faster (exploding)."""
    speed = result.layer_metric(tr.SPEED)
    depth = result.config.network.depth
    with np.errstate(all="ignore"):
        return float(speed[step, 0] / speed[step, depth - 1])


def plan(
    problem: Problem,
    remedies: tuple[str, ...] = DEFAULT_REMEDIES,
    options: RemedyOptions | None = None,
    together: bool = False,
) -> list[tuple[str, tr.TrainConfig]]:
    """The runs of a comparison as ``[(label, TrainConfig)]``: the baseline, each remedy on its
    own, and (``together``, with two or more remedies) all of them at once."""
    options = options or RemedyOptions()
    base = problem.config()
    plans: list[tuple[str, tr.TrainConfig]] = [(BASELINE, base)]
    plans += [(run_label((k,), options), remedy_config(base, (k,), options)) for k in remedies]
    if together and len(remedies) > 1:
        plans.append((run_label(tuple(remedies), options), remedy_config(base, remedies, options)))
    return plans


def compare(
    problem: Problem,
    remedies: tuple[str, ...] = DEFAULT_REMEDIES,
    options: RemedyOptions | None = None,
    together: bool = False,
    progress: Progress = None,
) -> Comparison:
    """Train every run of :func:`plan` (same data, seed and steps) and :func:`tabulate` them.

    The runs train side by side on the machine's cores (:func:`gradviz.parallel.train_many`);
    ``progress(fraction)`` is called as they advance (for ``st.progress``), from this thread.
    """
    plans = plan(problem, remedies, options, together)
    results = parallel.train_many([cfg for _, cfg in plans], progress)
    return tabulate({label: result for (label, _), result in zip(plans, results, strict=True)})


def tabulate(results: dict[str, tr.TrainResult]) -> Comparison:
    """Tidy frames (:class:`Comparison`) from runs keyed by label, baseline first."""
    curves, speeds, summaries, symptom_frames = [], [], [], []
    for label, result in results.items():
        loss, acc = result.metric(tr.LOSS), result.metric(tr.ACCURACY)
        curves.append(
            pd.DataFrame(
                {"run": label, "step": np.arange(loss.size), "loss": loss, "accuracy": acc}
            )
        )
        layers = result.layers
        speed = layers[
            (layers["metric"] == tr.SPEED) & (layers["layer"] <= result.config.network.depth)
        ]
        speeds.append(speed[["step", "layer", "value"]].assign(run=label))
        found = symptoms(result)
        symptom_frames.append(found.assign(run=label))
        summaries.append(
            {
                "run": label,
                "final_accuracy": result.final_accuracy,
                "final_loss": result.final_loss,
                "diverged_step": math.nan if result.diverged_step is None else result.diverged_step,
                "grad_ratio": gradient_ratio(result),
                "depth": result.config.network.depth,
                "symptoms": int(found["present"].sum()),
            }
        )
    return Comparison(
        runs=tuple(results),
        curves=pd.concat(curves, ignore_index=True),
        speed=pd.concat(speeds, ignore_index=True)[["run", "step", "layer", "value"]],
        summary=pd.DataFrame(summaries),
        symptoms=pd.concat(symptom_frames, ignore_index=True)[
            ["run", "symptom", "present", "value", "evidence"]
        ],
        results=results,
    )


ABLATION_METRICS = ("final accuracy", "loss drop", "log₁₀ first/last gradient", "symptoms")


def ablation_matrix(comparison: Comparison) -> pd.DataFrame:
    """Every run against every summary metric: DataFrame[run, metric, value, score, text].

    ``score`` in [0, 1] colours the heatmap (1 = healthy): accuracy from 0.5 (chance) to 1;
    loss drop = 1 - final/initial loss; gradient balance 1 - |log₁₀ ratio| / 10; symptoms
    1 - count/6. Diverged runs score 0 on accuracy and loss.
    """
    rows = []
    for run in comparison.runs:
        s = comparison.row(run)
        diverged = not math.isnan(s["diverged_step"])
        loss = comparison.results[run].metric(tr.LOSS)
        with np.errstate(all="ignore"):
            drop = 1.0 - s["final_loss"] / loss[0] if not diverged else math.nan
            log_ratio = float(np.log10(s["grad_ratio"])) if s["grad_ratio"] > 0 else math.nan
        cells = (
            (
                s["final_accuracy"],
                0.0 if diverged else (s["final_accuracy"] - 0.5) / 0.5,
                f"{s['final_accuracy']:.0%}" + (" (diverged)" if diverged else ""),
            ),
            (drop, 0.0 if diverged else drop, "diverged" if diverged else f"{drop:.0%}"),
            (
                log_ratio,
                1 - min(abs(log_ratio), 10) / 10 if np.isfinite(log_ratio) else 0.0,
                f"{log_ratio:+.1f}" if np.isfinite(log_ratio) else "inf/NaN",
            ),
            (s["symptoms"], 1 - s["symptoms"] / len(SYMPTOMS), f"{int(s['symptoms'])} of 6"),
        )
        for metric, (value, score, text) in zip(ABLATION_METRICS, cells, strict=True):
            rows.append((run, metric, float(value), float(np.clip(score, 0.0, 1.0)), text))
    return pd.DataFrame(rows, columns=["run", "metric", "value", "score", "text"])


# ----------------------------------------------------------------------------- dying ReLU

RELU_FAMILY = ("relu", "leaky_relu", "elu")
OPTIMIZER_NAMES = {"sgd": "SGD", "momentum": "momentum", "adam": "Adam"}


@dataclass(frozen=True)
class DyingReLU:
    """Runs of :func:`dying_relu`.

    over_time : [activation, step, dead_fraction, mean_bias] averaged over the hidden layers
        (dead: zero slope for every training point, so the unit can never learn again).
    final : one row per activation: dead_units, units, dead_at_start, mean_bias_dead,
        mean_bias_alive (hidden units after training, on the full training set),
        final_accuracy, diverged_step.
    """

    over_time: pd.DataFrame
    final: pd.DataFrame
    lr: float = 0.1
    optimizer: str = "adam"


def dying_relu(
    depth: int = 6,
    width: int = 32,
    lr: float = 0.1,
    optimizer: str = "adam",
    steps: int = 200,
    seed: int = 0,
    activations_: tuple[str, ...] = RELU_FAMILY,
    progress: Progress = None,
) -> DyingReLU:
    """Train each activation with He init and a high learning rate on moons; count dead units.

    A unit is dead when its pre-activation is negative for every training point: ReLU's slope
    is then 0 everywhere, no gradient reaches its weights or bias, and it never recovers.
    Leaky ReLU (slope α) and ELU (slope αe^z) keep a non-zero slope, so they cannot die this
    way (ELU's slope only underflows to 0 for z below about -745).
    """
    cfgs = [
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
    frames, finals = [], []
    for name, result in zip(activations_, parallel.train_many(cfgs, progress), strict=True):
        dead = result.layer_metric(tr.DEAD_FRACTION)
        bias = result.layer_metric(tr.BIAS_MEAN)[:, :depth]
        frames.append(
            pd.DataFrame(
                {
                    "activation": activations.label(name),
                    "step": np.arange(dead.shape[0]),
                    "dead_fraction": dead.mean(axis=1),
                    "mean_bias": bias.mean(axis=1),
                }
            )
        )
        finals.append(_final_units(result, dead[0], name))
    return DyingReLU(pd.concat(frames, ignore_index=True), pd.DataFrame(finals), lr, optimizer)


def _final_units(result: tr.TrainResult, dead_at_start: np.ndarray, name: str) -> dict:
    net = result.config.network
    X, _ = result.config.data()
    with np.errstate(all="ignore"):
        _, cache = forward(result.final_params, X, net)
        dead = np.concatenate([np.all(s == 0, axis=0) for s in cache.slope])
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
        "mean_bias_dead": mean_dead,
        "mean_bias_alive": mean_alive,
        "final_accuracy": result.final_accuracy,
        "diverged_step": math.nan if result.diverged_step is None else result.diverged_step,
    }


# ----------------------------------------------------------------------------- choosing

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
    steps: int = 300,
    seed: int = 0,
    progress: Progress = None,
) -> pd.DataFrame:
    """Each activation of :data:`SHOOTOUT` with its matching init, same data, seed and steps.

    Returns one row per run: run, activation, final_accuracy, final_loss, diverged_step,
    grad_ratio (first/last hidden layer at step 0), dead_fraction (mean over layers at the end),
    mean_output (E[f(z)], z ~ N(0,1)) and zero_centred.
    """
    cfgs = [
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
    rows = []
    for (name, init, bn), result in zip(SHOOTOUT, parallel.train_many(cfgs, progress), strict=True):
        props = activations.default_properties(name)
        dead = result.layer_metric(tr.DEAD_FRACTION)
        rows.append(
            {
                "run": shootout_label(name, init, bn),
                "activation": name,
                "final_accuracy": result.final_accuracy,
                "final_loss": result.final_loss,
                "diverged_step": math.nan if result.diverged_step is None else result.diverged_step,
                "grad_ratio": gradient_ratio(result),
                "dead_fraction": float(dead[-1].mean()),
                "mean_output": props.mean_output_std_normal,
                "zero_centred": props.zero_centred,
            }
        )
    return pd.DataFrame(rows)


def activation_advice(shootout: pd.DataFrame, dying: DyingReLU) -> list[tuple[str, str]]:
    """Seed 004's advice, each with the evidence from this page's runs: ``[(advice, evidence)]``."""
    by_run = shootout.set_index("run")
    relu, leaky, elu = (by_run.loc[shootout_label(a, "he_normal", False)] for a in RELU_FAMILY)
    sig = by_run.loc[shootout_label("sigmoid", "xavier_normal", False)]
    sig_bn = by_run.loc[shootout_label("sigmoid", "xavier_normal", True)]
    tanh = by_run.loc[shootout_label("tanh", "xavier_normal", False)]
    final = dying.final.set_index("activation")
    dead = {a: final.loc[activations.label(a)] for a in RELU_FAMILY}

    def pct(row, key="final_accuracy"):
        return f"{row[key]:.0%}"

    return [
        (
            "1. Try ReLU first: it is cheap and its slope is 1 for active units.",
            f"ReLU with He init reached {pct(relu)} accuracy; its first/last layer gradient "
            f"ratio at the start was {format_sci(relu['grad_ratio'])}, against "
            f"{format_sci(sig['grad_ratio'])} for sigmoid ({pct(sig)}).",
        ),
        (
            "2. If ReLU disappoints, try leaky ReLU or ELU: they cannot die.",
            f"With {OPTIMIZER_NAMES.get(dying.optimizer, dying.optimizer)} at learning rate "
            f"{dying.lr:g}, "
            f"{int(dead['relu']['dead_units'])} of "
            f"{int(dead['relu']['units'])} ReLU units died (mean bias of the dead units "
            f"{format_sci(dead['relu']['mean_bias_dead'])}); leaky ReLU lost "
            f"{int(dead['leaky_relu']['dead_units'])} and ELU {int(dead['elu']['dead_units'])}.",
        ),
        (
            "3. Prefer zero-centred activations.",
            f"E[f(z)] for z ~ N(0,1): ELU {elu['mean_output']:+.2f}, tanh "
            f"{tanh['mean_output']:+.2f}, leaky ReLU {leaky['mean_output']:+.2f}, ReLU "
            f"{relu['mean_output']:+.2f}, sigmoid {sig['mean_output']:+.2f}. Accuracy here: "
            f"ELU {pct(elu)}, tanh {pct(tanh)}, leaky ReLU {pct(leaky)}.",
        ),
        (
            "4. Batch normalization normalizes each layer's input explicitly.",
            f"The same sigmoid network reached {pct(sig_bn)} with batch norm against "
            f"{pct(sig)} without; its gradient ratio moved from "
            f"{format_sci(sig['grad_ratio'])} to {format_sci(sig_bn['grad_ratio'])}.",
        ),
    ]


# ----------------------------------------------------------------------------- gated cells


def gated_cells(
    length: int = 50,
    hidden: int = 32,
    radius: float = 1.0,
    forget_bias: float = 3.0,
    seed: int = 0,
) -> pd.DataFrame:
    """How far back a gradient survives: vanilla tanh RNN vs LSTM vs GRU.

    Recurrent blocks are orthogonal with spectral radius ``radius``; the LSTM's forget-gate
    bias is ``forget_bias`` (σ(3) ≈ 0.95 keeps the cell path ∂c_t/∂c_{t-1} = f_t near 1).

    One loss at the last step, :math:`L = \\sum h_T`; for every earlier step t, the ratio
    :math:`\\lVert\\partial L/\\partial h_t\\rVert / \\lVert\\partial L/\\partial h_T\\rVert`.
    Returns DataFrame[cell, distance, ratio] with distance T - t = 0..T-1.
    """
    frames = []
    for cell in ("rnn", "lstm", "gru"):
        rng = np.random.default_rng(seed)
        params = rnn.init_params(cell, 4, hidden, rng, radius=radius, forget_bias=forget_bias)
        x = rng.normal(size=(8, length, 4))
        h, cache = rnn.sequence_forward(cell, x, np.zeros((8, hidden)), params)
        dh = np.zeros_like(h)
        dh[:, -1] = 1.0
        grads = rnn.sequence_backward(cell, dh, cache)
        norms = np.array([norm(grads.dh[:, t]) for t in range(length)])
        with np.errstate(all="ignore"):
            ratio = norms / norms[-1]
        frames.append(
            pd.DataFrame(
                {
                    "cell": {"rnn": "vanilla RNN (tanh)", "lstm": "LSTM", "gru": "GRU"}[cell],
                    "distance": length - 1 - np.arange(length),
                    "ratio": ratio,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


# ----------------------------------------------------------------------------- chart frames


def loss_frames(comparison: Comparison) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """What the loss chart draws: (curves [run, step, loss] with loss finite and > 0,
    ends [run, step, loss, event] one cross per diverged run at its divergence step, placed at
    its last drawable loss, and the number of curve rows a log axis could not draw)."""
    curves = comparison.curves[["run", "step", "loss"]]
    loss = curves["loss"].to_numpy(dtype=float)
    keep = np.isfinite(loss) & (loss > 0)
    drawable = curves.loc[keep]
    ends = []
    for run in comparison.runs:
        result = comparison.results[run]
        if not result.diverged:
            continue
        shown = drawable[drawable["run"] == run]
        level = float(shown["loss"].iloc[-1]) if len(shown) else 1.0
        ends.append((run, result.diverged_step, level, f"diverged at step {result.diverged_step}"))
    return (
        drawable,
        pd.DataFrame(ends, columns=["run", "step", "loss", "event"]),
        int((~keep).sum()),
    )


def ratio_frame(comparison: Comparison) -> tuple[pd.DataFrame, list[str]]:
    """[run, log_ratio, ratio_text] for runs whose step-0 gradient ratio is finite and > 0, and
    the runs left out (their ratio was 0, inf or NaN)."""
    s = comparison.summary
    ratio = s["grad_ratio"].to_numpy(dtype=float)
    ok = np.isfinite(ratio) & (ratio > 0)
    with np.errstate(all="ignore"):
        log_ratio = np.log10(np.where(ok, ratio, 1.0))
    frame = pd.DataFrame(
        {"run": s["run"], "log_ratio": log_ratio, "ratio_text": [format_sci(r) for r in ratio]}
    )
    return frame.loc[ok].reset_index(drop=True), list(s.loc[~ok, "run"])


def accuracy_frame(comparison: Comparison) -> pd.DataFrame:
    """[run, final_accuracy, status] with status ``"trained"`` or ``"diverged"``."""
    s = comparison.summary
    status = np.where(s["diverged_step"].isna(), "trained", "diverged")
    return pd.DataFrame({"run": s["run"], "final_accuracy": s["final_accuracy"], "status": status})


def speed_frame(comparison: Comparison, run: str, max_layers: int = 6) -> tuple[pd.DataFrame, int]:
    """[step, layer, value] of ``run`` for up to ``max_layers`` evenly spaced hidden layers
    (always the first and the last), drawable rows only, and how many rows were dropped."""
    rows = comparison.speed[comparison.speed["run"] == run]
    depth = int(rows["layer"].max())
    chosen = np.unique(np.round(np.linspace(1, depth, min(max_layers, depth))).astype(int))
    rows = rows[rows["layer"].isin(chosen)][["step", "layer", "value"]]
    value = rows["value"].to_numpy(dtype=float)
    keep = np.isfinite(value) & (value > 0)
    return rows.loc[keep], int((~keep).sum())


def comparison_text(comparison: Comparison) -> str:
    """ "What you are seeing", with the numbers of these runs."""
    base = comparison.row(BASELINE)
    base_result = comparison.results[BASELINE]
    lines = [
        f"**Baseline** ({int(base['depth'])} layers): final accuracy {base['final_accuracy']:.0%}; "
        f"at step 0 layer 1 learned {format_sci(base['grad_ratio'])} times as fast as "
        f"layer {int(base['depth'])}"
        + (f"; it diverged at step {base_result.diverged_step}." if base_result.diverged else ".")
    ]
    for run in comparison.runs[1:]:
        s = comparison.row(run)
        result = comparison.results[run]
        if result.diverged:
            lines.append(
                f"**{run}** diverged at step {result.diverged_step} (the loss or the "
                "weights became inf/NaN); its curves stop there."
            )
        else:
            lines.append(
                f"**{run}**: final accuracy {s['final_accuracy']:.0%} "
                f"({s['final_accuracy'] - base['final_accuracy']:+.0%} vs baseline), first/last "
                f"gradient ratio {format_sci(s['grad_ratio'])}."
            )
    return "\n".join(f"- {line}" for line in lines)


def symptom_text(comparison: Comparison, run: str, against: str) -> str:
    """Each symptom of ``run`` with its evidence, and whether it went away in ``against``."""
    table = comparison.symptoms
    mine = table[table["run"] == run].set_index("symptom")
    other = table[table["run"] == against].set_index("symptom")
    lines = []
    for symptom in SYMPTOMS:
        present, evidence = bool(mine.loc[symptom, "present"]), mine.loc[symptom, "evidence"]
        after = bool(other.loc[symptom, "present"])
        if present and not after:
            fate = f"gone with **{against}**"
        elif present:
            fate = f"still there with **{against}**"
        elif after:
            fate = f"but appears with **{against}**"
        else:
            fate = f"absent with **{against}** too"
        mark = "🔴 present" if present else "🟢 absent"
        lines.append(f"- {mark}: *{symptom}* — {evidence}; {fate}.")
    return "\n".join(lines)


def dying_text(dying: DyingReLU) -> str:
    """ "What you are seeing" for :func:`dying_relu`, with the counts and biases."""
    lines = []
    for _, row in dying.final.iterrows():
        name = row["activation"]
        if not math.isnan(row["diverged_step"]):
            lines.append(f"**{name}** diverged at step {int(row['diverged_step'])}.")
            continue
        text = (
            f"**{name}**: {int(row['dead_units'])} of {int(row['units'])} hidden units dead after "
            f"training ({int(row['dead_at_start'])} at the start), accuracy "
            f"{row['final_accuracy']:.0%}"
        )
        if row["dead_units"] > 0:
            text += (
                f"; mean bias of the dead units {format_sci(row['mean_bias_dead'])} against "
                f"{format_sci(row['mean_bias_alive'])} for the living ones"
            )
        lines.append(text + ".")
    return "\n".join(f"- {line}" for line in lines)


def drawable_ratios(gated: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Rows of :func:`gated_cells` a log axis can draw, and how many were dropped."""
    ratio = gated["ratio"].to_numpy(dtype=float)
    keep = np.isfinite(ratio) & (ratio > 0)
    return gated.loc[keep], int((~keep).sum())


def gated_text(gated: pd.DataFrame) -> str:
    """How much gradient each cell keeps over the longest distance."""
    far = int(gated["distance"].max())
    rows = gated[gated["distance"] == far].set_index("cell")["ratio"]
    parts = [f"**{cell}** keeps {format_sci(float(value))}" for cell, value in rows.items()]
    return (
        f"Of the gradient that reaches the last step, {far} steps back: " + "; ".join(parts) + ". "
        "Backpropagation through time multiplies one factor per step, like a deep network; the "
        "LSTM's cell path multiplies by the forget gate f_t instead, close to 1 with a positive "
        "forget bias."
    )
