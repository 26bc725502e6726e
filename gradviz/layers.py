r"""Layers as pure forward/backward pairs, in the style of cs231n's ``layers.py``.

Every ``*_forward`` returns ``(out, cache)`` and every ``*_backward(dout, cache)`` returns the
gradients of the loss with respect to the forward inputs; ``dX`` always means
:math:`\partial L/\partial X`. Shapes use N (batch), D (input features) and M (output features).
Nothing here warns on overflow: callers that expect blow-ups wrap the calls in
``np.errstate(all="ignore")`` and read inf/NaN as data.
"""

from __future__ import annotations

import numpy as np

from gradviz.activations import Activation

Array = np.ndarray


def affine_forward(x: Array, w: Array, b: Array, out: Array | None = None) -> tuple[Array, tuple]:
    r"""Fully connected layer :math:`\text{out} = x W + b`.

    Parameters
    ----------
    x : (N, D) inputs.
    w : (D, M) weights.
    b : (M,) biases.
    out : optional (N, M) array to write the result into (same numbers; see :func:`gradviz.mlp.
        forward`, which keeps every layer in one block).

    Returns
    -------
    out : (N, M).
    cache : ``(x, w)`` for :func:`affine_backward`.
    """
    return np.add(np.matmul(x, w, out=out), b, out=out), (x, w)


def affine_backward(
    dout: Array, cache: tuple, dx_out: Array | None = None, dw_out: Array | None = None
) -> tuple[Array, Array, Array]:
    r"""Backward pass of :func:`affine_forward`.

    .. math:: dx = dout\,W^\top,\quad dW = x^\top dout,\quad db = \textstyle\sum_n dout_n

    Parameters
    ----------
    dout : (N, M) upstream gradient.
    cache : ``(x, w)`` from the forward pass.
    dx_out, dw_out : optional (N, D) and (D, M) arrays to write ``dx`` and ``dw`` into.

    Returns
    -------
    dx : (N, D), dw : (D, M), db : (M,).
    """
    x, w = cache
    return np.matmul(dout, w.T, out=dx_out), np.matmul(x.T, dout, out=dw_out), dout.sum(axis=0)


SEPARATE_SLOPE = frozenset({"tanh"})
"""Activations whose ``fn`` and ``grad`` called one after the other are faster than their fused
``value_and_grad`` (the same numbers, to a few ulp): tanh's fused form picks out the entries
with |z| ≥ 1 by a mask, which costs more than the exp it saves (201×64: 95 µs against 25 + 29;
1024×512: 4.8 ms against 0.9 + 1.1, measured)."""


def activation_forward(z: Array, act: Activation) -> tuple[Array, tuple]:
    r"""Elementwise activation :math:`h = f(z)`.

    The local slope :math:`f'(z)` is computed here and cached, because both the backward pass
    and the dead-unit statistics need it: by the activation's fused ``value_and_grad``, or by
    ``fn`` and ``grad`` where that is faster (:data:`SEPARATE_SLOPE`).

    Parameters
    ----------
    z : (N, M) pre-activations, any shape in fact.
    act : a registry :class:`~gradviz.activations.Activation`.

    Returns
    -------
    out : same shape as ``z``.
    cache : ``(z, slope)`` with ``slope = f'(z)``.
    """
    if act.name in SEPARATE_SLOPE:
        return act.fn(z), (z, act.grad(z))
    out, slope = act.value_and_grad(z)
    return out, (z, slope)


def activation_backward(dout: Array, cache: tuple, out: Array | None = None) -> Array:
    r"""Backward pass of :func:`activation_forward`: :math:`dz = dout \odot f'(z)`.

    ``dout`` (N, M) upstream gradient; ``cache`` from the forward pass; ``out`` an optional
    (N, M) array to write ``dz`` into. Returns ``dz`` (N, M).
    """
    _, slope = cache
    return np.multiply(dout, slope, out=out)


def batchnorm_forward(
    x: Array, gamma: Array, beta: Array, eps: float = 1e-5
) -> tuple[Array, tuple]:
    r"""Batch normalization in training mode (Ioffe & Szegedy 2015), batch statistics.

    .. math::
        \mu = \tfrac1N\textstyle\sum_n x_n,\quad \sigma^2 = \tfrac1N\sum_n (x_n-\mu)^2,\quad
        \hat x = \frac{x-\mu}{\sqrt{\sigma^2+\epsilon}},\quad out = \gamma\hat x + \beta

    Parameters
    ----------
    x : (N, M) inputs.
    gamma, beta : (M,) scale and shift.
    eps : variance floor ε.

    Returns
    -------
    out : (N, M).
    cache : ``(x_hat, gamma, inv_std, mean, var)``; ``mean`` and ``var`` (M,) are the batch
        statistics, reused to evaluate new points in inference mode.
    """
    mean = x.mean(axis=0)
    centred = x - mean
    var = (centred * centred).mean(axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = centred * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, mean, var)


def batchnorm_inference(
    x: Array, gamma: Array, beta: Array, mean: Array, var: Array, eps: float = 1e-5
) -> Array:
    r"""Batch normalization with fixed statistics: :math:`\gamma (x-\mu)/\sqrt{\sigma^2+\epsilon}
    + \beta`. ``x`` (N, M); ``mean``, ``var``, ``gamma``, ``beta`` (M,)."""
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def batchnorm_backward(dout: Array, cache: tuple) -> tuple[Array, Array, Array]:
    r"""Backward pass of :func:`batchnorm_forward`, in the compact closed form.

    .. math::
        d\hat x = dout\,\gamma,\quad
        dx = \frac{1}{N\sqrt{\sigma^2+\epsilon}}\Big(N\,d\hat x - \textstyle\sum_n d\hat x_n
        - \hat x \sum_n d\hat x_n \hat x_n\Big)

    Parameters
    ----------
    dout : (N, M) upstream gradient.
    cache : from :func:`batchnorm_forward`.

    Returns
    -------
    dx : (N, M), dgamma : (M,), dbeta : (M,).
    """
    x_hat, gamma, inv_std, _, _ = cache
    n = dout.shape[0]
    dgamma = (dout * x_hat).sum(axis=0)
    dbeta = dout.sum(axis=0)
    dx_hat = dout * gamma
    dx = (inv_std / n) * (n * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
    return dx, dgamma, dbeta
