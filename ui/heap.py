"""Keep the server's memory to what its visitors use now, not the peak of everything it ran.

One Streamlit server serves every visitor, and each script run is a new thread. glibc's
``malloc`` gives threads their own *arenas* (the server had 16 after its first few runs) and
keeps what a computation frees inside its arena for reuse by later allocations there. It also
raises its thresholds as it goes: once a 30 MB array has been freed, arrays up to 30 MB come
from the arenas too, and each arena keeps up to 60 MB free at its top. So every arena keeps
about the peak of the largest computation that ever ran in it, and the server's memory climbs
with every new link. ``python -m bench load`` (100 distinct links, one visitor after another)
measured the server alone at 545 MB afterwards, malloc holding most of it free.

Three settings, all from code at the first import of ``ui`` (Community Cloud starts the server
itself, so its environment cannot be set):

* :func:`map_large_arrays`: every allocation of 4 MiB or more (numpy arrays of 512k float64
  and up) gets its own memory mapping, returned to the system when it is freed, and an arena
  gives back free memory at its top beyond 8 MiB;
* :func:`release_free_memory` (``malloc_trim(0)``) returns the free pages inside the arenas;
  :func:`ui.cached` calls it after each call that computed its value, and
  :func:`release_after_every_run` after every script run.

Measured after the same 100 links (one run each, the server alone): 545 MB without them, 431
and 510 MB with the two releases alone (the arenas' tops stay), 316 MB with all three. A 1 MiB
threshold left 284 MB but made the Initialization page's probe of a 30×256 network with 512
samples 40 % slower in CPU time (every 1 MiB array is then mapped and faulted in afresh); at
4 MiB that probe is within 8 %, and the Jacobian spectra, an RNN through 500 steps and a
training run show no difference beyond the noise. ``MALLOC_ARENA_MAX=2`` in the environment
works as well, but only at start-up: glibc fixes the arena limit once a process has 9 arenas,
and the server has 11 before its first script runs.

A release costs about 0.2 ms per MB returned (the next computation then faults those pages in
again) and well under 1 ms when there is nothing to return. On a system without glibc (macOS,
musl) these functions do nothing.
"""

from __future__ import annotations

import ctypes
import gc
import platform
from functools import cache

MMAP_THRESHOLD = 4 << 20
"""Bytes from which an allocation gets its own mapping (see :func:`map_large_arrays`)."""
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt parameters, from glibc's malloc.h


@cache
def _glibc() -> ctypes.CDLL | None:
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
    except (OSError, AttributeError):
        return None
    return libc


def map_large_arrays(threshold: int = MMAP_THRESHOLD) -> bool:
    """Serve every allocation of ``threshold`` bytes or more with its own memory mapping
    (returned to the system when freed), and let an arena keep at most ``2 * threshold`` free
    at its top; this also stops glibc from raising both limits as the process runs. Whether
    glibc took both settings."""
    libc = _glibc()
    return bool(
        libc
        and libc.mallopt(_M_MMAP_THRESHOLD, threshold)
        and libc.mallopt(_M_TRIM_THRESHOLD, 2 * threshold)
    )


def release_free_memory() -> bool:
    """Return the free pages of every malloc arena to the system (``malloc_trim(0)``);
    whether any memory was released."""
    libc = _glibc()
    return bool(libc and libc.malloc_trim(0))


def release_after_every_run() -> None:
    """Call :func:`release_free_memory` after every full garbage collection, which Streamlit
    runs at the end of every script run (``runner.postScriptGC``), after the page has been
    sent. That returns what a run freed besides its cached computations: unpickled cache hits,
    DataFrames converted to Arrow, chart specs. Registering twice has no further effect."""
    if _after_full_collection not in gc.callbacks:
        gc.callbacks.append(_after_full_collection)


def _after_full_collection(phase: str, info: dict) -> None:
    if phase == "stop" and info["generation"] == 2:
        release_free_memory()
