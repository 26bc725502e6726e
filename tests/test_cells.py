"""Recurrent cells: finite-difference checks of every backward pass, properties, behaviour."""

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bench import peak_bytes
from gradviz.cells import (
    CELLS,
    GATES,
    RNN_ACTIVATIONS,
    _sigmoid_into,
    forget_gates,
    gate_block,
    gru_step_backward,
    gru_step_forward,
    init_params,
    lstm_step_backward,
    lstm_step_forward,
    recurrent_matrix,
    rnn_step_backward,
    rnn_step_forward,
    sequence_backward,
    sequence_cost,
    sequence_forward,
    sigma_max,
    sigmoid,
    spectral_radius,
)
from gradviz.gradcheck import numerical_gradient, numerical_gradient_array, rel_error

TOL = 1e-6
N, T, D, H = 3, 5, 4, 5
CELL_CASES = [("rnn", a) for a in RNN_ACTIVATIONS] + [("lstm", "tanh"), ("gru", "tanh")]


def _params(cell, rng, radius=0.9, forget_bias=1.0):
    """Parameters with every entry (biases too) non-trivial, so each gradient path is tested."""
    p = init_params(cell, D, H, rng, radius=radius, forget_bias=forget_bias)
    return {k: v + 0.1 * rng.normal(size=v.shape) for k, v in p.items()}


# ----------------------------------------------------------------------------- step checks


@pytest.mark.parametrize("act", RNN_ACTIVATIONS)
def test_rnn_step_backward_matches_finite_differences(act, rng):
    x, h = rng.normal(size=(N, D)), rng.normal(size=(N, H))
    p = _params("rnn", rng)
    dnext = rng.normal(size=(N, H))
    _, cache = rnn_step_forward(x, h, p["Wx"], p["Wh"], p["b"], act)
    dx, dh, dWx, dWh, db = rnn_step_backward(dnext, cache)

    def f():
        return rnn_step_forward(x, h, p["Wx"], p["Wh"], p["b"], act)[0]

    for analytic, arr in ((dx, x), (dh, h), (dWx, p["Wx"]), (dWh, p["Wh"]), (db, p["b"])):
        assert rel_error(analytic, numerical_gradient_array(f, arr, dnext)) <= TOL


def test_lstm_step_backward_matches_finite_differences(rng):
    x, h, c = rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
    p = _params("lstm", rng)
    dnext_h, dnext_c = rng.normal(size=(N, H)), rng.normal(size=(N, H))
    _, _, cache = lstm_step_forward(x, h, c, p["Wx"], p["Wh"], p["b"])
    grads = lstm_step_backward(dnext_h, dnext_c, cache)

    def loss():
        nh, nc, _ = lstm_step_forward(x, h, c, p["Wx"], p["Wh"], p["b"])
        return float(np.sum(nh * dnext_h) + np.sum(nc * dnext_c))

    for analytic, arr in zip(grads, (x, h, c, p["Wx"], p["Wh"], p["b"]), strict=True):
        assert rel_error(analytic, numerical_gradient(loss, arr)) <= TOL


def test_gru_step_backward_matches_finite_differences(rng):
    x, h = rng.normal(size=(N, D)), rng.normal(size=(N, H))
    p = _params("gru", rng)
    dnext = rng.normal(size=(N, H))
    _, cache = gru_step_forward(x, h, p["Wx"], p["Wh"], p["b"])
    grads = gru_step_backward(dnext, cache)

    def f():
        return gru_step_forward(x, h, p["Wx"], p["Wh"], p["b"])[0]

    for analytic, arr in zip(grads, (x, h, p["Wx"], p["Wh"], p["b"]), strict=True):
        assert rel_error(analytic, numerical_gradient_array(f, arr, dnext)) <= TOL


# ----------------------------------------------------------------------------- sequence checks


