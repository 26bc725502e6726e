"""Remedies page figures: the default comparison, one training run, and the page rerun."""

from __future__ import annotations

from bench import Report, timed


def run(report: Report) -> None:
    from gradviz import remedies as rm
    from gradviz import train as tr

    report.time(
        "train: 300 steps, depth 10 × width 32, 200 points",
        timed(lambda: tr.train(tr.TrainConfig()), repeat=3),
        3.0,
    )
    problem = rm.Problem()
    report.value(
        "remedies default problem",
        f"{problem.depth}×{problem.width}, {problem.steps} steps, {problem.n} points",
    )
    report.time(
        "remedies: baseline + 5 remedies (6 runs)",
        timed(lambda: rm.compare(problem, rm.DEFAULT_REMEDIES), repeat=1, warmup=0),
        5.0,
    )
    report.time(
        "remedies: page default (6 runs + all together)",
        timed(lambda: rm.compare(problem, rm.DEFAULT_REMEDIES, together=True), repeat=1, warmup=0),
    )
    report.page("pages/5_Remedies.py", warm_target=0.3)
