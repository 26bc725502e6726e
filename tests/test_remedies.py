"""Remedies engine: the comparison the page draws, the six symptoms, dying ReLU, the advice,
and the gated-cell comparison; every number the page quotes comes from these functions."""

import math
import threading
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from gradviz import choosing
from gradviz import remedies as rm
from gradviz import train as tr
from gradviz.budget import COMPUTE_BYTES, PLAN_SHARE, TAB_SECONDS, TRAINING_SECONDS, Cost
from gradviz.mlp import MLPConfig
from gradviz.numerics import drawable_on_log, format_sci
from views import remedies as views
from views import symptoms as views_symptoms

SMALL = rm.Problem(depth=6, width=16, steps=40)


@pytest.fixture(scope="module")
def default_comparison():
    """The page's default view: baseline + 5 remedies + all together."""
    return rm.compare(rm.Problem(), rm.DEFAULT_REMEDIES, rm.RemedyOptions(), together=True)


def test_the_default_baseline_fails_and_the_remedies_fix_it(default_comparison):
    c = default_comparison
    assert c.runs[0] == rm.BASELINE and len(c.runs) == 7
    base = c.row(rm.BASELINE)
    assert base["final_accuracy"] < 0.8 and base["grad_ratio"] < 1e-3  # vanishing
    assert c.row("batch norm")["final_accuracy"] >= 0.95
    fewer = c.row("4 layers")  # fewer factors: better, not cured
    assert fewer["final_accuracy"] > base["final_accuracy"] + 0.1
    assert fewer["grad_ratio"] > 1e3 * base["grad_ratio"]
    combined = c.row("ReLU + He init + batch norm + residual + 4 layers")
    assert combined["final_accuracy"] >= 0.95 and combined["symptoms"] == 0
    # ReLU alone, with weights this large, explodes: diverged, with the NaN symptoms
    relu = c.records["ReLU"]
    assert relu.diverged and c.row("ReLU")["grad_ratio"] > 1e3
    present = c.symptoms[(c.symptoms["run"] == "ReLU") & c.symptoms["present"]]["symptom"]
    assert {rm.NOT_CONVERGING, rm.LOSS_NAN, rm.WEIGHTS_WILD} <= set(present)


def test_the_page_text_quotes_the_computed_numbers(default_comparison):
    c = default_comparison
    text = views.comparison_text(c)
    base = c.row(rm.BASELINE)
    assert f"final accuracy {base['final_accuracy']:.0%}" in text
    assert f"{format_sci(base['grad_ratio'])} times as fast as layer 20" in text
    assert f"**ReLU** diverged at step {c.records['ReLU'].diverged_step}" in text
    bn = c.row("batch norm")
    assert f"gradient ratio {format_sci(bn['grad_ratio'])}" in text
    symptoms = views.symptom_text(c, "ReLU", c.runs[-1])
    assert symptoms.count("🔴 present") == int(c.row("ReLU")["symptoms"])
    assert "gone with" in symptoms


def test_every_run_uses_the_same_data_seed_and_steps():
    plans = rm.plan(SMALL, tuple(rm.REMEDIES), rm.RemedyOptions(), together=True)
    # The init remedy is matched to the activation: Xavier for the sigmoid baseline, He once
    # ReLU is switched on too (the activation is applied first).
    assert [name for name, _ in plans][:3] == ["baseline", "ReLU", "Xavier init"]
    assert plans[2][1].mlp.init == "xavier_normal"
    assert plans[-1][0].startswith("ReLU + He init") and plans[-1][1].mlp.init == "he_normal"
    assert len(plans) == 2 + len(rm.REMEDIES)
    base = plans[0][1]
    for _, cfg in plans:
        assert (cfg.dataset, cfg.n, cfg.data_seed, cfg.steps) == (
            base.dataset,
            base.n,
            base.data_seed,
            base.steps,
        )
        assert cfg.mlp.seed == base.mlp.seed
    together = plans[-1][1]
    assert together.mlp.activation == "relu" and together.mlp.batchnorm and together.mlp.residual
    assert together.clip == "norm" and together.l2 == 1e-3 and together.lr == pytest.approx(0.01)
    assert together.mlp.depth == 4


