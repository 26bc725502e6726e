r"""Remedies for vanishing and exploding gradients, compared on one problem, and their symptoms.

Everything the Remedies page shows comes from here:

* :func:`compare` trains a *baseline* (by default the classic failure: a 20-layer sigmoid MLP
  with too-large weights, :math:`W \sim N(0, \sigma_w^2/n)` with :math:`\sigma_w = 4`) and the
  same problem with each chosen remedy switched on, on the same data, seed and steps.
* :func:`symptoms` evaluates seed 003's six symptoms of exploding gradients on a run's history,
  each with the number that decided it.

Dying ReLU and choosing an activation (seeds 002 and 004) are in :mod:`gradviz.choosing`.
* :func:`gated_cells` compares how far back a gradient survives in a vanilla RNN and an LSTM
  (seed 003's "use LSTM or gated cells"), with :mod:`gradviz.cells`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np
import pandas as pd

from gradviz import activations, parallel
from gradviz import symptoms as sy
from gradviz import train as tr
from gradviz.budget import (
    CALL_SECONDS,
    COMPUTE_BYTES,
    DATAFRAME,
    PLAN_SHARE,
    TRAINING_SECONDS,
    Cost,
    Progress,
    largest_fitting,
)
from gradviz.mlp import MLPConfig
from gradviz.numerics import drawable_on_log, format_sci, per_step
from gradviz.symptoms import (  # noqa: F401 (the Remedies view quotes the thresholds from here)
    ABOVE_ONE_FRACTION,
    CONVERGED_FRACTION,
    GRADS_ABOVE_ONE,
    JUMP,
    LOSS_NAN,
    NOT_CONVERGING,
    SYMPTOMS,
    UNSTABLE,
    UNSTABLE_FRACTION,
    WEIGHTS_NAN,
    WEIGHTS_WILD,
    WILD_UPDATE_RATIO,
    chance_loss,
)
from gradviz.through_time import (
    BOUND_LABEL,
    ThroughTimeConfig,
    gradient_through_time,
    through_time_cost,
)

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


RELU_FAMILY = ("relu", "leaky_relu", "elu")
MATCHED = "matched"
"""The init remedy's default: the initializer matched to the network's activation."""
INIT_NAMES = {"he_normal": "He init", "xavier_normal": "Xavier init"}


def matched_init(activation: str) -> str:
    """Seed 001's pairing of initializer and activation: He (Var w = 2/n_in) for the ReLU
    family, whose slope is 1 on about half the inputs; Xavier/Glorot (Var w = 2/(n_in + n_out))
    for sigmoid, tanh and the other activations."""
    return "he_normal" if activation in RELU_FAMILY else "xavier_normal"


@dataclass(frozen=True)
class RemedyOptions:
    """The setting each remedy uses when it is switched on (``init``: an initializer, or
    :data:`MATCHED` to the activation of the run it is applied to)."""

    activation: str = "relu"
    init: str = MATCHED
    clip: str = "norm"
    clip_threshold: float = 1.0
    penalty: str = "l2"
    penalty_strength: float = 1e-3
    fewer_depth: int = 4
    lr_factor: float = 0.1


@dataclass(frozen=True)
class Remedy:
    """One switch: ``apply(cfg, options) -> cfg``; ``name(options, cfg)`` labels the run whose
    configuration (with every remedy applied) is ``cfg``."""

    key: str
    name: Callable[[RemedyOptions, tr.TrainConfig], str] = field(repr=False)
    apply: Callable[[tr.TrainConfig, RemedyOptions], tr.TrainConfig] = field(repr=False)


def _with_mlp(cfg: tr.TrainConfig, **changes) -> tr.TrainConfig:
    return replace(cfg, mlp=replace(cfg.mlp, **changes))


REMEDIES: dict[str, Remedy] = {
    r.key: r
    for r in (
        Remedy(
            "activation",
            lambda o, c: activations.label(o.activation),
            lambda c, o: _with_mlp(c, activation=o.activation, act_params=()),
        ),
        Remedy(
            "init",
            lambda o, c: INIT_NAMES.get(c.mlp.init, c.mlp.init),
            lambda c, o: _with_mlp(
                c,
                init=matched_init(c.mlp.activation) if o.init == MATCHED else o.init,
                init_params=(),
            ),
        ),
        Remedy(
            "batchnorm",
            lambda o, c: "batch norm",
            lambda c, o: _with_mlp(c, batchnorm=True),
        ),
        Remedy(
            "residual",
            lambda o, c: "residual",
            lambda c, o: _with_mlp(c, residual=True),
        ),
        Remedy(
            "clip",
            lambda o, c: f"clip by {o.clip} {o.clip_threshold:g}",
            lambda c, o: replace(c, clip=o.clip, clip_threshold=o.clip_threshold),
        ),
        Remedy(
            "penalty",
            lambda o, c: f"{o.penalty.upper()} {o.penalty_strength:g}",
            lambda c, o: replace(
                c,
                l1=o.penalty_strength if o.penalty == "l1" else 0.0,
                l2=o.penalty_strength if o.penalty == "l2" else 0.0,
            ),
        ),
        Remedy(
            "fewer_layers",
            lambda o, c: f"{c.mlp.depth} layer{'' if c.mlp.depth == 1 else 's'}",
            lambda c, o: _with_mlp(c, depth=o.fewer_depth),
        ),
        Remedy(
            "smaller_lr",
            lambda o, c: f"lr × {o.lr_factor:g}",
            lambda c, o: replace(c, lr=c.lr * o.lr_factor),
        ),
    )
}
DEFAULT_REMEDIES = ("activation", "init", "batchnorm", "residual", "fewer_layers")
BASELINE = "baseline"


def remedy_config(base: tr.TrainConfig, keys: tuple[str, ...], options: RemedyOptions):
    """``base`` with every remedy in ``keys`` applied (in the order of :data:`REMEDIES`: the
    activation first, so a matched init matches the activation the run uses)."""
    unknown = set(keys) - set(REMEDIES)
    if unknown:
        raise ValueError(f"unknown remedies {sorted(unknown)}; choose from {list(REMEDIES)}")
    cfg = base
    for key in REMEDIES:
        if key in keys:
            cfg = REMEDIES[key].apply(cfg, options)
    return cfg


def run_label(keys: tuple[str, ...], options: RemedyOptions, cfg: tr.TrainConfig) -> str:
    """``"baseline"`` or the remedies joined with ``" + "``, e.g. ``"ReLU + He init"``, named
    after ``cfg``, the run's configuration (the initializer and depth it actually uses)."""
    if not keys:
        return BASELINE
    return " + ".join(REMEDIES[k].name(options, cfg) for k in REMEDIES if k in keys)


