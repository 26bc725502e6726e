"""How gradviz's matrix products use the CPU: one OpenBLAS thread for small products.

Training, BPTT and the probes multiply thousands of small matrices (e.g. 200×64 by 64×64).
With OpenBLAS's default thread pool each product pays a synchronisation cost, and on a busy
2-core machine the threads fight; :func:`single_threaded_blas` runs such loops on one thread.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache


@cache
def _openblas_thread_setter():
    """``openblas_set_num_threads_local`` of the OpenBLAS numpy loaded, or ``None``."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
        for path in sorted(paths):
            setter = getattr(ctypes.CDLL(path), "openblas_set_num_threads_local", None)
            if setter is not None:
                setter.restype, setter.argtypes = ctypes.c_int, [ctypes.c_int]
                return setter
    except OSError:
        pass
    return None


class _BlasPin:
    """Reference-counted "one BLAS thread" for :func:`single_threaded_blas`.

    OpenBLAS's pthreads build (the one numpy's wheels ship; checked in scipy-openblas 0.3.31)
    keeps one process-wide thread count: its ``openblas_set_num_threads_local`` sets that count
    and returns the old one, like ``openblas_set_num_threads``. Two threads that each set 1
    and restore the value they saw would race: the first to leave restores the pool under the
    other, and the last leaves 1 behind for good. So the first thread in sets 1 thread and the
    last one out restores the count it found.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._restore = 0

    def enter(self) -> None:
        setter = _openblas_thread_setter()
        with self._lock:
            if self._users == 0 and setter is not None:
                self._restore = setter(1)
            self._users += 1

    def leave(self) -> None:
        setter = _openblas_thread_setter()
        with self._lock:
            self._users -= 1
            if self._users == 0 and setter is not None and self._restore > 0:
                setter(self._restore)


_BLAS_PIN = _BlasPin()


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Run matrix products on one OpenBLAS thread while inside, then restore the thread count.

    Training multiplies hundreds of thousands of small matrices (e.g. 200×64 by 64×64). With
    OpenBLAS's default thread pool each product pays a synchronisation cost, and on a busy
    2-core machine the threads fight: measured 25 s instead of 3.8 s for one 20-layer run. The
    count is process-wide (see :class:`_BlasPin`): while any thread is inside, products on other
    threads run on one BLAS thread too, which for this app's small matrices is faster anyway.
    Safe to nest and to use from several threads at once. A no-op when numpy is not linked to
    OpenBLAS.
    """
    _BLAS_PIN.enter()
    try:
        yield
    finally:
        _BLAS_PIN.leave()
