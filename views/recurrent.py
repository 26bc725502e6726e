"""Everything one tab of the RNN / LSTM page shows, computed in one call.

Each ``*_view`` function runs one experiment (:mod:`gradviz.through_time`, :mod:`gradviz.cliff`,
:mod:`gradviz.adding`), builds the tab's charts as Vega-Lite specs and writes its "what you are
seeing" text; the page caches the call and only draws it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gradviz.adding import (
    ADDING_BASELINE_MSE,
    ADDING_TOLERANCE,
    HS_TARGET_DIVISOR,
    HS_TOLERANCE,
    METRICS,
    SOLVED_FRACTION,
    LongRange,
    LongRangeConfig,
    Progress,
    compare_long_range,
)
from gradviz.budget import TRAINING_SECONDS
from gradviz.cells import RECURRENT_INITS, RNN_ACTIVATIONS, sigmoid
from gradviz.cliff import B_RANGE, W_RANGE, CliffConfig, CliffRun, cliff_surface, cliff_trajectories
from gradviz.numerics import format_sci
from gradviz.optim import CLIPPING
from gradviz.through_time import (
    BOUND_LABEL,
    CELL_PATH_LABELS,
    ThroughTime,
    ThroughTimeConfig,
    gradient_breakdown,
    gradient_through_time,
)
from views import (
    Breakdowns,
    Header,
    Metrics,
    View,
    breakdown_text,
    cut_short,
    log_chart,
    number_input,
    select_slider,
    selectbox,
    slider,
    spec,
)
from views.charts.recurrent import (
    make_cliff_chart,
    make_cliff_loss_chart,
    make_state_norm_chart,
    make_through_time_chart,
    make_training_chart,
)

RESULT_COLUMNS = {
    "mse": "test MSE",
    "accuracy": f"accuracy (|error| < {ADDING_TOLERANCE:g})",
    "first_grad_start": "‖∂L/∂h_1‖ first 10 %",
    "first_grad_end": "‖∂L/∂h_1‖ last 10 %",
    "clipped_fraction": "share of steps with ‖g‖ > θ",
}
"""Display names of the long-range results table's columns."""
SCI_COLUMNS = [RESULT_COLUMNS[k] for k in ("mse", "first_grad_start", "first_grad_end")]
"""The results table's columns that span decades (the page shows them as %.3g)."""
WHAT_YOU_SEE = "**What you are seeing**\n\n"

# The page's sliders as (lowest, highest, default, step). Their highest settings fit the
# budgets by the cost models of the engine (asserted by the tests): the gradient
# tab within budget.TAB_SECONDS, the training within budget.TRAINING_SECONDS.
LENGTH = (10, 1000, 100, 10)
HIDDEN = (4, 64, 32, 1)
ADDING_LENGTH = (5, 60, 30, 5)
ITERATIONS = (100, 600, 300, 50)


HEADER = Header(
    "RNN / LSTM: gradients through time",
    "Backpropagation through time unrolls a recurrent net into a deep one with **shared** "
    "weights, so the gradient reaching step t is a product of T − t Jacobians. A vanilla RNN's "
    "gradient vanishes or explodes geometrically; the LSTM's cell state adds a path whose "
    "factor is just the forget gate.",
    r"\frac{\partial L}{\partial h_t}=\frac{\partial L}{\partial h_T}\prod_{k=t+1}^{T}"
    r"\frac{\partial h_k}{\partial h_{k-1}},\quad"
    r"\Big\|\frac{\partial h_k}{\partial h_{k-1}}\Big\|\le\gamma\,\sigma_{max}(W_{hh}),\quad"
    r"\frac{\partial c_k}{\partial c_{k-1}}=\mathrm{diag}(f_k)",
)
TABS = ("Gradient through time", "Clipping and the cliff", "Long-range memory")
SEED = number_input("Seed", 0, 999, 0, key="seed")
SEQUENCE_LENGTH = slider("Sequence length T", *LENGTH, key="seq_len")
HIDDEN_SIZE = slider("Hidden size H", *HIDDEN, key="hidden")
RNN_ACTIVATION = selectbox("Vanilla RNN activation", RNN_ACTIVATIONS, key="rnn_act")
RADIUS = slider("Spectral radius ρ of W_hh", 0.1, 5.0, 0.9, 0.05, key="radius")
W_INIT = selectbox("W_hh before rescaling", RECURRENT_INITS, key="w_init")
INPUT_SCALE = slider("Input scale (std)", 0.0, 5.0, 1.0, 0.1, key="input_scale")
FORGET_BIAS = slider("LSTM forget-gate bias b_f", -5.0, 5.0, 1.0, 0.5, key="forget_bias")
THETA = slider("Clipping threshold θ", 0.1, 20.0, 1.0, 0.1, key="theta")
LEARNING_RATE = select_slider("Learning rate", (0.001, 0.003, 0.01, 0.03, 0.1), 0.01, key="lr")
START_W = slider("Start w₀", *W_RANGE, 5.0, 0.25, key="w0")
START_B = slider("Start b₀", *B_RANGE, -2.0, 0.25, key="b0")
ADDING_SEQUENCE_LENGTH = slider("Sequence length T", *ADDING_LENGTH, key="add_len")
ADAM_ITERATIONS = slider("Adam iterations", *ITERATIONS, key="iters")
CLIP_MODE = selectbox("Clipping", CLIPPING, index=CLIPPING.index("norm"), key="clip_mode")
CLIP_THETA = slider("θ", 0.1, 10.0, 1.0, 0.1, key="clip_theta")
TRAINING = "training RNN, LSTM and GRU on the same data…"


