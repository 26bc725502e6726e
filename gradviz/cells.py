r"""Recurrent cells with backpropagation through time: vanilla RNN, LSTM and GRU.

Written in the style of cs231n's ``rnn_layers.py``: every cell is a pure pair
``<cell>_step_forward`` / ``<cell>_step_backward`` plus a sequence loop ``<cell>_forward`` /
``<cell>_backward``. The sequence backward runs ``for t in reversed(range(T))`` carrying
``dprev_h`` (and ``dprev_c`` for the LSTM) and returns, besides the weight gradients, the *total*
gradient :math:`\partial L/\partial h_t` for every step: that is what the app plots.

Shapes: N sequences (batch), T time steps, D input features, H hidden units. A hidden layer
computes with row vectors, ``h_t = f(x_t @ Wx + h_{t-1} @ Wh + b)``:

* ``x``: (N, T, D); ``h0``, ``c0``: (N, H); hidden states ``h``: (N, T, H), ``h[:, t]`` is
  :math:`h_{t+1}` in 1-based paper notation (``h0`` is :math:`h_0`).
* vanilla RNN: ``Wx`` (D, H), ``Wh`` (H, H), ``b`` (H,).
* LSTM: ``Wx`` (D, 4H), ``Wh`` (H, 4H), ``b`` (4H,), column blocks in gate order i, f, o, g.
* GRU: ``Wx`` (D, 3H), ``Wh`` (H, 3H), ``b`` (3H,), column blocks r, z, g (g is the candidate
  :math:`\tilde h`).

Formulas (σ the logistic sigmoid, ⊙ elementwise):

.. math::

    \text{RNN:}\quad & h_t = \varphi(x_t W_x + h_{t-1} W_h + b),\quad
        \varphi \in \{\tanh, \sigma, \mathrm{ReLU}\} \\
    \text{LSTM:}\quad & [i, f, o] = \sigma(a_{i,f,o}),\ g = \tanh(a_g),\
        a = x_t W_x + h_{t-1} W_h + b \\
        & c_t = f \odot c_{t-1} + i \odot g,\quad h_t = o \odot \tanh(c_t) \\
    \text{GRU:}\quad & r = \sigma(x_t W_{xr} + h_{t-1} W_{hr} + b_r),\
        z = \sigma(x_t W_{xz} + h_{t-1} W_{hz} + b_z) \\
        & g = \tanh(x_t W_{xg} + (r \odot h_{t-1}) W_{hg} + b_g),\quad
        h_t = z \odot h_{t-1} + (1 - z) \odot g

The GRU follows Cho et al. (2014): the reset gate acts before the recurrent product and
:math:`z \to 1` keeps the old state. Along the LSTM cell path
:math:`\partial c_t/\partial c_{t-1} = \mathrm{diag}(f_t)` (Hochreiter & Schmidhuber's constant
error carousel), which stays near 1 when the forget-gate bias is positive.

Public API (for pages and other experiments):

* per cell: ``rnn_step_forward/backward``, ``rnn_forward/backward``, and the same for
  ``lstm_`` and ``gru_``; every sequence backward returns a :class:`BPTTGrads`;
* any cell by name (:data:`CELLS`): :func:`init_params`, :func:`sequence_forward`,
  :func:`sequence_backward`; helpers :func:`recurrent_matrix`, :func:`spectral_radius`,
  :func:`sigma_max`, :func:`forget_gates`, :func:`gate_block`, :func:`sigmoid`;
* what they cost before they run (:mod:`gradviz.budget`): :func:`sequence_cost`,
  :func:`init_cost`.

Everything is float64. The sequence loops run under ``np.errstate(all="ignore")``: an exploding
configuration produces inf/NaN as data (see :func:`gradviz.numerics.find_breakdown`), never a
warning.

>>> rng = np.random.default_rng(0)
>>> p = init_params("lstm", 3, 5, rng, forget_bias=1.0)
>>> x = rng.normal(size=(2, 7, 3))
>>> h, cache = sequence_forward("lstm", x, np.zeros((2, 5)), p)
>>> grads = sequence_backward("lstm", np.ones_like(h), cache)
>>> grads.dh.shape, grads.dWh.shape
((2, 7, 5), (5, 20))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from gradviz.activations import Activation, get_activation
from gradviz.budget import TRANSCENDENTAL, Cost
from gradviz.initializers import get_initializer

Array = np.ndarray

CELLS: tuple[str, ...] = ("rnn", "lstm", "gru")
CELL_LABELS = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
RNN_ACTIVATIONS: tuple[str, ...] = ("tanh", "sigmoid", "relu")
GATES = {"rnn": ("h",), "lstm": ("i", "f", "o", "g"), "gru": ("r", "z", "g")}
RECURRENT_INITS: tuple[str, ...] = ("orthogonal", "gaussian")


sigmoid = get_activation("sigmoid").fn  # the registry's: overflow-free, exact in both tails


def _sigmoid_into(a: Array, out: Array) -> Array:
    """The registry's σ(a) = 1/(1 + e^{−a}), bit for bit, computed in ``out`` without the
    registry's own ``np.errstate``: the cells call it inside their loops' ``errstate`` (where
    e^{−a} may overflow to inf for a < −709.78, giving σ = 0), and entering a second one costs
    about a microsecond a step, a tenth of a small LSTM step."""
    np.negative(a, out=out)
    np.exp(out, out=out)
    out += 1.0
    return np.reciprocal(out, out=out)


# Local slopes of the vanilla RNN's activations written with the output h = φ(z), as in
# cs231n's ``(1 - next_h**2)``: one cheap ufunc instead of a second transcendental per step.
# They round to exactly 0 once the unit saturates past float64 (|z| ≳ 19 for tanh, z ≳ 37 for
# the sigmoid), where the true slope is below 1e-16.
_SLOPE_FROM_OUTPUT = {
    "tanh": lambda h: 1.0 - h * h,
    "sigmoid": lambda h: h * (1.0 - h),
    "relu": lambda h: (h > 0).astype(float),
}


# ------------------------------------------------------------------------------ gradients


@dataclass(frozen=True, eq=False)
class BPTTGrads:
    """Gradients of a scalar loss L returned by a sequence backward pass.

    Attributes
    ----------
    dx : (N, T, D) ∂L/∂x_t.
    dh0 : (N, H) ∂L/∂h_0.
    dWx, dWh, db : same shapes as the parameters.
    dh : (N, T, H) the total ∂L/∂h_t for every step: the upstream gradient given to the
        backward pass at step t plus everything that flowed back from later steps.
    dc0 : (N, H) ∂L/∂c_0 (LSTM only, else ``None``).
    dc : (N, T, H) the total ∂L/∂c_t (LSTM only, else ``None``).
    """

    dx: Array
    dh0: Array
    dWx: Array
    dWh: Array
    db: Array
    dh: Array
    dc0: Array | None = None
    dc: Array | None = None

    def params(self) -> dict[str, Array]:
        """The weight gradients as ``{"Wx", "Wh", "b"}``, matching :func:`init_params`."""
        return {"Wx": self.dWx, "Wh": self.dWh, "b": self.db}


# ------------------------------------------------------------------------------ input side
#
# Every cell's pre-activation is a = x_t W_x + b + (recurrent part). Only the recurrent part
# depends on the previous step, so a sequence loop computes the input part of all T steps as
# one (T·N, D) × (D, G) product before the loop, keeps just the recurrent product inside it,
# and after BPTT forms dx, dW_x and db from all steps' da at once (cuDNN does the same). The
# step functions are exactly "input part + recurrent core", so the step formulas below are the
# sequence formulas with T·N rows instead of N.


def _input_part(x: Array, Wx: Array, b: Array, xt: Array | None = None) -> tuple[Array, Array]:
    """``x`` (N, T, D) -> ``xt`` (T·N, D), the inputs time-major (given or computed), and
    ``ax`` (T, N, G) = x_t W_x + b."""
    N, T, D = x.shape
    if xt is None:
        xt = np.ascontiguousarray(x.transpose(1, 0, 2)).reshape(T * N, D)
    ax = xt @ Wx
    ax += b  # in place: at T·N rows a second (T·N, G) array costs more than the product
    return xt, ax.reshape(T, N, -1)


def _input_grads(da: Array, x: Array, Wx: Array) -> tuple[Array, Array, Array]:
    r"""``da`` (M, G), ``x`` (M, D), ``Wx`` (D, G) -> :math:`dx = da\,W_x^\top` (M, D),
    :math:`dW_x = x^\top da`, :math:`db = \sum_m da` (M = N for a step, T·N for a sequence)."""
    return da @ Wx.T, x.T @ da, da.sum(axis=0)


@dataclass(frozen=True, eq=False)
class SequenceCache:
    """What a sequence backward pass needs from its forward pass.

    cell : ``"rnn"``, ``"lstm"`` or ``"gru"``.
    x : (T·N, D) the inputs, time-major (row t·N + n is sequence n at step t).
    Wx, Wh : the weights.
    hs : (T + 1, N, H) the hidden states h_0 … h_T, time-major.
    steps : T recurrent-core caches (:class:`RNNStep`, :class:`LSTMStep` or :class:`GRUStep`).
    """

    cell: str
    x: Array
    Wx: Array
    Wh: Array
    hs: Array
    steps: list

    @staticmethod
    def rows(a: Array) -> Array:
        """A time-major stack (T, N, K) as (T·N, K) rows, matching :attr:`x`."""
        return a.reshape(-1, a.shape[-1])

    def batch_major(self, a: Array) -> Array:
        """(T, N, K) or (T·N, K) -> the (N, T, K) layout of the public arrays (a view)."""
        T, N = self.hs.shape[0] - 1, self.hs.shape[1]
        return a.reshape(T, N, -1).transpose(1, 0, 2)


def _states(T: int, first: Array) -> Array:
    """A time-major (T + 1, N, H) stack of states (h or c) for steps 0..T, with ``[0] = first``
    (N, H) and the rest to be written by the sequence loop."""
    states = np.empty((T + 1, *first.shape))
    states[0] = first
    return states


# ------------------------------------------------------------------------------ vanilla RNN


class RNNStep(NamedTuple):
    """The recurrent core's cache for one RNN step: h_{t-1}, h_t, z (kept only when φ' cannot
    be read off h_t) and φ' as a function of h_t or of z."""

    prev_h: Array
    next_h: Array
    z: Array | None
    slope: Callable[[Array], Array]


