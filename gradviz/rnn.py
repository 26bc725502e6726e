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
  :func:`sigma_max`, :func:`forget_gates`, :func:`gate_block`, :func:`sigmoid`.

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

from dataclasses import dataclass
from typing import Any

import numpy as np

from gradviz.activations import Activation, get_activation
from gradviz.initializers import get_initializer

Array = np.ndarray

CELLS: tuple[str, ...] = ("rnn", "lstm", "gru")
CELL_LABELS = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
RNN_ACTIVATIONS: tuple[str, ...] = ("tanh", "sigmoid", "relu")
GATES = {"rnn": ("h",), "lstm": ("i", "f", "o", "g"), "gru": ("r", "z", "g")}
RECURRENT_INITS: tuple[str, ...] = ("orthogonal", "gaussian")


sigmoid = get_activation("sigmoid").fn  # the registry's: overflow-free, exact in both tails


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


# ------------------------------------------------------------------------------ vanilla RNN


def rnn_step_forward(
    x: Array, prev_h: Array, Wx: Array, Wh: Array, b: Array, act: Activation | str = "tanh"
) -> tuple[Array, tuple]:
    r"""One vanilla RNN step :math:`h_t = \varphi(x_t W_x + h_{t-1} W_h + b)`.

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
    cache : what :func:`rnn_step_backward` needs: the inputs, ``next_h`` and the activation
        (and ``z`` for activations whose slope cannot be read off the output).
    """
    act = get_activation(act) if isinstance(act, str) else act
    z = x @ Wx + prev_h @ Wh + b
    next_h = act.fn(z)
    # Keep only what the backward pass needs: BPTT holds every step's cache at once.
    from_output = _SLOPE_FROM_OUTPUT.get(act.name) if not act.params else None
    return next_h, (x, prev_h, Wx, Wh, next_h, from_output or act.grad, None if from_output else z)


def rnn_step_backward(dnext_h: Array, cache: tuple) -> tuple[Array, Array, Array, Array, Array]:
    r"""Backward pass of :func:`rnn_step_forward`.

    With :math:`dz = dnext\_h \odot \varphi'(z)` (φ' read off h_t for tanh, σ and ReLU):
    :math:`dx = dz\,W_x^\top`,
    :math:`dprev\_h = dz\,W_h^\top`, :math:`dW_x = x^\top dz`, :math:`dW_h = h_{t-1}^\top dz`,
    :math:`db = \sum_n dz`.

    Returns ``(dx (N, D), dprev_h (N, H), dWx (D, H), dWh (H, H), db (H,))``.
    """
    x, prev_h, Wx, Wh, next_h, slope_of, z = cache
    dz = dnext_h * slope_of(next_h if z is None else z)
    return dz @ Wx.T, dz @ Wh.T, x.T @ dz, prev_h.T @ dz, dz.sum(axis=0)


def rnn_forward(
    x: Array, h0: Array, Wx: Array, Wh: Array, b: Array, act: Activation | str = "tanh"
) -> tuple[Array, list]:
    """Run a vanilla RNN over a sequence.

    ``x`` (N, T, D), ``h0`` (N, H) -> ``h`` (N, T, H) and a cache (one entry per step).
    """
    act = get_activation(act) if isinstance(act, str) else act
    return _hidden_state_forward(rnn_step_forward, x, h0, Wx, Wh, b, act)


def _hidden_state_forward(step_forward, x: Array, h0: Array, *weights) -> tuple[Array, list]:
    """The forward loop shared by cells whose only state is h (RNN, GRU):
    ``prev_h, cache = step_forward(x_t, prev_h, *weights)`` for t = 0..T-1.

    ``x`` (N, T, D), ``h0`` (N, H) -> ``h`` (N, T, H) and one cache per step.
    """
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]))
    caches = []
    prev_h = h0
    with np.errstate(all="ignore"):
        for t in range(T):
            prev_h, cache = step_forward(x[:, t], prev_h, *weights)
            h[:, t] = prev_h
            caches.append(cache)
    return h, caches