def test_remedies_change_only_what_they_name():
    base = SMALL.config()
    opts = rm.RemedyOptions(penalty="l1", penalty_strength=0.01, clip="value", fewer_depth=50)
    assert rm.remedy_config(base, ("penalty",), opts).l1 == 0.01
    assert rm.remedy_config(base, ("clip",), opts).clip == "value"
    assert rm.remedy_config(base, ("fewer_layers",), opts).mlp.depth == 50
    fewer = rm.remedy_config(base, ("fewer_layers",), opts)
    assert rm.run_label(("fewer_layers",), opts, fewer) == "50 layers"  # the label is the truth
    one = rm.remedy_config(base, ("fewer_layers",), rm.RemedyOptions(fewer_depth=1))
    assert rm.run_label(("fewer_layers",), opts, one) == "1 layer"
    assert rm.remedy_config(base, ("init",), opts).mlp.init_params == ()
    with pytest.raises(ValueError, match="unknown remedies"):
        rm.remedy_config(base, ("magic",), opts)


def test_a_single_remedy_without_together_gives_two_runs():
    c = rm.compare(SMALL, ("batchnorm",), together=True)
    assert c.runs == ("baseline", "batch norm")
    assert set(c.curves["run"]) == set(c.runs)
    assert c.records["batch norm"].speed.shape == (41, 6)  # steps 0..40, hidden layers 1..6


def test_compare_trains_side_by_side_with_the_results_of_one_by_one_training():
    seen, threads = [], set()

    def progress(fraction):
        seen.append(fraction)
        threads.add(threading.get_ident())

    c = rm.compare(SMALL, rm.DEFAULT_REMEDIES, together=True, progress=progress)
    plans = rm.plan(SMALL, rm.DEFAULT_REMEDIES, together=True)
    one_by_one = rm.tabulate({name: rm.record(tr.train(cfg)) for name, cfg in plans})
    assert c.curves.equals(one_by_one.curves)
    for run in c.runs:
        assert np.array_equal(c.records[run].speed, one_by_one.records[run].speed, equal_nan=True)
    assert c.summary.equals(one_by_one.summary) and c.symptoms.equals(one_by_one.symptoms)
    assert seen[-1] == 1.0 and seen == sorted(seen) and len(seen) > 5
    assert threads == {threading.get_ident()}  # a Streamlit progress bar needs the script thread


def _fake(loss, updates=None, node=None, events=(), diverged=None):
    """A TrainResult with chosen histories, to test each symptom's rule exactly."""
    loss = np.asarray(loss, dtype=float)
    steps = np.arange(loss.size)
    updates = np.full(loss.size - 1, 1e-3) if updates is None else np.asarray(updates, float)
    node = np.full(loss.size, 0.01) if node is None else np.asarray(node, float)
    history = pd.concat(
        [
            pd.DataFrame({"step": steps, "metric": tr.LOSS, "value": loss}),
            pd.DataFrame({"step": steps[:-1], "metric": tr.UPDATE_RATIO, "value": updates}),
            pd.DataFrame({"step": steps, "metric": tr.MIN_NODE_GRAD, "value": node}),
        ],
        ignore_index=True,
    )
    return tr.TrainResult(
        config=tr.TrainConfig(mlp=MLPConfig(2, 4)),
        history=history,
        layers=pd.DataFrame(columns=["step", "layer", "metric", "value"]),
        events=pd.DataFrame(
            {"step": [s for _, s in events], "quantity": [q for q, _ in events], "kind": "x"}
        ),
        diverged_step=diverged,
        steps_run=int(loss.size),
        final_loss=float(loss[-1]),
        final_accuracy=1.0,
        data=pd.DataFrame({"x1": [0.0] * 4, "x2": 0.0, "label": [0, 0, 1, 1]}),
        final_params={},
    )


