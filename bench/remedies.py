"""Remedies page figures: its cost models against measured runs, every tab at its worst link,
the helper processes' memory, and the warm rerun of the default view.

Training with helpers is timed from a cold start (helpers stopped first), as the cost model
assumes. Peak memory of a run with helpers counts the helper's too: its peak resident memory
above what it held before the run (``/proc/<pid>/clear_refs`` resets the peak), added to what
this process allocated.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench import _COLD_RUN, ROOT, Report, peak_bytes

PAGE = "pages/5_Remedies.py"
ALL_REMEDIES = ["activation", "init", "batchnorm", "residual", "clip", "penalty"]
ALL_REMEDIES += ["fewer_layers", "smaller_lr"]
# Every expensive control at its maximum, every remedy on, "together" on; lr 0.001 keeps every
# run finite for all its steps (lr 10 makes several diverge early, which is cheaper).
WORST = {
    "depth": "100",
    "width": "64",
    "steps": "500",
    "lr": "0.001",
    "remedies": ALL_REMEDIES,
    "together": "True",
    "r_depth": "10",
}
ISSUE_LINK = {"depth": "100", "sigma_w": "10.0", "steps": "500", "lr": "10.0"}
WORST_LINKS = {
    "Remedies & symptoms, every remedy at depth 100": (WORST, "training"),
    "Remedies & symptoms, the issue's link": (ISSUE_LINK, "training"),
    "Dying ReLU, depth 30, Adam, lr 0.001": (
        {"tab": "Dying ReLU", "dr_depth": "30", "dr_lr": "0.001", "dr_opt": "adam"},
        "training",
    ),
    "Choosing an activation, depth 30": (
        {"tab": "Choosing an activation", "adv_depth": "30"},
        "training",
    ),
    "Gated cells, T 200": (
        {"tab": "Gated cells", "g_len": "200", "g_radius": "1.5", "g_fb": "5.0"},
        "tab",
    ),
}

# After the page's run: each idle helper's own peak (VmHWM: ru_maxrss of the children would
# count the app's memory at the fork that started them), then stop them, so the kernel reports
# their CPU time; and this process's CPU time (the whole run, imports included).
_HELPERS_PEAK = """
import resource
from gradviz import parallel
def vm_hwm(pid):
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
helper_peaks = [vm_hwm(h.process.pid) for h in parallel._HELPERS._idle if h.alive()]
parallel.stop_helpers()
me = resource.getrusage(resource.RUSAGE_SELF)
children = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps([sum(helper_peaks), me.ru_utime + me.ru_stime,
                  children.ru_utime + children.ru_stime]))
"""


def cold_run_with_helpers(page: str, query: dict) -> tuple[float, float, float, float, float]:
    """:func:`bench.cold_run_in_fresh_process`, plus the peak resident memory of the helper
    processes the run started, summed (0 if none), and the CPU seconds of the app process and of
    its helpers: on a busy machine the wall time says little, the CPU time what the run
    cost."""
    out = subprocess.run(
        [sys.executable, "-c", _COLD_RUN + _HELPERS_PEAK, page, json.dumps(query)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    *_, run_line, helpers_line = out.stdout.strip().splitlines()
    seconds, peak, exceptions = json.loads(run_line)
    if exceptions:
        raise RuntimeError(f"{page} {query}: {exceptions}")
    helper_peak, app_cpu, helper_cpu = json.loads(helpers_line)
    return seconds, peak, float(helper_peak), app_cpu, helper_cpu


def cpu_seconds(fn, repeat: int = 3) -> float:
    """The least CPU time of this process over ``repeat`` calls of ``fn()`` (what a run costs,
    whatever else the machine is doing)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def _helper_pids() -> list[int]:
    from gradviz import parallel

    return [h.process.pid for h in parallel._HELPERS._idle if h.alive()]


def _rss_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def peak_with_helpers(fn) -> float:
    """Peak bytes of ``fn()``: traced in this process, plus each idle helper's peak resident
    memory during the call above its resident memory before it."""
    pids = _helper_pids()
    before = {}
    for pid in pids:
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS
        before[pid] = _rss_kb(pid, "VmRSS")
    here = peak_bytes(fn)
    return here + sum(1024.0 * (_rss_kb(pid, "VmHWM") - before[pid]) for pid in pids)


