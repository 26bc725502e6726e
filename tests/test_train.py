"""Training: records, determinism, remedies' mechanics (clipping, L2), divergence as data."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradviz import train as tr
from gradviz.mlp import MLPConfig, init_params

SMALL = MLPConfig(depth=3, width=8, activation="tanh")


def test_training_reduces_the_loss_on_a_separable_set():
    result = tr.train(tr.TrainConfig(mlp=SMALL, dataset="blobs", noise=0.0, steps=200, lr=0.5))
    loss = result.metric(tr.LOSS)
    assert loss[-1] < 0.2 * loss[0]
    assert result.final_accuracy >= 0.99 and not result.diverged


def test_records_have_one_row_per_step_layer_and_metric():
    cfg = tr.TrainConfig(mlp=SMALL, steps=20)
    result = tr.train(cfg)
    assert result.steps_run == 21
    for name in tr.HISTORY_METRICS:
        expected = 20 if name == tr.UPDATE_RATIO else 21
        assert len(result.metric(name)) == expected, name
    layers = result.layers
    assert set(layers["metric"]) == set(tr.LAYER_METRICS)
    speed = layers[layers["metric"] == tr.SPEED]
    assert set(speed["layer"]) == {1, 2, 3, 4} and len(speed) == 21 * 4
    dead = layers[layers["metric"] == tr.DEAD_FRACTION]
    assert set(dead["layer"]) == {1, 2, 3}
    assert result.layer_metric(tr.UPDATE_DATA).shape == (20, 4)
    assert result.events.empty and list(result.data.columns) == ["x1", "x2", "label"]


def test_step_zero_records_the_initial_network():
    cfg = tr.TrainConfig(mlp=SMALL, steps=5)
    result = tr.train(cfg)
    params = init_params(cfg.network)
    assert np.isclose(result.layer_metric(tr.WEIGHT_NORM)[0, 0], np.linalg.norm(params["W1"]))
    assert np.isclose(
        result.metric(tr.WEIGHTS_NORM)[0],
        np.sqrt(sum(np.sum(params[f"W{layer}"] ** 2) for layer in range(1, 5))),
    )


@settings(max_examples=8)
@given(st.integers(0, 10**6), st.sampled_from(["sgd", "momentum", "adam"]), st.integers(0, 40))
def test_runs_are_deterministic(seed, optimizer, batch):
    cfg = tr.TrainConfig(
        mlp=MLPConfig(2, 6, seed=seed), steps=5, optimizer=optimizer, batch_size=batch, lr=0.05
    )
    a, b = tr.train(cfg), tr.train(cfg)
    assert a.history.equals(b.history) and a.layers.equals(b.layers)


def test_deep_sigmoid_input_layers_learn_slower():
    # Glorot & Bengio's "standard" init U[±1/√n] with sigmoid: each layer back costs ~ 1/8
    cfg = tr.TrainConfig(
        mlp=MLPConfig(depth=10, width=32, activation="sigmoid", init="standard_uniform"), steps=30
    )
    speed = tr.train(cfg).layer_metric(tr.SPEED)  # (steps, layers 1..11)
    assert np.all(np.diff(speed[0, :10]) > 0)  # slower and slower towards the input
    assert np.all(speed[:, 0] < 1e-3 * speed[:, 9])


def test_norm_clipping_caps_each_update():
    cfg = tr.TrainConfig(
        mlp=MLPConfig(6, 16, activation="relu", init="standard_normal"),
        steps=1,
        lr=1.0,
        clip="norm",
        clip_threshold=0.01,
    )
    result = tr.train(cfg)
    start = init_params(cfg.network)
    moved = np.sqrt(sum(np.sum((result.final_params[k] - start[k]) ** 2) for k in start))
    assert moved <= 0.01 * (1 + 1e-9)
    assert result.metric(tr.GRAD_NORM)[0] > 1.0  # so the clip really acted


def test_l2_shrinks_the_weights():
    plain = tr.train(tr.TrainConfig(mlp=SMALL, steps=100, lr=0.1))
    decayed = tr.train(tr.TrainConfig(mlp=SMALL, steps=100, lr=0.1, l2=0.05))
    assert decayed.metric(tr.WEIGHTS_NORM)[-1] < plain.metric(tr.WEIGHTS_NORM)[-1]
    assert decayed.metric(tr.LOSS)[0] > plain.metric(tr.LOSS)[0]  # the penalty is in the loss
    l1 = tr.train(tr.TrainConfig(mlp=SMALL, steps=100, lr=0.1, l1=0.01))
    assert l1.metric(tr.WEIGHTS_NORM)[-1] < plain.metric(tr.WEIGHTS_NORM)[-1]


@pytest.mark.parametrize("depth", [20, 100])
def test_learning_rate_10_diverges_as_data_and_stops_there(depth):
    cfg = tr.TrainConfig(
        mlp=MLPConfig(depth, 64, activation="relu", init="standard_normal"), steps=50, lr=10.0
    )
    result = tr.train(cfg)
    assert result.diverged and result.steps_run == result.diverged_step + 1
    assert result.history["step"].max() == result.diverged_step
    assert not np.isfinite(result.metric(tr.LOSS)[-1]) or not np.isfinite(
        result.metric(tr.WEIGHTS_NORM)[-1]
    )
    assert set(result.events["quantity"]) <= {"loss", "gradient", "weights"}
    assert result.events["step"].max() <= result.diverged_step
    assert np.isnan(result.final_loss)


def test_value_clipping_rescues_an_infinite_gradient_that_norm_clipping_cannot():
    base = dict(mlp=MLPConfig(30, 64, activation="relu", init="standard_normal"), steps=30, lr=0.5)
    assert tr.train(tr.TrainConfig(**base, clip="none")).diverged
    rescued = tr.train(tr.TrainConfig(**base, clip="value", clip_threshold=1e-3))
    assert not rescued.diverged


def test_progress_reports_fractions_up_to_one():
    seen = []
    tr.train(tr.TrainConfig(mlp=SMALL, steps=120), progress=seen.append)
    assert seen[-1] == 1.0 and seen == sorted(seen) and 10 < len(seen) <= 60


def test_mini_batches_and_softmax_and_mse():
    for loss in ("softmax", "mse"):
        result = tr.train(
            tr.TrainConfig(mlp=SMALL, steps=100, batch_size=32, loss=loss, dataset="blobs", lr=0.3)
        )
        assert result.final_accuracy > 0.9, loss


def test_decision_grid_covers_the_data_and_agrees_with_accuracy():
    cfg = tr.TrainConfig(mlp=MLPConfig(3, 8, batchnorm=True), dataset="blobs", steps=100, lr=0.3)
    result = tr.train(cfg)
    grid = tr.decision_grid(result.final_params, cfg, resolution=30)
    assert len(grid) == 900 and grid["p"].between(0, 1).all()
    X = result.data[["x1", "x2"]].to_numpy()
    assert grid["x1"].min() < X[:, 0].min() and grid["x2"].max() > X[:, 1].max()
    with pytest.raises(ValueError, match="resolution"):
        tr.decision_grid(result.final_params, cfg, resolution=1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lr": -1.0}, "lr"),
        ({"lr": float("inf")}, "lr"),
        ({"clip": "soft"}, "clipping"),
        ({"optimizer": "rmsprop"}, "optimizer"),
        ({"dataset": "mnist"}, "data set"),
        ({"steps": -1}, "steps"),
        ({"l2": -0.1}, "l2"),
        ({"loss": "hinge"}, "loss"),
    ],
)
def test_bad_config_is_a_clear_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        tr.TrainConfig(**kwargs)


def test_zero_steps_only_evaluates():
    result = tr.train(tr.TrainConfig(mlp=SMALL, steps=0))
    assert result.steps_run == 1 and len(result.metric(tr.UPDATE_RATIO)) == 0


def test_all_zero_parameters_train_without_error():
    # zero weights and zero biases: ‖θ‖ = 0 at step 0, so update:data is inf (data, no error)
    cfg = tr.TrainConfig(mlp=MLPConfig(3, 8, activation="sigmoid", init="zeros"), steps=20)
    result = tr.train(cfg)
    assert not result.diverged and result.metric(tr.UPDATE_RATIO)[0] == np.inf
    relu = tr.train(tr.TrainConfig(mlp=MLPConfig(3, 8, activation="relu", init="zeros"), steps=5))
    # zero init with ReLU: only the output bias ever moves, the weights stay exactly 0
    assert all(np.all(relu.final_params[f"W{layer}"] == 0) for layer in range(1, 5))


def _reference_history(cfg):
    """The loop train ran before it kept its parameters in one flat array: mlp.forward and
    backward, dict optimizers and clipping, one norm per array. Returns (loss, grad norm,
    weight norms per layer, update:data per layer) per step."""
    from gradviz import losses
    from gradviz.mlp import backward, forward, param_grads
    from gradviz.numerics import norm
    from gradviz.optim import Optimizer, clip

    net = cfg.network
    X, y = cfg.data()
    params = init_params(net)
    opt = Optimizer(cfg.optimizer, lr=cfg.lr)
    rng = np.random.default_rng([net.seed, cfg.data_seed, 7])
    full = cfg.batch_size == 0 or cfg.batch_size >= cfg.n
    weights = [f"W{k}" for k in range(1, net.depth + 2)]
    rows = []
    with np.errstate(all="ignore"):
        for t in range(cfg.steps + 1):
            if full:
                Xb, yb = X, y
            else:
                idx = rng.choice(cfg.n, size=cfg.batch_size, replace=False)
                Xb, yb = X[idx], y[idx]
            scores, cache = forward(params, Xb, net)
            loss, dscores = losses.loss_forward(cfg.loss, scores, yb)
            grads = param_grads(backward(dscores, cache))
            for lam, penalty in ((cfg.l1, losses.l1_penalty), (cfg.l2, losses.l2_penalty)):
                if lam > 0:
                    value, extra = penalty(params, lam)
                    loss += value
                    grads = {k: g + extra.get(k, 0.0) for k, g in grads.items()}
            w_norms = np.array([norm(params[k]) for k in weights])
            g_norm = math.sqrt(sum(norm(g) ** 2 for g in grads.values()))
            if t == cfg.steps:
                rows.append((loss, g_norm, w_norms, None))
                break
            updates = opt.step(params, clip(grads, cfg.clip, cfg.clip_threshold))
            rows.append((loss, g_norm, w_norms, np.array([norm(updates[k]) for k in weights])))
    return rows


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"optimizer": "momentum", "clip": "norm", "clip_threshold": 0.05, "l2": 0.01},
        {"optimizer": "adam", "lr": 0.01, "clip": "value", "clip_threshold": 0.01, "l1": 0.01},
        {"batch_size": 32, "mlp": MLPConfig(4, 8, batchnorm=True, residual=True)},
        {"loss": "softmax", "mlp": MLPConfig(3, 8, activation="sigmoid", sigma_b=0.2)},
    ],
)
def test_flat_parameters_give_the_records_of_the_plain_loop(options):
    cfg = tr.TrainConfig(**{"mlp": SMALL, "steps": 12, **options})
    result = tr.train(cfg)
    reference = _reference_history(cfg)
    assert np.allclose(result.metric(tr.LOSS), [r[0] for r in reference], rtol=1e-10)
    assert np.allclose(result.metric(tr.GRAD_NORM), [r[1] for r in reference], rtol=1e-10)
    assert np.allclose(result.layer_metric(tr.WEIGHT_NORM), [r[2] for r in reference])
    w_norms = np.array([r[2] for r in reference[:-1]])
    updates = np.array([r[3] for r in reference[:-1]])
    assert np.allclose(result.layer_metric(tr.UPDATE_DATA), updates / w_norms, rtol=1e-9)


def test_train_cost_counts_steps_and_memory():
    from gradviz.budget import COMPUTE_BYTES

    base = tr.TrainConfig(mlp=MLPConfig(depth=10, width=64), n=201, steps=300)
    more = tr.train_cost(tr.TrainConfig(mlp=base.mlp, n=201, steps=600))
    cost = tr.train_cost(base)
    step = tr.step_cost(base).seconds
    assert more.seconds - cost.seconds == pytest.approx(300 * step, rel=0.05)
    assert cost.peak_bytes < 20e6
    # depth 100 at width 512 holds 26 million parameters, their gradients and updates
    big = tr.TrainConfig(mlp=MLPConfig(depth=100, width=512), n=201, steps=1)
    assert tr.train_cost(big).peak_bytes > 3 * 26e6 * 8 > COMPUTE_BYTES
