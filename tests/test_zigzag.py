"""The two-weight neuron: gradient check, same-sign updates for positive inputs, zig-zag."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradviz.gradcheck import rel_error
from gradviz.zigzag import compare_paths, neuron_loss_and_grad, neuron_path, summarize_path


def test_gradient_matches_central_differences(rng):
    w, x, y = rng.standard_normal(2), rng.standard_normal(2), 0.7
    _, dw = neuron_loss_and_grad(w, x, y)
    h = 1e-6
    numeric = np.array(
        [
            (neuron_loss_and_grad(w + h * e, x, y)[0] - neuron_loss_and_grad(w - h * e, x, y)[0])
            / (2 * h)
            for e in np.eye(2)
        ]
    )
    assert rel_error(dw, numeric) < 1e-6


def test_path_is_sgd_on_each_example():
    inputs = np.array([[0.2, 0.9], [0.5, 0.1]])
    target = np.array([1.0, -1.0])
    path = neuron_path(inputs, target, 0.5, np.zeros(2))
    w = np.zeros(2)
    for t, x in enumerate(inputs):
        w = w - 0.5 * (w @ x - target @ x) * x
        assert np.allclose(path[t + 1], w)


@given(
    st.sampled_from(["sigmoid", "relu"]),
    st.floats(-2, 2),
    st.floats(-2, 2),
    st.floats(0.05, 1.0),
    st.integers(0, 50),
)
def test_positive_inputs_never_move_the_weights_apart(positive, w1, w2, lr, seed):
    result = compare_paths(positive, (w1, w2), lr, 60, seed=seed)
    pos = result.frame[result.frame["inputs"].str.startswith(positive.replace("relu", "ReLU"))]
    assert result.positive.opposite_share == 0.0
    assert not ((pos["dw1"] * pos["dw2"]) < 0).any()


def test_zero_centred_inputs_move_weights_apart_and_arrive_sooner():
    result = compare_paths("sigmoid", (1.0, -1.0), 0.5, 200)
    assert result.centred.opposite_share > 0.25
    assert result.positive.steps_to_10pct is not None and result.centred.steps_to_10pct is not None
    assert result.centred.steps_to_10pct * 3 < result.positive.steps_to_10pct
    assert result.positive.detour > 2 * result.centred.detour
    assert len(result.frame) == 2 * 201


def test_when_both_weights_must_grow_positive_inputs_are_not_worse():
    result = compare_paths("sigmoid", (1.0, 1.0), 0.5, 200)
    assert result.positive.steps_to_10pct <= result.centred.steps_to_10pct


def test_divergence_is_reported_not_raised():
    path = np.array([[0.0, 0.0], [1.0, 2.0], [np.inf, 1.0], [np.nan, np.nan]])
    summary = summarize_path("relu", path, np.array([1.0, -1.0]))
    assert summary.breakdown.kind == "inf" and summary.breakdown.index == 2
    assert summary.final_distance == np.inf
    huge = neuron_path(np.tile([10.0, 5.0], (400, 1)), np.array([1.0, -1.0]), 1.0, np.zeros(2))
    assert not np.isfinite(huge[-1]).all()


def test_unknown_input_kind_is_a_clear_error():
    with pytest.raises(ValueError, match="positive inputs"):
        compare_paths("tanh", (1.0, -1.0), 0.5, 10)
