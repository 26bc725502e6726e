"""The MLP: finite-difference checks of the whole backward pass, shapes, determinism, and the
behaviour the pages show (vanishing with deep sigmoid, He + ReLU keeping the scale, zero init)."""

import tracemalloc

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gradviz.activations import NAMES
from gradviz.gradcheck import numerical_gradient, rel_error
from gradviz.initializers import NAMES as INIT_NAMES
from gradviz.losses import loss_forward
from gradviz.mlp import (
    IN_PLACE,
    LayerDraws,
    MLPConfig,
    PassPlan,
    backward,
    checkpoints,
    forward,
    init_params,
    make_activation,
    min_slots,
    param_grads,
    pass_cost,
    pass_plan,
    predict_scores,
    streamed_pass,
)
from gradviz.numerics import norm

TOL = 1e-6


def _check_gradients(cfg, n=6, kind="bce", seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, cfg.in_dim))
    y = rng.integers(0, 2, size=n) if kind != "mse" else rng.normal(size=n)
    params = init_params(cfg)

    def loss():
        return loss_forward(kind, forward(params, X, cfg)[0], y)[0]

    scores, cache = forward(params, X, cfg)
    grads = backward(loss_forward(kind, scores, y)[1], cache)
    assert set(param_grads(grads)) == set(params)
    for key, value in params.items():
        numeric = numerical_gradient(loss, value)
        if cfg.batchnorm and key[0] == "b" and key[1:].isdigit() and int(key[1:]) <= cfg.depth:
            # batch norm subtracts the batch mean, so the loss does not depend on b_l at all
            assert np.abs(grads[key]).max() < 1e-12 and np.abs(numeric).max() < 1e-8
        else:
            assert rel_error(grads[key], numeric) < TOL, key
    return grads, cache


@pytest.mark.parametrize("activation", NAMES)
def test_mlp_gradients_for_every_activation(activation):
    _check_gradients(MLPConfig(depth=3, width=5, activation=activation, sigma_b=0.3, seed=1))


@pytest.mark.parametrize(
    "options",
    [
        {"batchnorm": True},
        {"residual": True},
        {"residual": True, "in_dim": 5},
        {"batchnorm": True, "residual": True},
    ],
)
def test_mlp_gradients_with_batchnorm_and_residual(options):
    _check_gradients(MLPConfig(depth=3, width=5, activation="tanh", sigma_b=0.2, **options))


@pytest.mark.parametrize("kind", ["softmax", "mse"])
def test_mlp_gradients_for_each_loss(kind):
    _check_gradients(MLPConfig(depth=2, width=4, out_dim=2 if kind == "softmax" else 1), kind=kind)


def test_dh_and_dz_follow_the_chain_rule():
    cfg = MLPConfig(depth=3, width=5, activation="tanh")
    grads, cache = _check_gradients(cfg)
    params = init_params(cfg)
    assert len(grads["dh"]) == len(grads["dz"]) == 3
    for layer in range(1, 4):
        slope = 1 - np.tanh(cache.z[layer - 1]) ** 2
        assert np.allclose(grads["dz"][layer - 1], grads["dh"][layer - 1] * slope)
    # dL/dh_{l-1} = dL/dz_l W_l^T (no batch norm, no residual)
    assert np.allclose(grads["dh"][0], grads["dz"][1] @ params["W2"].T)


@pytest.mark.parametrize("residual", [False, True])
def test_layers_stored_in_blocks_equal_a_plain_loop(residual):
    # forward/backward write every layer into one block per quantity (views); an independent
    # loop over fresh arrays must give the very same numbers, layer by layer.
    cfg = MLPConfig(depth=5, width=7, activation="tanh", sigma_b=0.3, residual=residual, seed=4)
    params = init_params(cfg)
    X = np.random.default_rng(0).normal(size=(9, 2))
    dscores = np.random.default_rng(1).normal(size=(9, 1))
    _, cache = forward(params, X, cfg)
    grads = backward(dscores, cache)
    hs = [X]
    for layer in range(1, 6):
        out = np.tanh(hs[-1] @ params[f"W{layer}"] + params[f"b{layer}"])
        hs.append(hs[-1] + out if cfg.is_residual(layer) else out)
    dh = dscores @ params["W6"].T
    for layer in range(5, 0, -1):
        assert np.array_equal(cache.h[layer], hs[layer])
        assert np.array_equal(grads["dh"][layer - 1], dh)
        dz = dh * cache.slope[layer - 1]
        assert np.array_equal(grads["dz"][layer - 1], dz)
        assert np.array_equal(grads[f"W{layer}"], hs[layer - 1].T @ dz)
        dh = dz @ params[f"W{layer}"].T + (dh if cfg.is_residual(layer) else 0.0)