def rnn_core_forward(
    ax: Array, prev_h: Array, Wh: Array, act: Activation, out: Array | None = None
) -> tuple:
    r"""One vanilla RNN step :math:`h_t = \varphi(a_t)`, :math:`a_t = x_t W_x + b + h_{t-1} W_h`,
    from ``ax`` (N, H) = x_t W_x + b; returns (h_t, RNNStep).

    ``out``: optional (N, H) array to keep h_t in (the sequence loop's row of its block of
    states), so that a step leaves no array of its own behind (see :func:`lstm_core_forward`).
    """
    z = prev_h @ Wh
    z += ax
    next_h = act.fn(z)
    if out is not None:
        out[...] = next_h
        next_h = out
    # Keep only what the backward pass needs: BPTT holds every step's cache at once.
    from_output = _SLOPE_FROM_OUTPUT.get(act.name) if not act.params else None
    if from_output is not None:
        return next_h, RNNStep(prev_h, next_h, None, from_output)
    return next_h, RNNStep(prev_h, next_h, z, act.grad)


def rnn_core_backward(dnext_h: Array, step: RNNStep, Wh: Array, da: Array) -> Array:
    r"""Backward pass of :func:`rnn_core_forward`: fills ``da`` (N, H) with
    :math:`da = dnext\_h \odot \varphi'(a_t)` (φ' read off h_t for tanh, σ and ReLU) and
    returns :math:`dprev\_h = da\,W_h^\top`. The caller forms :math:`dx = da\,W_x^\top`,
    :math:`dW_x = x^\top da`, :math:`dW_h = h_{t-1}^\top da` and :math:`db = \sum_n da`."""
    np.multiply(dnext_h, step.slope(step.next_h if step.z is None else step.z), out=da)
    return da @ Wh.T