# ----------------------------------------------------------------------------- symptoms

# The six symptoms live in gradviz.symptoms, which the Your network page evaluates on a log too.


def symptoms(result: tr.TrainResult) -> pd.DataFrame:
    """Seed 003's six symptoms of exploding gradients, evaluated on ``result``'s history.

    Returns DataFrame[symptom, present, value, facts, evaluated] in :data:`SYMPTOMS` order
    (:func:`gradviz.symptoms.evaluate`); ``value`` is the number that decided it and ``facts``
    the numbers behind it (:mod:`views.symptoms` says them in words).
    """
    y = result.data["label"].to_numpy()
    signals = sy.RunSignals(
        loss=result.metric(tr.LOSS),
        update_ratio=result.metric(tr.UPDATE_RATIO),
        smallest_grad=result.metric(tr.MIN_NODE_GRAD),
        non_finite=dict(zip(result.events["quantity"], result.events["step"], strict=True)),
        diverged_step=result.diverged_step,
        steps_run=result.steps_run,
        chance=chance_loss(result.config.loss, y),
    )
    return sy.evaluate(signals)


# ----------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class RunRecord:
    """What the Remedies tab keeps of one run (:func:`record`): a few hundred kB instead of the
    run's parameters and every per-layer record (up to 20 MB).

    config : the run's :class:`~gradviz.train.TrainConfig`.
    loss, accuracy : (steps_run,) per evaluated step.
    speed : (steps_run, L) Nielsen's speed of learning ‖∂C/∂b_l‖ of the hidden layers.
    symptoms : :func:`symptoms` of the run.
    diverged_step, steps_run, final_loss, final_accuracy : as in
        :class:`~gradviz.train.TrainResult`.
    grad_ratio : :func:`gradient_ratio` at step 0.
    """

    config: tr.TrainConfig
    loss: np.ndarray = field(repr=False)
    accuracy: np.ndarray = field(repr=False)
    speed: np.ndarray = field(repr=False)
    symptoms: pd.DataFrame = field(repr=False)
    diverged_step: int | None
    steps_run: int
    final_loss: float
    final_accuracy: float
    grad_ratio: float

    @property
    def diverged(self) -> bool:
        return self.diverged_step is not None

    @property
    def depth(self) -> int:
        return self.config.network.depth


