"""The initialization probe: curves, histograms, symmetry, zero-init facts, overflow."""

import math
import tracemalloc

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradviz import glorot_bengio, probe, zero_init
from gradviz.mlp import MLPConfig
from gradviz.numerics import find_breakdown, format_sci
from gradviz.train import TrainConfig, train
from views import breakdown_text
from views import initialization as views


def cfg(batch=64, **net):
    net.setdefault("depth", 6)
    net.setdefault("width", 32)
    return probe.ProbeConfig(mlp=MLPConfig(**net), batch=batch)


@pytest.mark.parametrize("act", ["tanh", "relu", "sigmoid", "linear"])
def test_constant_init_collapses_every_layer_to_one_unit(act):
    result = probe.probe(cfg(init="constant", init_params=(("c", 0.3),), activation=act))
    assert result.distinct.tolist() == [1] * 6
    assert "exactly **1 distinct unit** out of 32" in views.explain_layers(result)
    assert result.depth_scale is None  # mean-field needs zero-mean weights
    assert set(result.curves["source"]) == {probe.MEASURED}


def test_random_init_keeps_every_unit_distinct():
    result = probe.probe(cfg(init="he_normal", activation="tanh"))
    assert result.distinct.tolist() == [32] * 6


def test_zero_init_with_relu_has_exactly_zero_weight_gradients():
    facts = zero_init.zero_init_facts(cfg(batch=63, init="zeros", activation="relu"))
    assert facts.zero_weight_grads == tuple(f"W{k}" for k in range(1, 8))
    # Exact refinement of the seed: the output bias still sees (mean prediction - mean label).
    assert facts.nonzero_grads == ("b7",)
    order = zero_init.first_update_steps(cfg(batch=63, init="zeros", activation="relu"), steps=8)
    assert np.all(np.isnan(order.first_step))  # no weight ever moves


@pytest.mark.parametrize("act", ["relu", "sigmoid"])
def test_zero_init_on_a_balanced_batch_is_a_stationary_point(act):
    facts = zero_init.zero_init_facts(cfg(batch=64, init="zeros", activation=act))
    assert facts.nonzero_grads == ()
    order = zero_init.first_update_steps(cfg(batch=64, init="zeros", activation=act), steps=3)
    assert "An odd batch size breaks the tie" in views.explain_zero_init(
        facts, order, cfg().network
    )


def test_zero_init_with_sigmoid_wakes_the_last_layer_first_and_keeps_units_tied():
    depth = 6
    config = cfg(batch=63, depth=depth, init="zeros", activation="sigmoid")
    facts = zero_init.zero_init_facts(config)
    assert facts.nonzero_grads == (f"W{depth + 1}", f"b{depth + 1}")
    order = zero_init.first_update_steps(config, steps=depth + 3)
    # W_l first becomes non-zero after L + 2 - l updates: one layer per step, from the output.
    assert order.first_step.tolist() == [depth + 2 - layer for layer in range(1, depth + 2)]
    assert order.distinct == (1,) * depth
    text = views.explain_zero_init(facts, order, config.network)
    assert f"W{depth + 1} at step 1, W{depth} at step 2" in text


def test_curves_and_ratio_are_consistent():
    result = probe.probe(cfg(depth=12, width=64, init="xavier_normal", activation="tanh"))
    grad = result.measured(probe.GRAD_H_NORM)
    assert grad.shape == (12,)
    assert result.grad_ratio_first_to_last == pytest.approx(grad[0] / grad[-1])
    assert set(result.curves["source"]) == {probe.MEASURED, probe.PREDICTED}
    predicted = result.curves[
        (result.curves.metric == probe.GRAD_H_NORM) & (result.curves.source == probe.PREDICTED)
    ]["value"].to_numpy()
    assert predicted[-1] == pytest.approx(grad[-1])  # anchored at the last hidden layer
    text = views.explain_layers(result)
    assert f"**{format_sci(result.grad_ratio_first_to_last)}**" in text


def test_too_small_weights_vanish_and_he_relu_keeps_the_scale():
    small = probe.probe(cfg(depth=20, width=128, init="too_small", activation="tanh"))
    assert small.grad_ratio_first_to_last < 1e-10
    assert "vanished" in views.explain_layers(small)
    he = probe.probe(cfg(depth=20, width=256, batch=128, init="he_normal", activation="relu"))
    std = he.measured(probe.ACT_STD)
    assert 0.5 < std[-1] / std[1] < 2.0
    large = probe.probe(cfg(depth=20, width=128, init="standard_normal", activation="relu"))
    assert large.grad_ratio_first_to_last > 1e10
    assert "exploded" in views.explain_layers(large)