def rnn_step_forward(
    x: Array, prev_h: Array, Wx: Array, Wh: Array, b: Array, act: Activation | str = "tanh"
) -> tuple[Array, tuple]:
    r"""One vanilla RNN step: :math:`x_t W_x + b`, then :func:`rnn_core_forward`.

    Parameters
    ----------
    x : (N, D) input at this step.
    prev_h : (N, H) previous hidden state.
    Wx : (D, H), Wh : (H, H), b : (H,).
    act : an :class:`~gradviz.activations.Activation` or registry name ("tanh", "sigmoid",
        "relu").

    Returns
    -------
    next_h : (N, H).
    cache : ``(x, Wx, Wh, RNNStep)`` for :func:`rnn_step_backward`.
    """
    act = get_activation(act) if isinstance(act, str) else act
    next_h, step = rnn_core_forward(x @ Wx + b, prev_h, Wh, act)
    return next_h, (x, Wx, Wh, step)


def rnn_step_backward(dnext_h: Array, cache: tuple) -> tuple[Array, Array, Array, Array, Array]:
    r"""Backward pass of :func:`rnn_step_forward`: :func:`rnn_core_backward`, then the input
    side's gradients.

    Returns ``(dx (N, D), dprev_h (N, H), dWx (D, H), dWh (H, H), db (H,))``.
    """
    x, Wx, Wh, step = cache
    da = np.empty_like(dnext_h)
    dprev_h = rnn_core_backward(dnext_h, step, Wh, da)
    dx, dWx, db = _input_grads(da, x, Wx)
    return dx, dprev_h, dWx, step.prev_h.T @ da, db


def rnn_forward(
    x: Array, h0: Array, Wx: Array, Wh: Array, b: Array, act: Activation | str = "tanh"
) -> tuple[Array, SequenceCache]:
    """Run a vanilla RNN over a sequence.

    ``x`` (N, T, D), ``h0`` (N, H) -> ``h`` (N, T, H) (a read-only view of the cached
    states) and a :class:`SequenceCache`.
    """
    act = get_activation(act) if isinstance(act, str) else act
    T = x.shape[1]
    with np.errstate(all="ignore"):
        xt, ax = _input_part(x, Wx, b)
        hs = _states(T, h0)
        steps = [rnn_core_forward(ax[t], hs[t], Wh, act, out=hs[t + 1])[1] for t in range(T)]
    cache = SequenceCache("rnn", xt, Wx, Wh, hs, steps)
    return _read_only(cache.batch_major(hs[1:])), cache


def _read_only(a: Array) -> Array:
    a.flags.writeable = False  # a view of the cache: writing to it would corrupt BPTT
    return a


def rnn_backward(dh: Array, cache: SequenceCache) -> BPTTGrads:
    """Backpropagation through time for :func:`rnn_forward`.

    ``dh`` (N, T, H) is the upstream gradient on every hidden state (zeros where the loss does
    not read h_t). Returns :class:`BPTTGrads` with the total ∂L/∂h_t in ``.dh``.
    """
    with np.errstate(all="ignore"):
        da, dh_total, dh0 = _hidden_state_bptt(rnn_core_backward, dh, cache)
        dWh = cache.rows(cache.hs[:-1]).T @ cache.rows(da)
        return _sequence_grads(cache, da, dh0, dWh, dh_total)


def _hidden_state_bptt(core_backward, dh: Array, cache: SequenceCache, weights: tuple = ()):
    """The BPTT loop shared by cells whose only state is h (RNN, GRU), as in cs231n:
    ``for t in reversed(range(T))``, carrying ``dprev_h``.

    ``core_backward(dnext_h, step, *weights, da) -> dprev_h`` fills ``da`` with ∂L/∂a_t
    (``weights`` defaults to ``(cache.Wh,)``); ``dh`` (N, T, H) is the upstream gradient.
    Returns ``da`` (T, N, G) every step's pre-activation gradient, the total ``dh`` (T, N, H)
    and ∂L/∂h_0 (N, H).
    """
    N, T, H = dh.shape
    weights = weights or (cache.Wh,)
    da = np.empty((T, N, cache.Wh.shape[1]))
    dh_total = np.empty((T, N, H))
    dprev_h = np.zeros((N, H))
    with np.errstate(all="ignore"):
        for t in reversed(range(T)):
            np.add(dh[:, t], dprev_h, out=dh_total[t])
            dprev_h = core_backward(dh_total[t], cache.steps[t], *weights, da[t])
    return da, dh_total, dprev_h


def _sequence_grads(
    cache: SequenceCache, da: Array, dh0: Array, dWh: Array, dh_total: Array, **lstm
) -> BPTTGrads:
    """Assemble :class:`BPTTGrads`: the input-side gradients of all T steps in one product
    each (:func:`_input_grads` with T·N rows), the rest given; ``da`` (T, N, G)."""
    dx, dWx, db = _input_grads(cache.rows(da), cache.x, cache.Wx)
    extra = {k: cache.batch_major(v) if v.ndim == 3 else v for k, v in lstm.items()}
    return BPTTGrads(cache.batch_major(dx), dh0, dWx, dWh, db, cache.batch_major(dh_total), **extra)


# ------------------------------------------------------------------------------ LSTM