def record(result: tr.TrainResult) -> RunRecord:
    """The part of ``result`` the Remedies tab shows (``keep`` of
    :func:`gradviz.parallel.train_many`, so it runs where the run trained)."""
    return RunRecord(
        config=result.config,
        loss=result.metric(tr.LOSS),
        accuracy=result.metric(tr.ACCURACY),
        speed=result.layer_metric(tr.SPEED)[:, : result.config.network.depth],
        symptoms=symptoms(result),
        diverged_step=result.diverged_step,
        steps_run=result.steps_run,
        final_loss=result.final_loss,
        final_accuracy=result.final_accuracy,
        grad_ratio=gradient_ratio(result),
    )


@dataclass(frozen=True)
class Comparison:
    """The runs of :func:`compare`, as tidy frames.

    runs : run labels in order (baseline first).
    curves : [run, step, loss, accuracy]; a diverged run's rows stop at its divergence step.
    summary : one row per run: final_accuracy, final_loss, diverged_step (NaN if none),
        grad_ratio (‖∂C/∂b_1‖ / ‖∂C/∂b_L‖ at step 0), per_layer (its average factor per layer,
        :func:`~gradviz.numerics.per_step` over depth − 1 layers), depth, symptoms (count
        present).
    symptoms : [run, symptom, present, value, facts] (:func:`gradviz.symptoms.evaluate`).
    records : the :class:`RunRecord` per run label (with the per-layer speed of learning).
    """

    runs: tuple[str, ...]
    curves: pd.DataFrame
    summary: pd.DataFrame
    symptoms: pd.DataFrame
    records: dict[str, RunRecord] = field(repr=False)

    def row(self, run: str) -> pd.Series:
        return self.summary.set_index("run").loc[run]


def gradient_ratio(result: tr.TrainResult, step: int = 0) -> float:
    """‖∂C/∂b_1‖ / ‖∂C/∂b_L‖ (first over last hidden layer) at ``step``: below 1 the input
    layer learns slower (vanishing), above 1 faster (exploding)."""
    speed = result.layer_metric(tr.SPEED)
    depth = result.config.network.depth
    with np.errstate(all="ignore"):
        return float(speed[step, 0] / speed[step, depth - 1])


Plan = tuple[tuple[str, tr.TrainConfig], ...]
"""The runs of a comparison, ``((label, TrainConfig), ...)``, baseline first."""


def plan(
    problem: Problem,
    remedies: tuple[str, ...] = DEFAULT_REMEDIES,
    options: RemedyOptions | None = None,
    together: bool = False,
) -> Plan:
    """The runs of a comparison: the baseline, each remedy on its own, and (``together``, with
    two or more remedies) all of them at once."""
    options = options or RemedyOptions()
    base = problem.config()
    runs = [(k,) for k in remedies] + ([tuple(remedies)] if together and len(remedies) > 1 else [])
    plans = [(BASELINE, base)]
    for keys in runs:
        cfg = remedy_config(base, keys, options)
        plans.append((run_label(keys, options, cfg), cfg))
    return tuple(plans)


