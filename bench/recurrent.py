"""Recurrent benchmarks: BPTT against a bare numpy loop, BLAS threads, cost models, budgets.

``python -m bench recurrent``.

* **BPTT vs a bare loop** (T=200, H=128, N=32, D=64; the issue-11 target is 1.3×). The bare
  loop does exactly the cell's matrix products, grouped as gradviz groups them (the input side
  of all T steps as one stacked product each, only the recurrent products in the time loops),
  and the tanh/σ calls of its forward pass; nothing else: no gate arithmetic, no caches, no
  derivatives. The ratio measures what the cells' elementwise work and bookkeeping add. Info
  rows give the ratio against the products alone.
* **BLAS threads**: every BPTT above on one OpenBLAS thread (``single_threaded_blas``, as the
  page runs it) against OpenBLAS's default pool, interleaved.
* **Cost models** (:mod:`gradviz.budget`): predicted time and peak memory of every recurrent
  computation against the measured ones, at small, default and largest settings.
* **Budgets**: each tab of the page at its worst-case link, cold, in a fresh process; the warm
  rerun of the default view.
"""

from __future__ import annotations

import time

import numpy as np

from bench import Report, page_rerun_times
from gradviz import budget
from gradviz.adding import LongRangeConfig, compare_long_range, long_range_cost
from gradviz.blas import single_threaded_blas
from gradviz.cells import CELLS, init_params, sequence_backward, sequence_cost, sequence_forward
from gradviz.cells import sigmoid as _sigmoid
from gradviz.cliff import CliffConfig, cliff_cost, cliff_surface, cliff_trajectories
from gradviz.through_time import (
    ThroughTimeConfig,
    _gradient_through_time,
    gradient_through_time,
    through_time_cost,
)

PAGE = "pages/4_RNN_LSTM.py"
T, H, B, D = 200, 128, 32, 64
TARGET = 1.3


def _bptt(cell: str, x: np.ndarray, params: dict, dh: np.ndarray) -> None:
    """A forward pass and BPTT of ``cell`` from ``h0 = 0`` with the upstream gradient ``dh``."""
    _, cache = sequence_forward(cell, x, np.zeros((x.shape[0], dh.shape[2])), params)
    sequence_backward(cell, dh, cache)


def _bare(cell: str, x: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, nonlinear: bool) -> None:
    """The cell's matrix products (and with ``nonlinear`` its forward tanh/σ calls) and nothing
    else, grouped as gradviz groups them (see the module docstring).

    Forward, per step: ``h Wh`` (GRU: ``h Wh_rz`` and ``h Wh_g``, the reset gate splits it).
    Backward, per step: ``da Whᵀ`` (GRU: two products). Stacked over all T·N rows: ``x Wx``
    before the loop, ``da Wxᵀ``, ``xᵀ da`` and ``hᵀ da`` after it. The GRU's blocks are
    contiguous copies, the fastest layout for their products.
    """
    N = x.shape[0]
    k = Wh.shape[1]
    rows = np.ascontiguousarray(x.transpose(1, 0, 2)).reshape(T * N, D)
    ax = (rows @ Wx).reshape(T, N, k)
    Wh_rz, Wh_g = np.ascontiguousarray(Wh[:, : 2 * H]), np.ascontiguousarray(Wh[:, 2 * H :])
    hs = np.zeros((T + 1, N, H))
    for t in range(T):
        if cell == "gru":
            rz = hs[t] @ Wh_rz
            rz += ax[t, :, : 2 * H]
            g = hs[t] @ Wh_g
            g += ax[t, :, 2 * H :]
            if nonlinear:
                _sigmoid(rz, out=rz)
                np.tanh(g, out=g)
            hs[t + 1] = g
            continue
        a = hs[t] @ Wh
        a += ax[t]
        if nonlinear and cell == "rnn":
            np.tanh(a, out=a)
        elif nonlinear:  # σ on i, f, o; tanh on g and on c_t (a block of the same size)
            _sigmoid(a[:, : 3 * H], out=a[:, : 3 * H])
            np.tanh(a[:, 3 * H :], out=a[:, 3 * H :])
            np.tanh(a[:, :H], out=a[:, :H])
        hs[t + 1] = a[:, :H]
    da = np.full((T, N, k), 1e-3)
    for t in reversed(range(T)):
        if cell == "gru":
            _ = da[t, :, 2 * H :] @ Wh_g.T
            _ = da[t, :, : 2 * H] @ Wh_rz.T
        else:
            _ = da[t] @ Wh.T
    grads = da.reshape(T * N, k)
    _ = grads @ Wx.T
    _ = rows.T @ grads
    _ = hs[:-1].reshape(T * N, H).T @ grads


def _interleaved_best(fns: list, rounds: int = 9) -> list[float]:
    """Best wall time of each function over ``rounds`` alternating runs. On a shared machine
    the minimum is the least noisy estimate, and alternating exposes each to the same load."""
    best = [float("inf")] * len(fns)
    for fn in fns:
        fn()  # warm-up
    for _ in range(rounds):
        for k, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            best[k] = min(best[k], time.perf_counter() - start)
    return best


