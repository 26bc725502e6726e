r"""What a gradient log says about a network: per-layer profiles, ratios and a diagnosis.

Every function takes a :class:`gradviz.gradlog.GradientLog` and returns numbers or tidy frames;
the "Your network" page words them (:mod:`views.your_network`).

The diagnosis compares the first and last weight's gradient norm, as the Remedies page compares
the first and last layer's speed of learning:

.. math:: R_t = \frac{\lVert\partial L/\partial W_{\text{first}}\rVert}
               {\lVert\partial L/\partial W_{\text{last}}\rVert}\ \text{at step } t,\qquad
          R = \operatorname{median}\{R_t : t \text{ in the first } 10\,\%\text{ of the steps}\}

* **exploding** when a gradient norm is inf or NaN, when the global gradient norm
  :math:`\sqrt{\sum_\theta \lVert\partial L/\partial\theta\rVert^2}` grows to more than
  :data:`EXPLODING_GROWTH` times its value at the first logged step, or when
  :math:`R > 1/`:data:`VANISHING_RATIO` (the first layer gets far more than the last);
* **vanishing** otherwise, when :math:`R <` :data:`VANISHING_RATIO`;
* **healthy** otherwise.

The early steps decide :math:`R` because a network whose gradients vanished often stops
learning altogether, and then every layer's gradient is small and the ratio says nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gradviz.gradlog import GradientLog

VANISHING_RATIO = 1e-2
"""R below this is vanishing: the first layer gets less than 1 % of the last layer's gradient."""
EXPLODING_GROWTH = 1e2
"""The global gradient norm growing past 100 times its first logged value is exploding."""
EARLY_FRACTION = 0.1
"""R is the median over this fraction of the logged steps (at least one step)."""
UPDATE_GUIDE = 1e-3
"""Karpathy's guideline for the update:data ratio ‖Δθ‖/‖θ‖ (log₁₀ ≈ −3)."""
GUIDE_FACTOR = 10.0
"""A layer's median update:data ratio more than this factor off :data:`UPDATE_GUIDE` is
learning too slowly (below) or too fast (above)."""
COLLAPSE = 1e-3
"""The largest gradient norm at the last step below this fraction of its first-step value:
every layer's gradient has shrunk (the network stopped learning)."""
MAX_LAYERS_DRAWN = 200
"""Per-layer charts draw at most this many layers, evenly spaced, first and last included."""
MAX_POINTS = 4000
"""Charts over training draw at most this many points (one step in k)."""
WEIGHT_SUFFIXES = ("weight", "kernel")


def weight_names(log: GradientLog) -> tuple[str, ...]:
    """The names that are weight matrices (ending in ``weight`` or ``kernel``, as PyTorch and
    Keras name them), in network order; all names when none is. Biases' gradient norms are on
    another scale, so the depth ratio compares weights with weights."""
    weights = tuple(n for n in log.names if n.endswith(WEIGHT_SUFFIXES))
    return weights or log.names


def drawn_layers(names: tuple[str, ...], limit: int = MAX_LAYERS_DRAWN) -> tuple[str, ...]:
    """At most ``limit`` of ``names``, evenly spaced, first and last included."""
    if len(names) <= limit:
        return names
    picks = np.unique(np.linspace(0, len(names) - 1, limit).round().astype(int))
    return tuple(names[i] for i in picks)


def stride_for(steps: int, per_step: int = 1, limit: int = MAX_POINTS) -> int:
    """One step in ``k`` keeps ``steps × per_step`` points within ``limit``."""
    return max(1, math.ceil(steps * per_step / limit))


def chosen_steps(log: GradientLog, fractions: tuple[float, ...]) -> tuple[int, ...]:
    """The logged steps nearest to each fraction (0 = first logged step, 1 = last) of the way
    through training, without repeats, ascending."""
    steps = np.asarray(log.steps)
    picks = {int(steps[round(f * (len(steps) - 1))]) for f in fractions}
    return tuple(sorted(picks))