def _present(result):
    table = rm.symptoms(result).set_index("symptom")
    assert list(table.index) == list(rm.SYMPTOMS)
    return {s for s in rm.SYMPTOMS if table.loc[s, "present"]}


def test_a_healthy_history_has_no_symptom():
    assert _present(_fake(np.linspace(0.7, 0.01, 50))) == set()


def test_each_symptom_rule():
    ln2 = math.log(2)
    assert rm.chance_loss("bce", np.array([0, 1])) == pytest.approx(ln2)
    assert _present(_fake(np.full(20, 0.6 * ln2))) == {rm.NOT_CONVERGING}
    assert _present(_fake(np.full(20, 0.4 * ln2))) == set()
    zigzag = np.where(np.arange(40) % 2 == 0, 0.01, 0.02)  # half the updates jump by 100 %
    assert _present(_fake(zigzag)) == {rm.UNSTABLE}
    wild = _fake(np.linspace(0.7, 0.01, 10), updates=[1e-3] * 8 + [0.6])
    assert _present(wild) == {rm.WEIGHTS_WILD}
    assert rm.symptoms(wild).set_index("symptom").loc[rm.WEIGHTS_WILD, "value"] == 0.6
    above = _fake(np.linspace(0.7, 0.01, 10), node=[2.0] * 9 + [0.5])
    assert _present(above) == {rm.GRADS_ABOVE_ONE}  # 90 % of the steps
    below = _fake(np.linspace(0.7, 0.01, 10), node=[2.0] * 8 + [0.5] * 2)
    assert _present(below) == set()
    nan = _fake([0.7, 0.6, np.nan], events=(("loss", 2), ("weights", 2)), diverged=2)
    assert {rm.LOSS_NAN, rm.WEIGHTS_NAN, rm.NOT_CONVERGING, rm.UNSTABLE} <= _present(nan)
    facts = rm.symptoms(nan).set_index("symptom").loc[rm.LOSS_NAN, "facts"]
    assert "step 2" in views_symptoms.evidence(facts)


def test_learning_rate_10_and_depth_100_diverge_as_data():
    c = rm.compare(rm.Problem(depth=100, width=16, lr=10.0, steps=20), ("activation",))
    assert c.records["ReLU"].diverged
    curves, ends, dropped, stride, ceiling, above = rm.loss_frames(c)
    assert np.all(np.isfinite(curves["loss"])) and (curves["loss"] > 0).all()
    steady = c.curves.loc[c.curves["run"] == rm.BASELINE, "loss"]
    assert ceiling == rm.LOSS_CEILING_FACTOR * max(np.log(2.0), steady.max())
    assert set(above) <= {"ReLU"} and all(peak > ceiling for peak in above.values())
    assert (ends["loss"] <= ceiling).all()
    assert list(ends["step"]) == [c.records["ReLU"].diverged_step]
    assert dropped >= 1 and stride == 1
    ratios, left_out = rm.ratio_frame(c)
    assert np.all(np.isfinite(ratios["log_ratio"]))
    assert len(ratios) + len(left_out) == 2
    matrix = rm.ablation_matrix(c)
    assert matrix["score"].between(0, 1).all() and len(matrix) == 2 * 4
    assert matrix.set_index(["run", "metric"]).loc[("ReLU", "final accuracy"), "score"] == 0.0


def test_speed_frame_picks_first_and_last_layers():
    c = rm.compare(rm.Problem(depth=12, width=8, steps=10), ())
    speed, dropped = rm.speed_frame(c, rm.BASELINE, max_layers=4)
    assert set(speed["layer"]) == {1, 5, 8, 12} and dropped == 0
    assert len(rm.accuracy_frame(c)) == 1