@given(
    st.integers(1, 6),
    st.integers(1, 12),
    st.integers(1, 9),
    st.sampled_from(NAMES),
    st.sampled_from(INIT_NAMES),
    st.booleans(),
    st.booleans(),
    st.integers(0, 1000),
)
def test_shapes_and_determinism(depth, width, n, act, init, bn, res, seed):
    cfg = MLPConfig(depth, width, activation=act, init=init, batchnorm=bn, residual=res, seed=seed)
    params = init_params(cfg)
    X = np.random.default_rng(seed).normal(size=(n, 2))
    scores, cache = forward(params, X, cfg)
    grads = backward(np.ones_like(scores), cache)
    assert scores.shape == (n, 1)
    assert [z.shape for z in cache.z] == [(n, width)] * depth
    assert cache.h[0].shape == (n, 2) and len(cache.h) == depth + 1
    assert [g.shape for g in grads["dh"]] == [(n, width)] * depth
    assert all(grads[k].shape == v.shape for k, v in params.items())
    again = init_params(cfg)
    assert all(np.array_equal(params[k], again[k]) for k in params)


def test_deep_sigmoid_gradients_shrink_layer_by_layer():
    cfg = MLPConfig(depth=10, width=64, activation="sigmoid", init="xavier_normal", seed=3)
    X = np.random.default_rng(0).normal(size=(128, 2))
    scores, cache = forward(init_params(cfg), X, cfg)
    grads = backward(loss_forward("bce", scores, np.ones(128))[1], cache)
    per_layer = np.array([norm(g) for g in grads["dh"]])
    assert np.all(np.diff(per_layer) > 0)  # larger towards the output: shrinks going back
    assert per_layer[0] / per_layer[-1] < 1e-3


def test_he_relu_keeps_activation_std_roughly_constant():
    cfg = MLPConfig(depth=30, width=256, activation="relu", init="he_normal", seed=0)
    X = np.random.default_rng(1).normal(size=(256, 2))
    _, cache = forward(init_params(cfg), X, cfg)
    # second moment is preserved by He init: compare layer 5 with layer 30
    rms = np.array([np.sqrt(np.mean(h**2)) for h in cache.h[1:]])
    assert 0.5 < rms[-1] / rms[4] < 2.0
    # the same network with N(0, 1) weights explodes by orders of magnitude
    _, big = forward(
        init_params(MLPConfig(30, 256, activation="relu", init="standard_normal")), X, cfg
    )
    assert np.sqrt(np.mean(big.h[-1] ** 2)) / np.sqrt(np.mean(big.h[5] ** 2)) > 1e10


def test_zero_init_with_relu_gives_exactly_zero_gradients():
    cfg = MLPConfig(depth=5, width=8, activation="relu", init="zeros")
    X = np.random.default_rng(0).normal(size=(10, 2))
    scores, cache = forward(init_params(cfg), X, cfg)
    grads = param_grads(backward(loss_forward("bce", scores, np.ones(10))[1], cache))
    # only the output bias learns; every weight gradient is exactly zero
    assert all(np.all(g == 0) for k, g in grads.items() if k.startswith("W"))
    assert all(np.all(grads[f"b{layer}"] == 0) for layer in range(1, 6))
    assert np.all(grads["b6"] != 0)


def test_overflow_is_data_without_warnings():
    # each layer multiplies by 2 * 256 = 512, so activations pass 1e308 after ~114 layers
    cfg = MLPConfig(120, 256, activation="linear", init="constant", init_params=(("c", 2.0),))
    X = np.abs(np.random.default_rng(0).normal(size=(32, 2)))
    scores, cache = forward(init_params(cfg), X, cfg)
    loss, dscores = loss_forward("bce", scores, np.ones(32))
    grads = backward(dscores, cache)
    assert np.all(np.isinf(cache.h[-1])) and np.all(np.isfinite(cache.h[100]))
    assert np.isnan(loss)  # log(1 + e^inf) - inf
    assert len(grads["dh"]) == 120


def test_predict_with_batchnorm_uses_training_statistics():
    cfg = MLPConfig(depth=3, width=6, batchnorm=True)
    params = init_params(cfg)
    X = np.random.default_rng(0).normal(size=(50, 2))
    train_scores, _ = forward(params, X, cfg)
    assert np.allclose(predict_scores(params, X, cfg, X_stats=X), train_scores)
    one = predict_scores(params, X[:1], cfg, X_stats=X)  # a single point still works
    assert np.allclose(one, train_scores[:1])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"depth": 0}, "depth"),
        ({"width": 2.5}, "width"),
        ({"activation": "swishy"}, "unknown"),
        ({"init": "magic"}, "unknown"),
        ({"sigma_b": -1.0}, "sigma_b"),
    ],
)
def test_bad_config_is_a_clear_error(kwargs, message):
    with pytest.raises((ValueError, KeyError), match=message):
        MLPConfig(**kwargs)