@dataclass(frozen=True)
class ThroughTimeView:
    """The Gradient through time tab: where a state or gradient left float64 range
    (``breakdowns``, by time step), Pascanu's numbers for the vanilla RNN (``metrics``), the
    relative gradient ‖∂L/∂h_t‖ / ‖∂L/∂h_T‖ of the three cells next to the LSTM's cell path
    (``cells``, side by side, each with how many points its log axis dropped), the hidden-state
    norms with any overflow marked (``states``), and what they show (``text``)."""

    breakdowns: Breakdowns
    metrics: Metrics
    cells: tuple[View, View]
    states: View
    text: str


def through_time_view(
    length: int,
    hidden: int,
    act: str,
    radius: float,
    w_init: str,
    input_scale: float,
    forget_bias: float,
    seed: int,
) -> ThroughTimeView:
    """Backpropagation through time in a vanilla RNN (activation ``act``), an LSTM and a GRU on
    the same input (see :class:`gradviz.through_time.ThroughTimeConfig`)."""
    cfg = ThroughTimeConfig(length, hidden, act, radius, w_init, input_scale, forget_bias, seed)
    result = gradient_through_time(cfg)
    order = [result.rnn_label, "LSTM", "GRU", BOUND_LABEL]
    marks = pd.DataFrame(
        [
            {"t": b.index, "event": q + " overflowed"}
            for q, b in result.breakdowns
            if "hidden state" in q and not b.ok
        ],
        columns=["t", "event"],
    )
    return ThroughTimeView(
        breakdowns=result.breakdowns,
        metrics=(
            ("σ_max(W_hh)", format_sci(result.sigma_max)),
            ("1/γ", format_sci(result.inverse_gamma)),
            ("γ·σ_max (bound per step)", format_sci(result.gamma * result.sigma_max)),
            ("vanishing guaranteed?", "yes" if result.vanishing_guaranteed else "no"),
        ),
        cells=(
            log_chart(
                result.curves,
                "grad_norm",
                make_through_time_chart,
                order,
                "‖∂L/∂h_t‖ / ‖∂L/∂h_T‖ for the three cells on the same input",
                "relative gradient",
            ),
            log_chart(
                result.cell_path,
                "grad_norm",
                make_through_time_chart,
                list(CELL_PATH_LABELS),
                "LSTM: full gradient vs the cell path ∏ f (constant error carousel)",
                "relative to step T",
            ),
        ),
        states=log_chart(result.states, "state_norm", make_state_norm_chart, marks),
        text=WHAT_YOU_SEE + through_time_text(result),
    )


@dataclass(frozen=True)
class CliffView:
    """The Clipping and the cliff tab: the loss surface with the gradient-descent paths of
    each clipping mode (``panels[0]``, with how many path points lie outside the window) next
    to the loss along each path (``panels[1]``), and what they show (``text``)."""

    panels: tuple[View, View]
    text: str


