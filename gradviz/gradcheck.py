r"""Finite-difference gradient checks, as in cs231n's ``gradient_check.py``.

Every backward pass in :mod:`gradviz` is checked against

.. math:: \frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}

in float64, with :func:`rel_error` at most 1e-6.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Array = np.ndarray


def rel_error(a: Array, b: Array) -> float:
    """max |a - b| / max(1e-8, |a| + |b|), elementwise, as a float."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def numerical_gradient(f: Callable[[], float], x: Array, h: float = 1e-5) -> Array:
    """Central-difference gradient of the scalar ``f()`` with respect to ``x``, in place.

    ``x`` is perturbed entry by entry and restored; ``f`` must read ``x`` by reference.
    Returns an array of ``x.shape``.
    """
    grad = np.zeros_like(x, dtype=float)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        plus = f()
        x[i] = old - h
        minus = f()
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
        it.iternext()
    return grad


def numerical_gradient_array(
    f: Callable[[], Array], x: Array, dout: Array, h: float = 1e-5
) -> Array:
    """Central-difference gradient of ``sum(f() * dout)`` w.r.t. ``x`` (an array-valued ``f``)."""
    return numerical_gradient(lambda: float(np.sum(f() * dout)), x, h)