# ----------------------------------------------------------------------------- streamed pass


class _Seen:
    """A PassObserver that copies everything it is shown."""

    def __init__(self):
        self.w, self.z, self.h, self.slope, self.dh, self.dw, self.db = ({} for _ in range(7))

    def weights(self, layer, w):
        self.w[layer] = w.copy()

    def forward(self, layer, z, h):
        self.z[layer], self.h[layer] = z.copy(), h.copy()

    def backward(self, layer, slope, dh, dw, db):
        self.dw[layer], self.db[layer] = dw.copy(), db.copy()
        if slope is not None:
            self.slope[layer], self.dh[layer] = slope.copy(), dh.copy()


def _streamed(cfg, X, y, plan):
    seen = _Seen()
    loss = streamed_pass(cfg, X, lambda s: loss_forward("bce", s, y), plan, seen)
    return loss, seen


@pytest.mark.parametrize("init", INIT_NAMES)
def test_layer_draws_are_init_params_and_redraw_bit_for_bit(init):
    cfg = MLPConfig(depth=4, width=6, init=init, sigma_b=0.5, seed=3)
    params = init_params(cfg)
    draws = LayerDraws(cfg)
    first = [draws.draw(layer) for layer in range(1, 6)]
    for layer in (5, 2, 4, 1, 3, 2):
        again = draws.draw(layer)
        assert np.array_equal(again[0], params[f"W{layer}"])
        assert np.array_equal(again[1], params[f"b{layer}"])
        assert np.array_equal(first[layer - 1][0], params[f"W{layer}"])
    assert draws.draws == 11
    with pytest.raises(ValueError, match="drawn before"):
        LayerDraws(cfg).draw(2)


def _simulate(depth, kept):
    """Peak layers held and recomputations of streamed_pass's schedule for ``kept``."""
    held, peak, recomputed = set(kept), len(kept), 0
    for layer in range(depth, 0, -1):
        if layer > 1 and layer - 1 not in held:
            base = max((k for k in held if k < layer - 1), default=0)
            held |= set(range(base + 1, layer))
            recomputed += layer - 1 - base
        peak = max(peak, len(held))
        held.discard(layer)
    return peak, recomputed


@given(st.integers(1, 400), st.integers(0, 120))
@example(67, 0)  # 11 slots: 66 layers in triangular segments, one more on top
def test_checkpoints_fit_their_slots_and_recompute_each_layer_once(depth, slots):
    kept = checkpoints(depth, slots)
    usable = max(slots, min_slots(depth))
    assert kept == tuple(sorted(set(kept))) and kept[-1] == depth
    peak, recomputed = _simulate(depth, kept)
    assert peak <= usable
    assert recomputed == depth - len(kept) == max(0, depth - usable)


@given(
    st.integers(1, 7),
    st.integers(1, 6),
    st.integers(2, 7),
    st.sampled_from(NAMES),
    st.sampled_from(INIT_NAMES),
    st.booleans(),
    st.integers(0, 7),
    st.sampled_from([0.0, 0.4]),
)
def test_streamed_pass_equals_forward_and_backward(
    depth, width, n, act, init, keep_weights, slots, sigma_b
):
    cfg = MLPConfig(depth, width, activation=act, init=init, sigma_b=sigma_b, seed=depth + n)
    X = np.random.default_rng(n).normal(size=(n, 2))
    y = np.arange(n) % 2
    plan = PassPlan(checkpoints(depth, slots), keep_weights)
    loss, seen = _streamed(cfg, X, y, plan)
    params = init_params(cfg)
    scores, cache = forward(params, X, cfg)
    dense_loss, dscores = loss_forward("bce", scores, y)
    grads = backward(dscores, cache)

    def same(a, b):
        return np.allclose(a, b, rtol=1e-9, atol=1e-300, equal_nan=True)

    assert same(loss, dense_loss)
    for layer in range(1, depth + 2):
        assert np.array_equal(seen.w[layer], params[f"W{layer}"])
        assert same(seen.dw[layer], grads[f"W{layer}"]), layer
        assert same(seen.db[layer], grads[f"b{layer}"]), layer
    for layer in range(1, depth + 1):
        assert same(seen.z[layer], cache.z[layer - 1])
        assert same(seen.h[layer], cache.h[layer])
        assert same(seen.slope[layer], cache.slope[layer - 1])
        assert same(seen.dh[layer], grads["dh"][layer - 1])