def test_histograms_share_one_range_and_stay_small():
    result = probe.probe(cfg(depth=100, width=16, batch=32, init="xavier_normal"))
    hist = result.histograms
    assert len(hist) <= 2 * probe.MAX_HIST_LAYERS * 30 < 5000
    assert sorted(set(hist.layer)) == probe.hist_layers(100)
    for _, rows in hist.groupby("quantity"):
        assert rows["bin_start"].nunique() == 30  # same edges for every layer
    sums = hist.groupby(["quantity", "layer"])["fraction"].sum()
    assert np.allclose(sums, 1.0)


def test_hist_layers_keeps_both_ends():
    assert probe.hist_layers(5) == [1, 2, 3, 4, 5]
    chosen = probe.hist_layers(100)
    assert chosen[0] == 1 and chosen[-1] == 100 and len(chosen) == 10


def test_overflow_is_located_and_never_warns():
    result = probe.probe(
        cfg(
            depth=100,
            width=16,
            batch=16,
            init="scaled",
            init_params=(("sigma_w", 1e4),),
            activation="relu",
        )
    )
    fwd, bwd = result.forward_breakdown, result.backward_breakdown
    assert not fwd.ok and fwd.kind in ("inf", "nan") and 60 <= fwd.index < 100
    assert not bwd.ok
    text = views.explain_layers(result)
    assert breakdown_text(fwd, "the activations", offset=1) in text


@pytest.mark.parametrize(
    "net",
    [
        {"init": "scaled", "init_params": (("sigma_w", 1e4),), "activation": "relu"},  # inf
        {"init": "scaled", "init_params": (("sigma_w", 1e4),), "activation": "elu"},  # NaN
        {"init": "scaled", "init_params": (("sigma_w", 1e-3),), "activation": "linear"},  # to 0
        {"init": "zeros", "activation": "relu"},  # all zero from the start: no underflow
        {"init": "xavier_normal", "activation": "tanh"},  # nothing breaks
    ],
)
def test_breakdowns_match_reading_every_layer(net):
    # The probe reads a layer again only when its statistics leave the answer open.
    config = cfg(batch=16, depth=120, width=16, **net)
    result = probe.probe(config, histograms=False)
    _, cache, grads, _, _ = probe.one_pass(config)
    with np.errstate(all="ignore"):
        forward = find_breakdown(np.array([np.max(np.abs(h)) for h in cache.h[1:]]))
        back = find_breakdown(np.array([np.max(np.abs(g)) for g in grads["dh"][::-1]]))
    assert result.forward_breakdown == forward
    expected_index = back.index if back.ok else 120 - 1 - back.index
    assert (result.backward_breakdown.index, result.backward_breakdown.kind) == (
        expected_index,
        back.kind,
    )


def test_scaled_std_survives_entries_whose_squares_overflow():
    assert probe.scaled_std(np.array([1e200, -1e200])) == pytest.approx(1e200)
    y = np.random.default_rng(0).normal(size=(5, 7))
    assert probe.scaled_std(y) == pytest.approx(np.std(y))
    assert probe.scaled_std(np.zeros(3)) == 0.0
    assert math.isnan(probe.scaled_std(np.array([1.0, np.nan])))


def test_gradient_norm_of_a_layer_whose_squares_overflow_is_exact():
    net = MLPConfig(2, 4)
    recorder = probe._LayerRecorder(net, details=False, stride=1)
    dh = np.full((3, 4), 1e200)
    recorder.backward(1, np.ones((3, 4)), dh, np.ones((2, 4)), np.ones(4))
    assert recorder.hidden[probe.GRAD_H_NORM][0] == pytest.approx(np.sqrt(12) * 1e200)