def compare(
    problem: Problem,
    remedies: tuple[str, ...] = DEFAULT_REMEDIES,
    options: RemedyOptions | None = None,
    together: bool = False,
    progress: Progress | None = None,
) -> Comparison:
    """Train every run of :func:`plan` (same data, seed and steps) and :func:`tabulate` them.

    The runs train side by side on the machine's cores (:func:`gradviz.parallel.train_many`);
    ``progress(fraction)`` is called as they advance (for ``st.progress``), from this thread.
    ``problem.steps`` is trained as asked: :func:`within_budget` cuts it first where needed.
    """
    plans = plan(problem, remedies, options, together)
    records = train_records([cfg for _, cfg in plans], progress)
    return tabulate({label: rec for (label, _), rec in zip(plans, records, strict=True)})


def train_records(cfgs: list[tr.TrainConfig], progress: Progress | None = None) -> list[RunRecord]:
    """``[record(train(cfg)) for cfg in cfgs]`` on :func:`run_workers` CPUs (fewer if the
    machine has fewer), as :func:`runs_cost` assumes."""
    return parallel.train_many(cfgs, progress, workers=workers_for(cfgs), keep=record)


def workers_for(cfgs: list[tr.TrainConfig]) -> int:
    """The processes to train ``cfgs`` on: :func:`run_workers`, at most the usable cores."""
    return min(run_workers(cfgs), parallel.usable_cores())


def tabulate(records: dict[str, RunRecord]) -> Comparison:
    """Tidy frames (:class:`Comparison`) from run records keyed by label, baseline first."""
    curves, summaries, symptom_frames = [], [], []
    for label, rec in records.items():
        curves.append(
            pd.DataFrame(
                {
                    "run": label,
                    "step": np.arange(rec.loss.size),
                    "loss": rec.loss,
                    "accuracy": rec.accuracy,
                }
            )
        )
        symptom_frames.append(rec.symptoms.assign(run=label))
        summaries.append(
            {
                "run": label,
                "final_accuracy": rec.final_accuracy,
                "final_loss": rec.final_loss,
                "diverged_step": math.nan if rec.diverged_step is None else rec.diverged_step,
                "grad_ratio": rec.grad_ratio,
                "per_layer": per_step(rec.grad_ratio, rec.depth - 1),
                "depth": rec.depth,
                "symptoms": int(rec.symptoms["present"].sum()),
            }
        )
    return Comparison(
        runs=tuple(records),
        curves=pd.concat(curves, ignore_index=True),
        summary=pd.DataFrame(summaries),
        symptoms=pd.concat(symptom_frames, ignore_index=True)[
            ["run", "symptom", "present", "value", "facts"]
        ],
        records=dict(records),
    )


# ----------------------------------------------------------------------------- cost

WORKERS = 2
"""CPUs a set of runs trains on (the calling thread and one helper process): the reference
machine's cores (:mod:`gradviz.budget`). Costs assume it whatever the server has, so a shared
link is cut exactly where the presenter's was."""
HELPER_START_SECONDS = 0.8
"""Starting a helper process (a fresh interpreter importing numpy and pandas); its first run
starts that much later. Counted as numpy-call overhead in :func:`runs_cost`."""
PAGE_SECONDS = 3.0
"""What a cold run of the page spends outside the tab's computation (importing the page's
modules in a fresh process, running the page script, building and sending its charts): at the
worst links (``python -m bench remedies``) the cold run took 2.7-3.2 s beyond the training the
model planned. The tab's training plans to fill :data:`~gradviz.budget.PLAN_SHARE` of the rest of
the budget, :data:`TRAINING_ROOM`."""
TRAINING_ROOM = PLAN_SHARE * (TRAINING_SECONDS - PAGE_SECONDS)
"""Seconds a training tab's computation plans to take from a cold cache."""
RECORD_CALLS = 2400
""":func:`record` of a run: its metrics taken from the long-form records, the speed of learning
pivoted wide, and the symptoms: 5 to 8 ms measured, counted as numpy-call overhead."""


