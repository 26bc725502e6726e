"""AppTest of the Remedies page, used the way a person would."""

import re

import pytest
import streamlit as st

from gradviz import choosing, parallel
from gradviz import remedies as rm
from gradviz.numerics import format_sci
from tests.apptest_kit import all_chart_fields, exercise_every_control, open_page
from tests.fuzz_kit import page_machine, walk_extremes
from views import remedies as views

PAGE = "pages/5_Remedies.py"
TABS = ["Remedies & symptoms", "Dying ReLU", "Choosing an activation", "Gated cells"]
REMEDY_KEYS = {"r_act", "r_init", "r_clip", "r_thr", "r_pen", "r_lam", "r_depth", "r_lrf"}
KEYS = {
    "depth", "width", "act", "init", "sigma_w", "lr", "steps", "seed",
    "remedies", "together", *REMEDY_KEYS, "speed_run", "sick", "cured",
    "dr_lr", "dr_opt", "dr_depth", "adv_depth", "g_len", "g_radius", "g_fb", "g_ub",
}  # fmt: skip
# A small problem keeps the number checks quick; the defaults are checked in test_remedies.
SMALL = {"depth": "6", "width": "16", "steps": "50"}
ISSUE_LINK = {"depth": "100", "sigma_w": "10.0", "steps": "500", "lr": "10.0"}

# Random visitors who never reset, starting from the small problem (every control still
# reaches both ends: depth 100, 500 steps, every remedy).
TestFuzz = page_machine(PAGE, query=SMALL, timeout=300).TestCase


def text(at) -> str:
    return "\n".join(m.value for m in at.markdown)


@pytest.mark.slow
def test_every_control_on_every_tab_is_reached_without_exception():
    log = exercise_every_control(PAGE, tabs_key="tab", timeout=900, query=SMALL)
    assert log.keys == KEYS
    assert {tab for tab, _, _ in log.runs} == set(TABS)
    tried = {(key, float(value)) for tab, key, value in log.runs if key in ("lr", "depth")}
    assert ("lr", 10.0) in tried and ("depth", 100.0) in tried  # the issue's extremes


def test_remedies_tab_charts_and_numbers():
    at = open_page(PAGE, SMALL, timeout=300)
    fields = all_chart_fields(at)
    assert {"step", "loss", "run", "event", "final_accuracy", "status", "log_ratio"} <= fields
    assert {"layer", "value", "metric", "score", "text", "symptom", "present"} <= fields
    problem = rm.Problem(depth=6, width=16, steps=50)
    expected = rm.compare(problem, rm.DEFAULT_REMEDIES, rm.RemedyOptions(), together=True)
    shown = text(at)
    assert views.comparison_text(expected) in shown
    base = expected.row(rm.BASELINE)
    assert f"{format_sci(base['grad_ratio'])} times as fast as layer 6" in shown
    sick = expected.summary.sort_values("symptoms", ascending=False, kind="stable")["run"].iloc[0]
    assert views.symptom_text(expected, sick, expected.runs[-1]) in shown


def test_a_diverging_run_is_marked_and_the_others_continue():
    at = open_page(PAGE, {**SMALL, "lr": "10.0", "remedies": "activation"}, timeout=300)
    expected = rm.compare(rm.Problem(depth=6, width=16, steps=50, lr=10.0), ("activation",))
    relu = expected.records["ReLU"]
    assert relu.diverged
    assert f"**ReLU** diverged at step {relu.diverged_step}" in text(at)
    assert any("not drawn" in c.value for c in at.caption)


def test_dying_relu_tab_quotes_dead_units_and_biases():
    at = open_page(PAGE, {"tab": "Dying ReLU"}, timeout=300)
    assert {"dead_fraction", "mean_bias", "activation", "step"} <= all_chart_fields(at)
    assert views.dying_text(choosing.dying_relu()) in text(at)


def test_advice_tab_ties_every_advice_to_runs():
    at = open_page(PAGE, {"tab": "Choosing an activation", "adv_depth": "4"}, timeout=300)
    shown = text(at)
    advice = views.activation_advice(choosing.activation_shootout(depth=4), choosing.dying_relu())
    for head, evidence in advice:
        assert f"**{head}** {evidence}" in shown
    assert {"final_accuracy", "zero_centred"} <= all_chart_fields(at)


def test_gated_cells_tab():
    at = open_page(PAGE, {"tab": "Gated cells", "g_len": "80"}, timeout=120)
    assert views.gated_text(rm.gated_cells(length=80)) in text(at)
    assert {"distance", "ratio", "cell"} <= all_chart_fields(at)


def test_a_malformed_link_shows_the_notice_and_keeps_defaults():
    at = open_page(PAGE, {**SMALL, "sigma_w": "abc", "bogus": "1"}, timeout=300)
    notice = " ".join(w.value for w in at.warning)
    assert "sigma_w" in notice and "bogus" in notice
    assert at.slider(key="sigma_w").value == 4.0


def test_changing_the_remedies_trains_only_the_new_runs(monkeypatch):
    st.cache_data.clear()
    calls, train_many = [], parallel.train_many

    def recording(cfgs, progress=None, workers=None, keep=None):
        calls.append(list(cfgs))
        return train_many(cfgs, progress, workers, keep)

    monkeypatch.setattr(parallel, "train_many", recording)
    at = open_page(PAGE, {**SMALL, "seed": "3"}, timeout=300)
    assert [len(c) for c in calls] == [7]  # baseline, 5 remedies, all together: one batch
    at.checkbox(key="together").uncheck().run()
    assert len(calls) == 1  # every single run is cached
    at.multiselect(key="remedies").select("clip").run()
    assert not at.exception
    assert len(calls) == 2 and [cfg.clip for cfg in calls[1]] == ["norm"]  # only the new run
    assert "**clip by norm 1**" in text(at)


@pytest.mark.slow
def test_every_control_at_its_ends_together():
    moved = set(walk_extremes(PAGE, query=SMALL, timeout=300))
    assert {"depth", "steps", "sigma_w", "lr", "remedies", "r_depth"} <= moved
    assert {"dr_depth", "dr_lr", "adv_depth", "g_len", "g_radius", "g_fb", "g_ub"} <= moved


def test_the_issue_s_link_trains_what_fits_and_says_so():
    at = open_page(PAGE, ISSUE_LINK, timeout=300)
    problem = rm.Problem(depth=100, sigma_w=10.0, steps=500, lr=10.0)
    fitted = rm.within_budget(rm.plan(problem, rm.DEFAULT_REMEDIES, together=True))
    assert fitted.cut
    notes = [i.value for i in at.info]
    assert views.steps_note(fitted.steps, 500, fitted.rest_seconds) in notes
    assert notes[0].startswith(f"Trained {fitted.steps} of the 500 steps asked for")
    updates = [int(n) for n in re.findall(r"of (\d+) updates raised the loss", text(at))]
    assert updates and max(updates) <= fitted.steps  # no run went past the cut
    assert "times as fast as layer 100" in text(at)