class LSTMStep(NamedTuple):
    """The recurrent core's cache for one LSTM step: h_{t-1}, c_{t-1} (N, H), the sigmoid
    gates ``ifo`` = [i, f, o] (N, 3H), the candidate g and tanh(c_t) (N, H)."""

    prev_h: Array
    prev_c: Array
    ifo: Array
    g: Array
    tanh_c: Array

    @property
    def i(self) -> Array:
        H = self.g.shape[1]
        return self.ifo[:, 0 * H : 1 * H]

    @property
    def f(self) -> Array:
        H = self.g.shape[1]
        return self.ifo[:, 1 * H : 2 * H]

    @property
    def o(self) -> Array:
        H = self.g.shape[1]
        return self.ifo[:, 2 * H : 3 * H]


def lstm_core_forward(
    ax_ifo: Array,
    ax_g: Array,
    prev_h: Array,
    prev_c: Array,
    Wh: Array,
    out: tuple | None = None,
) -> tuple:
    r"""One LSTM step: with :math:`a_t = x_t W_x + b + h_{t-1} W_h` split into blocks,
    :math:`[i, f, o] = \sigma(a_{ifo})`, :math:`g = \tanh(a_g)`,
    :math:`c_t = f\odot c_{t-1} + i\odot g` and :math:`h_t = o\odot\tanh(c_t)`. From ``ax_ifo``
    (N, 3H) and ``ax_g`` (N, H), the columns i, f, o and g of x_t W_x + b: returns
    (h_t, c_t, LSTMStep).

    ``ax_ifo`` and ``ax_g`` are overwritten with the gates (the step's cache keeps them), so a
    sequence's blocks of input parts become its blocks of gates. ``out``: optional arrays
    ``(c_t, tanh c_t, h_t)`` (N, H) to write into, views of the sequence loop's (T, N, H)
    blocks: T·N·7H fresh floats per sequence otherwise come from the allocator step by step,
    and their page faults cost a tenth of BPTT (measured at T=200, N=32, H=128).
    """
    N, H = prev_h.shape
    if out is None:
        out = tuple(np.empty((N, H)) for _ in range(3))
    next_c, tanh_c, next_h = out
    ifo, g = ax_ifo, ax_g
    a = prev_h @ Wh  # a_t = x_t W_x + b + h_{t-1} W_h, added into the two blocks
    np.add(a[:, : 3 * H], ifo, out=ifo)
    np.add(a[:, 3 * H :], g, out=g)
    _sigmoid_into(ifo, ifo)
    np.tanh(g, out=g)
    np.multiply(ifo[:, H : 2 * H], prev_c, out=next_c)  # f ⊙ c_{t-1}
    next_c += ifo[:, :H] * g  # + i ⊙ g
    np.tanh(next_c, out=tanh_c)
    np.multiply(ifo[:, 2 * H :], tanh_c, out=next_h)  # o ⊙ tanh c_t
    return next_h, next_c, LSTMStep(prev_h, prev_c, ifo, g, tanh_c)


def lstm_core_backward(
    dnext_h: Array, dnext_c: Array, step: LSTMStep, Wh: Array, da: Array, dc: Array
) -> tuple[Array, Array]:
    r"""Backward pass of :func:`lstm_core_forward`. With the total cell gradient
    :math:`dc = dnext\_c + dnext\_h\odot o\odot(1-\tanh^2 c_t)`, written into ``dc`` (N, H):
    :math:`dprev\_c = dc\odot f` (the cell path), and the gate pre-activation gradients, written
    into ``da`` (N, 4H) block by gate, :math:`da_i = dc\,g\,i(1-i)`,
    :math:`da_f = dc\,c_{t-1} f(1-f)`, :math:`da_o = dnext\_h\tanh(c_t)\,o(1-o)`,
    :math:`da_g = dc\,i\,(1-g^2)`; then :math:`dprev\_h = da\,W_h^\top` (the caller forms
    :math:`dW_h = h_{t-1}^\top da`). Returns (dprev_h, dprev_c)."""
    _, prev_c, ifo, g, tanh_c = step
    H = g.shape[1]
    i, f, o = ifo[:, :H], ifo[:, H : 2 * H], ifo[:, 2 * H :]
    da_i, da_f, da_o, da_g = (da[:, k * H : (k + 1) * H] for k in range(4))
    # dc = dnext_c + dnext_h ⊙ o ⊙ (1 − tanh² c_t), built in place.
    np.multiply(tanh_c, tanh_c, out=dc)
    np.subtract(1.0, dc, out=dc)
    dc *= o
    dc *= dnext_h
    dc += dnext_c
    # da_{i,f,o} = (dc g, dc c_{t-1}, dnext_h tanh c_t) ⊙ σ' with σ' = ifo − ifo².
    np.multiply(dc, g, out=da_i)
    np.multiply(dc, prev_c, out=da_f)
    np.multiply(dnext_h, tanh_c, out=da_o)
    slope = ifo * ifo
    np.subtract(ifo, slope, out=slope)
    da[:, : 3 * H] *= slope
    # da_g = dc i (1 − g²)
    np.multiply(g, g, out=da_g)
    np.subtract(1.0, da_g, out=da_g)
    da_g *= i
    da_g *= dc
    return da @ Wh.T, dc * f


def lstm_step_forward(
    x: Array, prev_h: Array, prev_c: Array, Wx: Array, Wh: Array, b: Array
) -> tuple[Array, Array, tuple]:
    r"""One LSTM step with gates i, f, o, g: :math:`x_t W_x + b`, then :func:`lstm_core_forward`.

    Parameters
    ----------
    x : (N, D); prev_h, prev_c : (N, H); Wx : (D, 4H); Wh : (H, 4H); b : (4H,).

    Returns
    -------
    next_h, next_c : (N, H).
    cache : ``(x, Wx, Wh, LSTMStep)`` for :func:`lstm_step_backward`.
    """
    with np.errstate(all="ignore"):
        a, H = x @ Wx + b, prev_h.shape[1]
        next_h, next_c, step = lstm_core_forward(a[:, : 3 * H], a[:, 3 * H :], prev_h, prev_c, Wh)
    return next_h, next_c, (x, Wx, Wh, step)


