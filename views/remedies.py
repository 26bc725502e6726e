"""Everything one tab of the Remedies page shows, computed from the engine's results.

The page trains and caches the runs (:mod:`gradviz.remedies` behind its per-run cache); the
``*_view`` functions here build each tab's charts as Vega-Lite specs and write its "what you are
seeing" text from the computed numbers (see :mod:`views`). The page caches their results,
so a warm rerun only sends cached specs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from gradviz import choosing
from gradviz import remedies as rm
from gradviz import symptoms as sy
from gradviz import train as tr
from gradviz.activations import default_properties, label
from gradviz.choosing import DyingReLU
from gradviz.numerics import format_marked, format_sci, per_step
from gradviz.probe import hidden_sigma_w2
from gradviz.remedies import BASELINE, SYMPTOMS, Comparison
from views import (
    Control,
    Header,
    View,
    checkbox,
    cut_short,
    log_chart,
    multiselect,
    number_input,
    radio,
    select_slider,
    selectbox,
    slider,
    spec,
)
from views.charts import make_speed_chart
from views.charts import remedies as charts
from views.pytorch import training_code
from views.symptoms import evidence, with_evidence

WHAT_YOU_SEE = "**What you are seeing**\n\n"
ACCURACY_TITLE = "**Final accuracy**"
RATIO_TITLE = "**Gradient ratio, first to last hidden layer (step 0)**"
ABLATION_TITLE = "**Ablation matrix**: every configuration, every summary number."
SYMPTOMS_TITLE = "Symptoms of exploding gradients (seed 003), evaluated live"
DYING_INTRO = (
    "A large update can push a ReLU unit's pre-activation below zero for every input of the "
    "batch. Its slope is then 0 on all of them, so no gradient reaches its own weights or bias "
    "(only momentum left from earlier steps still moves them). That need not be forever: when "
    "earlier layers change, the unit's inputs change and it can come back. A unit of the first "
    "layer cannot: its inputs are the fixed data. Leaky ReLU keeps a slope α for negative "
    "inputs; ELU's slope αe^z only reaches 0 in float64 below about z = −745."
)


HEADER = Header(
    "Remedies",
    "The baseline is a deep sigmoid network whose weights are too large "
    f"(σ_w = {rm.Problem.sigma_w:g} unless you change it). Switch remedies on and watch what "
    "each one changes, on the same data, seed and number of steps: the text under the charts "
    "says, with each run's numbers, how its gradient crossed the layers and why a remedy that "
    "hurt did.",
    r"\frac{\partial C}{\partial b_1}=\sigma'(z_1)\,w_2\,\sigma'(z_2)\cdots w_L\,\sigma'(z_L)"
    r"\,\frac{\partial C}{\partial a_L}",
)
TABS = ("Remedies & symptoms", "Dying ReLU", "Choosing an activation", "Gated cells")
LRS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
BASELINE_HEADING, REMEDIES_HEADING, REMEDY_SETTINGS = "The baseline", "Remedies", "Remedy settings"
DEPTH = slider("Depth L", 2, 100, 20, key="depth")
WIDTH = select_slider("Width", (8, 16, 32, 64), 64, key="width")
ACTIVATION = selectbox("Activation", ("sigmoid", "tanh"), key="act")
INIT = selectbox(
    "Initialization",
    ("scaled", "standard_normal", "standard_uniform"),
    format_func=lambda n: {"scaled": "too large: N(0, σ_w²/n)"}.get(n, n),
    key="init",
)
SIGMA_W = slider("σ_w (too-large init)", 0.5, 10.0, 4.0, 0.5, key="sigma_w")
LEARNING_RATE = select_slider("Learning rate", LRS, 0.1, key="lr")
STEPS = slider("Steps", 50, 500, 300, 50, key="steps")
SEED = number_input("Seed", 0, 99, 0, key="seed")
REMEDY_WHY = {
    "activation": "a ReLU-family activation: slope 1 for positive inputs, where sigmoid's is at "
    "most 1/4",
    "init": "the initializer matched to the activation (seed 001): Xavier for sigmoid and tanh, "
    "He for the ReLU family",
    "batchnorm": "every pre-activation renormalized over the batch to mean 0, std 1",
    "residual": "h_l = h_{l−1} + f(z_l) in every layer whose input and output widths match: an "
    "identity path for the gradient",
    "clip": "the gradient cut to the threshold (its norm, or each value) before each update, so "
    "one huge gradient cannot wreck the weights",
    "penalty": "an L1 or L2 penalty on the weights",
    "fewer_layers": "fewer factors in the product (the label is the depth actually used)",
    "smaller_lr": "the learning rate times a factor: smaller steps",
}
"""What each remedy changes (the help of :data:`SWITCH_ON`)."""
SWITCH_ON = multiselect(
    "Switch on",
    rm.REMEDIES,
    default=list(rm.DEFAULT_REMEDIES),
    key="remedies",
    format_func=lambda k: k.replace("_", " "),
    help="\n".join(f"- **{key.replace('_', ' ')}**: {why}" for key, why in REMEDY_WHY.items()),
)
TOGETHER = checkbox("Also train all chosen remedies together", True, key="together")
REMEDY_ACTIVATION = selectbox("Activation", choosing.RELU_FAMILY, format_func=label, key="r_act")
REMEDY_INIT = selectbox(
    "Init",
    (rm.MATCHED, "he_normal", "xavier_normal"),
    format_func=lambda n: {
        rm.MATCHED: "matched: He for the ReLU family, Xavier otherwise",
        **rm.INIT_NAMES,
    }[n],
    key="r_init",
)
CLIP = radio("Clip by", ("norm", "value"), key="r_clip")
CLIP_THRESHOLD = select_slider("Clip threshold", (0.01, 0.1, 1.0, 10.0), 1.0, key="r_thr")
PENALTY = radio("Penalty", ("l2", "l1"), key="r_pen")
PENALTY_STRENGTH = select_slider("λ", (1e-4, 1e-3, 1e-2, 1e-1), 1e-3, key="r_lam")
FEWER_DEPTH = slider("Fewer layers: depth", 1, 10, 4, key="r_depth")
LR_FACTOR = select_slider("Smaller lr: factor", (0.01, 0.1, 0.5), 0.1, key="r_lrf")
DYING_LEARNING_RATE = select_slider("Learning rate", LRS, 0.1, key="dr_lr")
DYING_OPTIMIZER = radio("Optimizer", ("adam", "sgd"), key="dr_opt")
DYING_DEPTH = slider("Depth", 2, 30, 6, key="dr_depth")
ADVICE_DEPTH = slider("Depth of every network", 2, 30, 10, key="adv_depth")
GATED_LENGTH = slider("Sequence length T", 10, 200, 50, key="g_len")
GATED_RADIUS = slider("Spectral radius of W_h", 0.5, 1.5, 1.0, 0.05, key="g_radius")
FORGET_BIAS = slider("LSTM forget-gate bias", 0.0, 5.0, 3.0, 0.5, key="g_fb")
UPDATE_BIAS = slider("GRU update-gate bias", 0.0, 5.0, 3.0, 0.5, key="g_ub")
# The runs to choose from are known only once they are planned: the page passes options=.
SPEED_RUN = Control("selectbox", "Speed of learning of", "speed_run")
DIAGNOSE = Control("selectbox", "Diagnose", "sick")
AGAINST = Control("selectbox", "Against", "cured")
DYING_TRAINING = "Training ReLU, leaky ReLU and ELU…"
ADVICE_TRAINING = "Training six activation/init pairs…"
ADVICE_DYING = choosing.ADVICE_DYING
Plan = rm.Plan


def training_runs(count: int) -> str:
    return f"Training {count} run{'s' if count > 1 else ''}…"


def planned_runs(
    problem: tuple, seed: int, chosen: tuple[str, ...], options: tuple, together: bool
) -> tuple[rm.Plan, str]:
    """The runs of ``problem`` (depth, width, activation, init, σ_w, learning rate, steps of
    :class:`gradviz.remedies.Problem`) and ``seed`` with the ``chosen`` remedies (``options``:
    the fields of :class:`~gradviz.remedies.RemedyOptions`, in order), cut to the training
    budget, and what the tab says when they were cut."""
    problem = rm.Problem(*problem, seed=seed)
    plans = rm.plan(problem, chosen, rm.RemedyOptions(*options), together)
    fitted = rm.within_budget(plans)
    return fitted.plans, steps_note(fitted.steps, fitted.asked, fitted.rest_seconds)


def train_runs(cfgs: list[tr.TrainConfig], progress) -> list[rm.RunRecord]:
    """:func:`gradviz.remedies.train_records`: the runs trained side by side on the cores."""
    return rm.train_records(cfgs, progress)


def compare(records: dict[str, rm.RunRecord]) -> rm.Comparison:
    """:func:`gradviz.remedies.tabulate`: the runs' curves, summaries and symptoms."""
    return rm.tabulate(records)