def rnn_backward(dh: Array, caches: list) -> BPTTGrads:
    """Backpropagation through time for :func:`rnn_forward`.

    ``dh`` (N, T, H) is the upstream gradient on every hidden state (zeros where the loss does
    not read h_t). Returns :class:`BPTTGrads` with the total ∂L/∂h_t in ``.dh``.
    """
    _, _, Wx, Wh = caches[0][:4]
    return _hidden_state_bptt(rnn_step_backward, dh, caches, Wx, Wh)


def _hidden_state_bptt(step_backward, dh: Array, caches: list, Wx: Array, Wh: Array) -> BPTTGrads:
    """The BPTT loop shared by cells whose only state is h (RNN, GRU), as in cs231n:
    ``for t in reversed(range(T))``, carrying ``dprev_h`` and accumulating the weight gradients.

    ``step_backward(dnext_h, cache) -> (dx, dprev_h, dWx, dWh, db)``; ``Wx`` (D, G), ``Wh``
    (H, G) give the shapes, G = H (RNN) or 3H (GRU).
    """
    N, T, H = dh.shape
    dx = np.empty((N, T, Wx.shape[0]))
    dh_total = np.empty_like(dh)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wx.shape[1])
    dprev_h = np.zeros((N, H))
    with np.errstate(all="ignore"):
        for t in reversed(range(T)):
            dh_total[:, t] = dh[:, t] + dprev_h
            dx[:, t], dprev_h, dWx_t, dWh_t, db_t = step_backward(dh_total[:, t], caches[t])
            dWx += dWx_t
            dWh += dWh_t
            db += db_t
    return BPTTGrads(dx, dprev_h, dWx, dWh, db, dh_total)


# ------------------------------------------------------------------------------ LSTM


def lstm_step_forward(
    x: Array, prev_h: Array, prev_c: Array, Wx: Array, Wh: Array, b: Array
) -> tuple[Array, Array, tuple]:
    r"""One LSTM step with gates i, f, o, g.

    Parameters
    ----------
    x : (N, D); prev_h, prev_c : (N, H); Wx : (D, 4H); Wh : (H, 4H); b : (4H,).

    Returns
    -------
    next_h, next_c : (N, H), with :math:`c_t = f\odot c_{t-1} + i\odot g` and
        :math:`h_t = o\odot\tanh(c_t)`.
    cache : for :func:`lstm_step_backward`; the gates are ``cache[3:7]`` = (i, f, o, g).
    """
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    ifo = sigmoid(a[:, : 3 * H])
    i, f, o = ifo[:, :H], ifo[:, H : 2 * H], ifo[:, 2 * H :]
    g = np.tanh(a[:, 3 * H :])
    next_c = f * prev_c + i * g
    tanh_c = np.tanh(next_c)
    next_h = o * tanh_c
    return next_h, next_c, (x, prev_h, prev_c, i, f, o, g, tanh_c, Wx, Wh)


def _lstm_step_backward(dnext_h: Array, dnext_c: Array, cache: tuple):
    x, prev_h, prev_c, i, f, o, g, tanh_c, Wx, Wh = cache
    dc = dnext_c + dnext_h * o * (1.0 - tanh_c * tanh_c)
    da = np.concatenate(
        [
            (dc * g) * i * (1.0 - i),
            (dc * prev_c) * f * (1.0 - f),
            (dnext_h * tanh_c) * o * (1.0 - o),
            (dc * i) * (1.0 - g * g),
        ],
        axis=1,
    )
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0), dc


def lstm_step_backward(
    dnext_h: Array, dnext_c: Array, cache: tuple
) -> tuple[Array, Array, Array, Array, Array, Array]:
    r"""Backward pass of :func:`lstm_step_forward`.

    With the total cell gradient :math:`dc = dnext\_c + dnext\_h\odot o\odot(1-\tanh^2 c_t)`:
    :math:`dprev\_c = dc\odot f` (the cell path), and the gate pre-activation gradients
    :math:`da_i = dc\,g\,i(1-i)`, :math:`da_f = dc\,c_{t-1} f(1-f)`,
    :math:`da_o = dnext\_h\tanh(c_t)\,o(1-o)`, :math:`da_g = dc\,i\,(1-g^2)`.

    Returns ``(dx (N, D), dprev_h (N, H), dprev_c (N, H), dWx (D, 4H), dWh (H, 4H), db (4H,))``.
    """
    return _lstm_step_backward(dnext_h, dnext_c, cache)[:6]