def lstm_step_backward(
    dnext_h: Array, dnext_c: Array, cache: tuple
) -> tuple[Array, Array, Array, Array, Array, Array]:
    r"""Backward pass of :func:`lstm_step_forward`: :func:`lstm_core_backward`, then the input
    side's gradients.

    Returns ``(dx (N, D), dprev_h (N, H), dprev_c (N, H), dWx (D, 4H), dWh (H, 4H), db (4H,))``.
    """
    x, Wx, Wh, step = cache
    da, dc = np.empty((dnext_h.shape[0], 4 * dnext_h.shape[1])), np.empty_like(dnext_h)
    dprev_h, dprev_c = lstm_core_backward(dnext_h, dnext_c, step, Wh, da, dc)
    dx, dWx, db = _input_grads(da, x, Wx)
    return dx, dprev_h, dprev_c, dWx, step.prev_h.T @ da, db


def lstm_forward(
    x: Array, h0: Array, Wx: Array, Wh: Array, b: Array, c0: Array | None = None
) -> tuple[Array, SequenceCache]:
    """Run an LSTM over a sequence: ``x`` (N, T, D), ``h0`` (N, H), ``c0`` (N, H) or ``None``
    (zeros) -> ``h`` (N, T, H) (a read-only view of the cached states) and a
    :class:`SequenceCache`."""
    N, T, _ = x.shape
    H = h0.shape[1]
    cs = _states(T, np.zeros_like(h0) if c0 is None else c0)  # c_0 .. c_T
    tanh_c = np.empty((T, N, H))
    with np.errstate(all="ignore"):
        # Two input products, so that [i, f, o] and g each fill a contiguous (T, N, ·) block
        # (see gru_forward); they become the blocks of gates, step by step.
        Wx_ifo, Wx_g = np.ascontiguousarray(Wx[:, : 3 * H]), np.ascontiguousarray(Wx[:, 3 * H :])
        xt, ax_ifo = _input_part(x, Wx_ifo, b[: 3 * H])
        _, ax_g = _input_part(x, Wx_g, b[3 * H :], xt)
        hs = _states(T, h0)
        steps = []
        for t in range(T):
            out = (cs[t + 1], tanh_c[t], hs[t + 1])
            steps.append(lstm_core_forward(ax_ifo[t], ax_g[t], hs[t], cs[t], Wh, out)[2])
    cache = SequenceCache("lstm", xt, Wx, Wh, hs, steps)
    return _read_only(cache.batch_major(hs[1:])), cache


def lstm_backward(dh: Array, cache: SequenceCache) -> BPTTGrads:
    """Backpropagation through time for :func:`lstm_forward`.

    ``dh`` (N, T, H) upstream gradient on every hidden state. Returns :class:`BPTTGrads` with
    the total ∂L/∂h_t in ``.dh``, the total ∂L/∂c_t in ``.dc`` and ``.dc0``.
    """
    N, T, H = dh.shape
    da = np.empty((T, N, 4 * H))
    dh_total, dc_total = np.empty((T, N, H)), np.empty((T, N, H))
    dprev_h, dprev_c = np.zeros((N, H)), np.zeros((N, H))
    with np.errstate(all="ignore"):
        for t in reversed(range(T)):
            np.add(dh[:, t], dprev_h, out=dh_total[t])
            dprev_h, dprev_c = lstm_core_backward(
                dh_total[t], dprev_c, cache.steps[t], cache.Wh, da[t], dc_total[t]
            )
        dWh = cache.rows(cache.hs[:-1]).T @ cache.rows(da)
        return _sequence_grads(cache, da, dprev_h, dWh, dh_total, dc0=dprev_c, dc=dc_total)


def forget_gates(steps: list) -> Array:
    """The LSTM forget gates f_t of a forward pass (``SequenceCache.steps``), shape (N, T, H)."""
    return np.stack([step.f for step in steps], axis=1)


# ------------------------------------------------------------------------------ GRU


class GRUStep(NamedTuple):
    """The recurrent core's cache for one GRU step: h_{t-1} (N, H), the gates ``rz`` = [r, z]
    (N, 2H), the candidate g and r ⊙ h_{t-1} (N, H)."""

    prev_h: Array
    rz: Array
    g: Array
    reset_h: Array

    @property
    def r(self) -> Array:
        return self.rz[:, : self.g.shape[1]]

    @property
    def z(self) -> Array:
        return self.rz[:, self.g.shape[1] :]


def _gru_blocks(W: Array) -> tuple[Array, Array]:
    """``Wh`` (H, 3H) or ``Wx`` (D, 3H) -> its gate blocks (columns r, z (·, 2H) and g
    (·, H)) as contiguous copies: OpenBLAS multiplies a column slice of ``Wh`` (row stride 3H)
    about 1.4× slower (measured at N = 32, H = 128), and the GRU's reset gate splits every
    recurrent product in two."""
    H = W.shape[1] // 3
    return np.ascontiguousarray(W[:, : 2 * H]), np.ascontiguousarray(W[:, 2 * H :])


def gru_core_forward(
    ax_rz: Array,
    ax_g: Array,
    prev_h: Array,
    Wh_rz: Array,
    Wh_g: Array,
    out: tuple | None = None,
) -> tuple:
    r"""One GRU step (Cho et al. 2014): :math:`[r, z] = \sigma(x_t W_{x,rz} + b_{rz} +
    h_{t-1} W_{h,rz})`, the candidate :math:`g = \tanh(x_t W_{xg} + b_g + (r\odot h_{t-1}) W_{hg})`
    and :math:`h_t = z\odot h_{t-1} + (1-z)\odot g`. From ``ax_rz`` (N, 2H) and ``ax_g`` (N, H),
    the columns r, z and g of x_t W_x + b: returns (h_t, GRUStep).

    ``ax_rz`` and ``ax_g`` are overwritten with the gates [r, z] and g (see
    :func:`lstm_core_forward`); ``out``: optional (N, H) arrays ``(r ⊙ h_{t-1}, h_t)`` to
    write into.
    """
    N, H = prev_h.shape
    if out is None:
        out = (np.empty((N, H)), np.empty((N, H)))
    reset_h, next_h = out
    rz, g = ax_rz, ax_g
    np.add(prev_h @ Wh_rz, rz, out=rz)
    _sigmoid_into(rz, rz)
    r, z = rz[:, :H], rz[:, H:]
    np.multiply(r, prev_h, out=reset_h)
    np.add(reset_h @ Wh_g, g, out=g)
    np.tanh(g, out=g)
    # z ⊙ h_{t-1} + (1 − z) ⊙ g written as g + z ⊙ (h_{t-1} − g): three passes instead of four.
    np.subtract(prev_h, g, out=next_h)
    next_h *= z
    next_h += g
    return next_h, GRUStep(prev_h, rz, g, reset_h)