def dying_relu(depth: int, lr: float, optimizer: str, steps: int, progress) -> choosing.DyingReLU:
    return choosing.dying_relu(depth, lr=lr, optimizer=optimizer, steps=steps, progress=progress)


def dying_steps(depth: int, lr: float, optimizer: str) -> tuple[int, float]:
    return choosing.dying_steps(depth, lr, optimizer)


def shootout(depth: int, progress) -> tuple[pd.DataFrame, int, float]:
    """The six activation/init pairs trained as many steps as fit, the steps and the rest's
    estimated seconds."""
    steps, rest = choosing.advice_steps(depth)
    return choosing.activation_shootout(depth=depth, steps=steps, progress=progress), steps, rest


def gated(length: int, radius: float, forget_bias: float, update_bias: float) -> View:
    gated = rm.gated_cells(
        length=length, radius=radius, forget_bias=forget_bias, update_bias=update_bias
    )
    return gated_view(gated, forget_bias, update_bias)


@dataclass(frozen=True)
class ComparisonView:
    """The Remedies & symptoms tab, apart from the speed chart: the loss of every run (``loss``,
    with how many values its log axis dropped), the final accuracy and the step-0 gradient ratio
    (``accuracy``, ``ratio``: the ratio's caption names the runs it could not draw), what they
    show (``text``), the ablation matrix (``ablation``), the symptom heatmap (``symptoms``), the
    run labels in order (``runs``) and the position of the run with the most symptoms
    (``sickest``, the default run to diagnose)."""

    loss: View
    accuracy: View
    ratio: View
    text: str
    ablation: View
    symptoms: View
    runs: tuple[str, ...]
    sickest: int