@pytest.mark.parametrize(("cell", "act"), CELL_CASES)
def test_sequence_backward_matches_finite_differences(cell, act, rng):
    p = _params(cell, rng)
    x, h0, c0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
    dh = rng.normal(size=(N, T, H))
    c_init = c0 if cell == "lstm" else None

    def f():
        return sequence_forward(cell, x, h0, p, act, c0=c_init)[0]

    _, cache = sequence_forward(cell, x, h0, p, act, c0=c_init)
    grads = sequence_backward(cell, dh, cache)
    checks = [
        (grads.dWx, p["Wx"]),
        (grads.dWh, p["Wh"]),
        (grads.db, p["b"]),
        (grads.dx, x),
        (grads.dh0, h0),
    ]
    if cell == "lstm":
        checks.append((grads.dc0, c0))
    else:
        assert grads.dc0 is None and grads.dc is None
    for analytic, arr in checks:
        assert rel_error(analytic, numerical_gradient_array(f, arr, dh)) <= TOL


@pytest.mark.parametrize(("cell", "act"), CELL_CASES)
def test_total_dh_is_the_gradient_of_the_remaining_sequence(cell, act, rng):
    """∂L/∂h_t = upstream at t + ∂(later loss)/∂h_t: rerun from h_t and compare with dh0."""
    p = _params(cell, rng)
    x = rng.normal(size=(N, T, D))
    dh = rng.normal(size=(N, T, H))
    h, cache = sequence_forward(cell, x, np.zeros((N, H)), p, act)
    grads = sequence_backward(cell, dh, cache)
    t = 1
    c_t = None
    if cell == "lstm":
        # c_t from the cached step t + 1: its prev_c.
        c_t = cache.steps[t + 1].prev_c
    _, tail_cache = sequence_forward(cell, x[:, t + 1 :], h[:, t], p, act, c0=c_t)
    tail = sequence_backward(cell, dh[:, t + 1 :], tail_cache)
    assert rel_error(grads.dh[:, t], dh[:, t] + tail.dh0) <= 1e-12
    if cell == "lstm":
        assert rel_error(grads.dc[:, t], tail.dc0 + _dc_from_h(cache, t, grads.dh[:, t])) <= 1e-12


def _dc_from_h(cache, t, dh_t):
    """The part of ∂L/∂c_t that comes through h_t = o ⊙ tanh(c_t)."""
    o, tanh_c = cache.steps[t].o, cache.steps[t].tanh_c
    return dh_t * o * (1 - tanh_c**2)