def gru_core_backward(dnext_h: Array, step: GRUStep, Wh_rz: Array, Wh_g: Array, da: Array) -> Array:
    r"""Backward pass of :func:`gru_core_forward`: fills ``da`` (N, 3H), blocks r, z, g, with
    :math:`da_g = dnext\_h\,(1-z)(1-g^2)`, :math:`da_r = d(r\odot h)\,h_{t-1}\,r(1-r)` where
    :math:`d(r\odot h) = da_g W_{hg}^\top`, :math:`da_z = dnext\_h\,(h_{t-1}-g)\,z(1-z)`, and
    returns :math:`dprev\_h = dnext\_h\,z + d(r\odot h)\,r + [da_r, da_z] W_{h,rz}^\top`."""
    prev_h, rz, g, _ = step
    H = prev_h.shape[1]
    r, z = rz[:, :H], rz[:, H:]
    da_r, da_z, da_g = da[:, :H], da[:, H : 2 * H], da[:, 2 * H :]
    dh_via_z = dnext_h * z  # the direct path z ⊙ ∂L/∂h_t, one term of dprev_h
    np.subtract(dnext_h, dh_via_z, out=da_g)  # dnext_h ⊙ (1 − z)
    slope = g * g
    np.subtract(1.0, slope, out=slope)
    da_g *= slope
    dreset_h = da_g @ Wh_g.T
    np.multiply(dreset_h, prev_h, out=da_r)
    np.subtract(prev_h, g, out=da_z)
    da_z *= dnext_h
    # σ' = σ − σ² for r and z together: they sit side by side in rz, as da_r, da_z in da.
    gates = da[:, : 2 * H]
    slope = rz * rz
    np.subtract(rz, slope, out=slope)
    gates *= slope
    dprev_h = gates @ Wh_rz.T
    dprev_h += dh_via_z
    dreset_h *= r
    dprev_h += dreset_h
    return dprev_h


def _gru_dWh(prev_h: Array, reset_h: Array, da: Array) -> Array:
    r""":math:`dW_h = [h_{t-1}^\top da_{rz},\ (r\odot h_{t-1})^\top da_g]`; rows (M, ·) with
    M = N for a step, T·N for a sequence."""
    H = prev_h.shape[1]
    return np.concatenate([prev_h.T @ da[:, : 2 * H], reset_h.T @ da[:, 2 * H :]], axis=1)


def gru_step_forward(
    x: Array, prev_h: Array, Wx: Array, Wh: Array, b: Array
) -> tuple[Array, tuple]:
    r"""One GRU step with reset gate r and update gate z: :math:`x_t W_x + b`, then
    :func:`gru_core_forward`.

    Parameters
    ----------
    x : (N, D); prev_h : (N, H); Wx : (D, 3H); Wh : (H, 3H); b : (3H,), blocks r, z, g.

    Returns
    -------
    next_h : (N, H).
    cache : ``(x, Wx, Wh, GRUStep)`` for :func:`gru_step_backward`.
    """
    with np.errstate(all="ignore"):
        a = x @ Wx + b
        H = prev_h.shape[1]
        next_h, step = gru_core_forward(a[:, : 2 * H], a[:, 2 * H :], prev_h, *_gru_blocks(Wh))
    return next_h, (x, Wx, Wh, step)


def gru_step_backward(dnext_h: Array, cache: tuple) -> tuple[Array, Array, Array, Array, Array]:
    r"""Backward pass of :func:`gru_step_forward`: :func:`gru_core_backward`, then the input
    side's gradients.

    Returns ``(dx (N, D), dprev_h (N, H), dWx (D, 3H), dWh (H, 3H), db (3H,))``.
    """
    x, Wx, Wh, step = cache
    da = np.empty((dnext_h.shape[0], 3 * dnext_h.shape[1]))
    dprev_h = gru_core_backward(dnext_h, step, *_gru_blocks(Wh), da)
    dx, dWx, db = _input_grads(da, x, Wx)
    return dx, dprev_h, dWx, _gru_dWh(step.prev_h, step.reset_h, da), db


def gru_forward(x: Array, h0: Array, Wx: Array, Wh: Array, b: Array) -> tuple[Array, SequenceCache]:
    """Run a GRU over a sequence: ``x`` (N, T, D), ``h0`` (N, H) -> ``h`` (N, T, H) (a
    read-only view of the cached states) and a :class:`SequenceCache`."""
    N, T, _ = x.shape
    H = h0.shape[1]
    blocks = _gru_blocks(Wh)
    reset_h = np.empty((T, N, H))
    with np.errstate(all="ignore"):
        # Two input products, so that [r, z] and g each fill a contiguous (T, N, ·) block:
        # the elementwise passes over a column slice of one (T, N, 3H) block ran slower.
        Wx_rz, Wx_g = _gru_blocks(Wx)
        xt, ax_rz = _input_part(x, Wx_rz, b[: 2 * H])  # become the blocks of gates
        _, ax_g = _input_part(x, Wx_g, b[2 * H :], xt)
        hs = _states(T, h0)
        steps = []
        for t in range(T):
            out = (reset_h[t], hs[t + 1])
            steps.append(gru_core_forward(ax_rz[t], ax_g[t], hs[t], *blocks, out)[1])
    cache = SequenceCache("gru", xt, Wx, Wh, hs, steps)
    return _read_only(cache.batch_major(hs[1:])), cache