def steps_note(steps: int, asked: int, rest_seconds: float) -> str:
    """What a tab whose runs were cut to the training budget says (empty when they were not):
    e.g. "Trained 164 of the 500 steps asked for: the rest would take about 19 s on this
    server. Every run trained the same 164 steps, so they stay comparable." """
    if steps >= asked:
        return ""
    return (
        cut_short(steps, asked, "steps", rest_seconds, verb="trained")
        + f" Every run trained the same {steps:,} steps, so they stay comparable."
    )


def loss_caption(frames: rm.LossFrames) -> str:
    """Under the loss chart: the runs whose loss ran off its top, how many values its log axis
    dropped, and which steps it draws."""
    notes = []
    if frames.above:
        runs = ", ".join(f"{run} (up to {format_sci(peak)})" for run, peak in frames.above.items())
        notes.append(
            f"The axis stops at {format_sci(frames.ceiling)}, {rm.LOSS_CEILING_FACTOR:g}× the "
            "largest loss of the runs that did not diverge, so that no run squashes the others: "
            f"{runs} run off the top."
        )
    if frames.dropped:
        notes.append(
            f"{frames.dropped} loss values were inf, NaN or 0 and are not drawn (log axis)."
        )
    if frames.stride > 1:
        notes.append(
            f"To keep the chart light it draws one step in {frames.stride} and each run's last "
            "step."
        )
    return " ".join(notes)


def comparison_view(comparison: rm.Comparison) -> ComparisonView:
    """The charts and text of the runs of :func:`gradviz.remedies.compare` (baseline first)."""
    frames = rm.loss_frames(comparison)
    ratios, left_out = rm.ratio_frame(comparison)
    by_symptoms = comparison.summary.sort_values("symptoms", ascending=False, kind="stable")
    return ComparisonView(
        loss=View(
            (
                spec(
                    charts.make_loss_chart(
                        frames.curves, frames.ends, frames.ceiling if frames.above else None
                    )
                ),
            ),
            caption=loss_caption(frames),
        ),
        accuracy=View((spec(charts.make_accuracy_chart(rm.accuracy_frame(comparison))),)),
        ratio=View(
            (spec(charts.make_ratio_chart(ratios)),),
            caption=f"Not drawn (ratio 0, inf or NaN): {', '.join(left_out)}." if left_out else "",
        ),
        text=WHAT_YOU_SEE + comparison_text(comparison),
        ablation=View((spec(charts.make_ablation_chart(rm.ablation_matrix(comparison))),)),
        symptoms=View((spec(charts.make_symptom_chart(with_evidence(comparison.symptoms))),)),
        runs=comparison.runs,
        sickest=comparison.runs.index(by_symptoms["run"].iloc[0]),
    )


