r"""Optimizers and gradient clipping over a dict of named parameter arrays.

Parameters and gradients are ``dict[str, ndarray]`` with the same keys (``"W1"``, ``"b1"``, ...).
Optimizers update the parameters in place and keep their own state, as in cs231n's
``optim.py``; clipping returns new gradient dicts.

* SGD: :math:`\theta \leftarrow \theta - \eta g`
* Momentum: :math:`v \leftarrow \mu v - \eta g,\ \theta \leftarrow \theta + v`
* Adam: :math:`m \leftarrow \beta_1 m + (1-\beta_1) g,\ v \leftarrow \beta_2 v + (1-\beta_2) g^2,\
  \theta \leftarrow \theta - \eta\,\hat m / (\sqrt{\hat v} + \epsilon)`
* Norm clipping (Pascanu et al. 2013): :math:`g \leftarrow \theta\, g / \lVert g\rVert`
  when :math:`\lVert g\rVert > \theta` (the norm over all parameters together).
* Value clipping: :math:`g \leftarrow \mathrm{clip}(g, -\theta, \theta)`, elementwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gradviz.numerics import norm

Grads = dict[str, np.ndarray]

OPTIMIZERS = ("sgd", "momentum", "adam")
CLIPPING = ("none", "norm", "value")


def global_norm(grads: Grads) -> float:
    """:math:`\\sqrt{\\sum_k \\lVert g_k\\rVert^2}` over every array, exact for any finite
    entries (no overflow of the squares); inf if an entry is inf, NaN if one is NaN."""
    return float(norm(np.array([norm(g) for g in grads.values()], dtype=float)))


def clip_by_norm(grads: Grads, threshold: float) -> Grads:
    """Rescale all gradients together so their global norm is at most ``threshold``.

    A non-finite norm cannot be rescaled meaningfully; those gradients are returned unchanged
    (the training loop reports the NaN/inf event).
    """
    norm = global_norm(grads)
    if not np.isfinite(norm) or norm <= threshold:
        return grads
    scale = threshold / norm
    return {k: g * scale for k, g in grads.items()}


def clip_by_value(grads: Grads, threshold: float) -> Grads:
    """Clip every gradient entry to ``[-threshold, threshold]`` (NaN stays NaN)."""
    return {k: np.clip(g, -threshold, threshold) for k, g in grads.items()}


def clip(grads: Grads, mode: str, threshold: float) -> Grads:
    """Dispatch on ``mode`` in :data:`CLIPPING`."""
    if mode == "none":
        return grads
    if mode == "norm":
        return clip_by_norm(grads, threshold)
    if mode == "value":
        return clip_by_value(grads, threshold)
    raise ValueError(f"unknown clipping mode {mode!r}; choose one of {CLIPPING}")


@dataclass
class Optimizer:
    """In-place optimizer: ``opt.step(params, grads)``.

    ``kind`` is one of :data:`OPTIMIZERS`; ``lr`` the learning rate η; ``momentum`` μ (momentum);
    ``beta1``, ``beta2``, ``eps`` for Adam.
    """

    kind: str = "sgd"
    lr: float = 0.1
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    t: int = 0
    state: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.kind!r}; choose one of {OPTIMIZERS}")

    def step(self, params: Grads, grads: Grads) -> Grads:
        """Update ``params`` in place; return the applied updates ``Δθ`` (for update:data)."""
        self.t += 1
        updates = {}
        with np.errstate(over="ignore", invalid="ignore"):
            for k, g in grads.items():
                if self.kind == "sgd":
                    delta = -self.lr * g
                elif self.kind == "momentum":
                    v = self.state.setdefault("v", {}).get(k, np.zeros_like(g))
                    v = self.momentum * v - self.lr * g
                    self.state["v"][k] = v
                    delta = v
                else:
                    m = self.state.setdefault("m", {}).get(k, np.zeros_like(g))
                    v = self.state.setdefault("v", {}).get(k, np.zeros_like(g))
                    m = self.beta1 * m + (1 - self.beta1) * g
                    v = self.beta2 * v + (1 - self.beta2) * g * g
                    self.state["m"][k], self.state["v"][k] = m, v
                    m_hat = m / (1 - self.beta1**self.t)
                    v_hat = v / (1 - self.beta2**self.t)
                    delta = -self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
                params[k] += delta
                updates[k] = delta
        return updates

    def step_flat(self, theta: np.ndarray, grad: np.ndarray, update: np.ndarray) -> np.ndarray:
        """:meth:`step` for every parameter at once: ``theta`` and ``grad`` are one flat array
        each (every parameter's entries side by side), ``update`` an array of their size to
        write :math:`\\Delta\\theta` into. The same element operations as :meth:`step`, so the
        same numbers, in a few numpy calls instead of a few per parameter."""
        self.t += 1
        with np.errstate(over="ignore", invalid="ignore"):
            if self.kind == "sgd":
                np.multiply(grad, -self.lr, out=update)
            elif self.kind == "momentum":
                v = self.state.setdefault("flat", {}).setdefault("v", np.zeros_like(grad))
                v *= self.momentum
                v -= self.lr * grad
                update[...] = v
            else:
                state = self.state.setdefault("flat", {})
                m = state.setdefault("m", np.zeros_like(grad))
                v = state.setdefault("v", np.zeros_like(grad))
                m *= self.beta1
                m += (1 - self.beta1) * grad
                v *= self.beta2
                v += (1 - self.beta2) * grad * grad
                m_hat = m / (1 - self.beta1**self.t)
                v_hat = v / (1 - self.beta2**self.t)
                np.divide(-self.lr * m_hat, np.sqrt(v_hat) + self.eps, out=update)
            theta += update
        return update