def test_dying_relu_kills_relu_units_only_and_biases_are_driven_negative():
    dead = choosing.dying_relu()
    final = dead.final.set_index("activation")
    relu = final.loc["ReLU"]
    assert relu["dead_units"] > relu["dead_at_start"] and relu["dead_units"] >= 0.3 * relu["units"]
    assert final.loc["leaky ReLU", "dead_units"] == 0 and final.loc["ELU", "dead_units"] == 0
    assert relu["mean_bias_dead"] < 0 and relu["mean_bias_dead"] < relu["mean_bias_alive"]
    over = dead.over_time[dead.over_time["activation"] == "ReLU"]
    assert over["dead_fraction"].iloc[-1] > over["dead_fraction"].iloc[0]
    assert over["mean_bias"].iloc[-1] < 0 == over["mean_bias"].iloc[0]
    text = views.dying_text(dead)
    assert f"{int(relu['dead_units'])} of {int(relu['units'])} hidden units dead" in text
    assert format_sci(relu["mean_bias_dead"]) in text


def test_activation_advice_is_tied_to_the_runs():
    shoot = choosing.activation_shootout(depth=10)
    dead = choosing.dying_relu()
    by_run = shoot.set_index("run")
    relu, sig = by_run.loc["ReLU (He)"], by_run.loc["sigmoid (Xavier)"]
    bn = by_run.loc["sigmoid (Xavier) + batch norm"]
    assert relu["final_accuracy"] > sig["final_accuracy"] and bn["final_accuracy"] > 0.95
    assert sig["grad_ratio"] < 1e-3 < relu["grad_ratio"]
    assert by_run.loc["tanh (Xavier)", "zero_centred"] and not relu["zero_centred"]
    advice = views.activation_advice(shoot, dead)
    assert len(advice) == 4
    text = " ".join(e for _, e in advice)
    assert f"reached {relu['final_accuracy']:.0%}" in text
    assert format_sci(sig["grad_ratio"]) in text and format_sci(bn["grad_ratio"]) in text
    relu_dead = dead.final.set_index("activation").loc["ReLU", "dead_units"]
    assert f"{int(relu_dead)} of " in text and "Adam at learning rate 0.1," in text


@pytest.mark.parametrize("update_bias", [0.0, 1.0, 3.0, 5.0])
def test_gru_update_bias_decides_how_far_its_gradient_reaches(update_bias):
    """The GRU's carry path multiplies by z_t ≈ σ(b_z): the text quotes each cell's measured
    factor per step and σ of both biases; a larger update bias keeps more gradient."""
    gated = rm.gated_cells(length=30, update_bias=update_bias)
    lower = rm.gated_cells(length=30, update_bias=update_bias - 1.0)
    far = gated[gated["distance"] == 30].set_index("cell")["ratio"]
    assert far["GRU"] > lower[lower["distance"] == 30].set_index("cell")["ratio"]["GRU"]
    text = views.gated_text(gated, 3.0, update_bias)
    for cell, ratio in far.items():
        assert f"{cell} {format_sci(ratio ** (1 / 30))}" in text
    assert f"σ({update_bias:g}) = {1 / (1 + math.exp(-update_bias)):.3g}" in text


def test_lstm_gradients_outlive_vanilla_rnn_gradients():
    gated = rm.gated_cells(length=50)
    far = gated[gated["distance"] == 50].set_index("cell")["ratio"]
    assert far["LSTM"] > 1e3 * far["RNN (tanh)"]
    assert (gated[gated["distance"] == 0]["ratio"] == 1.0).all()
    assert format_sci(far["LSTM"]) in views.gated_text(gated)
    drawable, dropped = drawable_on_log(gated, "ratio")
    assert dropped == 0 and len(drawable) == 153


# ----------------------------------------------------------------------------- budget

ALL = tuple(rm.REMEDIES)
ISSUE_LINK = rm.Problem(depth=100, sigma_w=10.0, steps=500, lr=10.0)


def test_record_keeps_what_the_tab_shows_and_drops_the_rest():
    cfg = SMALL.config()
    result = tr.train(cfg)
    rec = rm.record(result)
    assert np.array_equal(rec.loss, result.metric(tr.LOSS))
    assert np.array_equal(rec.speed, result.layer_metric(tr.SPEED)[:, :6])
    assert rec.symptoms.equals(rm.symptoms(result))
    assert (rec.steps_run, rec.diverged_step, rec.depth) == (41, None, 6)
    assert rec.grad_ratio == rm.gradient_ratio(result)
    assert not hasattr(rec, "final_params")
    assert rm.record_bytes(cfg) >= rec.loss.nbytes + rec.accuracy.nbytes + rec.speed.nbytes