def layer_profile(log: GradientLog, steps: tuple[int, ...]) -> pd.DataFrame:
    """Gradient norm against depth at ``steps``: DataFrame[step, layer, name, grad_norm] for
    the :func:`drawn_layers` (``layer`` is the 1-based network position)."""
    names = set(drawn_layers(log.names))
    frame = log.frame
    rows = frame[frame["step"].isin(steps) & frame["name"].isin(names)]
    return rows[["step", "layer", "name", "grad_norm"]].reset_index(drop=True)


def depth_ratio_series(log: GradientLog) -> pd.DataFrame:
    """:math:`R_t` per logged step: DataFrame[step, ratio]; empty with fewer than two weights.
    A zero, inf or NaN norm gives an inf or NaN ratio (data, not an error)."""
    weights = weight_names(log)
    if len(weights) < 2:
        return pd.DataFrame({"step": pd.Series(dtype=int), "ratio": pd.Series(dtype=float)})
    wide = log.wide("grad_norm")
    with np.errstate(all="ignore"):
        ratio = wide[weights[0]].to_numpy(float) / wide[weights[-1]].to_numpy(float)
    return pd.DataFrame({"step": wide.index.to_numpy(), "ratio": ratio})


def global_grad_norm(log: GradientLog) -> pd.Series:
    r""":math:`\sqrt{\sum_\theta\lVert\partial L/\partial\theta\rVert^2}` per step (inf or NaN
    when a term is; overflow of the sum is inf)."""
    wide = log.wide("grad_norm").to_numpy(float)
    with np.errstate(all="ignore"):
        scale = np.max(np.where(np.isnan(wide), 0.0, wide), axis=1, keepdims=True)
        safe = np.where(scale > 0, scale, 1.0)
        total = scale[:, 0] * np.sqrt(np.sum((wide / safe) ** 2, axis=1))
    total = np.where(np.isnan(wide).any(axis=1), np.nan, total)
    return pd.Series(total, index=list(log.steps), name="global_grad_norm")


def update_ratios(log: GradientLog) -> pd.DataFrame | None:
    """update_norm / param_norm per (step, drawn layer): DataFrame[step, layer, name, ratio],
    one step in k to stay within :data:`MAX_POINTS`; ``None`` when the log lacks either
    column. A zero parameter norm gives inf or NaN (data)."""
    if not {"update_norm", "param_norm"} <= set(log.columns):
        return None
    names = drawn_layers(log.names)
    keep_steps = log.steps[:: stride_for(len(log.steps), len(names))]
    frame = log.frame
    rows = frame[frame["name"].isin(set(names)) & frame["step"].isin(keep_steps)]
    with np.errstate(all="ignore"):
        ratio = rows["update_norm"].to_numpy(float) / rows["param_norm"].to_numpy(float)
    out = rows[["step", "layer", "name"]].reset_index(drop=True)
    out["ratio"] = ratio
    return out


def median_update_ratios(log: GradientLog) -> pd.Series | None:
    """Each layer's median update:data ratio over the steps where it is finite (NaN when it
    never is), in network order; ``None`` when the log lacks the columns."""
    if not {"update_norm", "param_norm"} <= set(log.columns):
        return None
    with np.errstate(all="ignore"):
        ratio = log.wide("update_norm").to_numpy(float) / log.wide("param_norm").to_numpy(float)
    medians = [
        float(np.median(column[np.isfinite(column)])) if np.isfinite(column).any() else math.nan
        for column in ratio.T
    ]
    return pd.Series(medians, index=list(log.names), name="median_update_ratio")


@dataclass(frozen=True)
class NonFinite:
    """A column of one parameter that left float64 range: ``kind`` ``"inf"`` or ``"NaN"`` at
    its first non-finite step ``step``, and ``count`` non-finite steps in all."""

    column: str
    name: str
    step: int
    kind: str
    count: int


