"""Benchmarks: ``python -m bench`` prints every figure; ``python -m bench activations`` one topic.

Each topic is a module ``bench/<topic>.py`` with a ``run(report: Report)`` function. Speed is
measured here, never by timed unit tests. Figures print as rows of
``name | measured | target | verdict``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(fn: Callable[[], object], repeat: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` in seconds over ``repeat`` runs after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def page_rerun_times(page: str, repeat: int = 5, query: dict | None = None) -> tuple[float, float]:
    """(cold, warm) seconds for an AppTest run of ``page``: cold is the first run in a fresh
    process-level cache; warm is the median of ``repeat`` reruns with the same settings."""
    import streamlit as st
    import streamlit.logger
    from streamlit.testing.v1 import AppTest

    streamlit.logger.set_log_level("error")  # after Streamlit has read its config (level: info)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    if page != "app.py":
        at.switch_page(page)  # as `streamlit run app.py` runs it, so page links resolve
    if query:
        at.query_params.update(query)
    start = time.perf_counter()
    at.run()
    cold = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"{page}: {[e.value for e in at.exception]}")
    warm = timed(at.run, repeat=repeat, warmup=0)
    return cold, warm


_COLD_RUN = """
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import streamlit.logger
streamlit.logger.set_log_level("error")
from streamlit.testing.v1 import AppTest
page, query = sys.argv[1], json.loads(sys.argv[2])
at = AppTest.from_file("app.py", default_timeout=600)
if page != "app.py":
    at.switch_page(page)
at.query_params.update(query)
start = time.perf_counter()
at.run()
seconds = time.perf_counter() - start
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the forking parent (the bench,
# which may be large by now), while VmHWM belongs to this process's own memory map.
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
print(json.dumps([seconds, peak, [e.value for e in at.exception]]))
"""


def cold_run_in_fresh_process(page: str, query: dict) -> tuple[float, float]:
    """(seconds, peak bytes) of one cold AppTest run of ``page`` opened from the link ``query``,
    in a fresh Python process: its peak resident memory stands for the app server's (the same
    imports, one visitor). Raises if the page showed an exception."""
    out = subprocess.run(
        [sys.executable, "-c", _COLD_RUN, page, json.dumps(query)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, peak, exceptions = json.loads(out.stdout.strip().splitlines()[-1])
    if exceptions:
        raise RuntimeError(f"{page} {query}: {exceptions}")
    return seconds, peak


def peak_bytes(fn: Callable[[], object]) -> float:
    """Peak bytes allocated while ``fn()`` runs, above what was allocated before (numpy reports
    its arrays to tracemalloc). Time it separately: tracing slows Python's allocations."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return float(peak - base)


@dataclass
class Report:
    """Collects and prints benchmark rows as they are measured."""

    rows: list[tuple[str, str, str, str]] = field(default_factory=list)

    def time(self, name: str, seconds: float, target: float | None = None) -> None:
        verdict = "" if target is None else ("ok" if seconds <= target else "SLOW")
        target_text = "" if target is None else f"<= {_ms(target)}"
        self._row(name, _ms(seconds), target_text, verdict)

    def ratio(self, name: str, ratio: float, target: float | None = None) -> None:
        verdict = "" if target is None else ("ok" if ratio <= target else "SLOW")
        self._row(name, f"{ratio:.2f}x", "" if target is None else f"<= {target:.2f}x", verdict)

    def bytes(self, name: str, peak: float, target: float | None = None) -> None:
        verdict = "" if target is None else ("ok" if peak <= target else "OVER")
        target_text = "" if target is None else f"<= {target / 1e6:.0f} MB"
        self._row(name, f"{peak / 1e6:.0f} MB", target_text, verdict)

    def model(
        self,
        name: str,
        cost,
        fn: Callable[[], object],
        repeat: int = 3,
        measure_peak: Callable[[Callable[[], object]], float] = peak_bytes,
    ) -> None:
        """The cost model against the measured run of ``fn()``: fastest of ``repeat`` wall
        times over the predicted seconds, and ``measure_peak(fn)`` (by default: traced peak
        bytes in this process) over the predicted peak; each must lie within 2x either way
        (``gradviz.budget``)."""
        seconds = min(timed(fn, repeat=1, warmup=0) for _ in range(repeat))
        peak = measure_peak(fn)
        for what, measured, predicted in (
            ("time", seconds, cost.seconds),
            ("peak memory", peak, cost.peak_bytes),
        ):
            ratio = measured / predicted if predicted > 0 else float("inf")
            verdict = "ok" if 0.5 <= ratio <= 2.0 else "OFF"
            self._row(f"{name}: measured/model {what}", f"{ratio:.2f}x", "0.5x-2x", verdict)

    def worst_case(
        self, name: str, page: str, query: dict, seconds: float, peak_bytes: float
    ) -> None:
        """A tab at its worst-case link, cold, in a fresh process: time and peak memory rows."""
        took, peak = cold_run_in_fresh_process(page, query)
        self.time(f"{name}: worst case, cold", took, seconds)
        self.bytes(f"{name}: worst case, process peak memory", peak, peak_bytes)

    def value(self, name: str, text: str) -> None:
        self._row(name, text, "", "")

    def failed(self, name: str, text: str) -> None:
        """Something that must not happen did (an exception on a page, say)."""
        self._row(name, text, "", "FAIL")

    def page(self, page: str, warm_target: float, query: dict | None = None) -> None:
        cold, warm = page_rerun_times(page, query=query)
        self.time(f"{page} AppTest run, cold", cold)
        self.time(f"{page} AppTest rerun, warm", warm, warm_target)

    def _row(self, *row: str) -> None:
        self.rows.append(row)
        name, measured, target, verdict = row
        print(f"{name:<62} {measured:>11} {target:>11} {verdict:>5}", flush=True)

    @property
    def slow(self) -> list[str]:
        return [r[0] for r in self.rows if r[3] in ("SLOW", "OVER", "OFF", "FAIL")]


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms" if seconds < 10 else f"{seconds:.2f} s"


def quiet() -> None:
    """Silence Streamlit's bare-mode warnings so the figures stay readable."""
    os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")
    warnings.filterwarnings("ignore")
    import streamlit.logger

    # Streamlit sets a level on every logger it creates; this updates them all, including the
    # bare-mode "No runtime found" / "missing ScriptRunContext" notices AppTest triggers.
    streamlit.logger.set_log_level("error")