def test_train_cost_is_the_run_s_and_its_record_s():
    base = rm.Problem(depth=20, width=32, steps=100).config()
    cost = rm.train_cost(base)
    assert cost == tr.train_cost(base) + Cost(calls=rm.RECORD_CALLS)

    for changes in ({"depth": 40}, {"width": 64}, {"steps": 200}):
        sizes = {"depth": 20, "width": 32, "steps": 100, **changes}
        bigger = rm.train_cost(rm.Problem(**sizes).config())
        assert bigger.seconds > 1.5 * cost.seconds
    longer = rm.train_cost(rm.Problem(depth=20, width=32, steps=200).config())
    assert longer.peak_bytes > cost.peak_bytes  # the records grow with the steps
    opts = rm.RemedyOptions()
    for key in ("batchnorm", "clip", "penalty"):
        assert rm.train_cost(rm.remedy_config(base, (key,), opts)).seconds > cost.seconds
    for more_memory in (
        rm.remedy_config(base, ("batchnorm",), opts),  # its caches per layer
        rm.remedy_config(base, ("penalty",), opts),  # the penalty's temporaries
        replace(base, optimizer="adam"),  # two moments per parameter
    ):
        assert rm.train_cost(more_memory).peak_bytes > cost.peak_bytes
    # the forward blocks (z, h and f'(z) of every layer) and four parameter-sized arrays
    L, N, n = 20, 100, 32
    assert cost.peak_bytes >= 8 * (3 * L * N * n + 4 * L * n * n)


def test_runs_cost_follows_train_many_s_schedule():
    cfgs = [cfg for _, cfg in rm.plan(rm.Problem(depth=30, steps=100), ALL, together=True)]
    each = [rm.train_cost(cfg) for cfg in cfgs]
    total = sum(c.seconds for c in each)
    one = rm.runs_cost(cfgs, workers=1)
    assert one.seconds == pytest.approx(total)
    two = rm.runs_cost(cfgs, workers=2)
    assert total / 2 <= two.seconds < total and rm.run_workers(cfgs) == 2
    largest = sorted((c.peak_bytes for c in each), reverse=True)
    assert two.peak_bytes > largest[0] + largest[1]  # both workers' runs, and the records
    assert rm.runs_cost(cfgs + cfgs) == two  # identical configs train once
    assert rm.runs_cost([]) == Cost()


def test_short_runs_train_in_this_thread_alone():
    cfgs = [cfg for _, cfg in rm.plan(SMALL, ALL, together=True)]
    alone, helped = rm.runs_cost(cfgs, workers=1), rm.runs_cost(cfgs, workers=2)
    assert helped.seconds > rm.HELPER_START_SECONDS > alone.seconds  # a helper would start late
    assert rm.run_workers(cfgs) == 1 and rm.runs_cost(cfgs) == alone


def test_the_issue_s_link_trains_the_steps_that_fit_for_every_run():
    plans = rm.plan(ISSUE_LINK, rm.DEFAULT_REMEDIES, together=True)
    fitted = rm.within_budget(plans)
    assert fitted.cut and 0 < fitted.steps < fitted.asked == 500
    assert {cfg.steps for _, cfg in fitted.plans} == {fitted.steps}
    assert [label for label, _ in fitted.plans] == [label for label, _ in plans]
    assert rm.comparison_cost(fitted.plans).fits(rm.TRAINING_ROOM, COMPUTE_BYTES)
    one_more = rm.comparison_cost(rm.with_steps(plans, fitted.steps + 1))
    assert not one_more.fits(rm.TRAINING_ROOM, COMPUTE_BYTES)
    # the room left for training: the budget less what a cold page run spends around it
    assert rm.TRAINING_ROOM == PLAN_SHARE * (TRAINING_SECONDS - rm.PAGE_SECONDS) > 0
    asked = rm.comparison_cost(plans).seconds
    assert fitted.rest_seconds == pytest.approx(asked - rm.comparison_cost(fitted.plans).seconds)
    assert rm.within_budget(plans) == fitted  # decided by the model alone: a link reproduces


