"""Seed 003's six symptoms of exploding gradients, evaluated on any record of a training run.

:func:`evaluate` works on a :class:`RunSignals`, the few series the symptoms need. Two adapters
build one: :func:`gradviz.remedies.symptoms` from the app's own :class:`~gradviz.train.
TrainResult`, and :func:`from_log` from a practitioner's :class:`~gradviz.gradlog.GradientLog`.
A series the record does not hold (``None``) leaves its symptom unevaluated
(``evaluated`` False) instead of guessed. Each verdict carries the numbers behind it
(``facts``); :mod:`views.symptoms` says them in words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gradviz.gradlog import GradientLog

NOT_CONVERGING = "the loss does not converge"
UNSTABLE = "the loss jumps around between updates"
LOSS_NAN = "the loss becomes NaN (not a number)"
WEIGHTS_WILD = "the weights change wildly"
WEIGHTS_NAN = "the weights become NaN (not a number)"
GRADS_ABOVE_ONE = "the error gradients stay above 1.0"
SYMPTOMS = (NOT_CONVERGING, UNSTABLE, LOSS_NAN, WEIGHTS_WILD, WEIGHTS_NAN, GRADS_ABOVE_ONE)

CONVERGED_FRACTION = 0.5  # final loss must fall below half the chance-level loss
JUMP = 0.10  # a loss rise of more than 10 % in one update is a jump
UNSTABLE_FRACTION = 0.05  # ... and more than 5 % of updates jumping is unstable
WILD_UPDATE_RATIO = 0.5  # one update moving the weights by half their norm (guide: 1e-3)
ABOVE_ONE_FRACTION = 0.9  # every node's |∂C/∂b| > 1 in at least 90 % of the steps
COLUMNS = ["symptom", "present", "value", "facts", "evaluated"]
# What an unevaluated symptom needs and the record did not hold (``facts["needs"]``).
NEEDS_LOSS, NEEDS_CHANCE, NEEDS_PARAMS, NEEDS_UPDATES, NEEDS_UNITS = (
    "loss",
    "chance",
    "param_norm",
    "update_norm",
    "unit_gradients",
)


def chance_loss(kind: str, y: np.ndarray) -> float:
    """Loss of the best constant prediction (the class frequencies): the "learned nothing"
    level. BCE/softmax: the entropy :math:`-\\sum_k p_k\\ln p_k`; MSE: :math:`p(1-p)`."""
    p = float(np.mean(np.asarray(y) == 1))
    if kind == "mse":
        return p * (1 - p)
    return -sum(q * math.log(q) for q in (p, 1 - p) if q > 0)


@dataclass(frozen=True)
class RunSignals:
    """What the six symptoms read from a run; ``None`` where the record does not hold it.

    loss : (T,) loss per recorded step.
    update_ratio : (U,) global update:data ratio ‖Δθ‖/‖θ‖ per applied update.
    smallest_grad : (T,) smallest node gradient min_j |∂C/∂b_j| per step.
    non_finite : first step at which ``"loss"`` / ``"weights"`` left float64 range (a key is
        absent when it stayed finite); ``weights_known`` says whether the weights were watched.
    diverged_step : first step whose loss or weights were not finite, or ``None``.
    steps_run : number of recorded steps.
    chance : the chance-level loss, or ``None`` when not known.
    """

    loss: np.ndarray | None
    update_ratio: np.ndarray | None
    smallest_grad: np.ndarray | None
    non_finite: dict[str, int]
    diverged_step: int | None
    steps_run: int
    chance: float | None
    weights_known: bool = True


def evaluate(run: RunSignals) -> pd.DataFrame:
    """The six symptoms of ``run``: DataFrame[symptom, present, value, facts, evaluated] in
    :data:`SYMPTOMS` order; ``value`` is the number that decided it, ``facts`` a dict of the
    numbers behind the verdict, keyed by its ``"kind"`` (:func:`views.symptoms.evidence` words
    them); an unevaluated symptom has ``present`` False, ``value`` NaN and ``facts``
    ``{"kind": "needs", "needs": NEEDS_*}``."""
    loss = run.loss
    rows = []

    if run.diverged_step is not None:
        rows.append(
            (
                NOT_CONVERGING,
                True,
                math.nan,
                {"kind": "diverged", "step": run.diverged_step},
                True,
            )
        )
    elif loss is None or run.chance is None:
        missing = NEEDS_LOSS if loss is None else NEEDS_CHANCE
        rows.append((NOT_CONVERGING, False, math.nan, _needs(missing), False))
    else:
        finite = loss[np.isfinite(loss)]
        tail = finite[-max(1, len(finite) // 10) :] if finite.size else np.array([np.nan])
        final = float(np.mean(tail))
        share = final / run.chance
        rows.append(
            (
                NOT_CONVERGING,
                bool(share > CONVERGED_FRACTION),
                share,
                {"kind": "final_loss", "final": final, "share": share, "chance": run.chance},
                True,
            )
        )

    if loss is None:
        rows.append((UNSTABLE, False, math.nan, _needs(NEEDS_LOSS), False))
    else:
        with np.errstate(all="ignore"):
            before, after = loss[:-1], loss[1:]
            jumps = ~np.isfinite(after) | (after > (1 + JUMP) * before)
        jump_share = float(np.mean(jumps)) if jumps.size else 0.0
        rows.append(
            (
                UNSTABLE,
                bool(jump_share > UNSTABLE_FRACTION),
                jump_share,
                {
                    "kind": "jumps",
                    "jumps": int(jumps.sum()),
                    "updates": int(jumps.size),
                    "share": jump_share,
                },
                True,
            )
        )

    for symptom, quantity, known in (
        (LOSS_NAN, "loss", loss is not None),
        (WEIGHTS_NAN, "weights", run.weights_known),
    ):
        if not known:
            column = NEEDS_LOSS if quantity == "loss" else NEEDS_PARAMS
            rows.append((symptom, False, math.nan, _needs(column), False))
            continue
        step = run.non_finite.get(quantity)
        facts = {"kind": "finite", "quantity": quantity, "step": step, "steps": run.steps_run}
        rows.append(
            (symptom, step is not None, math.nan if step is None else float(step), facts, True)
        )

    updates = run.update_ratio
    if updates is None:
        wild = (WEIGHTS_WILD, False, math.nan, _needs(NEEDS_UPDATES), False)
    else:
        with np.errstate(all="ignore"):
            biggest = (
                float(np.nanmax(np.where(np.isnan(updates), -np.inf, updates)))
                if updates.size
                else 0.0
            )
        wild = (
            WEIGHTS_WILD,
            bool(biggest > WILD_UPDATE_RATIO),
            biggest,
            {"kind": "largest_update", "biggest": biggest},
            True,
        )
    rows.insert(3, wild)

    node = run.smallest_grad
    if node is None:
        rows.append((GRADS_ABOVE_ONE, False, math.nan, _needs(NEEDS_UNITS), False))
    else:
        above = float(np.mean(node > 1.0)) if node.size else 0.0
        rows.append(
            (
                GRADS_ABOVE_ONE,
                bool(above >= ABOVE_ONE_FRACTION),
                above,
                {
                    "kind": "above_one",
                    "above": above,
                    "last": float(node[-1]) if node.size else math.nan,
                },
                True,
            )
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _needs(what: str) -> dict:
    return {"kind": "needs", "needs": what}


def from_log(log: GradientLog, chance: float | None = None) -> RunSignals:
    """The signals a gradient log holds: the loss (its ``loss`` column), the global
    update:data ratio :math:`\\sqrt{\\sum\\lVert\\Delta\\theta\\rVert^2}/\\sqrt{\\sum
    \\lVert\\theta\\rVert^2}` (``update_norm``, ``param_norm``), and the first non-finite loss
    and parameter norm. ``chance``: the chance-level loss when known (a log does not say)."""
    loss = update_ratio = None
    non_finite: dict[str, int] = {}
    steps = np.asarray(log.steps)
    if "loss" in log.columns:
        loss = log.frame.groupby("step")["loss"].first().to_numpy(float)
        bad = ~np.isfinite(loss)
        if bad.any():
            non_finite["loss"] = int(steps[np.argmax(bad)])
    if "param_norm" in log.columns:
        params = log.wide("param_norm").to_numpy(float)
        bad = ~np.isfinite(params).all(axis=1)
        if bad.any():
            non_finite["weights"] = int(steps[np.argmax(bad)])
        if "update_norm" in log.columns:
            updates = log.wide("update_norm").to_numpy(float)
            with np.errstate(all="ignore"):
                update_ratio = np.sqrt(np.sum(updates**2, axis=1)) / np.sqrt(
                    np.sum(params**2, axis=1)
                )
    diverged = min(non_finite.values()) if non_finite else None
    return RunSignals(
        loss=loss,
        update_ratio=update_ratio,
        smallest_grad=None,
        non_finite=non_finite,
        diverged_step=diverged,
        steps_run=len(steps),
        chance=chance,
        weights_known="param_norm" in log.columns,
    )