def run(report: Report) -> None:
    from gradviz import budget, choosing, parallel
    from gradviz import remedies as rm
    from gradviz import train as tr

    report.value(
        "machine",
        f"{parallel.usable_cores()} usable cores, load average {os.getloadavg()[0]:.2f} (1 min)",
    )

    # One run in this thread: train_cost over the settings the tabs allow.
    opts = rm.RemedyOptions()
    for name, cfg in (
        ("default baseline 20×64, 300 steps", rm.Problem().config()),
        ("100×64, 40 steps", rm.Problem(depth=100, lr=0.001, steps=40).config()),
        ("2×8, 500 steps", rm.Problem(depth=2, width=8, steps=500).config()),
        ("40×32 tanh, 150 steps", rm.Problem(depth=40, width=32, activation="tanh").config()),
        (
            "30×64 batch norm, 60 steps",
            rm.remedy_config(rm.Problem(depth=30, steps=60).config(), ("batchnorm",), opts),
        ),
        (
            "30×64 clip + L2, 60 steps",
            rm.remedy_config(rm.Problem(depth=30, steps=60).config(), ("clip", "penalty"), opts),
        ),
        ("dying ReLU 30×32 Adam, 100 steps", choosing.dying_configs(30, steps=100, lr=0.001)[0]),
    ):
        cost = rm.train_cost(cfg)
        report.model(f"train_cost {name}", cost, lambda c=cfg: rm.record(tr.train(c)))
        report.value(
            f"train_cost {name}: measured/model CPU time",
            f"{cpu_seconds(lambda c=cfg: rm.record(tr.train(c))) / cost.seconds:.2f}x",
        )

    # Several runs on two workers, helpers starting: wall time and the memory of both processes.
    def cold(fn):
        def go():
            parallel.stop_helpers()
            return fn()

        return go

    def warm_helpers():
        parallel.train_many([tr.TrainConfig(steps=2), tr.TrainConfig(steps=3)], workers=2)

    for name, problem, remedies in (
        ("default comparison (7 runs)", rm.Problem(), rm.DEFAULT_REMEDIES),
        (
            "every remedy at 60×32, 150 steps (10 runs)",
            rm.Problem(depth=60, width=32, steps=150, lr=0.01),
            tuple(rm.REMEDIES),
        ),
        (
            "default remedies at 100×64, 100 steps (7 runs)",
            rm.Problem(depth=100, steps=100, lr=0.01),
            rm.DEFAULT_REMEDIES,
        ),
    ):
        plans = rm.plan(problem, remedies, opts, together=True)
        cost = rm.runs_cost([cfg for _, cfg in plans])

        def compare(p=problem, r=remedies):
            return rm.compare(p, r, opts, together=True)

        def measure_peak(_fn, compare=compare):
            warm_helpers()
            return peak_with_helpers(compare)

        report.model(f"runs_cost {name}", cost, cold(compare), measure_peak=measure_peak)

    report.model(
        "dying_cost depth 30, Adam, lr 0.001",
        rm.runs_cost(choosing.dying_configs(30, lr=0.001, optimizer="adam")),
        cold(lambda: choosing.dying_relu(30, lr=0.001, optimizer="adam")),
        measure_peak=lambda _fn: (
            warm_helpers(),
            peak_with_helpers(lambda: choosing.dying_relu(30, lr=0.001, optimizer="adam")),
        )[1],
    )
    report.model(
        "shoot-out runs, depth 30",
        rm.runs_cost(choosing.shootout_configs(30)),
        cold(lambda: choosing.activation_shootout(30)),
        measure_peak=lambda _fn: (
            warm_helpers(),
            peak_with_helpers(lambda: choosing.activation_shootout(30)),
        )[1],
    )
    for length in (50, 200):
        report.model(
            f"gated_cost T {length}",
            rm.gated_cost(length=length),
            lambda n=length: rm.gated_cells(length=n),
        )
    parallel.stop_helpers()

    # Every tab at its worst link, cold, in a fresh process (its own helper included).
    for name, (query, kind) in WORST_LINKS.items():
        seconds = budget.TRAINING_SECONDS if kind == "training" else budget.TAB_SECONDS
        took, peak, helper, app_cpu, helper_cpu = cold_run_with_helpers(PAGE, query)
        report.time(f"{name}: worst case, cold", took, seconds)
        report.value(
            f"{name}: CPU time, app / helper",
            f"{app_cpu:.1f} s / {helper_cpu:.1f} s",
        )
        report.bytes(f"{name}: worst case, process peak memory", peak, budget.PROCESS_BYTES)
        if helper:
            report.bytes(f"{name}: its helper processes, peak memory (summed)", helper)
            report.bytes(f"{name}: app + helpers together", peak + helper, budget.PROCESS_BYTES)

    report.page(PAGE, warm_target=budget.WARM_RERUN_SECONDS)
    parallel.stop_helpers()
