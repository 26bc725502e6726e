"""The same network drawn with several seeds: the band around the Initialization page's curves."""

import numpy as np
import pytest

from gradviz import probe, seed_spread
from gradviz.mlp import MLPConfig
from gradviz.probe import ACT_STD, GRAD_H_NORM, ProbeConfig


def cfg(**mlp) -> ProbeConfig:
    net = {"depth": 12, "width": 16, "activation": "relu", "init": "he_normal", "seed": 3} | mlp
    return ProbeConfig(mlp=MLPConfig(**net), batch=32)


def test_each_draw_is_the_probe_of_the_network_with_that_seed():
    base = cfg()
    draws = seed_spread.other_draws(base, 2)
    assert sorted(draws["seed"].unique()) == [4, 5]
    for seed in (4, 5):
        shown = probe.probe(seed_spread.with_seed(base, seed))
        for metric in seed_spread.METRICS:
            rows = draws[(draws["seed"] == seed) & (draws["metric"] == metric)]
            assert list(rows["layer"]) == list(range(1, 13))
            np.testing.assert_array_equal(rows["value"].to_numpy(), shown.measured(metric))
    assert seed_spread.other_draws(base, 0).empty


def test_the_band_spans_the_probed_network_and_its_draws():
    base = cfg()
    result = probe.probe(base)
    draws = seed_spread.other_draws(base, 3)
    band = seed_spread.seed_band(result, draws)
    assert len(band) == 2 * 12 and (band["seeds"] == 4).all()
    for metric in (ACT_STD, GRAD_H_NORM):
        rows = band[band["metric"] == metric].set_index("layer")
        mine = result.measured(metric)
        assert (rows["low"].to_numpy() <= mine).all() and (mine <= rows["high"].to_numpy()).all()
        theirs = draws[draws["metric"] == metric].groupby("layer")["value"]
        np.testing.assert_array_equal(rows["high"], np.maximum(theirs.max(), mine))
    # Wider at depth than at layer 1: finite width wanders from the mean field as L/n grows.
    act = band[band["metric"] == ACT_STD].set_index("layer")
    assert act.loc[12, "high"] / act.loc[12, "low"] > act.loc[1, "high"] / act.loc[1, "low"]


def test_a_band_leaves_out_values_a_log_axis_cannot_draw():
    base = cfg(activation="tanh", init="scaled", init_params=(("sigma_w", 1e-200),), depth=4)
    result = probe.probe(base)
    band = seed_spread.seed_band(result, seed_spread.other_draws(base, 1))
    # Activations of std 1e-200 underflow to 0 (left out); only the last gradient survives.
    rows = zip(band["layer"], band["metric"], band["seeds"], strict=True)
    assert list(rows) == [(4, GRAD_H_NORM, 2)]
    assert np.isfinite(band[["low", "high"]].to_numpy()).all()
    assert (band[["low", "high"]].to_numpy() > 0).all()


def test_the_cost_of_the_draws_is_that_many_recorded_passes_without_the_probe_summary():
    base = cfg(depth=30, width=128)
    one = probe.record_cost(base, False)
    assert seed_spread.other_draws_cost(base, 5).seconds == pytest.approx(5 * one.seconds)
    assert seed_spread.other_draws_cost(base, 5).peak_bytes == one.peak_bytes
    # a draw skips the mean-field curves and the result's frames that a probe adds
    assert one.seconds < probe.probe_cost(base, histograms=False).seconds
    assert seed_spread.beta(base) == 30 / 128