def lstm_forward(
    x: Array, h0: Array, Wx: Array, Wh: Array, b: Array, c0: Array | None = None
) -> tuple[Array, list]:
    """Run an LSTM over a sequence: ``x`` (N, T, D), ``h0`` (N, H), ``c0`` (N, H) or ``None``
    (zeros) -> ``h`` (N, T, H) and a cache (one entry per step)."""
    N, T, _ = x.shape
    H = h0.shape[1]
    h = np.empty((N, T, H))
    prev_h, prev_c = h0, np.zeros((N, H)) if c0 is None else c0
    caches = []
    with np.errstate(all="ignore"):
        for t in range(T):
            prev_h, prev_c, cache = lstm_step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b)
            h[:, t] = prev_h
            caches.append(cache)
    return h, caches


def lstm_backward(dh: Array, caches: list) -> BPTTGrads:
    """Backpropagation through time for :func:`lstm_forward`.

    ``dh`` (N, T, H) upstream gradient on every hidden state. Returns :class:`BPTTGrads` with
    the total ∂L/∂h_t in ``.dh``, the total ∂L/∂c_t in ``.dc`` and ``.dc0``.
    """
    N, T, H = dh.shape
    Wx, Wh = caches[0][8], caches[0][9]
    dx = np.empty((N, T, Wx.shape[0]))
    dh_total, dc_total = np.empty_like(dh), np.empty_like(dh)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(4 * H)
    dprev_h, dprev_c = np.zeros((N, H)), np.zeros((N, H))
    with np.errstate(all="ignore"):
        for t in reversed(range(T)):
            dh_total[:, t] = dh[:, t] + dprev_h
            dx[:, t], dprev_h, dprev_c, dWx_t, dWh_t, db_t, dc_total[:, t] = _lstm_step_backward(
                dh_total[:, t], dprev_c, caches[t]
            )
            dWx += dWx_t
            dWh += dWh_t
            db += db_t
    return BPTTGrads(dx, dprev_h, dWx, dWh, db, dh_total, dprev_c, dc_total)


def forget_gates(caches: list) -> Array:
    """The LSTM forget gates f_t of a forward pass, shape (N, T, H)."""
    return np.stack([cache[4] for cache in caches], axis=1)


# ------------------------------------------------------------------------------ GRU


def gru_step_forward(
    x: Array, prev_h: Array, Wx: Array, Wh: Array, b: Array
) -> tuple[Array, tuple]:
    r"""One GRU step (Cho et al. 2014) with reset gate r and update gate z.

    Parameters
    ----------
    x : (N, D); prev_h : (N, H); Wx : (D, 3H); Wh : (H, 3H); b : (3H,), blocks r, z, g.

    Returns
    -------
    next_h : (N, H) :math:`= z\odot h_{t-1} + (1-z)\odot g` with the candidate
        :math:`g = \tanh(x W_{xg} + (r\odot h_{t-1}) W_{hg} + b_g)`.
    cache : for :func:`gru_step_backward`.
    """
    H = prev_h.shape[1]
    ax = x @ Wx + b
    rz = sigmoid(ax[:, : 2 * H] + prev_h @ Wh[:, : 2 * H])
    r, z = rz[:, :H], rz[:, H:]
    reset_h = r * prev_h
    g = np.tanh(ax[:, 2 * H :] + reset_h @ Wh[:, 2 * H :])
    next_h = z * prev_h + (1.0 - z) * g
    return next_h, (x, prev_h, r, z, g, reset_h, Wx, Wh)