def train_cost(cfg: tr.TrainConfig) -> Cost:
    """What ``record(train(cfg))`` costs in this process, from the config alone: the run
    (:func:`gradviz.train.train_cost`, an upper bound: a run that diverges stops early) and its
    :func:`record` (:data:`RECORD_CALLS`)."""
    return tr.train_cost(cfg) + Cost(calls=RECORD_CALLS)


def record_bytes(cfg: tr.TrainConfig) -> float:
    """Bytes of :func:`record` of a run of ``cfg``: loss, accuracy and the (T+1) × L speed of
    learning, and about 3 kB of symptom text."""
    return 8.0 * (cfg.steps + 1) * (cfg.network.depth + 2) + 3e3


def runs_cost(cfgs: list[tr.TrainConfig], workers: int | None = None) -> Cost:
    """What ``train_many(cfgs, keep=record)`` costs on ``workers`` CPUs from a cold start (by
    default on :func:`run_workers`).

    train_many hands the runs out longest first (:func:`gradviz.parallel.run_cost`), each to the
    first worker that is free; a helper is free after :data:`HELPER_START_SECONDS`. The work is
    that of the worker that finishes last (identical configs train once). Peak memory: the
    ``workers`` largest runs training at once (in this process and in the helpers: the
    container holds both) and the records of every run.
    """
    unique = list(dict.fromkeys(cfgs))
    if not unique:
        return Cost()
    if workers is None:
        workers = run_workers(unique)
    start = Cost(calls=HELPER_START_SECONDS / CALL_SECONDS)
    lanes = [Cost()] + [start] * (min(workers, len(unique)) - 1)
    order = sorted(unique, key=parallel.run_cost, reverse=True)
    costs = {cfg: train_cost(cfg) for cfg in order}
    if len(lanes) > 1:  # the first run goes to the helper, the next to this thread
        lanes[1] = lanes[1] + costs[order[0]]
        order = order[1:]
    for cfg in order:
        free = min(range(len(lanes)), key=lambda i: lanes[i].seconds)
        lanes[free] = lanes[free] + costs[cfg]
    busiest = max(lanes, key=lambda lane: lane.seconds)
    working = sorted((c.peak_bytes for c in costs.values()), reverse=True)[: len(lanes)]
    kept = sum(record_bytes(cfg) for cfg in unique)
    return Cost(busiest.madds, busiest.elementwise, busiest.calls, sum(working) + kept)


def run_workers(cfgs: list[tr.TrainConfig]) -> int:
    """:data:`WORKERS`, or 1 when the runs are so short that this thread alone finishes them
    before a helper would have started and trained its share (from the cost model, so a link
    always trains the same way)."""
    if WORKERS == 1 or len(set(cfgs)) < 2:
        return 1
    alone = runs_cost(cfgs, workers=1).seconds
    return 1 if alone <= runs_cost(cfgs, workers=WORKERS).seconds else WORKERS


CHART_COST = Cost(calls=0.1 / CALL_SECONDS)
"""Building one chart (Altair to a validated Vega-Lite spec) and its frame: about 0.1 s,
counted as numpy-call overhead."""
VIEW_COST = CHART_COST * 6
"""Tabulating the runs and building the Remedies & symptoms tab's six charts."""


def comparison_cost(plans: Plan) -> Cost:
    """What the Remedies & symptoms tab costs from a cold cache: training every run of
    ``plans`` (:func:`runs_cost`) and drawing them (:data:`VIEW_COST`)."""
    return runs_cost([cfg for _, cfg in plans]) + VIEW_COST


def with_steps(plans: Plan, steps: int) -> Plan:
    """``plans`` with every run trained for ``steps`` steps."""
    return tuple((label, replace(cfg, steps=steps)) for label, cfg in plans)