def speed_view(comparison: rm.Comparison, run: str) -> View:
    """Nielsen's speed of learning ‖∂C/∂b_l‖ of ``run``'s hidden layers over the steps, with
    how many values its log axis dropped."""
    speed, dropped = rm.speed_frame(comparison, run)
    chart = make_speed_chart(speed, title=f"{run}: per-layer speed of learning")
    caption = (
        f"{dropped} values were 0, inf or NaN and are not drawn (log axis)." if dropped else ""
    )
    return View((spec(chart),), caption=caption)


def dying_view(dying: choosing.DyingReLU, rest_seconds: float = 0.0) -> View:
    """The Dying ReLU tab: the share of dead units and the mean bias over the steps (side by
    side), and the dead units and biases of each activation after training; a notice when its
    runs were cut to fewer than :data:`~gradviz.choosing.DYING_STEPS` steps (``rest_seconds``:
    what the rest would take)."""
    return View(
        (
            spec(charts.make_dead_chart(dying.over_time)),
            spec(charts.make_bias_chart(dying.over_time)),
        ),
        WHAT_YOU_SEE + dying_text(dying),
        info=steps_note(dying.steps, choosing.DYING_STEPS, rest_seconds),
    )


@dataclass(frozen=True)
class AdviceView:
    """The Choosing an activation tab: every activation/init pair's result (``shootout``) and
    seed 004's advice, each as ``**advice** evidence`` from these runs (``advice``, one
    paragraph each)."""

    shootout: View
    advice: tuple[str, ...]


def advice_view(
    shootout: pd.DataFrame,
    dying: choosing.DyingReLU,
    steps: int = choosing.SHOOTOUT_STEPS,
    rest_seconds: float = 0.0,
) -> AdviceView:
    """The shootout of :func:`gradviz.choosing.activation_shootout` (trained for ``steps``
    steps; a notice when that is fewer than :data:`~gradviz.remedies.SHOOTOUT_STEPS`, with
    ``rest_seconds`` for the rest) and the advice it and the dying-ReLU runs ``dying``
    support."""
    return AdviceView(
        View(
            (spec(charts.make_shootout_chart(shootout)),),
            info=steps_note(steps, choosing.SHOOTOUT_STEPS, rest_seconds),
        ),
        tuple(
            f"**{advice}** {evidence}" for advice, evidence in activation_advice(shootout, dying)
        ),
    )


def gated_view(gated: pd.DataFrame, forget_bias: float = 3.0, update_bias: float = 3.0) -> View:
    """The Gated cells tab: ‖∂L/∂h_t‖ / ‖∂L/∂h_T‖ of the vanilla RNN, LSTM and GRU by distance
    (with how many ratios its log axis dropped), and how much each keeps at the longest one
    (:func:`gated_text`, with the gates' biases)."""
    view = log_chart(
        gated,
        "ratio",
        charts.make_gated_chart,
        dropped_note="{dropped} ratios were 0, inf or NaN and are not drawn (log axis).",
    )
    return View(
        view.charts, WHAT_YOU_SEE + gated_text(gated, forget_bias, update_bias), view.caption
    )


SOURCES = (
    "- Nielsen, *Neural Networks and Deep Learning*, ch. 5 (speed of learning ‖∂C/∂b_l‖).\n"
    "- Seed 003: symptoms of exploding gradients and remedies; seed 002/004: dying ReLU and "
    "how to choose an activation.\n"
    "- Seed 001: the initializer matched to the activation, the init remedy's default: "
    "Xavier/Glorot (Glorot & Bengio 2010) for sigmoid and tanh, He (He et al. 2015) for the "
    "ReLU family.\n"
    "- Ioffe & Szegedy 2015 (batch norm); He et al. 2016 (residual); Pascanu et al. 2013 "
    "(clipping); Hochreiter & Schmidhuber 1997 (LSTM).\n"
    f"- Symptom thresholds: converged below {rm.CONVERGED_FRACTION:.0%} of the chance-level "
    f"loss; a jump is a rise above {rm.JUMP:.0%}; unstable above {rm.UNSTABLE_FRACTION:.0%} "
    f"jumping updates; wild above an update:data ratio of {rm.WILD_UPDATE_RATIO:g}; gradients "
    f"above 1 in at least {rm.ABOVE_ONE_FRACTION:.0%} of the steps."
)
"""The page's "Details and sources"."""


