"""Charts of the Initialization page: per-layer curves, histograms, phase diagram, training.

Every builder takes long-form DataFrames (see :mod:`gradviz.probe`, :mod:`gradviz.meanfield`,
:mod:`gradviz.train`) and returns an Altair chart; log axes only receive rows that passed
:func:`gradviz.numerics.drawable_on_log` in the page.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from views.charts import log_y

SOURCE_DASH = alt.Scale(domain=["measured", "mean-field"], range=[[1, 0], [6, 4]])


def make_depth_curve_chart(
    df: pd.DataFrame,
    title: str,
    breakdown_layer: int | None = None,
    breakdown_text: str = "",
    band: pd.DataFrame | None = None,
) -> alt.LayerChart:
    """One per-layer quantity against depth on a log axis: measured solid, mean-field dashed,
    and the spread over seeds shaded.

    df : DataFrame[layer, source, value] with finite positive ``value`` only.
    breakdown_layer : 1-based layer marked by a red rule (where values left float64 range).
    band : DataFrame[layer, low, high, seeds] (finite positive), the lowest and highest value
        over the seeds.
    """
    base = alt.Chart(df).encode(
        x=alt.X("layer:Q", title="layer l").scale(zero=False),
        y=log_y("value:Q", title),
        strokeDash=alt.StrokeDash("source:N", title="").scale(SOURCE_DASH),
        tooltip=["layer:Q", "source:N", alt.Tooltip("value:Q", format=".3e")],
    )
    layers = [base.mark_line(point=alt.OverlayMarkDef(size=18))]
    if band is not None and len(band):
        shade = (
            alt.Chart(band[["layer", "low", "high", "seeds"]])
            .mark_area(opacity=0.2, color="#4c78a8")
            .encode(
                x="layer:Q",
                y=alt.Y("low:Q").scale(type="log"),
                y2="high:Q",
                tooltip=[
                    "layer:Q",
                    alt.Tooltip("low:Q", format=".3e", title="lowest"),
                    alt.Tooltip("high:Q", format=".3e", title="highest"),
                    alt.Tooltip("seeds:Q", title="seeds"),
                ],
            )
        )
        layers.insert(0, shade)
    if breakdown_layer is not None:
        # A datum encoding keeps the marked layer in the spec itself (no separate data set).
        layers.append(
            alt.Chart()
            .mark_rule(color="#d62728", strokeWidth=2)
            .encode(x=alt.datum(breakdown_layer), tooltip=alt.value(breakdown_text))
        )
    return alt.layer(*layers).properties(height=260)


def make_distinct_units_chart(df: pd.DataFrame) -> alt.Chart:
    """Bars of distinct units per layer. df : DataFrame[layer, distinct, width]."""
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("layer:O", title="layer l"),
            y=alt.Y("distinct:Q", title="distinct units"),
            tooltip=["layer:O", "distinct:Q", "width:Q"],
        )
        .properties(height=180)
    )


def make_histogram_grid_chart(df: pd.DataFrame) -> alt.FacetChart:
    """Small multiples: one row per layer, one column per quantity (independent x ranges).

    df : DataFrame[layer, quantity, bin_start, bin_end, fraction].
    """
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("bin_start:Q", title=None),
            x2="bin_end:Q",
            y=alt.Y("fraction:Q", title="", axis=alt.Axis(labels=False, ticks=False)),
            color=alt.Color("quantity:N", legend=None),
            tooltip=[
                "layer:O",
                "quantity:N",
                alt.Tooltip("bin_start:Q", format=".3g"),
                alt.Tooltip("bin_end:Q", format=".3g"),
                alt.Tooltip("fraction:Q", format=".3f"),
            ],
        )
        .properties(height=38, width=300)
        .facet(row=alt.Row("layer:O", title="layer"), column=alt.Column("quantity:N", title=""))
        .resolve_scale(x="independent", y="independent")
    )


def make_histogram_overlay_chart(df: pd.DataFrame, title: str) -> alt.FacetChart:
    """Glorot & Bengio style: per-layer histograms overlaid (colour = layer), one panel per init.

    df : DataFrame[init, layer, bin_start, bin_end, fraction].
    """
    data = df.assign(bin_mid=(df["bin_start"] + df["bin_end"]) / 2)
    return (
        alt.Chart(data)
        .mark_line()
        .encode(
            x=alt.X("bin_mid:Q", title=title),
            y=alt.Y("fraction:Q", title="fraction of entries"),
            color=alt.Color("layer:O", title="layer").scale(scheme="viridis"),
            tooltip=[
                "init:N",
                "layer:O",
                alt.Tooltip("bin_mid:Q", format=".3g"),
                alt.Tooltip("fraction:Q", format=".3f"),
            ],
        )
        .properties(height=220, width=420)
        .facet(column=alt.Column("init:N", title="", sort=list(pd.unique(df["init"]))))
    )


def make_phase_chart(
    grid: pd.DataFrame, boundary: pd.DataFrame, points: pd.DataFrame
) -> alt.LayerChart:
    """Heatmap of log10 χ₁ over (σ_w², σ_b²), the χ₁ = 1 boundary, and named configurations.

    grid : from :func:`gradviz.meanfield.phase_grid`.
    boundary : DataFrame[sigma_w2, sigma_b2] (may be empty).
    points : DataFrame[name, sigma_w2, sigma_b2, chi1, kind] with ``kind`` in
        ("initializer", "current"), inside the grid's range.
    """
    x_scale = alt.Scale(type="log")
    heat = (
        alt.Chart(grid)
        .mark_rect()
        .encode(
            x=alt.X("sigma_w2_lo:Q", title="σ_w²").scale(x_scale),
            x2="sigma_w2_hi:Q",
            y=alt.Y("sigma_b2_lo:Q", title="σ_b²"),
            y2="sigma_b2_hi:Q",
            color=alt.Color("log10_chi1:Q", title="log10 χ₁").scale(
                scheme="redblue", reverse=True, domainMid=0
            ),
            tooltip=[
                alt.Tooltip("sigma_w2:Q", format=".3g"),
                alt.Tooltip("sigma_b2:Q", format=".3g"),
                alt.Tooltip("chi1:Q", format=".3g"),
                "phase:N",
            ],
        )
    )
    layers = [heat]
    if len(boundary):
        layers.append(
            alt.Chart(boundary)
            .mark_line(color="black", strokeWidth=2)
            .encode(
                x=alt.X("sigma_w2:Q").scale(x_scale),
                y="sigma_b2:Q",
                order="sigma_b2:Q",
                tooltip=[
                    alt.Tooltip("sigma_w2:Q", format=".4g", title="critical σ_w²"),
                    alt.Tooltip("sigma_b2:Q", format=".3g"),
                ],
            )
        )
    if len(points):
        base = alt.Chart(points).encode(
            x=alt.X("sigma_w2:Q").scale(x_scale),
            y="sigma_b2:Q",
            tooltip=[
                "name:N",
                alt.Tooltip("sigma_w2:Q", format=".4g"),
                alt.Tooltip("sigma_b2:Q", format=".3g"),
                alt.Tooltip("chi1:Q", format=".3g"),
            ],
        )
        layers.append(
            base.mark_point(filled=True, size=90, color="black").encode(
                shape=alt.Shape("kind:N", title="").scale(
                    domain=["initializer", "current"], range=["circle", "diamond"]
                )
            )
        )
        # Stagger the labels upwards in data units: named points share σ_b² and crowd near 1-2.
        span = float(grid["sigma_b2_hi"].max() - grid["sigma_b2_lo"].min())
        labels = points.sort_values("sigma_w2").reset_index(drop=True)
        labels = labels.assign(
            label_y=labels["sigma_b2"] + span * (0.06 + 0.07 * (labels.index % 4))
        )
        layers.append(
            alt.Chart(labels)
            .mark_text(align="left", dx=4, fontSize=11)
            .encode(
                x=alt.X("sigma_w2:Q").scale(x_scale),
                y="label_y:Q",
                text="name:N",
                tooltip=["name:N", alt.Tooltip("chi1:Q", format=".3g")],
            )
        )
        layers.append(
            alt.Chart(labels)
            .mark_rule(color="black", strokeDash=[2, 2], opacity=0.5)
            .encode(
                x=alt.X("sigma_w2:Q").scale(x_scale),
                y="sigma_b2:Q",
                y2="label_y:Q",
                tooltip=["name:N"],
            )
        )
    return alt.layer(*layers).properties(height=340)


def make_trainable_depth_chart(
    df: pd.DataFrame, depth: int, current: pd.DataFrame
) -> alt.LayerChart:
    """Predicted trainable depth 6ξ_c against σ_w² (log-log), the chosen depth as a rule.

    df : DataFrame[sigma_w2, trainable_depth] (finite positive rows only).
    current : DataFrame[sigma_w2, trainable_depth, name] for the current configuration.
    """
    line = (
        alt.Chart(df)
        .mark_line()
        .encode(
            x=alt.X("sigma_w2:Q", title="σ_w²").scale(type="log"),
            y=log_y("trainable_depth:Q", "trainable depth 6ξ_c"),
            tooltip=[
                alt.Tooltip("sigma_w2:Q", format=".3g"),
                alt.Tooltip("trainable_depth:Q", format=".3g"),
            ],
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"depth": [depth], "what": ["your depth L"]}))
        .mark_rule(color="#d62728", strokeDash=[4, 3])
        .encode(y="depth:Q", tooltip=["what:N", "depth:Q"])
    )
    layers = [line, rule]
    if len(current):
        layers.append(
            alt.Chart(current)
            .mark_point(filled=True, size=90, shape="diamond", color="black")
            .encode(
                x="sigma_w2:Q",
                y="trainable_depth:Q",
                tooltip=["name:N", alt.Tooltip("trainable_depth:Q", format=".3g")],
            )
        )
    return alt.layer(*layers).properties(height=300)


def make_loss_chart(df: pd.DataFrame) -> alt.Chart:
    """Training loss per step, one line per initializer. df : DataFrame[step, init, loss]."""
    return (
        alt.Chart(df)
        .mark_line()
        .encode(
            x=alt.X("step:Q", title="step"),
            y=alt.Y("loss:Q", title="training loss"),
            color=alt.Color("init:N", title="initializer"),
            tooltip=["init:N", "step:Q", alt.Tooltip("loss:Q", format=".4g")],
        )
        .properties(height=260)
    )


def make_decision_chart(grid: pd.DataFrame, data: pd.DataFrame, title: str) -> alt.LayerChart:
    """P(class 1) on a grid with the training points on top.

    grid : DataFrame[x1, x2, p] from :func:`gradviz.train.decision_grid` (NaN-free).
    data : DataFrame[x1, x2, label].
    """
    step = float(grid["x1"].diff().abs().replace(0, float("nan")).min())
    heat = (
        alt.Chart(grid.assign(x1_hi=grid["x1"] + step, x2_hi=grid["x2"] + step))
        .mark_rect(opacity=0.8)
        .encode(
            x=alt.X("x1:Q", title="x₁").scale(zero=False),
            x2="x1_hi:Q",
            y=alt.Y("x2:Q", title="x₂").scale(zero=False),
            y2="x2_hi:Q",
            # redblue runs from red (P = 0, class 0) to blue (P = 1, class 1), like the points.
            color=alt.Color("p:Q", title="P(class 1)").scale(scheme="redblue", domain=[0, 1]),
            tooltip=[
                alt.Tooltip("x1:Q", format=".2f"),
                alt.Tooltip("x2:Q", format=".2f"),
                alt.Tooltip("p:Q", format=".3f"),
            ],
        )
    )
    points = (
        alt.Chart(data)
        .mark_circle(size=18, stroke="black", strokeWidth=0.5)
        .encode(
            x="x1:Q",
            y="x2:Q",
            color=alt.Color("label:N", title="class").scale(range=["#d62728", "#1f77b4"]),
            tooltip=[
                alt.Tooltip("x1:Q", format=".2f"),
                alt.Tooltip("x2:Q", format=".2f"),
                "label:N",
            ],
        )
    )
    chart = alt.layer(heat, points).resolve_scale(color="independent")
    return chart.properties(height=280, title=title)