@dataclass(frozen=True)
class Budgeted:
    """A comparison fitted to the training budget (:func:`within_budget`).

    plans : the runs to train, each for ``steps`` steps.
    asked : the steps asked for; ``steps < asked`` when the rest did not fit.
    rest_seconds : what the ``asked - steps`` steps left out would take.
    """

    plans: Plan
    asked: int
    steps: int
    rest_seconds: float

    @property
    def cut(self) -> bool:
        return self.steps < self.asked


def fit_steps(
    cost_of_steps: Callable[[int], Cost], asked: int, seconds: float = TRAINING_ROOM
) -> tuple[int, float]:
    """The most steps, up to ``asked``, whose ``cost_of_steps(steps)`` fits ``seconds`` and
    :data:`gradviz.budget.COMPUTE_BYTES` (at least 0: one evaluation), and what the steps left
    out would take. Decided by the cost model alone, so a link always gets the same steps."""
    limits = {"seconds": seconds, "peak_bytes": COMPUTE_BYTES}
    steps = largest_fitting(cost_of_steps, 0, asked, **limits)
    steps = 0 if steps is None else steps
    rest = cost_of_steps(asked).seconds - cost_of_steps(steps).seconds
    return steps, max(0.0, rest)


def within_budget(plans: Plan, seconds: float = TRAINING_ROOM) -> Budgeted:
    """``plans`` with as many of their steps as fit ``seconds`` from a cold cache (every run
    the same steps, so they stay comparable)."""
    asked = plans[0][1].steps
    steps, rest = fit_steps(lambda k: comparison_cost(with_steps(plans, k)), asked, seconds)
    return Budgeted(with_steps(plans, steps), asked, steps, rest)


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
        loss = comparison.records[run].loss
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


# ----------------------------------------------------------------------------- gated cells


def gated_config(
    length: int = 50,
    hidden: int = 32,
    radius: float = 1.0,
    forget_bias: float = 3.0,
    seed: int = 0,
    update_bias: float = 3.0,
) -> ThroughTimeConfig:
    """The Gated cells tab's experiment: the RNN page's gradient through time
    (:func:`gradviz.through_time.gradient_through_time`) with orthogonal recurrent blocks of
    spectral radius ``radius``, the LSTM's forget-gate bias ``forget_bias`` (σ(3) ≈ 0.95 keeps
    the cell path ∂c_t/∂c_{t-1} = f_t near 1) and the GRU's update-gate bias ``update_bias``
    (its carry path h_t = z_t⊙h_{t-1} + ... multiplies by z_t; at bias 0, z_t ≈ σ(0) = 1/2)."""
    return ThroughTimeConfig(
        length=length,
        hidden=hidden,
        radius=radius,
        forget_bias=forget_bias,
        update_bias=update_bias,
        seed=seed,
        batch=8,
        input_dim=4,
    )


def gated_cells(**settings) -> pd.DataFrame:
    """How far back a gradient survives, vanilla tanh RNN vs LSTM vs GRU: the three cells'
    curves of :func:`gradviz.through_time.gradient_through_time` (:func:`gated_config`'s
    ``settings``), as DataFrame[cell, distance, ratio] with ratio
    :math:`\\lVert\\partial L/\\partial h_t\rVert / \\lVert\\partial L/\\partial h_T\rVert` and
    distance T - t = 0..T."""
    curves = gradient_through_time(gated_config(**settings)).curves
    cells_only = curves[curves["series"] != BOUND_LABEL]
    return pd.DataFrame(
        {
            "cell": cells_only["series"].to_numpy(),
            "distance": cells_only["distance"].to_numpy(),
            "ratio": cells_only["grad_norm"].to_numpy(),
        }
    )


def gated_cost(**settings) -> Cost:
    """What :func:`gated_cells` costs: the RNN page's model of the same experiment
    (:func:`gradviz.through_time.through_time_cost`) and the frame."""
    return through_time_cost(gated_config(**settings)) + DATAFRAME


def gated_tab_cost(length: int = 50) -> Cost:
    """What the Gated cells tab costs from a cold cache: :func:`gated_cost` and its chart."""
    return gated_cost(length=length) + CHART_COST


