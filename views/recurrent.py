"""Everything one tab of the RNN / LSTM page shows, computed in one call.

Each ``*_view`` function runs the engine of :mod:`gradviz.recurrent_lab`, builds the tab's
charts as Vega-Lite specs and writes its "what you are seeing" text with
:mod:`views.recurrent_text` (see :mod:`views`); the page caches the call and only
draws it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from gradviz.budget import TRAINING_SECONDS
from gradviz.numerics import format_sci
from gradviz.recurrent_lab import (
    ADDING_TOLERANCE,
    B_RANGE,
    BOUND_LABEL,
    CELL_PATH_LABELS,
    METRICS,
    W_RANGE,
    CliffConfig,
    LongRangeConfig,
    Progress,
    ThroughTimeConfig,
    cliff_surface,
    cliff_trajectories,
    compare_long_range,
    gradient_through_time,
)
from views import Breakdowns, Metrics, View, cut_short, log_chart, spec
from views.charts.recurrent import (
    make_cliff_chart,
    make_cliff_loss_chart,
    make_state_norm_chart,
    make_through_time_chart,
    make_training_chart,
)
from views.recurrent_text import cliff_text, long_range_text, through_time_text

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
# budgets by the cost models of gradviz.recurrent_lab (asserted by the tests): the gradient
# tab within budget.TAB_SECONDS, the training within budget.TRAINING_SECONDS.
LENGTH = (10, 1000, 100, 10)
HIDDEN = (4, 64, 32, 1)
ADDING_LENGTH = (5, 60, 30, 5)
ITERATIONS = (100, 600, 300, 50)


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
    the same input (see :class:`gradviz.recurrent_lab.ThroughTimeConfig`)."""
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