def cliff_view(theta: float, lr: float, w0: float, b0: float) -> CliffView:
    """60 steps of gradient descent from (``w0``, ``b0``) at learning rate ``lr`` on Pascanu's
    cliff, without clipping and clipped at ``theta`` by value and by norm."""
    surface = cliff_surface(CliffConfig())
    run = cliff_trajectories(theta, lr, (w0, b0), steps=60)
    inside = run.paths[run.paths.w.between(*W_RANGE) & run.paths.b.between(*B_RANGE)]
    outside = len(run.paths) - len(inside)
    surface_view = View(
        (spec(make_cliff_chart(surface, inside, CliffConfig().length)),),
        caption=f"{outside} path points lie outside the window." if outside else "",
    )
    return CliffView(
        panels=(surface_view, log_chart(run.paths, "loss", make_cliff_loss_chart)),
        text=WHAT_YOU_SEE + cliff_text(run, theta, lr),
    )


@dataclass(frozen=True)
class LongRangeView:
    """The Long-range memory tab: the training loss of RNN, LSTM and GRU next to the gradient
    reaching the first and the last step (``curves``, side by side), the test results per cell
    (``table``, columns named by :data:`RESULT_COLUMNS`), what they show (``text``) and, when
    the cost model cut the training to the time budget, how far it went (``notice``)."""

    curves: tuple[View, View]
    table: pd.DataFrame = field(compare=False)
    text: str
    notice: str = ""


def long_range_view(
    length: int,
    iters: int,
    clip_mode: str,
    theta: float,
    seed: int,
    progress: Progress | None = None,
    seconds: float = TRAINING_SECONDS,
) -> LongRangeView:
    """RNN, LSTM and GRU trained with Adam for ``iters`` steps on the adding problem with
    sequences of ``length`` steps, clipping by ``clip_mode`` at ``theta``;
    ``progress(fraction)`` follows the three runs. Steps that would not finish within
    ``seconds`` by the cost model are not taken, and ``notice`` says so."""
    cfg = LongRangeConfig(length=length, iters=iters, clip_mode=clip_mode, theta=theta, seed=seed)
    result = compare_long_range(cfg, progress, seconds)
    notice = ""
    if result.cut_short:
        notice = cut_short(
            result.trained_iters, iters, "iterations", result.rest_seconds, verb="trained"
        )
    curves = result.curves
    loss = curves.metric == METRICS[0]
    return LongRangeView(
        curves=(
            log_chart(
                curves[loss], "value", make_training_chart, "Training loss (MSE)", "train MSE"
            ),
            log_chart(
                curves[~loss],
                "value",
                make_training_chart,
                "Gradient reaching the first step vs the last",
                "‖∂L/∂h_t‖",
            ),
        ),
        table=result.results.rename(columns=RESULT_COLUMNS),
        text=WHAT_YOU_SEE + long_range_text(result),
        notice=notice,
    )


def _ratio(result: ThroughTime, series: str, distance: int) -> str:
    return format_sci(result.ratio_at(series, distance))


def sigma_over_radius(result: ThroughTime) -> str:
    """σ_max as a multiple of the measured spectral radius ρ (equal for an orthogonal W_hh,
    larger for a Gaussian one: computed from the matrix drawn, never quoted)."""
    if not (result.radius_measured > 0 and math.isfinite(result.radius_measured)):
        return "ρ is 0 or not finite"
    return f"{result.sigma_max / result.radius_measured:.3g}·ρ"


