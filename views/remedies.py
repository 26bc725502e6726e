"""Everything one tab of the Remedies page shows, computed from the engine's results.

The page trains and caches the runs (:mod:`gradviz.remedies` behind its per-run cache); the
``*_view`` functions here build each tab's charts as Vega-Lite specs and write its "what you are
seeing" text from the computed numbers (see :mod:`views`). The page caches their results,
so a warm rerun only sends cached specs.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from gradviz import remedies as rm
from views import View, cut_short, log_chart, spec
from views.charts import make_speed_chart
from views.charts import remedies as charts

WHAT_YOU_SEE = "**What you are seeing**\n\n"
ACCURACY_TITLE = "**Final accuracy**"
RATIO_TITLE = "**Gradient ratio, first to last hidden layer (step 0)**"
ABLATION_TITLE = "**Ablation matrix**: every configuration, every summary number."
SYMPTOMS_TITLE = "Symptoms of exploding gradients (seed 003), evaluated live"
DYING_INTRO = (
    "A large update can push a ReLU unit's pre-activation below zero for "
    "every input. Its slope is then 0 everywhere and it never learns again. "
    "Leaky ReLU and ELU keep a slope for negative inputs."
)


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


def loss_caption(dropped: int, stride: int) -> str:
    """Under the loss chart: how many values its log axis dropped, and which steps it draws."""
    notes = []
    if dropped:
        notes.append(f"{dropped} loss values were inf, NaN or 0 and are not drawn (log axis).")
    if stride > 1:
        notes.append(
            f"To keep the chart light it draws one step in {stride} and each run's last step."
        )
    return " ".join(notes)


def comparison_view(comparison: rm.Comparison) -> ComparisonView:
    """The charts and text of the runs of :func:`gradviz.remedies.compare` (baseline first)."""
    curves, ends, dropped_loss, stride = rm.loss_frames(comparison)
    ratios, left_out = rm.ratio_frame(comparison)
    by_symptoms = comparison.summary.sort_values("symptoms", ascending=False, kind="stable")
    return ComparisonView(
        loss=View(
            (spec(charts.make_loss_chart(curves, ends)),),
            caption=loss_caption(dropped_loss, stride),
        ),
        accuracy=View((spec(charts.make_accuracy_chart(rm.accuracy_frame(comparison))),)),
        ratio=View(
            (spec(charts.make_ratio_chart(ratios)),),
            caption=f"Not drawn (ratio 0, inf or NaN): {', '.join(left_out)}." if left_out else "",
        ),
        text=WHAT_YOU_SEE + rm.comparison_text(comparison),
        ablation=View((spec(charts.make_ablation_chart(rm.ablation_matrix(comparison))),)),
        symptoms=View((spec(charts.make_symptom_chart(comparison.symptoms)),)),
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


def dying_view(dying: rm.DyingReLU, rest_seconds: float = 0.0) -> View:
    """The Dying ReLU tab: the share of dead units and the mean bias over the steps (side by
    side), and the dead units and biases of each activation after training; a notice when its
    runs were cut to fewer than :data:`~gradviz.remedies.DYING_STEPS` steps (``rest_seconds``:
    what the rest would take)."""
    return View(
        (
            spec(charts.make_dead_chart(dying.over_time)),
            spec(charts.make_bias_chart(dying.over_time)),
        ),
        WHAT_YOU_SEE + rm.dying_text(dying),
        info=steps_note(dying.steps, rm.DYING_STEPS, rest_seconds),
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
    dying: rm.DyingReLU,
    steps: int = rm.SHOOTOUT_STEPS,
    rest_seconds: float = 0.0,
) -> AdviceView:
    """The shootout of :func:`gradviz.remedies.activation_shootout` (trained for ``steps``
    steps; a notice when that is fewer than :data:`~gradviz.remedies.SHOOTOUT_STEPS`, with
    ``rest_seconds`` for the rest) and the advice it and the dying-ReLU runs ``dying``
    support."""
    return AdviceView(
        View(
            (spec(charts.make_shootout_chart(shootout)),),
            info=steps_note(steps, rm.SHOOTOUT_STEPS, rest_seconds),
        ),
        tuple(
            f"**{advice}** {evidence}" for advice, evidence in rm.activation_advice(shootout, dying)
        ),
    )


def gated_view(gated: pd.DataFrame) -> View:
    """The Gated cells tab: ‖∂L/∂h_t‖ / ‖∂L/∂h_T‖ of the vanilla RNN, LSTM and GRU by distance
    (with how many ratios its log axis dropped), and how much each keeps at the longest one."""
    view = log_chart(
        gated,
        "ratio",
        charts.make_gated_chart,
        dropped_note="{dropped} ratios were 0, inf or NaN and are not drawn (log axis).",
    )
    return View(view.charts, WHAT_YOU_SEE + rm.gated_text(gated), view.caption)


SOURCES = (
    "- Nielsen, *Neural Networks and Deep Learning*, ch. 5 (speed of learning ‖∂C/∂b_l‖).\n"
    "- Seed 003: symptoms of exploding gradients and remedies; seed 002/004: dying ReLU and "
    "how to choose an activation.\n"
    "- Ioffe & Szegedy 2015 (batch norm); He et al. 2016 (residual); Pascanu et al. 2013 "
    "(clipping); Hochreiter & Schmidhuber 1997 (LSTM).\n"
    f"- Symptom thresholds: converged below {rm.CONVERGED_FRACTION:.0%} of the chance-level "
    f"loss; a jump is a rise above {rm.JUMP:.0%}; unstable above {rm.UNSTABLE_FRACTION:.0%} "
    f"jumping updates; wild above an update:data ratio of {rm.WILD_UPDATE_RATIO:g}; gradients "
    f"above 1 in at least {rm.ABOVE_ONE_FRACTION:.0%} of the steps."
)
"""The page's "Details and sources"."""
