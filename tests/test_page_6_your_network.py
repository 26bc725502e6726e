"""The Your network page in AppTest: samples, pasted logs, every malformed log, and fuzzing."""

import pytest
import streamlit
from hypothesis import strategies as st

from gradviz import gradlog
from tests.apptest_kit import (
    all_chart_fields,
    errors,
    exercise_every_control,
    open_page,
    texts,
    warnings,
)
from tests.fuzz_kit import page_machine
from views import your_network as views

PAGE = "pages/6_Your_network.py"
KEYS = {"sample", "paste", "at"}  # and "upload", which AppTest cannot set (no file in a test)
GOOD = (
    "step,name,grad_norm,param_norm,update_norm\n"
    "0,fc1.weight,1e-6,3.0,0.01\n0,fc2.weight,0.5,4.0,0.02\n"
    "1,fc1.weight,2e-6,3.1,0.005\n1,fc2.weight,0.4,4.1,0.01\n"
)
BAD = {
    "wrong header": ("epoch,name,grad_norm\n0,a,1\n", "Row 1 (the header) is `epoch,name"),
    "text in a number": ("step,name,grad_norm\n0,a,abc\n", "Row 2, column `grad_norm`: `abc`"),
    "negative norm": ("step,name,grad_norm\n0,a,1\n1,a,-2\n", "Row 3, column `grad_norm`"),
    "missing step": ("step,name,grad_norm\n0,a,1\n0,b,1\n1,a,1\n", "`b` is missing at step 1"),
    "duplicate row": ("step,name,grad_norm\n0,a,1\n0,a,2\n", "Row 3 repeats row 2"),
}


def test_every_control_is_reached_and_the_page_stays_clean():
    log = exercise_every_control(PAGE)
    assert log.keys == KEYS


@pytest.mark.parametrize("label", list(views.SAMPLE_LABELS))
def test_each_sample_is_diagnosed_with_its_charts(label):
    at = open_page(PAGE, {"sample": label})
    text = texts(at)
    if "failing" in label:
        assert (
            "**Vanishing gradients.**" in text and "was 4.8e-06 times that of `20.weight`" in text
        )
        links = [p.proto for p in at.get("page_link") if p.proto.label.startswith("See these")]
        assert links[0].query_string.startswith("tab=Remedies")
    else:
        assert "**Neither vanishing nor exploding by these tests.**" in text
    assert {"grad_norm", "ratio", "layer", "step", "name"} <= all_chart_fields(at)
    assert not errors(at)


def test_a_pasted_log_replaces_the_sample():
    at = open_page(PAGE, {"paste": GOOD})
    assert "Showing your pasted log: 4 rows, 2 parameters, 2 steps" in at.caption[0].value
    assert "**Vanishing gradients.**" in texts(at)


def test_a_pasted_log_with_inf_says_where():
    text = "step,name,grad_norm\n0,a.weight,1\n0,b.weight,1\n1,a.weight,1\n1,b.weight,inf\n"
    at = open_page(PAGE, {"paste": text})
    assert "grad_norm of `b.weight` is inf from step 1" in warnings(at)
    assert "**Exploding gradients.**" in texts(at)


@pytest.mark.parametrize("case", list(BAD))
def test_a_malformed_paste_names_the_row_and_column(case):
    text, where = BAD[case]
    at = open_page(PAGE, {"paste": text})
    assert where in errors(at) and not at.exception


def test_a_log_over_the_limit_names_the_limit(monkeypatch):
    monkeypatch.setattr(gradlog, "MAX_ROWS", 3)
    streamlit.cache_data.clear()
    rows = "".join(f"{s},a,1\n" for s in range(5))
    at = open_page(PAGE, {"paste": "step,name,grad_norm\n" + rows})
    assert "more than 3 rows" in errors(at)
    streamlit.cache_data.clear()


def test_a_malformed_link_shows_the_notice():
    at = open_page(PAGE, {"sample": "no such sample", "at": "never"})
    assert "`sample=no such sample` is not valid here" in warnings(at)


PASTES = st.sampled_from(["", GOOD, *(text for text, _ in BAD.values()), "garbage\n,,,"])
TestFuzz = page_machine(PAGE, tabs_key=None, text_values={"paste": PASTES}).TestCase