def non_finite_events(log: GradientLog) -> tuple[NonFinite, ...]:
    """Every (column, parameter) with an inf or NaN, ordered by first step, then network
    order."""
    events = []
    for column in ("grad_norm", *log.columns):
        if not log.non_finite.get(column):
            continue
        wide = log.wide(column)
        values = wide.to_numpy(float)
        bad = ~np.isfinite(values)
        for j in np.flatnonzero(bad.any(axis=0)):
            i = int(np.argmax(bad[:, j]))
            kind = "NaN" if math.isnan(values[i, j]) else "inf"
            events.append(
                NonFinite(column, log.names[j], int(wide.index[i]), kind, int(bad[:, j].sum()))
            )
    order = {name: k for k, name in enumerate(log.names)}
    return tuple(sorted(events, key=lambda e: (e.step, order[e.name], e.column)))


@dataclass(frozen=True)
class Diagnosis:
    """What the log shows (see the module docstring for the rule).

    kind : ``"exploding"``, ``"vanishing"`` or ``"healthy"``.
    first, last : the weights the depth ratio compares (equal with a single weight).
    early_ratio : :math:`R` (NaN when it cannot be computed: one weight, or no finite ratio).
    early_steps : how many steps the median took.
    growth : largest finite global gradient norm over its first-step value (NaN when the first
        is zero or not finite), at step ``growth_step``.
    collapse : largest gradient norm at the last step over that at the first (NaN if not finite).
    non_finite : :func:`non_finite_events` of ``grad_norm``.
    reasons : the conditions that held, as codes: ``"non_finite"``, ``"growth"``,
        ``"depth_growth"``, ``"depth_ratio"``.
    """

    kind: str
    first: str
    last: str
    early_ratio: float
    early_steps: int
    growth: float
    growth_step: int
    collapse: float
    non_finite: tuple[NonFinite, ...]
    reasons: tuple[str, ...]


def diagnose(log: GradientLog) -> Diagnosis:
    """The diagnosis of ``log`` (rule in the module docstring)."""
    weights = weight_names(log)
    series = depth_ratio_series(log)
    early = max(1, math.ceil(EARLY_FRACTION * len(log.steps)))
    head = series["ratio"].to_numpy(float)[:early]
    head = head[np.isfinite(head)]
    early_ratio = float(np.median(head)) if head.size else math.nan

    total = global_grad_norm(log).to_numpy(float)
    finite = np.where(np.isfinite(total), total, -np.inf)
    peak = int(np.argmax(finite))
    with np.errstate(all="ignore"):
        first_total = total[0]
        growth = (
            float(finite[peak] / first_total)
            if math.isfinite(first_total) and first_total > 0 and finite[peak] > -np.inf
            else math.nan
        )
        wide = log.wide("grad_norm").to_numpy(float)
        start, end = np.max(wide[0]), np.max(wide[-1])
        collapse = float(end / start) if math.isfinite(start) and start > 0 else math.nan
    collapse = collapse if math.isfinite(collapse) else math.nan

    events = tuple(e for e in non_finite_events(log) if e.column == "grad_norm")
    reasons = []
    if events:
        reasons.append("non_finite")
    if growth > EXPLODING_GROWTH:
        reasons.append("growth")
    if early_ratio > 1 / VANISHING_RATIO:
        reasons.append("depth_growth")
    if reasons:
        kind = "exploding"
    elif early_ratio < VANISHING_RATIO:
        kind, reasons = "vanishing", ["depth_ratio"]
    else:
        kind = "healthy"
    return Diagnosis(
        kind=kind,
        first=weights[0],
        last=weights[-1],
        early_ratio=early_ratio,
        early_steps=early,
        growth=growth,
        growth_step=int(log.steps[peak]),
        collapse=collapse,
        non_finite=events,
        reasons=tuple(reasons),
    )
