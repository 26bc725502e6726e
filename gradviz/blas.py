"""How gradviz's matrix products use the CPU: one OpenBLAS thread for small products, every
thread for large ones.

Training, BPTT and small probes multiply thousands of small matrices (e.g. 201×64 by 64×64).
With OpenBLAS's default thread pool each product pays a synchronisation cost, and on a busy
2-core machine the threads fight; :func:`single_threaded_blas` runs such loops on one thread.
Large products are another matter: from about 256×128 by 128×128 on, two threads run a product
in about half the time (measured on the 2-core reference machine, see
:data:`MULTITHREAD_MADDS`), so :func:`blas_threads_for` lets a loop of large products use every
thread the machine has.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
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


MULTITHREAD_MADDS = 4.0e6
"""Products of at least this many multiply-adds (m·k·n) run on every BLAS thread.

Measured on the 2-core reference machine (OpenBLAS 0.3.31, float64, fastest of 7, idle):
201×64·64×64 (0.8e6) takes the same time on one or two threads, and on a busy machine two
threads made such a product up to 100 times slower (spinning threads wait for a core);
256×128·128×128 (4.2e6) runs 1.6 times faster on two; 256×256·256×256 (17e6) and
1024×512·512×512 (268e6) 1.9 times faster. One thread below the threshold, every thread above.
"""


def blas_threads_for(madds_per_product: float):
    """A context for a loop of products of ``madds_per_product`` multiply-adds each:
    :func:`single_threaded_blas` below :data:`MULTITHREAD_MADDS`, else the default pool (every
    thread; but one while another thread of the process holds :func:`single_threaded_blas`,
    whose setting is process-wide)."""
    if madds_per_product < MULTITHREAD_MADDS:
        return single_threaded_blas()
    return nullcontext()


def blas_cores_for(madds_per_product: float) -> int:
    """Cores a product of this size keeps busy under :func:`blas_threads_for`, for the cost
    models: 2 (the reference machine's) above :data:`MULTITHREAD_MADDS`, else 1."""
    return 1 if madds_per_product < MULTITHREAD_MADDS else 2
