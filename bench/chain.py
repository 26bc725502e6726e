"""Deep-chain page: cost models against measured runs, each tab's worst case, the page rerun.

``python -m bench chain``. The cost models (``chain_cost``, ``analysis_cost``,
``spectrum_cost``) are checked at a small setting, the page's default and the sliders' maxima;
each tab's worst case (every expensive control at its maximum together) runs cold in a fresh
process against the tab budget and the process memory budget.
"""

from __future__ import annotations

from bench import Report
from gradviz import budget
from gradviz import linear_chain as lc
from gradviz import neuron_chain as ch
from gradviz import spectra as sp
from views import deep_chain as views

PAGE = "pages/3_Deep_chain.py"

WORST_CASES = {
    # L = 1000 with every layer edited to the largest weights, extreme input and target:
    # the longest edits text, the largest table, and a forward pass that overflows.
    "Neuron chain": {
        "length": "1000",
        "act": "gelu",
        "sigma_b": "5.0",
        "weight": "1e300",
        "x": "1000000",
        "y": "-1000000",
        "edits": ", ".join(f"{j}:-1e300;1e300" for j in range(1, 1001)),
    },
    # The explosion's per-layer activation calls are the chain's slowest source.
    "Neuron chain, explosion": {
        "length": "1000",
        "act": "gelu",
        "source": "seed 003 explosion",
        "weight": "1e300",
        "x": "1000000",
    },
    # n = 64, t <= 500; chosen eigenvalues add an inverse and complex eigenvectors.
    "Linear chain": {
        "tab": "Linear chain",
        "kind": lc.KIND_LABELS["eigen"],
        "n": "64",
        "steps": "500",
        "radius": "3.0",
        "spread": "0.01",
        "coupling": "3.0",
    },
    # Depth 200 x width 256, both weights (orthogonal draws a QR per layer).
    "Jacobian spectra": {
        "tab": "Jacobian spectra",
        "jact": "tanh",
        "ratio": "1.5",
        "sigma_b2": "0.5",
        "depth": "200",
        "width": "256",
    },
}


def neuron_chain(length: int, explosion: bool) -> None:
    """What ``chain_view`` computes before its charts (the part ``chain_cost`` models)."""
    if explosion:
        w, b = ch.exploding_chain(length, 100.0, 1.0, "gelu")
    else:
        w, b = ch.draw_chain(length, "standard_normal", 0, 1.0)
    result = ch.analyze_chain(w, b, 1.0, 0.0, "gelu")
    ch.gradient_frame(result), ch.waterfall_frame(result), ch.layer_table(result)
    views.chain_text(result, explosion), views.formula_latex(result)


def run(report: Report) -> None:
    for length in (2, 4, 1000):
        for explosion in (False, True):
            report.model(
                f"neuron chain L={length}{', explosion' if explosion else ''}",
                ch.chain_cost(length, explosion),
                lambda length=length, explosion=explosion: neuron_chain(length, explosion),
            )
    for kind in ("eigen", "orthogonal", "jordan"):
        for n, steps in ((2, 1), (8, 100), (64, 500)):
            report.model(
                f"linear chain {kind} n={n}, t <= {steps}",
                lc.analysis_cost(kind, n, steps),
                lambda kind=kind, n=n, steps=steps: lc.analyze_linear_chain(
                    kind, n, 3.0, 0.01, 3.0, steps, 0
                ),
            )
    for weights in sp.WEIGHTS:
        for depth, width in ((2, 16), (50, 128), (200, 256)):
            report.model(
                f"Jacobian spectrum {weights} depth {depth} width {width}",
                sp.spectrum_cost(weights, depth, width),
                lambda weights=weights, depth=depth, width=width: sp.jacobian_spectrum(
                    weights, "tanh", 1.0, 0.0, depth, width, 0, 1.0
                ),
            )
    for tab, query in WORST_CASES.items():
        report.worst_case(tab, PAGE, query, budget.TAB_SECONDS, budget.PROCESS_BYTES)
    report.page(PAGE, budget.WARM_RERUN_SECONDS)
    for tab in ("Linear chain", "Jacobian spectra"):
        report.page(PAGE, budget.WARM_RERUN_SECONDS, query={"tab": tab})