def test_glorot_bengio_normalized_init_keeps_gradients_flatter_than_standard():
    hist, summary = glorot_bengio.glorot_bengio(width=128, batch=128, seed=0)
    ratios = {}
    for name, rows in summary.groupby("init"):
        g = rows["grad_std"].to_numpy()
        ratios[name] = g[0] / g[-1]
    standard, normalized = ratios["standard U[±1/√n]"], ratios["Xavier/Glorot uniform"]
    assert standard < normalized <= 1.5
    assert len(hist) < 5000
    for _, rows in hist.groupby("quantity"):
        assert rows.groupby("init")["bin_start"].min().nunique() == 1  # one shared range


def test_training_frames_stay_under_5000_rows():
    net = MLPConfig(depth=12, width=8, init="he_normal", activation="relu")
    runs = {
        "A": train(TrainConfig(mlp=net, n=41, steps=400)),
        "B": train(TrainConfig(mlp=MLPConfig(depth=12, width=8), n=41, steps=400)),
    }
    frames = views.training_frames(runs)
    assert len(frames["speed"]) <= 2 * 6 * 300 < 5000
    assert set(frames["speed"].layer) == {1, 3, 6, 8, 11, 13}
    assert "**A**" in frames["text"] and "**B**" in frames["text"]


def test_bad_configuration_is_a_clear_error():
    with pytest.raises(ValueError, match="batch must be an integer"):
        probe.ProbeConfig(batch=2)
    with pytest.raises(ValueError, match="steps must be"):
        zero_init.first_update_steps(cfg(), steps=0)


def test_distinct_units_compares_values_not_signs_of_zero():
    h = np.array([[0.0, -0.0, 1.0, 1.0], [np.nan, np.nan, 2.0, 2.5]])
    assert probe.distinct_units(h) == 3


def test_multiply_adds_counts_three_products_per_layer():
    config = cfg(batch=10, depth=3, width=4)  # dims 2, 4, 4, 4, 1
    per_pass = 3 * 10 * (2 * 4 + 4 * 4 + 4 * 4 + 4 * 1)
    assert probe.multiply_adds(config, passes=11) == 11 * per_pass


# ----------------------------------------------------------------------------- streamed probe


def _dense_stats(config):
    from gradviz import diagnostics

    params, cache, grads, _, _ = probe.one_pass(config)
    return diagnostics.layer_stats(params, cache, grads, config.network), cache, grads


@pytest.mark.parametrize(
    ("net", "budget"),
    [
        ({"activation": "tanh", "init": "xavier_normal"}, 200e6),
        ({"activation": "relu", "init": "he_normal", "sigma_b": 0.3}, 200e6),
        ({"activation": "sigmoid", "init": "standard_uniform"}, 60_000),  # recomputes layers
        ({"activation": "elu", "init": "orthogonal", "init_params": (("gain", 1.5),)}, 60_000),
        ({"activation": "relu", "init": "zeros"}, 60_000),
        ({"activation": "tanh", "batchnorm": True}, 200e6),  # the dense path
    ],
)
def test_probe_statistics_equal_the_dense_pass(net, budget):
    config = cfg(batch=40, depth=24, width=12, **net)
    plan = probe.probe_plan(config, budget)
    if budget < 1e6:
        assert plan is not None and plan.recomputed(24) > 0
    result = probe.probe(config, budget=budget)
    expected, cache, grads = _dense_stats(config)
    assert result.stats["layer"].tolist() == expected["layer"].tolist()
    assert result.stats["metric"].tolist() == expected["metric"].tolist()
    assert np.allclose(result.stats["value"], expected["value"], rtol=1e-9, equal_nan=True)
    assert result.distinct.tolist() == [probe.distinct_units(h) for h in cache.h[1:]]
    chosen = probe.hist_layers(24)
    hist = pd.concat(
        [
            probe.shared_histograms({k: cache.h[k] for k in chosen}, probe.HIST_ACT, 30),
            probe.shared_histograms({k: grads["dh"][k - 1] for k in chosen}, probe.HIST_GRAD, 30),
        ],
        ignore_index=True,
    )
    pd.testing.assert_frame_equal(result.histograms, hist, check_exact=False, rtol=1e-9)