FLOW_BAND = 10.0
"""A run's gradient vanishes (explodes) at step 0 when layer 1 learns less than 1/10 (more than
10) times as fast as the last hidden layer; in between the layers learn at comparable speeds."""


def flow_text(ratio: float, per_layer: float) -> str:
    """How the gradient crossed the layers at step 0, from the first/last ratio and its average
    factor per layer (empty when either is not a positive finite number)."""
    if not (0.0 < ratio < math.inf) or math.isnan(per_layer):
        return ""
    if ratio < 1.0 / FLOW_BAND:
        return f"vanishing: each layer passed back ×{format_marked(per_layer)} of it on average"
    if ratio > FLOW_BAND:
        return f"exploding: each layer multiplied it by {format_marked(per_layer)} on average"
    return f"the layers within {FLOW_BAND:g}× of each other (×{format_marked(per_layer)} per layer)"


def hurt_text(run: pd.Series, base: pd.Series, cfg: tr.TrainConfig, base_cfg: tr.TrainConfig):
    """Why a run (configuration ``cfg``) ended below the baseline (``base_cfg``), from its step-0
    gradient, its weights' scale and its activation's peak slope (empty when it did not end
    below, or its numbers do not say why)."""
    if not run["final_accuracy"] < base["final_accuracy"] and math.isnan(run["diverged_step"]):
        return ""
    activation = cfg.mlp.activation
    g, g_base = run["per_layer"], base["per_layer"]
    slope, name = default_properties(activation).max_slope, label(activation)
    if run["grad_ratio"] > FLOW_BAND:
        text = (
            f" It hurt: its gradient explodes, ×{format_marked(g)} per layer, "
            f"{format_marked(run['grad_ratio'])} from layer {int(run['depth'])} back to layer 1, "
            "so the first updates are huge."
        )
        if slope == 1.0:
            text += (
                f" The slope of {name} is 1 where it is active, so the weights alone set each "
                f"layer's factor (σ_w² = {hidden_sigma_w2(cfg.mlp):.3g} here); "
                f"{rm.INIT_NAMES[rm.matched_init(activation)]} is matched to {name} (seed 001)."
            )
        return text
    if not (g < g_base and run["grad_ratio"] < 1.0 / FLOW_BAND):
        return ""  # a smaller factor says nothing unless this run's gradient vanishes
    text = (
        f" It hurt: ×{format_marked(g)} per layer against ×{format_marked(g_base)} in the baseline."
    )
    mine, theirs = hidden_sigma_w2(cfg.mlp), hidden_sigma_w2(base_cfg.mlp)
    if slope < 1.0 and mine < theirs and activation == base_cfg.mlp.activation:
        text += (
            f" Its weights are smaller (σ_w² = {mine:.3g} against {theirs:.3g}), which keeps "
            f"{name} out of saturation, but the slope of {name} is at most {slope:g}: a factor "
            f"w·f′(z) is below 1 unless |w| > {1 / slope:g}. A slope of 1, as ReLU's, lifts "
            "that cap."
        )
    return text


def unstable_text(comparison: Comparison, run: str) -> str:
    """That a run's loss jumps around, with how often and how high it went: only when the run
    has the symptom (:data:`gradviz.symptoms.UNSTABLE`, more than
    :data:`~gradviz.symptoms.UNSTABLE_FRACTION` of its updates raised the loss by more than
    :data:`~gradviz.symptoms.JUMP`) and did not diverge (its own line says so then)."""
    table = comparison.symptoms
    row = table[(table["run"] == run) & (table["symptom"] == sy.UNSTABLE)].iloc[0]
    if not row["present"] or comparison.records[run].diverged:
        return ""
    curve = comparison.curves[comparison.curves["run"] == run]
    peak = curve.loc[curve["loss"].idxmax()]
    return (
        f" Its loss jumps around: {evidence(row['facts'])}; it peaked at "
        f"{format_sci(peak['loss'])} at step {int(peak['step'])}, and it ends at "
        f"{format_sci(curve['loss'].iloc[-1])}."
    )


