"""Recurrent benchmarks: BPTT vs a bare numpy loop, the page's warm rerun, default training.

``python -m bench recurrent``. The bare loop does exactly the matrix products of the cell's
forward and backward pass (same shapes, same count) and nothing else, in the same process, so
the ratio measures what the cells' elementwise work and bookkeeping add.
"""

from __future__ import annotations

import time

import numpy as np

from bench import Report, timed
from gradviz.recurrent_lab import (
    LongRangeConfig,
    ThroughTimeConfig,
    compare_long_range,
    gradient_through_time,
)
from gradviz.rnn import init_params, sequence_backward, sequence_forward

T, H, B, D = 200, 128, 32, 64


def _bptt(cell: str, x: np.ndarray, params: dict) -> None:
    h, cache = sequence_forward(cell, x, np.zeros((B, H)), params)
    sequence_backward(cell, np.ones_like(h), cache)


def _bare_products(x: np.ndarray, Wx: np.ndarray, Wh: np.ndarray) -> None:
    """Forward per step: x_t Wx + h Wh. Backward per step: da Wxᵀ, da Whᵀ, and the
    accumulations dWx += x_tᵀ da, dWh += h_{t-1}ᵀ da. No nonlinearity, no gates."""
    k = Wh.shape[1]
    h = np.zeros((B, H))
    hs = []
    for t in range(T):
        hs.append(h)
        h = (x[:, t] @ Wx + h @ Wh)[:, :H]
    da = np.full((B, k), 1e-3)
    dWx, dWh = np.zeros_like(Wx), np.zeros_like(Wh)
    for t in reversed(range(T)):
        _ = da @ Wx.T  # dx_t
        da[:, :H] = da @ Wh.T
        dWx += x[:, t].T @ da
        dWh += hs[t].T @ da


def _bare_products_with_tanh(x: np.ndarray, Wx: np.ndarray, Wh: np.ndarray) -> None:
    """:func:`_bare_products` for the vanilla RNN plus the one thing no implementation can
    skip: tanh forward and its slope 1 − h² backward. Separates that floor from overhead."""
    h = np.zeros((B, H))
    hs = []
    for t in range(T):
        hs.append(h)
        h = np.tanh(x[:, t] @ Wx + h @ Wh)
    hs.append(h)
    dh = np.full((B, H), 1e-3)
    dWx, dWh = np.zeros_like(Wx), np.zeros_like(Wh)
    for t in reversed(range(T)):
        dz = dh * (1.0 - hs[t + 1] * hs[t + 1])
        _ = dz @ Wx.T  # dx_t
        dh = dz @ Wh.T
        dWx += x[:, t].T @ dz
        dWh += hs[t].T @ dz


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
        ours, bare = _interleaved_best(
            [
                lambda cell=cell, params=params: _bptt(cell, x, params),
                lambda params=params: _bare_products(x, params["Wx"], params["Wh"]),
            ]
        )
        label = f"{cell.upper()} fwd+BPTT T={T} H={H} B={B} D={D}"
        report.time(f"{label}, gradviz (best of 7)", ours)
        report.time(f"{label}, bare numpy products (best of 7)", bare)
        report.ratio(f"{cell.upper()} BPTT / bare numpy loop", ours / bare, 1.5)
        if cell == "rnn":
            ours, floor = _interleaved_best(
                [
                    lambda params=params: _bptt("rnn", x, params),
                    lambda params=params: _bare_products_with_tanh(x, params["Wx"], params["Wh"]),
                ]
            )
            report.ratio("RNN BPTT / bare products + tanh and 1 − h² only", ours / floor)
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
