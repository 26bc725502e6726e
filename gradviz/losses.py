r"""Loss functions and weight penalties, each returning its value and its gradient.

``loss_forward(kind, scores, y) -> (loss, dscores)`` with the loss averaged over the N samples:

* ``"bce"`` — binary cross-entropy on logits s (N, 1), labels y ∈ {0, 1}:
  :math:`L = \frac1N\sum_n \log(1+e^{s_n}) - y_n s_n`, :math:`\partial L/\partial s_n =
  (\sigma(s_n) - y_n)/N`. Written with ``logaddexp`` so no logit overflows.
* ``"softmax"`` — cross-entropy on C logits (N, C), integer labels:
  :math:`L = \frac1N\sum_n -\log p_{n,y_n}`, :math:`\partial L/\partial s = (p - \text{onehot})/N`.
* ``"mse"`` — mean squared error on (N, K) against y (N,) or (N, K):
  :math:`L = \frac{1}{NK}\sum (s-y)^2`, :math:`\partial L/\partial s = 2(s-y)/(NK)`.

Penalties act on weight matrices only (keys ``W1``, ``W2``, ...), never on biases:
:math:`\lambda_1\sum|W|` with gradient :math:`\lambda_1\,\mathrm{sign}(W)`, and
:math:`\tfrac{\lambda_2}{2}\sum W^2` with gradient :math:`\lambda_2 W`.
"""

from __future__ import annotations

import numpy as np

from gradviz.activations import get_activation

Array = np.ndarray

LOSSES = ("bce", "softmax", "mse")
_SIGMOID = get_activation("sigmoid").fn


def output_dim(kind: str, n_classes: int = 2) -> int:
    """Number of output scores a loss needs: 1 for ``bce``/``mse``, C for ``softmax``."""
    _check_kind(kind)
    return n_classes if kind == "softmax" else 1


def _check_kind(kind: str) -> None:
    if kind not in LOSSES:
        raise ValueError(f"unknown loss {kind!r}; choose one of {', '.join(LOSSES)}")


def loss_forward(kind: str, scores: Array, y: Array) -> tuple[float, Array]:
    """Loss and ``dscores`` (same shape as ``scores``) for ``kind`` in :data:`LOSSES`.

    scores : (N, 1) for ``bce``, (N, C) for ``softmax``, (N, K) for ``mse``.
    y : (N,) labels (``bce``: 0/1, ``softmax``: 0..C-1) or targets (``mse``, (N,) or (N, K)).
    """
    _check_kind(kind)
    s = np.asarray(scores, dtype=float)
    n = s.shape[0]
    with np.errstate(all="ignore"):
        if kind == "bce":
            t = np.asarray(y, dtype=float).reshape(s.shape)
            loss = float(np.mean(np.logaddexp(0.0, s) - t * s))
            return loss, (_SIGMOID(s) - t) / n
        if kind == "softmax":
            labels = np.asarray(y).astype(int).reshape(-1)
            shifted = s - s.max(axis=1, keepdims=True)
            log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            loss = float(-np.mean(log_p[np.arange(n), labels]))
            dscores = np.exp(log_p)
            dscores[np.arange(n), labels] -= 1.0
            return loss, dscores / n
        t = np.asarray(y, dtype=float).reshape(s.shape)
        diff = s - t
        return float(np.mean(diff * diff)), 2.0 * diff / s.size


def predicted_labels(kind: str, scores: Array) -> Array:
    """Class predictions (N,): logit > 0 (``bce``), argmax (``softmax``), score > 0.5 (``mse``)."""
    _check_kind(kind)
    s = np.asarray(scores, dtype=float)
    if kind == "softmax":
        return np.argmax(s, axis=1)
    return (s.reshape(-1) > (0.0 if kind == "bce" else 0.5)).astype(int)


def accuracy(kind: str, scores: Array, y: Array) -> float:
    """Fraction of samples whose :func:`predicted_labels` equal ``y``; NaN scores count wrong."""
    return float(np.mean(predicted_labels(kind, scores) == np.asarray(y).reshape(-1)))


def class_probability(kind: str, scores: Array) -> Array:
    """P(class 1) per sample (N,): σ(s) for ``bce``, softmax column 1, the clipped score for
    ``mse``."""
    _check_kind(kind)
    s = np.asarray(scores, dtype=float)
    with np.errstate(all="ignore"):
        if kind == "bce":
            return _SIGMOID(s.reshape(-1))
        if kind == "softmax":
            shifted = s - s.max(axis=1, keepdims=True)
            p = np.exp(shifted)
            return p[:, 1] / p.sum(axis=1)
        return np.clip(s.reshape(-1), 0.0, 1.0)


def _weights(params: dict[str, Array]) -> list[str]:
    return [k for k in params if k.startswith("W")]


def l1_penalty(params: dict[str, Array], lam: float) -> tuple[float, dict[str, Array]]:
    r""":math:`\lambda\sum_l\sum|W_l|` and its gradient :math:`\lambda\,\mathrm{sign}(W_l)` per
    weight key (at 0 the subgradient 0 is used)."""
    with np.errstate(all="ignore"):
        value = float(lam * sum(np.abs(params[k]).sum() for k in _weights(params)))
        return value, {k: lam * np.sign(params[k]) for k in _weights(params)}


def l2_penalty(params: dict[str, Array], lam: float) -> tuple[float, dict[str, Array]]:
    r""":math:`\tfrac{\lambda}{2}\sum_l\lVert W_l\rVert_F^2` and its gradient
    :math:`\lambda W_l`."""
    with np.errstate(all="ignore"):
        value = float(0.5 * lam * sum((params[k] * params[k]).sum() for k in _weights(params)))
        return value, {k: lam * params[k] for k in _weights(params)}
