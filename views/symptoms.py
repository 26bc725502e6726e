"""Seed 003's six symptoms in words: the evidence behind each verdict of
:func:`gradviz.symptoms.evaluate`, shared by the Remedies and Your network views."""

from __future__ import annotations

import pandas as pd

from gradviz import symptoms as sy
from gradviz.numerics import format_marked, format_sci

NEEDS = {
    sy.NEEDS_LOSS: "a loss column",
    sy.NEEDS_CHANCE: "the chance-level loss",
    sy.NEEDS_PARAMS: "a param_norm column",
    sy.NEEDS_UPDATES: "update_norm and param_norm columns",
    sy.NEEDS_UNITS: "each unit's gradient; a log holds one norm per parameter",
}
"""What an unevaluated symptom needs, in words."""


def share_against(value: float, threshold: float) -> str:
    """``value`` as a percentage, with as many decimals as it takes not to read as its
    ``threshold`` (52 of 1,000 updates against "above 5%": "5.2%", not "5%")."""
    for digits in range(4):
        text = f"{value:.{digits}%}"
        if text != f"{threshold:.{digits}%}":
            return text
    return text


def evidence(facts: dict) -> str:
    """The numbers behind one verdict (a ``facts`` dict of :func:`gradviz.symptoms.evaluate`)
    in words, with its threshold."""
    kind = facts["kind"]
    if kind == "needs":
        return f"needs {NEEDS[facts['needs']]}"
    if kind == "diverged":
        return f"the run diverged at step {facts['step']}"
    if kind == "final_loss":
        return (
            f"final loss {format_sci(facts['final'])} is "
            f"{share_against(facts['share'], sy.CONVERGED_FRACTION)} of the chance level "
            f"{facts['chance']:.3f} (converged means below {sy.CONVERGED_FRACTION:.0%})"
        )
    if kind == "jumps":
        return (
            f"{facts['jumps']} of {facts['updates']} updates raised the loss by more than "
            f"{sy.JUMP:.0%} ({share_against(facts['share'], sy.UNSTABLE_FRACTION)}; unstable above "
            f"{sy.UNSTABLE_FRACTION:.0%})"
        )
    if kind == "finite":
        if facts["step"] is not None:
            return (
                f"the {facts['quantity']} left float64 range (inf or NaN) at step {facts['step']}"
            )
        return f"the {facts['quantity']} stayed finite for all {facts['steps']} steps"
    if kind == "largest_update":
        return (
            f"the largest update moved the weights by {format_marked(facts['biggest'])} of "
            f"their norm (wild above {sy.WILD_UPDATE_RATIO:g}; a healthy update is about 1e-3)"
        )
    if kind == "above_one":
        return (
            f"every node's |∂C/∂b| was above 1 in "
            f"{share_against(facts['above'], sy.ABOVE_ONE_FRACTION)} of the steps (symptom "
            f"from {sy.ABOVE_ONE_FRACTION:.0%}); smallest node gradient at the last step "
            f"{format_marked(facts['last'])}"
        )
    raise ValueError(f"unknown kind of symptom evidence {kind!r}")


def with_evidence(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (with a ``facts`` column) with an ``evidence`` column in its place."""
    words = [evidence(facts) for facts in table["facts"]]
    return table.drop(columns="facts").assign(evidence=words)
