r"""Finite-difference gradient checks, as in cs231n's ``gradient_check.py``.

Every backward pass in :mod:`gradviz` is checked against

.. math:: \frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}

in float64, with :func:`rel_error` at most 1e-6. Its error is about
:math:`h^2 |f'''|/6 + \epsilon |f|/h`, around 1e-10 at h = 1e-5: a large relative error for
a gradient entry near 1e-5. Property tests over random shapes meet such entries, so
``points=5`` offers the fourth-order stencil

.. math:: \frac{8\,[f(x + h e_i) - f(x - h e_i)] - [f(x + 2h e_i) - f(x - 2h e_i)]}{12h},

whose error at h = 1e-3 is about 1e-12.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Array = np.ndarray


def rel_error(a: Array, b: Array) -> float:
    """max |a - b| / max(1e-8, |a| + |b|), elementwise, as a float."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def numerical_gradient(f: Callable[[], float], x: Array, h: float = 1e-5, points: int = 3) -> Array:
    """Central-difference gradient of the scalar ``f()`` with respect to ``x``, in place.

    ``x`` is perturbed entry by entry and restored; ``f`` must read ``x`` by reference.
    ``points`` is 3 (second order) or 5 (fourth order, see the module doc).
    Returns an array of ``x.shape``.
    """
    if points not in (3, 5):
        raise ValueError(f"points must be 3 or 5, not {points}")
    grad = np.zeros_like(x, dtype=float)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        i = it.multi_index
        old = x[i]

        def at(offset: float, i=i, old=old) -> float:
            x[i] = old + offset
            return f()

        near = at(h) - at(-h)
        if points == 3:
            grad[i] = near / (2 * h)
        else:
            grad[i] = (8 * near - (at(2 * h) - at(-2 * h))) / (12 * h)
        x[i] = old
        it.iternext()
    return grad


def numerical_gradient_array(
    f: Callable[[], Array], x: Array, dout: Array, h: float = 1e-5, points: int = 3
) -> Array:
    """Central-difference gradient of ``sum(f() * dout)`` w.r.t. ``x`` (an array-valued ``f``)."""
    return numerical_gradient(lambda: float(np.sum(f() * dout)), x, h, points)