def through_time_text(result: ThroughTime) -> str:
    """Markdown: Pascanu's condition, the measured ratios at T − t = T, and the cell path."""
    cfg = result.config
    T = cfg.length
    q = result.gamma * result.sigma_max
    rnn = result.rnn_label
    lines = [
        f"- **Pascanu's condition.** W_hh of the {rnn} has spectral radius "
        f"{format_sci(result.radius_measured)} and largest singular value "
        f"σ_max = {format_sci(result.sigma_max)} ({sigma_over_radius(result)}); its "
        "activation's largest slope is "
        f"γ = {format_sci(result.gamma)}, so 1/γ = {format_sci(result.inverse_gamma)}."
    ]
    if result.vanishing_guaranteed:
        lines.append(
            f"  σ_max < 1/γ: every step back multiplies ‖∂L/∂h_t‖ by at most γ·σ_max = "
            f"{format_sci(q)}, so vanishing is guaranteed: after T = {T} steps the bound is "
            f"{format_sci(result.ratio_at(BOUND_LABEL, T))}."
        )
    else:
        lines.append(
            f"  σ_max ≥ 1/γ (γ·σ_max = {format_sci(q)}): the bound (γσ_max)^(T−t) does not "
            "shrink, so nothing is guaranteed. σ_max > 1/γ is only *necessary* for exploding."
        )
    worst = result.worst_bound_ratio
    if not math.isnan(worst):
        lines.append(
            f"  The measured {rnn} curve stays under the bound: the largest measured/bound "
            f"ratio over all distances is {format_sci(worst)}."
        )
    if result.undefined:
        lines.append(
            f"- **Overflow.** The forward pass of {', '.join(result.undefined)} overflowed "
            "(marked in the hidden-state chart), so backpropagation starting at step T runs "
            "through inf/NaN states and its gradients are not drawn."
        )
    measured = [
        f"{name} {_ratio(result, name, T)}{_left_range(result.curves, name, T)}"
        for name in (rnn, "LSTM", "GRU")
        if name not in result.undefined
    ]
    if measured:
        lines.append(
            f"- **After T − t = {T} steps back** (to h_0), ‖∂L/∂h_0‖ / ‖∂L/∂h_T‖ is "
            + ", ".join(measured)
            + "."
        )
    forget_label = CELL_PATH_LABELS[2]
    lines.append(
        f"- **LSTM cell path.** With forget-gate bias b_f = {cfg.forget_bias:g} "
        f"(σ(b_f) = {format_sci(float(sigmoid(np.float64(cfg.forget_bias))))}), the forget gates "
        f"average {format_sci(result.mean_forget)}. Along the cell state alone the gradient is "
        f"scaled by ∏ f = {_ratio_path(result, forget_label, T)} after {T} steps, while "
        f"‖∂L/∂c_0‖ / ‖∂L/∂c_T‖ = {_ratio_path(result, CELL_PATH_LABELS[1], T)}"
        f"{_left_range(result.cell_path, CELL_PATH_LABELS[1], T)} including "
        "every other path. The larger b_f, the closer f is to 1 and the longer the constant "
        "error carousel carries the gradient."
    )
    return "\n".join(lines)


def _left_range(frame: pd.DataFrame, series: str, distance: int) -> str:
    """ " (the gradient left float64 range at time step t)" when ``series`` of ``frame`` is inf
    or NaN at ``distance``, with t the first step BPTT (running from t = T down) found
    non-finite; else ""."""
    rows = frame[frame.series == series].sort_values("t")
    values = rows.grad_norm.to_numpy()
    if math.isfinite(float(rows[rows.distance == distance].grad_norm.iloc[0])):
        return ""
    found = gradient_breakdown(values)
    where = f" at time step {int(rows.t.iloc[found.index])}" if not found.ok else ""
    return f" (the gradient left float64 range{where})"


def _ratio_path(result: ThroughTime, series: str, distance: int) -> str:
    rows = result.cell_path[
        (result.cell_path.series == series) & (result.cell_path.distance == distance)
    ]
    return format_sci(float(rows.grad_norm.iloc[0]))


def cliff_text(run: CliffRun, theta: float, lr: float) -> str:
    """Markdown comparing the three descents on the cliff."""
    s = run.summary.set_index("method")
    lines = []
    for method in s.index:
        row = s.loc[method]
        breakdown = row["breakdown"]
        broke = "" if breakdown.ok else f" ({breakdown_text(breakdown, 'the loss')})"
        lines.append(
            f"- **{method}:** largest gradient ‖g‖ = {format_sci(row['max_grad_norm'])}, "
            f"longest step {format_sci(row['max_step'])}, {int(row['left_window'])} steps "
            f"outside the plotted window, final loss {format_sci(row['final_loss'])}{broke}."
        )
    lines.append(
        f"- Norm clipping caps every step at lr·θ = {format_sci(lr * theta)} and keeps the "
        "gradient's direction; value clipping caps each component at θ, so its steps are at "
        f"most lr·θ·√2 = {format_sci(lr * theta * math.sqrt(2))} long but can turn the "
        "direction."
    )
    return "\n".join(lines)