@pytest.mark.parametrize("keep_weights", [True, False])
def test_streamed_pass_gradients_match_finite_differences(keep_weights):
    # Two slots for five layers: the backward pass recomputes three of them from checkpoints.
    cfg = MLPConfig(depth=5, width=4, activation="tanh", sigma_b=0.3, seed=2)
    plan = PassPlan(checkpoints(5, 2), keep_weights)
    assert plan.recomputed(5) > 0
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(6, 2)), np.array([0, 1, 1, 0, 1, 0])
    _, seen = _streamed(cfg, X, y, plan)
    params = init_params(cfg)

    def loss():
        return loss_forward("bce", forward(params, X, cfg)[0], y)[0]

    for layer in range(1, 7):
        for key, got in ((f"W{layer}", seen.dw[layer]), (f"b{layer}", seen.db[layer])):
            assert rel_error(got, numerical_gradient(loss, params[key])) < TOL, key


def test_streamed_pass_runs_plain_networks_only():
    plan = PassPlan((1, 2), True)
    for options in ({"batchnorm": True}, {"residual": True}):
        cfg = MLPConfig(depth=2, width=3, **options)
        with pytest.raises(ValueError, match="plain networks"):
            _streamed(cfg, np.zeros((4, 2)), np.zeros(4), plan)


def test_pass_plans_stay_within_their_budget_and_prefer_keeping_everything():
    small = MLPConfig(depth=10, width=64)
    assert pass_plan(small, 256, 200e6) == PassPlan(tuple(range(1, 11)), True)
    big = MLPConfig(depth=100, width=512)
    plan = pass_plan(big, 1024, 200e6)
    assert pass_cost(big, 1024, plan).peak_bytes <= 200e6
    assert 0 < plan.recomputed(100) < 100 and not plan.keep_weights
    # The peak memory the plan predicts is what the pass holds (traced numpy allocations).
    cfg = MLPConfig(depth=30, width=32)
    tight = pass_plan(cfg, 512, 1.5e6)
    assert tight.recomputed(30) > 0
    X = np.random.default_rng(0).normal(size=(512, 2))
    y = np.arange(512) % 2
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        streamed_pass(cfg, X, lambda s: loss_forward("bce", s, y), tight, _Nothing())
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert peak <= pass_cost(cfg, 512, tight).peak_bytes


class _Nothing:
    def weights(self, layer, w):
        pass

    def forward(self, layer, z, h):
        pass

    def backward(self, layer, slope, dh, dw, db):
        pass


@pytest.mark.parametrize(
    "options", [{}, {"batchnorm": True}, {"residual": True}, {"batchnorm": True, "residual": True}]
)
def test_predict_scores_is_the_forward_pass_without_its_caches(options):
    cfg = MLPConfig(depth=4, width=6, sigma_b=0.3, activation="sigmoid", **options)
    params = init_params(cfg)
    X = np.random.default_rng(0).normal(size=(30, 2))
    grid = np.random.default_rng(1).normal(size=(7, 2))
    stats = None
    if cfg.batchnorm:
        _, cache = forward(params, X, cfg)
        stats = list(zip(cache.bn_mean, cache.bn_var, strict=True))
    expected, _ = forward(params, grid, cfg, bn_stats=stats)
    assert np.allclose(predict_scores(params, grid, cfg, X_stats=X), expected, rtol=1e-12)


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_in_place_activations_give_the_registrys_numbers(name):
    """Values and slopes written into buffers equal the registry's to a few ulp everywhere,
    and are exactly 0 (a dead unit) exactly where the registry's are: through overflow,
    underflow, infinities and NaN."""
    act = make_activation(name)
    z = np.concatenate(
        [
            np.linspace(-40, 40, 801),
            [0.0, -0.0, 1e-300, -1e-300, 1e-8, 300.0, 354.0, 360.0, 371.0, 380.0, 720.0, 1e300],
            [-360.0, -380.0, -1e300, np.inf, -np.inf, np.nan],
        ]
    ).reshape(3, -1)
    h, slope, spare = (np.full_like(z, 7.0) for _ in range(3))
    with np.errstate(all="ignore"):  # as streamed_pass and train call it
        got_h, got_slope = IN_PLACE[name](act, z, h, slope, spare)
    assert got_h is h and got_slope is slope
    want_h, want_slope = act.fn(z), act.grad(z)
    assert np.allclose(h, want_h, rtol=1e-14, atol=0, equal_nan=True)
    assert np.allclose(slope, want_slope, rtol=1e-14, atol=1e-320, equal_nan=True)
    assert np.array_equal(slope == 0, want_slope == 0)