def comparison_text(comparison: Comparison) -> str:
    """ "What you are seeing", with the numbers of these runs: each run's accuracy, how its
    gradient crossed the layers at step 0 (:func:`flow_text`), why a run that ended below the
    baseline did (:func:`hurt_text`), and whether its loss jumps around
    (:func:`unstable_text`)."""
    base = comparison.row(BASELINE)
    base_record = comparison.records[BASELINE]
    flow = flow_text(base["grad_ratio"], base["per_layer"])
    lines = [
        f"**Baseline** ({int(base['depth'])} layers): final accuracy {base['final_accuracy']:.0%}; "
        f"at step 0 layer 1 learned {format_marked(base['grad_ratio'])} times as fast as "
        f"layer {int(base['depth'])}"
        + (f" — {flow}" if flow else "")
        + (f"; it diverged at step {base_record.diverged_step}." if base_record.diverged else ".")
        + unstable_text(comparison, BASELINE)
    ]
    for run in comparison.runs[1:]:
        s = comparison.row(run)
        record = comparison.records[run]
        flow = flow_text(s["grad_ratio"], s["per_layer"])
        hurt = hurt_text(s, base, record.config, base_record.config)
        if record.diverged:
            line = (
                f"**{run}** diverged at step {record.diverged_step} (the loss or the weights "
                "became inf/NaN); its curves stop there."
            )
        else:
            line = (
                f"**{run}**: final accuracy {s['final_accuracy']:.0%} "
                f"({s['final_accuracy'] - base['final_accuracy']:+.0%} vs baseline), first/last "
                f"gradient ratio {format_marked(s['grad_ratio'])}" + (f", {flow}." if flow else ".")
            )
        lines.append(line + hurt + unstable_text(comparison, run))
    return "\n".join(f"- {line}" for line in lines)


def symptom_text(comparison: Comparison, run: str, against: str) -> str:
    """Each symptom of ``run`` with its evidence, and whether it went away in ``against``."""
    table = comparison.symptoms
    mine = table[table["run"] == run].set_index("symptom")
    other = table[table["run"] == against].set_index("symptom")
    lines = []
    for symptom in SYMPTOMS:
        present, said = bool(mine.loc[symptom, "present"]), evidence(mine.loc[symptom, "facts"])
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
        lines.append(f"- {mark}: *{symptom}* — {said}; {fate}.")
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
        text += revival_text(row)
        if 0 < row["dead_units"] < row["units"]:
            text += (
                f"; mean bias of the dead units {format_marked(row['mean_bias_dead'])} against "
                f"{format_marked(row['mean_bias_alive'])} for the living ones"
            )
        elif row["dead_units"] > 0:
            text += f"; every unit died (mean bias {format_marked(row['mean_bias_dead'])})"
        lines.append(text + ".")
    return "\n".join(f"- {line}" for line in lines)


def revival_text(row) -> str:
    """Units dead at initialization that were alive after training, and units that died: a
    dead unit is not dead for good (its inputs move with earlier layers), except in layer 1."""
    revived, died, start = int(row["revived"]), int(row["died"]), int(row["dead_at_start"])
    if start == 0 and died == 0:
        return ""
    text = f"; {died} died during training"
    if start:
        text += f", and {revived} of the {start} dead at the start were alive at the end"
        if revived and row["first_layer_revived"] == 0:
            text += " (none of them in layer 1, whose inputs are fixed)"
    return text