def test_the_default_comparison_is_not_cut():
    fitted = rm.within_budget(rm.plan(rm.Problem(), rm.DEFAULT_REMEDIES, together=True))
    assert not fitted.cut and fitted.steps == 300 and fitted.rest_seconds == 0


@pytest.mark.parametrize("depth", [2, 100])
@pytest.mark.parametrize("width", [8, 64])
@pytest.mark.parametrize("fewer", [1, 10])
def test_every_allowed_comparison_fits_the_budget_after_the_cut(depth, width, fewer):
    problem = rm.Problem(depth=depth, width=width, steps=500, lr=0.001)
    opts = rm.RemedyOptions(fewer_depth=fewer, penalty="l1", clip="value")
    fitted = rm.within_budget(rm.plan(problem, ALL, opts, together=True))
    assert fitted.steps >= 1
    assert rm.comparison_cost(fitted.plans).fits(TRAINING_SECONDS, COMPUTE_BYTES)


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_dying_relu_and_the_advice_fit_at_depth_30(optimizer):
    steps, rest = choosing.dying_steps(30, 0.001, optimizer)
    assert choosing.dying_cost(30, 0.001, optimizer, steps).fits(TRAINING_SECONDS, COMPUTE_BYTES)
    assert (steps, rest) == (choosing.DYING_STEPS, 0.0)  # nothing to cut today
    steps, rest = choosing.advice_steps(30)
    assert choosing.advice_cost(30, steps).fits(TRAINING_SECONDS, COMPUTE_BYTES)
    assert rm.gated_tab_cost(200).fits(TAB_SECONDS, COMPUTE_BYTES)


def test_a_smaller_budget_cuts_the_dying_relu_and_shootout_runs():
    steps, rest = choosing.dying_steps(30, 0.001, "adam", seconds=1.0)
    assert 0 < steps < choosing.DYING_STEPS and rest > 0
    assert choosing.dying_cost(30, 0.001, "adam", steps).seconds <= 1.0
    room = choosing.advice_cost(30, choosing.SHOOTOUT_STEPS).seconds / 2
    steps, rest = choosing.advice_steps(30, seconds=room)
    assert 0 < steps < choosing.SHOOTOUT_STEPS and rest > 0
    cost = choosing.advice_cost
    assert cost(30, steps).seconds <= room < cost(30, steps + 1).seconds


def test_the_loss_chart_draws_one_step_in_k_beyond_4000_rows():
    c = rm.compare(rm.Problem(depth=2, width=8, steps=400), ALL, together=True)
    assert len(c.curves) == 10 * 401
    curves, _, dropped, stride, _, _ = rm.loss_frames(c)
    assert stride == 2 and dropped == 0 and len(curves) < 4000
    for run in c.runs:
        steps = curves.loc[curves["run"] == run, "step"]
        assert steps.iloc[-1] == c.records[run].steps_run - 1  # each run's last step stays
        assert set(steps.iloc[:-1] % 2) <= {0}


def test_every_sentence_quoting_inf_or_nan_says_what_it_is():
    """Fuzzing found "the loss becomes NaN" and "became inf/NaN at step 5" with no word for
    them (a symptom's name and its evidence)."""
    from tests.fuzz_kit import unmarked_non_finite

    c = rm.compare(rm.Problem(depth=6, width=16, steps=20, lr=10.0), ("activation",))
    assert c.records["ReLU"].diverged
    for run, against in (("ReLU", rm.BASELINE), (rm.BASELINE, "ReLU")):
        assert not unmarked_non_finite(views.symptom_text(c, run, against))
    assert not unmarked_non_finite(views.comparison_text(c))
    nan_grads = _fake(np.linspace(0.7, 0.01, 10), updates=[np.inf] * 9, node=[np.nan] * 10)
    evidence = " ".join(views_symptoms.with_evidence(rm.symptoms(nan_grads))["evidence"])
    assert "inf (not finite)" in evidence and "NaN (not finite)" in evidence
    assert not unmarked_non_finite(evidence)


