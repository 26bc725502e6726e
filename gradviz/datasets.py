r"""Two-dimensional toy classification sets, generated in numpy from a seed.

``make_dataset(name, n, noise, seed) -> (X, y)`` returns ``X`` (n, 2), standardized to zero mean
and unit standard deviation per feature, and integer labels ``y`` (n,) in {0, 1}, balanced
(class 0 gets the extra point when n is odd). ``noise`` is the standard deviation of Gaussian
jitter added to both coordinates before standardization (the shapes have unit scale).

* ``circle`` — a disk of radius 0.5 (class 1) inside a ring of radius 1 (class 0).
* ``moons`` — two interleaving half circles.
* ``spiral`` — two interleaved arms :math:`r = t,\ \theta = 4\pi t\ (+\pi)`.
* ``xor`` — uniform points in the square, class 1 when :math:`x_1 x_2 > 0`.
* ``blobs`` — two Gaussian clouds of std 0.5 centred at (±1, ±1); linearly separable when the
  noise is small.

>>> X, y = make_dataset("moons", 6, 0.0, seed=0)
>>> X.shape, y.tolist()
((6, 2), [0, 0, 0, 1, 1, 1])
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray

DATASETS = ("circle", "moons", "spiral", "xor", "blobs")
MIN_POINTS = 4
MAX_POINTS = 100_000


def _circle(n0: int, n1: int, rng: np.random.Generator) -> Array:
    theta = rng.uniform(0.0, 2 * np.pi, n0 + n1)
    radius = np.concatenate([np.ones(n0), 0.5 * np.ones(n1)])
    return np.column_stack([radius * np.cos(theta), radius * np.sin(theta)])


def _moons(n0: int, n1: int, rng: np.random.Generator) -> Array:
    t0 = np.linspace(0.0, np.pi, n0)
    t1 = np.linspace(0.0, np.pi, n1)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
    return np.vstack([upper, lower])


def _spiral(n0: int, n1: int, rng: np.random.Generator) -> Array:
    arms = []
    for count, phase in ((n0, 0.0), (n1, np.pi)):
        t = np.linspace(0.05, 1.0, count)
        theta = 4 * np.pi * t + phase
        arms.append(np.column_stack([t * np.cos(theta), t * np.sin(theta)]))
    return np.vstack(arms)


def _xor(n0: int, n1: int, rng: np.random.Generator) -> Array:
    # Class 0 in the quadrants with x1·x2 < 0, class 1 where x1·x2 > 0.
    def quadrant_points(count: int, same_sign: bool) -> Array:
        pts = rng.uniform(0.05, 1.0, size=(count, 2))
        flip = rng.integers(0, 2, size=count) * 2 - 1
        signs = np.column_stack([flip, flip if same_sign else -flip])
        return pts * signs

    return np.vstack([quadrant_points(n0, False), quadrant_points(n1, True)])


def _blobs(n0: int, n1: int, rng: np.random.Generator) -> Array:
    return np.vstack([rng.normal(-1.0, 0.5, size=(n0, 2)), rng.normal(1.0, 0.5, size=(n1, 2))])


_MAKERS = {"circle": _circle, "moons": _moons, "spiral": _spiral, "xor": _xor, "blobs": _blobs}


def make_dataset(name: str, n: int = 200, noise: float = 0.1, seed: int = 0) -> tuple[Array, Array]:
    """Points ``X`` (n, 2), standardized, and labels ``y`` (n,) of the toy set ``name``.

    Deterministic in ``seed``. Raises ``ValueError`` with the valid choices on bad input.
    """
    if name not in _MAKERS:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")
    if not isinstance(n, (int, np.integer)) or not MIN_POINTS <= n <= MAX_POINTS:
        raise ValueError(f"n must be an integer from {MIN_POINTS} to {MAX_POINTS}, got {n!r}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    rng = np.random.default_rng(seed)
    n1 = n // 2
    n0 = n - n1
    X = _MAKERS[name](n0, n1, rng)
    X = X + rng.normal(0.0, noise, size=X.shape) if noise > 0 else X
    y = np.concatenate([np.zeros(n0, dtype=int), np.ones(n1, dtype=int)])
    return standardize(X), y


def standardize(X: Array) -> Array:
    """Zero mean and unit std per column; a constant column is only centred."""
    std = X.std(axis=0)
    return (X - X.mean(axis=0)) / np.where(std > 0, std, 1.0)
