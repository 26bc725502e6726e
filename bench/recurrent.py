"""Recurrent benchmarks: BPTT vs a bare numpy loop, the page's warm rerun, default training.

``python -m bench recurrent``. The bare loop does exactly the matrix products of the cell's
forward and backward pass (same shapes, same count) and nothing else, in the same process, so
the ratio measures what the cells' elementwise work and bookkeeping add. Two more rows put it
in context: the ratio against a bare loop that groups the products the way gradviz does, and
the time of the tanh/σ calls alone (numpy's float64 tanh is a scalar loop: at B=32, H=128 one
call costs about as much as one of the step's matrix products).
"""

from __future__ import annotations

import time

import numpy as np

from bench import Report, timed
from gradviz.blas import single_threaded_blas
from gradviz.recurrent_lab import (
    LongRangeConfig,
    ThroughTimeConfig,
    compare_long_range,
    gradient_through_time,
)
from gradviz.rnn import GATES, init_params, sequence_backward, sequence_forward, sigmoid

T, H, B, D = 200, 128, 32, 64


def _bptt(cell: str, x: np.ndarray, params: dict) -> None:
    h, cache = sequence_forward(cell, x, np.zeros((B, H)), params)
    sequence_backward(cell, np.ones_like(h), cache)


def _bare_products(x: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, stacked: bool = False) -> None:
    """The cell's matrix products and nothing else, in the textbook per-step loop.

    Forward per step: x_t Wx + h Wh. Backward per step: da Wxᵀ, da Whᵀ, and the accumulations
    dWx += x_tᵀ da, dWh += h_{t-1}ᵀ da. No nonlinearity, no gates. gradviz computes the same
    products, but the four that do not depend on the recurrence (x_t Wx, da Wxᵀ, x_tᵀ da,
    h_{t-1}ᵀ da) as one stacked (T·N)-row product each; ``stacked=True`` does that here too,
    leaving only h Wh and da Whᵀ in the loops.
    """
    k = Wh.shape[1]
    xt = np.ascontiguousarray(x.transpose(1, 0, 2))  # (T, B, D)
    ax = (xt.reshape(T * B, D) @ Wx).reshape(T, B, k) if stacked else None
    hs = np.zeros((T + 1, B, H))
    for t in range(T):
        a = ax[t] + hs[t] @ Wh if stacked else xt[t] @ Wx + hs[t] @ Wh
        hs[t + 1] = a[:, :H]
    da = np.full((T, B, k), 1e-3)
    dWx, dWh = np.zeros_like(Wx), np.zeros_like(Wh)
    dh = np.zeros((B, H))
    for t in reversed(range(T)):
        da[t, :, :H] += dh
        dh = da[t] @ Wh.T
        if not stacked:
            _ = da[t] @ Wx.T  # dx_t
            dWx += xt[t].T @ da[t]
            dWh += hs[t].T @ da[t]
    if stacked:
        rows = da.reshape(T * B, k)
        _ = rows @ Wx.T
        dWx = xt.reshape(T * B, D).T @ rows
        dWh = hs[:-1].reshape(T * B, H).T @ rows


def _transcendentals(cell: str):
    """The elementwise tanh/σ calls one step of ``cell`` cannot skip, forward only, on arrays
    of the cell's sizes: the RNN's tanh; the LSTM's σ on 3 gates and tanh on g and on c_t."""
    a = np.random.default_rng(1).normal(size=(B, len(GATES[cell]) * H))
    if cell == "rnn":
        return lambda: np.tanh(a)
    return lambda: (sigmoid(a[:, : 3 * H]), np.tanh(a[:, 3 * H :]), np.tanh(a[:, :H]))


def _interleaved_best(fns: list, rounds: int = 7) -> list[float]:
    """Best wall time of each function over ``rounds`` alternating runs. On a shared machine
    the minimum is the least noisy estimate, and alternating exposes both to the same load."""
    best = [float("inf")] * len(fns)
    for fn in fns:
        fn()  # warm-up
    for _ in range(rounds):
        for k, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            best[k] = min(best[k], time.perf_counter() - start)
    return best


def run(report: Report) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(B, T, D))
    for cell in ("rnn", "lstm"):
        params = init_params(cell, D, H, rng, radius=0.9)
        Wx, Wh = params["Wx"], params["Wh"]
        step = _transcendentals(cell)
        # One BLAS thread for all four, as the page runs BPTT (see gradient_through_time).
        with single_threaded_blas():
            ours, bare, stacked, floor = _interleaved_best(
                [
                    lambda cell=cell, params=params: _bptt(cell, x, params),
                    lambda Wx=Wx, Wh=Wh: _bare_products(x, Wx, Wh),
                    lambda Wx=Wx, Wh=Wh: _bare_products(x, Wx, Wh, stacked=True),
                    lambda step=step: [step() for _ in range(T)],
                ]
            )
        name = cell.upper()
        label = f"{name} fwd+BPTT T={T} H={H} B={B} D={D}"
        report.time(f"{label}, gradviz (best of 7)", ours)
        report.time(f"{label}, bare numpy products (best of 7)", bare)
        report.ratio(f"{name} BPTT / bare numpy loop", ours / bare, 1.5)
        report.ratio(f"  {name} BPTT / bare loop with the same stacked products", ours / stacked)
        report.value(
            f"  {name} tanh/σ calls alone, {T} steps", f"{floor * 1e3:.1f} ms = {floor / bare:.2f}x"
        )
    report.time(
        "gradient through time, default (3 cells, T=100)",
        timed(lambda: gradient_through_time(ThroughTimeConfig()), repeat=3),
    )
    report.page("pages/4_RNN_LSTM.py", 0.3)
    steps = []
    seconds = timed(
        lambda: compare_long_range(LongRangeConfig(), lambda f, text: steps.append(f)),
        repeat=1,
        warmup=0,
    )
    report.time("adding problem, default comparison (RNN+LSTM+GRU)", seconds, 10.0)
    report.value("  progress callbacks during that run", str(len(steps)))