def _step_loop(cell, act, x, h0, p, dh):
    """cs231n's sequence loop written with the public step functions: every product per step,
    nothing hoisted. Returns (h, dx, dh0, dWx, dWh, db)."""
    T = x.shape[1]
    Wx, Wh, b = p["Wx"], p["Wh"], p["b"]
    prev_h, prev_c, caches, hs = h0, np.zeros_like(h0), [], []
    for t in range(T):
        if cell == "lstm":
            prev_h, prev_c, cache = lstm_step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b)
        elif cell == "gru":
            prev_h, cache = gru_step_forward(x[:, t], prev_h, Wx, Wh, b)
        else:
            prev_h, cache = rnn_step_forward(x[:, t], prev_h, Wx, Wh, b, act)
        hs.append(prev_h)
        caches.append(cache)
    dx = np.zeros_like(x)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dprev_h, dprev_c = np.zeros_like(h0), np.zeros_like(h0)
    for t in reversed(range(T)):
        if cell == "lstm":
            dx[:, t], dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(
                dh[:, t] + dprev_h, dprev_c, caches[t]
            )
        else:
            backward = gru_step_backward if cell == "gru" else rnn_step_backward
            dx[:, t], dprev_h, dWx_t, dWh_t, db_t = backward(dh[:, t] + dprev_h, caches[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return np.stack(hs, axis=1), dx, dprev_h, dWx, dWh, db


@pytest.mark.parametrize(("cell", "act"), CELL_CASES)
def test_sequence_passes_equal_the_step_by_step_loop(cell, act, rng):
    """The sequence functions hoist the input-side products out of the time loop; the result
    must be the step loop's, to rounding."""
    p = _params(cell, rng)
    x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
    dh = rng.normal(size=(N, T, H))
    h, cache = sequence_forward(cell, x, h0, p, act)
    grads = sequence_backward(cell, dh, cache)
    expected = _step_loop(cell, act, x, h0, p, dh)
    got = (h, grads.dx, grads.dh0, grads.dWx, grads.dWh, grads.db)
    for a, b in zip(got, expected, strict=True):
        assert a.shape == b.shape
        assert np.allclose(a, b, rtol=1e-12, atol=1e-14)
    if cell == "lstm":
        assert forget_gates(cache.steps).shape == (N, T, H)


def test_hidden_states_are_read_only_views_of_the_cache(rng):
    p = _params("rnn", rng)
    h, cache = sequence_forward("rnn", rng.normal(size=(N, T, D)), np.zeros((N, H)), p)
    assert np.shares_memory(h, cache.hs)
    with pytest.raises(ValueError):
        h[0, 0, 0] = 1.0


# ----------------------------------------------------------------------------- properties

shapes = st.tuples(st.integers(1, 3), st.integers(1, 6), st.integers(1, 3), st.integers(1, 4))


@given(shapes, st.sampled_from(CELL_CASES), st.integers(0, 2**16), st.floats(0.1, 2.0))
def test_backward_is_linear_in_the_upstream_gradient(shape, case, seed, a):
    n, t, d, hid = shape
    cell, act = case
    rng = np.random.default_rng(seed)
    p = init_params(cell, d, hid, rng, radius=1.2)
    x = rng.normal(size=(n, t, d))
    _, cache = sequence_forward(cell, x, rng.normal(size=(n, hid)), p, act)
    g1, g2 = rng.normal(size=(n, t, hid)), rng.normal(size=(n, t, hid))
    combined = sequence_backward(cell, a * g1 + g2, cache)
    b1, b2 = sequence_backward(cell, g1, cache), sequence_backward(cell, g2, cache)
    for name in ("dx", "dh0", "dWx", "dWh", "db", "dh"):
        expected = a * getattr(b1, name) + getattr(b2, name)
        assert np.allclose(getattr(combined, name), expected, rtol=1e-9, atol=1e-12)


@given(shapes, st.sampled_from(CELL_CASES), st.integers(0, 2**16))
@example((3, 5, 3, 4), ("lstm", "tanh"), 20283)  # a dWh entry of 5e-6: needs the 5-point stencil
@example((3, 1, 3, 1), ("rnn", "relu"), 604)  # a pre-activation 2e-3 from the kink
def test_sequence_gradient_check_on_random_shapes(shape, case, seed):
    n, t, d, hid = shape
    cell, act = case
    rng = np.random.default_rng(seed)
    p = init_params(cell, d, hid, rng, radius=0.9)
    p["b"] += 0.1 * rng.normal(size=p["b"].shape)
    x, h0 = rng.normal(size=(n, t, d)), rng.normal(size=(n, hid))
    dh = rng.normal(size=(n, t, hid))
    _, cache = sequence_forward(cell, x, h0, p, act)
    grads = sequence_backward(cell, dh, cache)

    def f():
        return sequence_forward(cell, x, h0, p, act)[0]

    # Smooth cells meet gradient entries near 1e-5, where the 3-point stencil's own ~1e-10 error
    # exceeds 1e-6 relative: the fourth-order stencil, with its steps of up to 2e-3. ReLU has a
    # kink, and a step that crosses it makes any difference quotient meaningless: small steps,
    # and no check when a pre-activation is within 1e-4 of 0.
    step, points = (1e-5, 3) if act == "relu" else (1e-3, 5)
    if act == "relu":
        z = [np.abs(x[:, k] @ p["Wx"] + cache.hs[k] @ p["Wh"] + p["b"]) for k in range(t)]
        if min(float(v.min()) for v in z) < 1e-4:
            return
    for analytic, arr in ((grads.dWh, p["Wh"]), (grads.dh0, h0)):
        assert rel_error(analytic, numerical_gradient_array(f, arr, dh, step, points)) <= TOL


@given(st.floats(-1e308, 1e308, allow_nan=False))
def test_sigmoid_is_exact_and_never_overflows(x):
    value = float(sigmoid(np.float64(x)))
    assert 0.0 <= value <= 1.0
    if abs(x) < 30:
        assert value == pytest.approx(1.0 / (1.0 + np.exp(-x)), rel=1e-14)


# ----------------------------------------------------------------------------- parameters


@pytest.mark.parametrize("radius", [0.1, 0.9, 5.0])
def test_orthogonal_recurrent_matrix_has_sigma_max_equal_to_radius(radius, rng):
    W = recurrent_matrix(16, radius, rng, "orthogonal")
    assert spectral_radius(W) == pytest.approx(radius, rel=1e-10)
    assert sigma_max(W) == pytest.approx(radius, rel=1e-10)


def test_gaussian_recurrent_matrix_has_radius_rho_and_sigma_max_about_2rho():
    ratios = []
    for seed in range(5):
        W = recurrent_matrix(64, 0.7, np.random.default_rng(seed), "gaussian")
        assert spectral_radius(W) == pytest.approx(0.7, rel=1e-10)
        ratios.append(sigma_max(W) / 0.7)
    assert 1.6 < np.mean(ratios) < 2.4


def test_init_params_shapes_and_forget_bias(rng):
    for cell in CELLS:
        p = init_params(cell, D, H, rng, forget_bias=2.5)
        k = len(GATES[cell])
        assert p["Wx"].shape == (D, k * H) and p["Wh"].shape == (H, k * H)
        assert p["b"].shape == (k * H,)
    p = init_params("lstm", D, H, rng, forget_bias=2.5)
    assert np.all(gate_block(p["b"], "lstm", "f") == 2.5)
    for gate in ("i", "o", "g"):
        assert np.all(gate_block(p["b"], "lstm", gate) == 0.0)


def test_unknown_names_raise_clear_errors(rng):
    with pytest.raises(ValueError, match="unknown cell"):
        init_params("transformer", D, H, rng)
    with pytest.raises(ValueError, match="unknown recurrent init"):
        recurrent_matrix(4, 1.0, rng, "identity")
    p = init_params("rnn", D, H, rng)
    _, cache = sequence_forward("rnn", rng.normal(size=(N, T, D)), np.zeros((N, H)), p)
    with pytest.raises(ValueError, match="cache is from"):
        sequence_backward("gru", np.zeros((N, T, H)), cache)


# ----------------------------------------------------------------------------- behaviour


def _relative_gradient(cell, seed, forget_bias, radius=1.0, length=60):
    rng = np.random.default_rng(seed)
    p = init_params(cell, D, H, rng, radius=radius, forget_bias=forget_bias)
    x = rng.normal(size=(N, length, D))
    h, cache = sequence_forward(cell, x, np.zeros((N, H)), p)
    dh = np.zeros_like(h)
    dh[:, -1] = 1.0
    grads = sequence_backward(cell, dh, cache)
    return np.linalg.norm(grads.dh0) / np.linalg.norm(dh[:, -1])


@pytest.mark.parametrize("seed", range(5))
def test_lstm_gradients_outlive_vanilla_rnn_gradients_with_positive_forget_bias(seed):
    lstm = _relative_gradient("lstm", seed, forget_bias=3.0)
    rnn = _relative_gradient("rnn", seed, forget_bias=0.0)
    assert lstm > 1e3 * rnn


def test_larger_forget_bias_keeps_more_gradient():
    assert _relative_gradient("lstm", 0, 4.0) > _relative_gradient("lstm", 0, 0.0)


def test_exploding_relu_rnn_overflows_to_inf_without_warnings(rng):
    """Every RuntimeWarning is an error under pytest: overflow must be silent data."""
    p = init_params("rnn", D, H, rng, radius=5.0)
    x = rng.normal(size=(2, 600, D))
    h, cache = sequence_forward("rnn", x, np.zeros((2, H)), p, "relu")
    assert not np.all(np.isfinite(h))
    grads = sequence_backward("rnn", np.ones_like(h), cache)
    assert grads.dh.shape == h.shape


def test_sigmoid_into_a_buffer_is_the_same_sigmoid(rng):
    """The LSTM writes its gates into one block with ``out=``: same numbers, bit for bit."""
    x = rng.normal(scale=30.0, size=(4, 6))
    buffer = np.empty_like(x)
    assert sigmoid(x, out=buffer) is buffer
    assert np.array_equal(buffer, sigmoid(x))


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_step_functions_stay_silent_where_a_gate_saturates_past_float64(cell, rng):
    """The cells compute σ without the registry's own errstate (a microsecond a step): e^{-a}
    overflows for a < -709.78, the gate is exactly 0, and no warning escapes."""
    p = init_params(cell, D, H, rng)
    b = np.full_like(p["b"], -1e4)
    x, h = rng.normal(size=(N, D)), np.zeros((N, H))
    if cell == "lstm":
        next_h, _, cache = lstm_step_forward(x, h, h, p["Wx"], p["Wh"], b)
        gates = cache[-1].ifo
    else:
        next_h, cache = gru_step_forward(x, h, p["Wx"], p["Wh"], b)
        gates = cache[-1].rz
    assert np.all(np.isfinite(next_h))
    assert not gates.any()
    assert np.array_equal(gates, sigmoid(x @ p["Wx"] + b)[:, : gates.shape[1]])


def test_cells_use_the_registry_sigmoid_bit_for_bit(rng):
    x = np.concatenate([rng.normal(scale=30.0, size=50), [-1e308, -800.0, -709.0, 0.0, 800.0]])
    out = np.empty_like(x)
    with np.errstate(all="ignore"):
        assert _sigmoid_into(x, out) is out
    assert np.array_equal(out, sigmoid(x))


# ----------------------------------------------------------------------------- cost model


@pytest.mark.parametrize("cell", CELLS)
def test_sequence_cost_counts_every_matrix_product(cell):
    """Forward: x W_x and h W_h; BPTT: da W_hᵀ, da W_xᵀ, xᵀ da and hᵀ da (T·N·G·(D + H) each
    pair, G = kH gate columns)."""
    n, t, d, hid = 8, 30, 5, 12
    G = len(GATES[cell]) * hid
    assert sequence_cost(cell, n, t, d, hid, backward=False).madds == t * n * G * (d + hid)
    assert sequence_cost(cell, n, t, d, hid).madds == 3 * t * n * G * (d + hid)


@pytest.mark.parametrize(("cell", "act"), CELL_CASES)
@pytest.mark.parametrize("size", [(8, 100, 8, 32), (32, 60, 2, 16), (4, 300, 3, 48)])
def test_sequence_cost_predicts_the_traced_peak_memory(cell, act, size):
    """Memory is deterministic (unlike time, which ``python -m bench recurrent`` checks): the
    model's peak is within 20 % of what tracemalloc sees for the forward pass and BPTT."""
    n, t, d, hid = size
    rng = np.random.default_rng(0)
    p = init_params(cell, d, hid, rng)
    x, dh = rng.normal(size=(n, t, d)), rng.normal(size=(n, t, hid))

    def both():
        _, cache = sequence_forward(cell, x, np.zeros((n, hid)), p, act)
        sequence_backward(cell, dh, cache)

    measured = peak_bytes(both)
    predicted = sequence_cost(cell, n, t, d, hid, act).peak_bytes
    assert 0.8 <= measured / predicted <= 1.2
