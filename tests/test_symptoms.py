"""The six symptoms on a generic record: the Remedies adapter and the log adapter."""

import math

import numpy as np
import pytest

from gradviz import symptoms as sy
from gradviz.gradlog import read_log
from gradviz.sample_logs import read_sample, sample_chance_loss
from views import remedies as remedies_views
from views import symptoms as symptom_words
from views import your_network as views


def test_a_log_without_loss_or_norm_columns_evaluates_nothing_it_cannot():
    table = sy.evaluate(sy.from_log(read_log("step,name,grad_norm\n0,a,1\n1,a,2\n")))
    assert table["symptom"].tolist() == list(sy.SYMPTOMS)
    assert not table["evaluated"].any() and not table["present"].any()
    assert all(facts["kind"] == "needs" for facts in table["facts"])
    words = symptom_words.with_evidence(table)["evidence"]
    assert words.str.startswith("needs").all()


def test_a_log_whose_loss_and_weights_blow_up_has_those_symptoms():
    text = (
        "step,name,grad_norm,param_norm,update_norm,loss\n"
        "0,w,1,1,0.001,0.7\n1,w,1,1,0.9,0.6\n2,w,1,inf,1,nan\n"
    )
    table = sy.evaluate(sy.from_log(read_log(text), chance=math.log(2))).set_index("symptom")
    assert table.loc[sy.LOSS_NAN, "present"] and table.loc[sy.LOSS_NAN, "value"] == 2
    assert table.loc[sy.WEIGHTS_NAN, "present"] and table.loc[sy.WEIGHTS_NAN, "value"] == 2
    assert table.loc[sy.NOT_CONVERGING, "facts"] == {"kind": "diverged", "step": 2}
    assert symptom_words.evidence(table.loc[sy.NOT_CONVERGING, "facts"]) == (
        "the run diverged at step 2"
    )
    assert table.loc[sy.WEIGHTS_WILD, "present"]  # 0.9 / 1 > 0.5
    assert table.loc[sy.WEIGHTS_WILD, "value"] == pytest.approx(0.9)
    assert not table.loc[sy.GRADS_ABOVE_ONE, "evaluated"]


def test_the_failing_sample_does_not_converge_at_the_chance_level():
    chance = sample_chance_loss("failing_sigmoid")
    assert chance == pytest.approx(math.log(2))  # moons, 200 points: balanced
    log = read_log(read_sample("failing_sigmoid"))
    table = sy.evaluate(sy.from_log(log, chance)).set_index("symptom")
    losses = log.frame.groupby("step")["loss"].first().to_numpy()
    share = np.mean(losses[-10:]) / chance
    assert table.loc[sy.NOT_CONVERGING, "present"]
    assert table.loc[sy.NOT_CONVERGING, "value"] == pytest.approx(share)
    text = views.symptoms_text(log, chance)
    assert f"is {share:.0%} of the chance level" in text and "➖ not in this log" in text


def test_the_remedies_links_name_settings_the_remedies_page_has():
    switch = remedies_views.SWITCH_ON
    formatted = {switch.kwargs["format_func"](k) for k in switch.args[0]}
    for _, query in views.REMEDY_LINKS.values():
        assert query["tab"] in remedies_views.TABS
        assert set(query["remedies"]) <= formatted
        if "lr" in query:
            assert float(query["lr"]) in remedies_views.LRS


def test_a_share_next_to_its_threshold_never_reads_as_the_threshold():
    """Tried as a visitor: 21 of 403 updates jumped, 5.2 %, printed as "(5%; unstable above
    5%)". The share now keeps the decimals that tell it from its threshold."""
    share_against = symptom_words.share_against
    assert share_against(21 / 403, sy.UNSTABLE_FRACTION) == "5.2%"
    assert share_against(0.32, sy.UNSTABLE_FRACTION) == "32%"
    assert share_against(0.0496, 0.05) == "4.96%"
    facts = {"kind": "jumps", "jumps": 21, "updates": 403, "share": 21 / 403}
    assert "(5.2%; unstable above 5%)" in symptom_words.evidence(facts)
