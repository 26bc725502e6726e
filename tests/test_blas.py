"""One BLAS thread while inside single_threaded_blas, safely across threads."""

import threading

from gradviz import blas as blas_module


def test_single_threaded_blas_restores_the_count_after_overlapping_threads(monkeypatch):
    # OpenBLAS's pthreads build: one process-wide count, the "local" setter returns the old one
    blas = {"threads": 4}

    def setter(n):
        old, blas["threads"] = blas["threads"], n
        return old

    monkeypatch.setattr(blas_module, "_openblas_thread_setter", lambda: setter)
    inside, leave = threading.Event(), threading.Event()

    def second():
        with blas_module.single_threaded_blas():
            inside.set()
            leave.wait(10)

    with blas_module.single_threaded_blas():
        other = threading.Thread(target=second)
        other.start()
        inside.wait(10)
    assert blas["threads"] == 1  # the first thread left, the second is still inside
    leave.set()
    other.join(10)
    assert blas["threads"] == 4


def test_small_products_run_on_one_thread_and_large_ones_on_all(monkeypatch):
    blas = {"threads": 2}

    def setter(n):
        old, blas["threads"] = blas["threads"], n
        return old

    monkeypatch.setattr(blas_module, "_openblas_thread_setter", lambda: setter)
    with blas_module.blas_threads_for(201 * 64 * 64):
        assert blas["threads"] == 1
    assert blas["threads"] == 2
    with blas_module.blas_threads_for(256 * 256 * 256):
        assert blas["threads"] == 2
    assert blas_module.blas_cores_for(201 * 64 * 64) == 1
    assert blas_module.blas_cores_for(1024 * 512 * 512) == 2