def gru_backward(dh: Array, cache: SequenceCache) -> BPTTGrads:
    """Backpropagation through time for :func:`gru_forward`; ``dh`` (N, T, H) upstream."""
    with np.errstate(all="ignore"):
        blocks = _gru_blocks(cache.Wh)
        da, dh_total, dh0 = _hidden_state_bptt(gru_core_backward, dh, cache, blocks)
        # Every step's r ⊙ h_{t-1} is a view of one (T, N, H) block of the forward pass.
        reset_h = cache.steps[0].reset_h.base
        dWh = _gru_dWh(cache.rows(cache.hs[:-1]), cache.rows(reset_h), cache.rows(da))
        return _sequence_grads(cache, da, dh0, dWh, dh_total)


# ------------------------------------------------------------------------------ any cell


def sequence_forward(
    cell: str,
    x: Array,
    h0: Array,
    params: dict[str, Array],
    activation: str = "tanh",
    c0: Array | None = None,
) -> tuple[Array, SequenceCache]:
    """Dispatch to :func:`rnn_forward`, :func:`lstm_forward` or :func:`gru_forward`.

    ``params`` holds ``Wx``, ``Wh``, ``b`` (see :func:`init_params`); ``activation`` is used
    by the vanilla RNN only, ``c0`` by the LSTM only. Returns ``h`` (N, T, H) and a cache.
    """
    Wx, Wh, b = params["Wx"], params["Wh"], params["b"]
    if cell == "rnn":
        return rnn_forward(x, h0, Wx, Wh, b, activation)
    if cell == "lstm":
        return lstm_forward(x, h0, Wx, Wh, b, c0)
    if cell == "gru":
        return gru_forward(x, h0, Wx, Wh, b)
    raise ValueError(f"unknown cell {cell!r}; choose one of {CELLS}")


def sequence_backward(cell: str, dh: Array, cache: SequenceCache) -> BPTTGrads:
    """Dispatch to the matching backward pass; ``dh`` (N, T, H) upstream gradient."""
    backward: dict[str, Any] = {"rnn": rnn_backward, "lstm": lstm_backward, "gru": gru_backward}
    if cell != cache.cell:
        raise ValueError(f"cache is from a {cache.cell!r} forward pass, not {cell!r}")
    return backward[cell](dh, cache)


# ------------------------------------------------------------------------------ cost


class StepWork(NamedTuple):
    """The work of one recurrent-core step outside its matrix products, in units of one
    (N, H) array: simple element ``passes``, ``transcendentals`` (exp or tanh passes) and
    ``calls`` (numpy calls, plus the loop's Python bookkeeping counted as calls)."""

    passes: float
    transcendentals: float
    calls: float


# Counted from the step functions above; keep them in step with the code. A pass over an
# (N, 3H) slice counts 3; the loop's indexing, unpacking and NamedTuple of a step count as 2
# to 3 calls. :func:`sequence_cost` weighs these calls by LOOP_CALL.
FORWARD_STEP = {
    "tanh": StepWork(2, 1, 4),  # += ax, tanh, copy into the block of states
    "sigmoid": StepWork(5, 1, 8),  # the registry's σ: 4 calls in its own errstate
    "relu": StepWork(4, 0, 6),  # x > 0, where, copy
    "lstm": StepWork(17, 5, 16),  # σ on 3H (exp: 3), tanh on g and on c_t
    "gru": StepWork(13, 3, 16),  # σ on 2H (exp: 2), tanh on g
}
BACKWARD_STEP = {
    "tanh": StepWork(4, 0, 5),  # dh_total, φ' from h_t (2 passes), da
    "sigmoid": StepWork(4, 0, 5),
    "relu": StepWork(4, 0, 5),
    "lstm": StepWork(23, 0, 21),
    "gru": StepWork(18, 0, 20),
}
KEPT_BLOCKS = {"rnn": 0, "lstm": 6, "gru": 4}
"""(T, N, H) blocks a forward pass keeps for BPTT besides the states h: the LSTM's gates
[i, f, o, g] (written over its block of x_t W_x + b), c and tanh c; the GRU's [r, z, g] (the
same way) and r ⊙ h. The vanilla RNN keeps only h and frees its x_t W_x + b."""
STEP_OBJECT_BYTES = 500
"""Python objects a step keeps for BPTT besides its arrays' data: the step's NamedTuple and
the array views in it (about 100 bytes each)."""
LOOP_CALL = 0.5
"""What one counted numpy call inside the recurrent loops costs, in units of
:data:`gradviz.budget.CALL_SECONDS` (2.5 µs): about 1.2 µs with the array views and Python
glue around it that the step tables do not count (measured in thread CPU time on the reference
machine: a ufunc into a preallocated (8, 32) array 0.4 µs, a small matmul 1.3 µs, a view
0.17 µs)."""
FRESH_PASSES = 1.0
"""Element passes that writing one element of freshly allocated memory costs beyond the write
(the page faults of a new block: measured about 1 ns per float64 on the reference machine)."""


