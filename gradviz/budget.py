r"""What a computation will cost before it runs, and what the app allows one to cost.

Every engine computation a page runs has a ``*_cost(config) -> Cost`` next to it that counts,
from the config alone:

* ``madds``: multiply-adds inside matrix products;
* ``elementwise``: element operations outside them (one per element per numpy pass; a
  transcendental such as ``tanh`` or ``exp`` counts as :data:`TRANSCENDENTAL` passes);
* ``calls``: numpy calls, each with a fixed overhead that dominates small arrays;
* ``peak_bytes``: the float64 arrays alive at once at the computation's peak.

:meth:`Cost.seconds` turns the counts into time on the reference machine (2 cores, the app's
Community Cloud size):

.. math:: t = \frac{\text{madds}}{R_{\text{gemm}}} + \frac{\text{elementwise}}{R_{\text{elem}}}
          + \text{calls}\cdot t_{\text{call}}

The rates were measured on that machine; ``python -m bench`` checks every cost model against
measured time and memory over a range of settings (within 2×). The model is deterministic, so a
shared link truncates or refuses exactly as it did for the presenter, whatever the server's load.

The budgets below are the only place the app's limits are written down.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

GEMM_RATE = 2.0e10
"""Multiply-adds per second of a float64 matrix product (about 23e9 measured on one core for
products of 256 and more; small products such as 201×64 by 64×64 reach about 13e9)."""
ELEMENT_RATE = 1.5e9
"""Simple element operations per second outside products (a multiply: about 0.5 ns/element)."""
TRANSCENDENTAL = 3.0
"""Element passes one ``tanh``/``exp``/``log`` costs (tanh about 2 ns, exp about 1 ns)."""
CALL_SECONDS = 2.5e-6
"""Fixed cost of one numpy call on small arrays (ufunc dispatch, a few Python operations)."""

TAB_SECONDS = 5.0
"""A tab at any combination of allowed settings finishes within this, from a cold cache."""
TRAINING_SECONDS = 10.0
"""A training tab (with a progress bar) finishes within this."""
PLAN_SHARE = 0.8
"""The share of a training tab's room (its budget less the page's own work) that a cut-short
run plans to fill: a cost model is a model (its rows in ``python -m bench`` may lie anywhere
within 0.5x-2x of measured). Planned to the whole room, the Initialization Training tab's worst
case measured 11.1 s and the Remedies tab's 9.99 s against 10 s."""
COMPUTE_BYTES = 200e6
"""Peak working memory of one computation: with the server's own ~150 MB and one visitor's
cached results, the app process stays under 500 MB at any allowed setting."""
PROCESS_BYTES = 500e6
"""Peak memory of the app process with one visitor at any allowed setting."""
CACHE_BYTES = 100e6
"""All cached results together, across every page and visitor. With the server's own 250-300 MB
after many links (``ui.heap``) and a training helper's 140 MB, the app then stays under
:data:`LINKS_PROCESS_BYTES` after any number of distinct links; 200 MB left no room for the
helper (``python -m bench load``)."""
WARM_RERUN_SECONDS = 0.15
"""A warm rerun of every default view."""
VISITORS_PROCESS_BYTES = 800e6
"""Peak memory of the app process, plus the training helpers it starts, with 8 visitors at once
on different pages at their defaults (``tests/test_load.py``, ``python -m bench load``)."""
LINKS_PROCESS_BYTES = 600e6
"""Memory of the app process, plus its training helpers, after it has served 100 distinct links
one after another (``python -m bench load``)."""


@dataclass(frozen=True)
class Cost:
    """What one computation will cost (see the module docstring); costs add and scale."""

    madds: float = 0.0
    elementwise: float = 0.0
    calls: float = 0.0
    peak_bytes: float = 0.0

    @property
    def seconds(self) -> float:
        """Estimated wall time on the reference machine."""
        return self.madds / GEMM_RATE + self.elementwise / ELEMENT_RATE + self.calls * CALL_SECONDS

    def __add__(self, other: Cost) -> Cost:
        """Two computations one after the other: work adds, the peak is the larger one."""
        return Cost(
            self.madds + other.madds,
            self.elementwise + other.elementwise,
            self.calls + other.calls,
            max(self.peak_bytes, other.peak_bytes),
        )

    def __mul__(self, times: float) -> Cost:
        """``times`` repetitions in sequence (steps, epochs): work scales, the peak does not."""
        return Cost(
            self.madds * times, self.elementwise * times, self.calls * times, self.peak_bytes
        )

    __rmul__ = __mul__

    def fits(self, seconds: float = TAB_SECONDS, peak_bytes: float = COMPUTE_BYTES) -> bool:
        """Whether it finishes within ``seconds`` and ``peak_bytes``."""
        return self.seconds <= seconds and self.peak_bytes <= peak_bytes


DATAFRAME = Cost(calls=30, peak_bytes=6e3)
"""Building one small pandas DataFrame, or concatenating a few: about 75 µs (as many as 30
numpy calls) and 5-6 kB of pandas bookkeeping, whatever the row count (measured on the
reference machine; the columns themselves are counted by the caller)."""
TEXT_COLUMN = Cost(calls=45)
"""A column of text labels in a DataFrame (pandas' string dtype, kept by Arrow) adds about
110 µs to building it, measured."""


def affordable_repeats(
    each: Cost, asked: int, fixed: Cost = Cost(), seconds: float = TAB_SECONDS
) -> int:
    """How many of ``asked`` repetitions of ``each`` (training steps, trials) fit in ``seconds``
    after ``fixed`` work: ``asked`` when all fit, at least 0."""
    room = seconds - fixed.seconds
    if each.seconds <= 0:
        return asked
    return max(0, min(asked, math.floor(room / each.seconds)))


def largest_fitting(cost_of, low: int, high: int, **limits) -> int | None:
    """The largest integer ``k`` in ``[low, high]`` whose ``cost_of(k)`` fits (``Cost.fits``
    with ``limits``), assuming cost grows with ``k``; ``None`` when even ``low`` does not fit."""
    if not cost_of(low).fits(**limits):
        return None
    while low < high:
        mid = (low + high + 1) // 2
        low, high = (mid, high) if cost_of(mid).fits(**limits) else (low, mid - 1)
    return low


class Progress(Protocol):
    """How a long computation reports how far it got: ``progress(fraction, text)``, with
    ``fraction`` in [0, 1] (the page draws it as a progress bar)."""

    def __call__(self, fraction: float, text: str | None = None) -> None: ...