def test_dying_text_when_every_unit_died():
    final = pd.DataFrame(
        [
            {
                "activation": "ReLU",
                "dead_units": 192,
                "units": 192,
                "dead_at_start": 0,
                "revived": 0,
                "died": 192,
                "first_layer_revived": 0,
                "mean_bias_dead": -2.5,
                "mean_bias_alive": math.nan,
                "final_accuracy": 0.5,
                "diverged_step": math.nan,
            }
        ]
    )
    text = views.dying_text(choosing.DyingReLU(pd.DataFrame(), final))
    assert "192 of 192 hidden units dead" in text and "every unit died (mean bias -2.5" in text
    assert "192 died during training" in text
    assert "nan" not in text.lower()


@pytest.mark.parametrize("lr", [0.1, 0.3])
def test_dead_units_can_come_back_except_in_the_first_layer(lr):
    """The Dying ReLU tab's counts: dead at the start, minus revived, plus died, is dead at the
    end; no first-layer unit dead at initialization ever comes back (its inputs are the data,
    its parameters get no gradient and have no momentum yet); the text says so only then."""
    dying = choosing.dying_relu(lr=lr)
    for row in dying.final.to_dict("records"):
        assert row["dead_at_start"] - row["revived"] + row["died"] == row["dead_units"]
        assert row["first_layer_revived"] == 0
    relu = dying.final.set_index("activation").loc["ReLU"]
    assert relu["revived"] > 0  # the tab's default shows units coming back
    text = views.dying_text(dying)
    assert f"{int(relu['revived'])} of the {int(relu['dead_at_start'])} dead at the start" in text
    assert "never learns again" not in views.DYING_INTRO
    advice = dict(views.activation_advice(choosing.activation_shootout(depth=4, steps=20), dying))
    leaky_elu = next(e for a, e in advice.items() if a.startswith("2."))
    dead = dying.final.set_index("activation")["dead_units"]
    fewer = dead["leaky ReLU"] < dead["ReLU"] and dead["ELU"] < dead["ReLU"]
    assert ("fewer, as advised" in leaky_elu) == bool(fewer)
    assert "cannot die" not in " ".join(advice)


@pytest.mark.parametrize(
    ("activation", "init"),
    [("sigmoid", "xavier_normal"), ("tanh", "xavier_normal")]
    + [(a, "he_normal") for a in rm.RELU_FAMILY],
)
def test_the_init_remedy_is_the_initializer_matched_to_the_activation(activation, init):
    base = replace(SMALL, activation=activation).config()
    cfg = rm.remedy_config(base, ("init",), rm.RemedyOptions())
    assert cfg.mlp.init == init and cfg.mlp.init_params == ()
    assert rm.run_label(("init",), rm.RemedyOptions(), cfg) == rm.INIT_NAMES[init]
    chosen = rm.RemedyOptions(init="he_normal")  # an explicit choice is kept
    assert rm.remedy_config(base, ("init",), chosen).mlp.init == "he_normal"


def test_a_diverged_run_runs_off_the_top_of_the_loss_chart_and_no_other_does():
    """The default comparison's ReLU run (σ_w 4) blows its loss up past 1e+100: the chart stops
    at 10x the largest loss of the runs that did not diverge, so they keep the whole height."""
    c = rm.compare(rm.Problem(depth=8, width=16, steps=30), ("activation", "batchnorm"))
    frames = rm.loss_frames(c)
    assert c.records["ReLU"].diverged and not c.records["batch norm"].diverged
    steady = c.curves.loc[c.curves["run"] != "ReLU", "loss"].to_numpy()
    assert frames.ceiling == pytest.approx(rm.LOSS_CEILING_FACTOR * steady.max())
    assert list(frames.above) == ["ReLU"] and frames.above["ReLU"] > frames.ceiling