def sequence_cost(
    cell: str,
    batch: int,
    length: int,
    input_dim: int,
    hidden: int,
    activation: str = "tanh",
    backward: bool = True,
) -> Cost:
    r"""What :func:`sequence_forward` and, with ``backward``, :func:`sequence_backward` cost on
    ``batch`` N sequences of ``length`` T steps, ``input_dim`` D and ``hidden`` H, counted from
    the sizes alone (see :mod:`gradviz.budget`); ``x`` and the upstream ``dh`` are the
    caller's.

    With G = kH gate columns (k = 1, 4, 3 for RNN, LSTM, GRU), the matrix products are the
    recurrent ones inside the loops and the input side stacked over T·N rows:

    .. math:: \text{madds} = T N G\,(D + H) \;[\text{forward}]
              \;+\; T N G\,(2D + 2H) \;[\text{backward: } da W_h^\top,\ da W_x^\top,
              \ x^\top da,\ h^\top da]

    The peak is every block alive at once: the inputs time-major (T·N·D), the states and the
    :data:`KEPT_BLOCKS` the forward pass keeps, and during BPTT da (T·N·G), the total ∂L/∂h_t
    (and ∂L/∂c_t) and dx; during the vanilla RNN's forward pass its x W_x + b (T·N·G)
    instead of the backward arrays.
    """
    k = len(GATES[cell])
    G, TN = k * hidden, length * batch
    TNH = TN * hidden
    kind = activation if cell == "rnn" else cell
    steps = [FORWARD_STEP[kind]] + ([BACKWARD_STEP[kind]] if backward else [])
    passes = sum(w.passes + TRANSCENDENTAL * w.transcendentals for w in steps)
    kept = (1 + KEPT_BLOCKS[cell]) * TNH + TN * input_dim  # states, cell blocks, x
    transient = TN * G if cell == "rnn" else 0  # the RNN's x W_x + b; the cells' become gates
    forward_fresh = kept + transient
    backward_fresh = TN * G + TNH * (2 if cell == "lstm" else 1) + TN * input_dim
    fresh = forward_fresh + (backward_fresh if backward else 0)
    return Cost(
        madds=TN * G * (input_dim + hidden) * (3 if backward else 1),
        # the (T·N, ·) stacked passes: x time-major, + b, and in BPTT Σ da for db
        elementwise=length * batch * hidden * passes
        + TN * (input_dim + G * (2 if backward else 1))
        + FRESH_PASSES * fresh,
        calls=LOOP_CALL * length * sum(w.calls for w in steps) + (25 if backward else 10),
        peak_bytes=8.0 * (kept + (backward_fresh if backward else transient))
        + STEP_OBJECT_BYTES * length,
    )


def init_cost(cell: str, input_dim: int, hidden: int, recurrent_init: str = "orthogonal") -> Cost:
    """What :func:`init_params` costs: per gate block an (H, H) Gaussian and its QR
    decomposition (orthogonal) or its eigenvalues (Gaussian rescaled to a spectral radius).
    Counted as multiply-adds at the product rate: LAPACK's small decompositions run far below
    it, so QR counts about 20H³ and a non-symmetric eigenvalue problem about 80H³ (measured
    0.30 ms and 1.1 ms at H = 64 on the reference machine)."""
    k = len(GATES[cell])
    per_block = (20.0 if recurrent_init == "orthogonal" else 80.0) * hidden**3
    return Cost(
        madds=k * per_block,
        elementwise=k * hidden * (input_dim + hidden) * TRANSCENDENTAL,
        calls=10 * k,
        peak_bytes=8.0 * k * hidden * (input_dim + 3 * hidden),
    )


# ------------------------------------------------------------------------------ parameters


def spectral_radius(W: Array) -> float:
    """max |λ| over the eigenvalues of a square matrix."""
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def sigma_max(W: Array) -> float:
    """Largest singular value (the spectral norm) of ``W``."""
    return float(np.linalg.norm(W, 2))


def recurrent_matrix(
    H: int, radius: float, rng: np.random.Generator, kind: str = "orthogonal"
) -> Array:
    """An (H, H) recurrent block rescaled to spectral radius ``radius``.

    ``kind="orthogonal"``: ``radius · Q`` with Q orthogonal (Saxe et al. 2014), so every
    singular value and every |eigenvalue| equals ``radius`` (σ_max = ρ).
    ``kind="gaussian"``: a N(0, 1/H) matrix divided by its own spectral radius and multiplied by
    ``radius``; its σ_max is then about twice ρ (the circular law vs. the quarter-circle law).
    """
    if kind == "orthogonal":
        return radius * get_initializer("orthogonal").sample(H, H, rng)
    if kind == "gaussian":
        W = get_initializer("lecun_normal").sample(H, H, rng)
        return W * (radius / spectral_radius(W))
    raise ValueError(f"unknown recurrent init {kind!r}; choose one of {RECURRENT_INITS}")


def init_params(
    cell: str,
    input_dim: int,
    hidden: int,
    rng: np.random.Generator,
    *,
    radius: float = 1.0,
    recurrent_init: str = "orthogonal",
    forget_bias: float = 1.0,
    update_bias: float = 0.0,
) -> dict[str, Array]:
    """Parameters ``{"Wx", "Wh", "b"}`` of a cell (shapes in the module docstring).

    ``Wx`` ~ N(0, 1/D) (LeCun); every (H, H) gate block of ``Wh`` comes from
    :func:`recurrent_matrix` with spectral radius ``radius``; biases are zero except the LSTM
    forget gate, ``b_f = forget_bias`` (Gers et al. 2000; Jozefowicz et al. 2015), and the GRU
    update gate, ``b_z = update_bias`` (z carries h_{t-1}: h_t = z⊙h_{t-1} + (1-z)⊙g).
    """
    if cell not in CELLS:
        raise ValueError(f"unknown cell {cell!r}; choose one of {CELLS}")
    k = len(GATES[cell])
    Wx = get_initializer("lecun_normal").sample(input_dim, k * hidden, rng)
    Wh = np.concatenate(
        [recurrent_matrix(hidden, radius, rng, recurrent_init) for _ in range(k)], axis=1
    )
    b = np.zeros(k * hidden)
    if cell == "lstm":
        b[hidden : 2 * hidden] = forget_bias
    if cell == "gru":
        b[hidden : 2 * hidden] = update_bias
    return {"Wx": Wx, "Wh": Wh, "b": b}


def gate_block(W: Array, cell: str, gate: str) -> Array:
    """The columns of ``Wx``/``Wh``/``b`` that belong to one gate, e.g. ``("lstm", "f")``."""
    names = GATES[cell]
    H = W.shape[-1] // len(names)
    j = names.index(gate)
    return W[..., j * H : (j + 1) * H]