def gated_text(gated: pd.DataFrame, forget_bias: float = 3.0, update_bias: float = 3.0) -> str:
    """How much gradient each cell keeps over the longest distance, per step, and why: the
    gated cells' carry gates, from their biases (``forget_bias``, ``update_bias``)."""
    far = int(gated["distance"].max())
    rows = gated[gated["distance"] == far].set_index("cell")["ratio"]
    parts = [f"**{cell}** keeps {format_marked(float(value))}" for cell, value in rows.items()]
    steps = [f"{cell} {format_marked(per_step(float(value), far))}" for cell, value in rows.items()]
    sig_f, sig_z = (1.0 / (1.0 + math.exp(-b)) for b in (forget_bias, update_bias))
    return (
        f"Of the gradient that reaches the last step, {far} steps back: " + "; ".join(parts) + ". "
        "Per step back that is on average a factor of " + ", ".join(steps) + ". "
        "Backpropagation through time multiplies one factor per step, like a deep network. The "
        "gated cells carry their state through a gate: the LSTM's cell path multiplies by its "
        f"forget gate f_t, whose bias alone would set it to σ({forget_bias:g}) = {sig_f:.3g}; "
        "the GRU's h_t = z_t⊙h_{t−1} + (1 − z_t)⊙g_t multiplies by its update gate z_t, whose "
        f"bias alone would set it to σ({update_bias:g}) = {sig_z:.3g}. A gate near 1 carries the "
        "gradient far; through a gate near 0.5 the carry path alone halves it at every step."
    )


OPTIMIZER_NAMES = {"sgd": "SGD", "momentum": "momentum", "adam": "Adam"}


def _fewer_dead(dead: dict) -> str:
    """Whether leaky ReLU and ELU did lose fewer units than ReLU in these runs."""
    relu = dead["relu"]["dead_units"]
    if relu == 0:
        return ": no ReLU unit died at these settings, so there is nothing to compare."
    if dead["leaky_relu"]["dead_units"] < relu and dead["elu"]["dead_units"] < relu:
        return ": fewer, as advised."
    return ": not fewer here, so the advice did not hold at these settings."


def activation_advice(shootout: pd.DataFrame, dying: DyingReLU) -> list[tuple[str, str]]:
    """Seed 004's advice, each with the evidence from this page's runs: ``[(advice, evidence)]``."""
    by_run = shootout.set_index("run")
    relu, leaky, elu = (
        by_run.loc[choosing.shootout_label(a, "he_normal", False)] for a in choosing.RELU_FAMILY
    )
    sig = by_run.loc[choosing.shootout_label("sigmoid", "xavier_normal", False)]
    sig_bn = by_run.loc[choosing.shootout_label("sigmoid", "xavier_normal", True)]
    tanh = by_run.loc[choosing.shootout_label("tanh", "xavier_normal", False)]
    final = dying.final.set_index("activation")
    dead = {a: final.loc[label(a)] for a in choosing.RELU_FAMILY}

    def pct(row, key="final_accuracy"):
        return f"{row[key]:.0%}"

    return [
        (
            "1. Try ReLU first: it is cheap and its slope is 1 for active units.",
            f"ReLU with He init reached {pct(relu)} accuracy; its first/last layer gradient "
            f"ratio at the start was {format_marked(relu['grad_ratio'])}, against "
            f"{format_marked(sig['grad_ratio'])} for sigmoid ({pct(sig)}).",
        ),
        (
            "2. If ReLU disappoints, try leaky ReLU or ELU: their slope below 0 is not 0, so a "
            "unit with negative inputs still gets a gradient.",
            f"With {OPTIMIZER_NAMES.get(dying.optimizer, dying.optimizer)} at learning rate "
            f"{dying.lr:g}, "
            f"{int(dead['relu']['dead_units'])} of "
            f"{int(dead['relu']['units'])} ReLU units ended dead (mean bias of the dead units "
            f"{format_marked(dead['relu']['mean_bias_dead'])}); leaky ReLU "
            f"{int(dead['leaky_relu']['dead_units'])} and ELU {int(dead['elu']['dead_units'])}"
            + _fewer_dead(dead),
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
            f"{format_marked(sig['grad_ratio'])} to {format_marked(sig_bn['grad_ratio'])}.",
        ),
    ]


PYTORCH_TITLE = "Reproduce in PyTorch"


def pytorch_snippet(problem: tuple, seed: int, chosen: tuple[str, ...], options: tuple) -> str:
    """A runnable PyTorch snippet of the baseline with every ``chosen`` remedy switched on
    (arguments as in :func:`planned_runs`): the network, initializer, batch norm and residual
    connections, and the training with its clipping, penalty and learning rate
    (:func:`views.pytorch.training_code`)."""
    base = rm.Problem(*problem, seed=seed).config()
    return training_code(rm.remedy_config(base, chosen, rm.RemedyOptions(*options)))