def test_large_layers_histogram_every_kth_sample():
    config = cfg(batch=600, depth=3, width=256)  # 153,600 values a layer: every 10th sample
    stride = probe.hist_stride(600, 256)
    assert stride == 10 and probe.hist_stride(256, 64) == 1
    result = probe.probe(config)
    assert result.hist_rows == 60
    _, cache, _, _, _ = probe.one_pass(config)
    expected = probe.shared_histograms(
        {k: cache.h[k][::stride] for k in (1, 2, 3)}, probe.HIST_ACT, 30
    )
    got = result.histograms[result.histograms.quantity == probe.HIST_ACT]
    assert np.allclose(got["fraction"], expected["fraction"])
    sums = result.histograms.groupby(["quantity", "layer"])["fraction"].sum()
    assert np.allclose(sums, 1.0)


def test_the_page_maximum_is_probed_within_the_memory_budget():
    from gradviz.budget import COMPUTE_BYTES

    config = cfg(batch=1024, depth=100, width=512)
    plan = probe.probe_plan(config)
    cost = probe.probe_cost(config)
    assert cost.peak_bytes <= COMPUTE_BYTES
    assert 0 < plan.recomputed(100) < 100  # every layer would take 420 MB
    # The default network keeps everything: no recomputation, no redraws.
    default = probe.probe_plan(cfg(batch=256, depth=10, width=64))
    assert default.recomputed(10) == 0 and default.keep_weights


def test_probe_memory_is_what_its_cost_model_says():
    config = cfg(batch=512, depth=40, width=64)
    budget = 6e6
    assert probe.probe_plan(config, budget).recomputed(40) > 0
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        probe.probe(config, budget=budget)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    predicted = probe.probe_cost(config, budget=budget).peak_bytes
    assert 0.5 * predicted <= peak <= predicted * 1.1


@pytest.mark.parametrize("act", ["tanh", "gelu", "relu"])
def test_probe_cost_grows_with_depth(act):
    # largest_fitting searches depth by bisection: the model must not shrink as depth grows.
    seconds = [
        probe.probe_cost(cfg(batch=1024, depth=d, width=512, activation=act)).seconds
        for d in range(1, 101, 3)
    ]
    assert np.all(np.diff(seconds) > 0)


def test_distinct_units_looks_past_the_first_samples():
    rng = np.random.default_rng(0)
    h = np.repeat(rng.normal(size=(20, 1)), 5, axis=1)  # five identical units
    h[12, 3] += 1.0  # unit 3 differs only at sample 12 (past the 8 key samples)
    h[:, 4] = np.nan  # NaN equals NaN: an identical computation
    h[:, 1] = np.nan
    assert probe.distinct_units(h) == 3
    assert probe.distinct_units(h[:8]) == 2


@given(st.integers(1, 30), st.integers(1, 8), st.integers(0, 10**6))
def test_distinct_units_counts_equal_columns(rows, cols, seed):
    h = np.random.default_rng(seed).integers(-1, 2, size=(rows, cols)).astype(float)
    h[h == 0] = -0.0  # signs of zero do not matter
    expected = len({tuple(np.abs(c) * np.sign(c) + 0.0) for c in h.T})
    assert probe.distinct_units(h) == expected


@pytest.mark.parametrize("act", ["relu", "sigmoid"])
def test_zero_init_facts_match_the_dense_gradients(act):
    from gradviz.mlp import param_grads

    config = cfg(batch=63, init="zeros", activation=act)
    facts = zero_init.zero_init_facts(config)
    _, _, grads, _, _ = probe.one_pass(config)
    grads = param_grads(grads)
    names = sorted(grads, key=lambda k: (int(k[1:]), k[0]))
    assert facts.nonzero_grads == tuple(k for k in names if np.any(grads[k]))
    assert facts.zero_weight_grads == tuple(
        k for k in names if k.startswith("W") and not np.any(grads[k])
    )


def test_training_text_compares_layers_per_unit():
    """Layer 1 (64 units) against the output layer (1 unit): Nielsen's ‖∂C/∂b‖ per unit, as
    RMS ‖∂C/∂b_l‖/√n_l; the raw norms would flip the conclusion (2.33x instead of 0.29x)."""
    from gradviz.train import SPEED

    run = train(TrainConfig(mlp=MLPConfig(depth=10, width=64), n=201, steps=5))
    raw = run.layer_metric(SPEED)[0]
    per_unit = (raw[0] / 8.0) / raw[-1]
    text = views.training_frames({"A": run})["text"]
    assert f"learn at {format_sci(per_unit)} × the speed of the output layer's, per unit" in text
    assert per_unit < 1 < raw[0] / raw[-1]
    assert views.SPEED_MEASURE in text
