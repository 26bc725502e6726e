"""Remedies page figures: the default comparison, one training run, and the page rerun."""

from __future__ import annotations

import os

from bench import Report, timed


def run(report: Report) -> None:
    from gradviz import parallel
    from gradviz import remedies as rm
    from gradviz import train as tr

    report.value(
        "machine",
        f"{parallel.usable_cores()} usable cores, load average {os.getloadavg()[0]:.2f} (1 min)",
    )
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
    plans = rm.plan(problem, rm.DEFAULT_REMEDIES)
    report.time(
        "remedies: 6 runs one after another (workers=1, reference)",
        timed(lambda: parallel.train_many([c for _, c in plans], workers=1), repeat=1, warmup=0),
    )
    parallel.stop_helpers()  # the first comparison after start-up also starts the helpers
    report.time(
        "remedies: baseline + 5 remedies (6 runs), helpers starting",
        timed(lambda: rm.compare(problem, rm.DEFAULT_REMEDIES), repeat=1, warmup=0),
        5.0,
    )
    report.time(
        "remedies: baseline + 5 remedies (6 runs), helpers running",
        timed(lambda: rm.compare(problem, rm.DEFAULT_REMEDIES), repeat=3, warmup=0),
        5.0,
    )
    report.time(
        "remedies: page default (6 runs + all together)",
        timed(lambda: rm.compare(problem, rm.DEFAULT_REMEDIES, together=True), repeat=1, warmup=0),
    )
    report.page("pages/5_Remedies.py", warm_target=0.3)
    parallel.stop_helpers()