def gru_step_backward(dnext_h: Array, cache: tuple) -> tuple[Array, Array, Array, Array, Array]:
    r"""Backward pass of :func:`gru_step_forward`.

    :math:`da_g = dnext\_h\,(1-z)(1-g^2)`, :math:`d(r\odot h) = da_g W_{hg}^\top`,
    :math:`da_r = d(r\odot h)\,h_{t-1}\,r(1-r)`, :math:`da_z = dnext\_h\,(h_{t-1}-g)\,z(1-z)`,
    and :math:`dprev\_h = dnext\_h\,z + d(r\odot h)\,r + [da_r, da_z] W_{h,rz}^\top`.

    Returns ``(dx (N, D), dprev_h (N, H), dWx (D, 3H), dWh (H, 3H), db (3H,))``.
    """
    x, prev_h, r, z, g, reset_h, Wx, Wh = cache
    H = prev_h.shape[1]
    da_g = dnext_h * (1.0 - z) * (1.0 - g * g)
    dreset_h = da_g @ Wh[:, 2 * H :].T
    da_rz = np.concatenate(
        [dreset_h * prev_h * r * (1.0 - r), dnext_h * (prev_h - g) * z * (1.0 - z)], axis=1
    )
    dprev_h = dnext_h * z + dreset_h * r + da_rz @ Wh[:, : 2 * H].T
    dWh = np.concatenate([prev_h.T @ da_rz, reset_h.T @ da_g], axis=1)
    da = np.concatenate([da_rz, da_g], axis=1)
    return da @ Wx.T, dprev_h, x.T @ da, dWh, da.sum(axis=0)


def gru_forward(x: Array, h0: Array, Wx: Array, Wh: Array, b: Array) -> tuple[Array, list]:
    """Run a GRU over a sequence: ``x`` (N, T, D), ``h0`` (N, H) -> ``h`` (N, T, H), cache."""
    return _hidden_state_forward(gru_step_forward, x, h0, Wx, Wh, b)


def gru_backward(dh: Array, caches: list) -> BPTTGrads:
    """Backpropagation through time for :func:`gru_forward`; ``dh`` (N, T, H) upstream."""
    return _hidden_state_bptt(gru_step_backward, dh, caches, caches[0][6], caches[0][7])


# ------------------------------------------------------------------------------ any cell


@dataclass(frozen=True, eq=False)
class SequenceCache:
    """Cache of :func:`sequence_forward`: the cell name and its per-step caches."""

    cell: str
    steps: list


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
        h, steps = rnn_forward(x, h0, Wx, Wh, b, activation)
    elif cell == "lstm":
        h, steps = lstm_forward(x, h0, Wx, Wh, b, c0)
    elif cell == "gru":
        h, steps = gru_forward(x, h0, Wx, Wh, b)
    else:
        raise ValueError(f"unknown cell {cell!r}; choose one of {CELLS}")
    return h, SequenceCache(cell, steps)


def sequence_backward(cell: str, dh: Array, cache: SequenceCache) -> BPTTGrads:
    """Dispatch to the matching backward pass; ``dh`` (N, T, H) upstream gradient."""
    backward: dict[str, Any] = {"rnn": rnn_backward, "lstm": lstm_backward, "gru": gru_backward}
    if cell != cache.cell:
        raise ValueError(f"cache is from a {cache.cell!r} forward pass, not {cell!r}")
    return backward[cell](dh, cache.steps)


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
) -> dict[str, Array]:
    """Parameters ``{"Wx", "Wh", "b"}`` of a cell (shapes in the module docstring).

    ``Wx`` ~ N(0, 1/D) (LeCun); every (H, H) gate block of ``Wh`` comes from
    :func:`recurrent_matrix` with spectral radius ``radius``; biases are zero except the LSTM
    forget gate, ``b_f = forget_bias`` (Gers et al. 2000; Jozefowicz et al. 2015).
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
    return {"Wx": Wx, "Wh": Wh, "b": b}


def gate_block(W: Array, cell: str, gate: str) -> Array:
    """The columns of ``Wx``/``Wh``/``b`` that belong to one gate, e.g. ``("lstm", "f")``."""
    names = GATES[cell]
    H = W.shape[-1] // len(names)
    j = names.index(gate)
    return W[..., j * H : (j + 1) * H]
