"""Deep-chain page: the single-neuron chain at L = 1000, a Jacobian spectrum, the page rerun."""

from __future__ import annotations

from bench import Report, timed
from gradviz import chain as ch
from gradviz import linear_chain as lc
from gradviz import spectra as sp


def run(report: Report) -> None:
    w, b = ch.draw_chain(1000, "standard_normal", 0, 1.0)
    report.time(
        "chain L=1000 sigmoid: forward + float64 + log-space backward",
        timed(lambda: ch.analyze_chain(w, b, 1.0, 0.0, "sigmoid")),
        0.010,
    )
    w, b = ch.exploding_chain(1000, 100.0, 1.0, "sigmoid")
    report.time(
        "chain L=1000 explosion (overflowing float64 pass)",
        timed(lambda: ch.analyze_chain(w, b, 1.0, 0.0, "sigmoid")),
        0.010,
    )
    sigma, q_star = sp.critical_point("tanh", 0.0)
    q_in = sp.input_variance(q_star)
    for weights in sp.WEIGHTS:
        report.time(
            f"Jacobian spectrum depth 50 width 128, {weights} tanh",
            timed(
                lambda weights=weights: sp.jacobian_spectrum(
                    weights, "tanh", sigma, 0.0, 50, 128, 0, q_in
                ),
                repeat=3,
            ),
            0.300,
        )
    report.time(
        "linear chain n=64, t <= 500, Jordan-like",
        timed(lambda: lc.analyze_linear_chain("jordan", 64, 0.9, 0.9, 1.0, 500, 0), repeat=3),
    )
    report.page("pages/3_Deep_chain.py", 0.300)
    report.page("pages/3_Deep_chain.py", 0.300, query={"length": "1000"})
