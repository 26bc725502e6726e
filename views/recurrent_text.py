"""The "what you are seeing" paragraphs of the RNN / LSTM page, built from computed results.

Pure functions of the :mod:`gradviz.recurrent_lab` results, so tests can check every number
the page prints. Numbers are formatted with :func:`gradviz.numerics.format_sci`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from gradviz.numerics import format_sci
from gradviz.recurrent_lab import (
    ADDING_BASELINE_MSE,
    ADDING_TOLERANCE,
    BOUND_LABEL,
    CELL_PATH_LABELS,
    SOLVED_FRACTION,
    CliffConfig,
    CliffRun,
    LongRange,
    LongRangeConfig,
    ThroughTime,
    ThroughTimeConfig,
    gradient_breakdown,
)
from gradviz.rnn import sigmoid


def _ratio(result: ThroughTime, series: str, distance: int) -> str:
    return format_sci(result.ratio_at(series, distance))


def through_time_text(result: ThroughTime) -> str:
    """Markdown: Pascanu's condition, the measured ratios at T − t = T, and the cell path."""
    cfg = result.config
    T = cfg.length
    q = result.gamma * result.sigma_max
    rnn = result.rnn_label
    lines = [
        f"- **Pascanu's condition.** W_hh of the {rnn} has spectral radius "
        f"{format_sci(result.radius_measured)} and largest singular value "
        f"σ_max = {format_sci(result.sigma_max)}; its activation's largest slope is "
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
        broke = "" if breakdown.ok else f" ({breakdown.message('the loss')})"
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
        f"{cfg.test_size} test sequences answered within ±{ADDING_TOLERANCE:g} "
        "(Hochreiter & Schmidhuber 1997)."
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
            lines.append(f"- {run.breakdown.message(f'the {run.cell.upper()} loss', 1)}.")
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
  matrix then has σ_max = ρ, a Gaussian one σ_max ≈ 2ρ.
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
