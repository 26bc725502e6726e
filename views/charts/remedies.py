"""Charts of the Remedies page: ``make_<thing>_chart(df, ...) -> alt.Chart``.

Inputs are the long-form frames of :mod:`gradviz.remedies`. Log axes only receive rows that
:func:`gradviz.numerics.drawable_on_log` kept; the page reports how many it dropped.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from views.charts import log_y

HEALTH_SCALE = alt.Scale(scheme="redyellowgreen", domain=[0, 1])
SYMPTOM_SCALE = alt.Scale(domain=[True, False], range=["#d62728", "#2ca02c"])


def make_loss_chart(
    curves: pd.DataFrame, ends: pd.DataFrame, ceiling: float | None = None
) -> alt.LayerChart:
    """Loss per step for every run (log y), with a cross where a run diverged; with a
    ``ceiling``, the axis stops there and what lies above runs off the top (clipped).

    curves : [run, step, loss] (finite, > 0 rows only). ends : [run, step, loss, event].
    """
    y = log_y("loss:Q", "training loss (log)")
    if ceiling is not None:
        y = y.scale(type="log", nice=False, domainMax=ceiling)
    base = alt.Chart(curves)
    line = base.mark_line(clip=True).encode(
        x=alt.X("step:Q", title="step"),
        y=y,
        color=alt.Color("run:N", title="run"),
        tooltip=["run:N", "step:Q", alt.Tooltip("loss:Q", format=".3g")],
    )
    cross = (
        alt.Chart(ends)
        .mark_point(shape="cross", size=160, filled=True, color="#d62728", clip=True)
        .encode(
            x="step:Q",
            y=alt.Y("loss:Q").scale(type="log"),
            tooltip=["run:N", "step:Q", "event:N"],
        )
    )
    return (line + cross).properties(height=320)


def make_ratio_chart(summary: pd.DataFrame) -> alt.LayerChart:
    """log₁₀(‖∂C/∂b_1‖/‖∂C/∂b_L‖) at step 0 per run; 0 = the input layer learns as fast as the
    last. summary : [run, log_ratio, ratio_text] with finite ``log_ratio`` rows."""
    base = alt.Chart(summary)
    bars = base.mark_bar().encode(
        x=alt.X("log_ratio:Q", title="log₁₀ ( ‖∂C/∂b₁‖ / ‖∂C/∂b_L‖ ) at step 0"),
        y=alt.Y("run:N", title=None, sort=None),
        color=alt.condition("datum.log_ratio < 0", alt.value("#1f77b4"), alt.value("#d62728")),
        tooltip=["run:N", alt.Tooltip("ratio_text:N", title="first/last gradient")],
    )
    rule = (
        alt.Chart(pd.DataFrame({"x": [0.0]}))
        .mark_rule(strokeDash=[4, 3])
        .encode(x="x:Q", tooltip=alt.value("equal speed"))
    )
    return (bars + rule).properties(height=28 * max(len(summary), 2))


def make_accuracy_chart(summary: pd.DataFrame) -> alt.LayerChart:
    """Final accuracy per run, with chance (50 %) marked. summary : [run, final_accuracy,
    status]."""
    bars = (
        alt.Chart(summary)
        .mark_bar()
        .encode(
            x=alt.X("final_accuracy:Q", title="final accuracy").scale(domain=[0, 1]),
            y=alt.Y("run:N", title=None, sort=None),
            color=alt.Color("status:N", title=None).scale(
                domain=["trained", "diverged"], range=["#2ca02c", "#d62728"]
            ),
            tooltip=["run:N", alt.Tooltip("final_accuracy:Q", format=".1%"), "status:N"],
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"x": [0.5]}))
        .mark_rule(strokeDash=[4, 3])
        .encode(x="x:Q", tooltip=alt.value("chance"))
    )
    return (bars + rule).properties(height=28 * max(len(summary), 2))


def make_ablation_chart(matrix: pd.DataFrame) -> alt.LayerChart:
    """Heatmap run × metric coloured by health score (green = healthy), value as text.

    matrix : [run, metric, score, text] from :func:`gradviz.remedies.ablation_matrix`.
    """
    base = alt.Chart(matrix).encode(
        x=alt.X("metric:N", title=None, sort=None).axis(labelAngle=0),
        y=alt.Y("run:N", title=None, sort=None),
    )
    rect = base.mark_rect().encode(
        color=alt.Color("score:Q", title="health").scale(HEALTH_SCALE),
        tooltip=["run:N", "metric:N", "text:N", alt.Tooltip("score:Q", format=".2f")],
    )
    text = base.mark_text(fontSize=12).encode(text="text:N", tooltip=["run:N", "text:N"])
    return (rect + text).properties(height=32 * max(matrix["run"].nunique(), 2))


def make_symptom_chart(symptoms: pd.DataFrame) -> alt.Chart:
    """Heatmap run × symptom: red when present; the evidence is in the tooltip.

    symptoms : [run, symptom, present, evidence].
    """
    return (
        alt.Chart(symptoms)
        .mark_rect(stroke="white")
        .encode(
            x=alt.X("symptom:N", title=None, sort=None).axis(labelAngle=-20, labelLimit=220),
            y=alt.Y("run:N", title=None, sort=None),
            color=alt.Color("present:N", title="present").scale(SYMPTOM_SCALE),
            tooltip=["run:N", "symptom:N", "present:N", "evidence:N"],
        )
        .properties(height=32 * max(symptoms["run"].nunique(), 2))
    )


def make_dead_chart(over_time: pd.DataFrame) -> alt.Chart:
    """Fraction of dead hidden units over the steps, one line per activation.

    over_time : [activation, step, dead_fraction].
    """
    return (
        alt.Chart(over_time)
        .mark_line()
        .encode(
            x=alt.X("step:Q", title="step"),
            y=alt.Y("dead_fraction:Q", title="dead units (fraction)").axis(format="%"),
            color=alt.Color("activation:N", title="activation"),
            tooltip=["activation:N", "step:Q", alt.Tooltip("dead_fraction:Q", format=".1%")],
        )
        .properties(height=260)
    )


def make_bias_chart(over_time: pd.DataFrame) -> alt.LayerChart:
    """Mean hidden bias over the steps, one line per activation, with 0 marked.

    over_time : [activation, step, mean_bias].
    """
    line = (
        alt.Chart(over_time)
        .mark_line()
        .encode(
            x=alt.X("step:Q", title="step"),
            y=alt.Y("mean_bias:Q", title="mean bias of the hidden units"),
            color=alt.Color("activation:N", title="activation"),
            tooltip=["activation:N", "step:Q", alt.Tooltip("mean_bias:Q", format=".3g")],
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"y": [0.0]}))
        .mark_rule(strokeDash=[4, 3])
        .encode(y="y:Q", tooltip=alt.value("zero"))
    )
    return (line + rule).properties(height=260)


def make_shootout_chart(shootout: pd.DataFrame) -> alt.LayerChart:
    """Final accuracy of each activation/init pair. shootout : [run, final_accuracy,
    zero_centred]."""
    bars = (
        alt.Chart(shootout)
        .mark_bar()
        .encode(
            x=alt.X("final_accuracy:Q", title="final accuracy").scale(domain=[0, 1]),
            # every bar keeps its name: no label is dropped for overlap or cut short
            y=alt.Y("run:N", title=None, sort=None).axis(labelOverlap=False, labelLimit=0),
            color=alt.Color("zero_centred:N", title="zero-centred"),
            tooltip=["run:N", alt.Tooltip("final_accuracy:Q", format=".1%"), "zero_centred:N"],
        )
    )
    # and each bar carries its own name and value, whatever the axis shows
    values = (
        bars.mark_text(align="left", dx=3)
        .transform_calculate(tag="datum.run + ': ' + format(datum.final_accuracy, '.0%')")
        .encode(x=alt.datum(0), text="tag:N", color=alt.value("black"))
    )
    rule = (
        alt.Chart(pd.DataFrame({"x": [0.5]}))
        .mark_rule(strokeDash=[4, 3])
        .encode(x="x:Q", tooltip=alt.value("chance"))
    )
    return (bars + values + rule).properties(height=28 * max(len(shootout), 2))


def make_gated_chart(gated: pd.DataFrame) -> alt.Chart:
    """‖∂L/∂h_t‖ / ‖∂L/∂h_T‖ against the distance T - t (log y), one line per cell.

    gated : [cell, distance, ratio], drawable rows only.
    """
    return (
        alt.Chart(gated)
        .mark_line()
        .encode(
            x=alt.X("distance:Q", title="steps back in time, T - t"),
            y=log_y("ratio:Q", "‖∂L/∂h_t‖ / ‖∂L/∂h_T‖ (log)"),
            color=alt.Color("cell:N", title="cell"),
            tooltip=["cell:N", "distance:Q", alt.Tooltip("ratio:Q", format=".3g")],
        )
        .properties(height=280)
    )