# ----------------------------------------------------------------------------- chart frames


MAX_CURVE_ROWS = 4000
"""Rows the loss chart may draw (charts stay under 5,000 rows): longer runs draw every k-th
step."""


def curve_stride(rows: int, limit: int = MAX_CURVE_ROWS) -> int:
    """Draw every k-th step so that ``rows`` curve rows become at most ``limit``."""
    return max(1, -(-rows // limit))


LOSS_CEILING_FACTOR = 10.0
"""The loss chart's top: this many times the largest loss of the runs that did not diverge (and
at least this many times the chance-level loss), so a run whose loss blows up to 1e+140 runs
off the top of the chart instead of squashing the others onto its floor."""


class LossFrames(NamedTuple):
    """What the loss chart draws (:func:`loss_frames`).

    curves : [run, step, loss] with loss finite and > 0, every ``stride``-th step and each
        run's last one.
    ends : [run, step, loss, event], one cross per diverged run at its divergence step, at its
        last drawable loss or at the ceiling, whichever is lower.
    dropped : curve rows a log axis could not draw (inf, NaN or 0).
    stride : :func:`curve_stride` of all the curves' rows.
    ceiling : the top of the chart's loss axis (:data:`LOSS_CEILING_FACTOR`).
    above : ``{run: peak loss}`` of the runs whose loss went above the ceiling.
    """

    curves: pd.DataFrame
    ends: pd.DataFrame
    dropped: int
    stride: int
    ceiling: float
    above: dict[str, float]


def loss_ceiling(comparison: Comparison) -> float:
    """:data:`LOSS_CEILING_FACTOR` times the largest finite loss of the runs that did not diverge
    (of every run's first loss if all diverged), and at least times the chance-level ln 2."""
    curves = comparison.curves
    steady = [run for run in comparison.runs if not comparison.records[run].diverged]
    losses = (
        curves.loc[curves["run"].isin(steady), "loss"]
        if steady
        else curves.loc[curves["step"] == 0, "loss"]
    ).to_numpy(dtype=float)
    losses = losses[np.isfinite(losses)]
    return float(LOSS_CEILING_FACTOR * max([math.log(2.0), *losses]))


def loss_frames(comparison: Comparison) -> LossFrames:
    """The loss chart's frames, ceiling and the runs that went above it (:class:`LossFrames`)."""
    curves = comparison.curves[["run", "step", "loss"]]
    drawable, dropped = drawable_on_log(curves, "loss")
    ceiling = loss_ceiling(comparison)
    peaks = drawable.groupby("run", sort=False)["loss"].max()
    above = {run: float(peaks[run]) for run in comparison.runs if peaks.get(run, 0) > ceiling}
    ends = []
    for run in comparison.runs:
        rec = comparison.records[run]
        if not rec.diverged:
            continue
        shown = drawable[drawable["run"] == run]
        level = float(shown["loss"].iloc[-1]) if len(shown) else 1.0
        event = f"diverged at step {rec.diverged_step}"
        ends.append((run, rec.diverged_step, min(level, ceiling), event))
    stride = curve_stride(len(curves))
    if stride > 1:
        step = drawable["step"].to_numpy()
        last = drawable.groupby("run", sort=False)["step"].transform("max").to_numpy()
        drawable = drawable.loc[(step % stride == 0) | (step == last)]
    return LossFrames(
        drawable,
        pd.DataFrame(ends, columns=["run", "step", "loss", "event"]),
        dropped,
        stride,
        ceiling,
        above,
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
    speed = comparison.records[run].speed
    steps, depth = speed.shape
    chosen = np.unique(np.round(np.linspace(1, depth, min(max_layers, depth))).astype(int))
    values = speed[:, chosen - 1]
    rows = pd.DataFrame(
        {
            "step": np.repeat(np.arange(steps), chosen.size),
            "layer": np.tile(chosen, steps),
            "value": values.ravel(),
        }
    )
    return drawable_on_log(rows, "value")