def _one_thread(fn):
    def run() -> None:
        with single_threaded_blas():
            fn()

    return run


def _speed(report: Report) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(B, T, D))
    dh = np.full((B, T, H), 1e-3)
    for cell in CELLS:
        params = init_params(cell, D, H, rng, radius=0.9)
        Wx, Wh = params["Wx"], params["Wh"]
        ours, bare, products, pool = _interleaved_best(
            [
                _one_thread(lambda cell=cell, params=params: _bptt(cell, x, params, dh)),
                _one_thread(lambda cell=cell, Wx=Wx, Wh=Wh: _bare(cell, x, Wx, Wh, True)),
                _one_thread(lambda cell=cell, Wx=Wx, Wh=Wh: _bare(cell, x, Wx, Wh, False)),
                lambda cell=cell, params=params: _bptt(cell, x, params, dh),
            ]
        )
        name = cell.upper()
        label = f"{name} fwd+BPTT T={T} H={H} N={B} D={D}"
        report.time(f"{label}, gradviz (best of 9)", ours)
        report.time(f"{label}, bare products + tanh/σ", bare)
        report.ratio(f"{name} BPTT / bare loop (products + tanh/σ)", ours / bare, TARGET)
        report.ratio(f"  {name} BPTT / bare loop (products alone)", ours / products)
        report.ratio(f"  {name} BPTT, OpenBLAS default pool / one thread", pool / ours)


def _page_bptt_threads(report: Report) -> None:
    """One thread against the pool at the page's own sizes (N=8 sequences)."""
    cfg = ThroughTimeConfig(length=1000, hidden=64)
    one, pool = _interleaved_best(
        [lambda: gradient_through_time(cfg), lambda: _gradient_through_time(cfg)],
        rounds=5,
    )
    report.ratio("  gradient through time T=1000 H=64: default pool / one thread", pool / one)


def _models(report: Report) -> None:
    rng = np.random.default_rng(1)
    for cell in CELLS:
        for N, length, D_in, hidden in ((8, 10, 8, 4), (8, 100, 8, 32), (8, 1000, 8, 64)):
            params = init_params(cell, D_in, hidden, rng, radius=0.9)
            x = rng.normal(size=(N, length, D_in))
            dh = np.full((N, length, hidden), 1e-3)
            report.model(
                f"{cell.upper()} BPTT N={N} T={length} H={hidden}",
                sequence_cost(cell, N, length, D_in, hidden),
                _one_thread(lambda c=cell, p=params, x=x, dh=dh: _bptt(c, x, p, dh)),
            )
    for label, cfg in (
        ("small", ThroughTimeConfig(length=10, hidden=4)),
        ("default", ThroughTimeConfig()),
        ("largest", ThroughTimeConfig(length=1000, hidden=64)),
    ):
        report.model(
            f"gradient through time, {label}",
            through_time_cost(cfg),
            lambda cfg=cfg: gradient_through_time(cfg),
        )
    report.model(
        "the cliff: surface and three descents of 60 steps",
        cliff_cost(CliffConfig(), steps=60),
        lambda: (cliff_surface(CliffConfig()), cliff_trajectories(1.0, 0.01, (5.0, -2.0), 60)),
    )
    for label, cfg, repeat in (
        ("small", LongRangeConfig(length=5, iters=100), 3),
        ("default", LongRangeConfig(), 1),
        ("largest", LongRangeConfig(length=60, iters=600), 1),
    ):
        report.model(
            f"adding problem, {label} (T={cfg.length}, {cfg.iters} iterations)",
            long_range_cost(cfg),
            lambda cfg=cfg: compare_long_range(cfg),
            repeat=repeat,
        )


def _budgets(report: Report) -> None:
    worst = {
        "Gradient through time": (
            {"seq_len": "1000", "hidden": "64", "rnn_act": "relu", "radius": "5.0"},
            budget.TAB_SECONDS,
        ),
        "Clipping and the cliff": (
            {"theta": "20.0", "lr": "0.1", "w0": "12.0"},
            budget.TAB_SECONDS,
        ),
        "Long-range memory": (
            {"add_len": "60", "iters": "600", "clip_mode": "none"},
            budget.TRAINING_SECONDS,
        ),
    }
    for tab, (query, seconds) in worst.items():
        report.worst_case(tab, PAGE, {"tab": tab, **query}, seconds, budget.PROCESS_BYTES)
    for tab in worst:
        cold, warm = page_rerun_times(PAGE, query={"tab": tab})
        report.time(f"{tab}: default view, cold AppTest run", cold)
        report.time(f"{tab}: default view, warm rerun", warm, budget.WARM_RERUN_SECONDS)


def run(report: Report) -> None:
    _speed(report)
    _page_bptt_threads(report)
    _models(report)
    _budgets(report)