def long_range_text(result: LongRange) -> str:
    """Markdown: test MSE, accuracy and first-step gradient of each cell."""
    cfg = result.config
    lines = [
        f"Adding problem with T = {cfg.length}: predicting the mean for every sequence scores "
        f"MSE {format_sci(ADDING_BASELINE_MSE)}; a cell counts as *solving* it below "
        f"{format_sci(SOLVED_FRACTION * ADDING_BASELINE_MSE)}. Accuracy is the share of "
        f"{cfg.test_size} test sequences answered within ±{ADDING_TOLERANCE:g} of the sum: "
        f"Hochreiter & Schmidhuber's (1997) criterion, an absolute error below "
        f"{HS_TOLERANCE:g} on their target 0.5 + (X₁ + X₂)/{HS_TARGET_DIVISOR:g}, on the raw "
        "sum this page predicts."
    ]
    for row in result.results.itertuples():
        verdict = "solved" if row.solved else "not solved"
        line = (
            f"- **{row.cell}:** test MSE {format_sci(row.mse)}, accuracy "
            f"{row.accuracy:.1%} — {verdict}."
        )
        if result.trained_iters:
            line += (
                f" ‖∂L/∂h_1‖ went from {format_sci(row.first_grad_start)} (first 10 % of "
                f"iterations) to {format_sci(row.first_grad_end)} (last 10 %); the gradient "
                f"norm was above θ = {cfg.theta:g} in {row.clipped_fraction:.0%} of the "
                "iterations."
            )
        lines.append(line)
    for run in result.runs:
        if not run.breakdown.ok:
            lines.append(f"- {breakdown_text(run.breakdown, f'the {run.cell.upper()} loss', 1)}.")
    return "\n".join(lines)


def sources_text() -> str:
    """The page's "Details and sources" markdown, with the experiments' fixed settings."""
    TRAIN, CLIFF, GRAD = LongRangeConfig(), CliffConfig(), ThroughTimeConfig()
    return f"""
- **Bound.** With row vectors, one RNN step has Jacobian ∂h_k/∂h_{{k−1}} = W_hh·diag(φ′(z_k)),
  whose norm is at most γ·σ_max(W_hh) with γ = max|φ′| (1 for tanh and ReLU, 1/4 for the
  sigmoid). Hence ‖∂L/∂h_t‖ ≤ (γσ_max)^(T−t)·‖∂L/∂h_T‖ (Pascanu, Mikolov & Bengio 2013,
  *On the difficulty of training recurrent neural networks*, §3.1). The plotted loss is
  L = Σ_n v_n·h_T with fixed random unit vectors v_n over N = {GRAD.batch} sequences; the
  same inputs feed all three cells. W_hh is rescaled to the chosen spectral radius ρ: an orthogonal
  matrix then has σ_max = ρ; a Gaussian one has σ_max above ρ, by a factor that depends on H
  and the draw (the tab computes it from the matrix drawn).
- **LSTM.** c_t = f⊙c_{{t−1}} + i⊙g, h_t = o⊙tanh(c_t) (Hochreiter & Schmidhuber 1997, with the
  forget gate of Gers et al. 2000). The cell path alone gives ∂c_T/∂c_t = ∏ diag(f_k).
  GRU: h_t = z⊙h_{{t−1}} + (1−z)⊙tanh(x W + (r⊙h_{{t−1}}) U) (Cho et al. 2014).
- **Cliff.** x_t = w·σ(x_{{t−1}}) + b, x_0 = {CLIFF.x0:g},
  L = (x_{CLIFF.length} − {CLIFF.target:g})² (Pascanu et al. 2013, Fig. 6).
  Norm clipping g ← θ·g/‖g‖ when ‖g‖ > θ; value clipping clips each component.
- **Adding problem.** Two marked values among T uniform ones; the target is their sum
  (Hochreiter & Schmidhuber 1997; layout of Le et al. 2015). Every cell has H = {TRAIN.hidden},
  the same initial generator and data, batches of {TRAIN.batch}, Adam (lr {TRAIN.lr:g}), the
  chosen clipping, and an LSTM forget-gate bias of {TRAIN.forget_bias:g}.
- All gradients are checked against finite differences in float64 (relative error ≤ 1e-6).
"""
