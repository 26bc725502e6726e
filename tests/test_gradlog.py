"""Reading a practitioner's gradient log: exact round trips, and every kind of bad input."""

import csv
import io
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradviz import gradlog
from gradviz.gradlog import GradientLog, LogError, read_log

GOOD = """step,name,grad_norm,param_norm,update_norm
0,fc1.weight,0.5,3.0,0.01
0,fc2.weight,2.0,4.0,0.02
1,fc1.weight,0.25,3.1,0.005
1,fc2.weight,nan,inf,0.01
"""


def test_a_good_log_reads_back_in_layer_order():
    log = read_log(GOOD)
    assert isinstance(log, GradientLog)
    assert log.names == ("fc1.weight", "fc2.weight") and log.steps == (0, 1)
    assert log.columns == ("param_norm", "update_norm")
    assert log.wide("grad_norm").loc[0].tolist() == [0.5, 2.0]
    assert log.frame["layer"].tolist() == [1, 2, 1, 2]


def test_nan_and_inf_are_data_counted_not_rejected():
    log = read_log(GOOD)
    assert math.isnan(log.wide("grad_norm").loc[1, "fc2.weight"])
    assert log.non_finite == {"grad_norm": 1, "param_norm": 1, "update_norm": 0}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("epoch,layer,g\n0,a,1\n", LogError("header", "epoch,layer,g", row=1)),
        ("step,name,grad_norm,lr\n0,a,1,2\n", LogError("unknown_column", "lr", 1, "lr")),
        ("step,name,grad_norm\n0,a,abc\n", LogError("not_a_number", "abc", 2, "grad_norm")),
        ("step,name,grad_norm\n0,a,1\n1,a,-0.5\n", LogError("negative", "-0.5", 3, "grad_norm")),
        ("step,name,grad_norm\n0,a,-inf\n", LogError("negative", "-inf", 2, "grad_norm")),
        ("step,name,grad_norm\n0.5,a,1\n", LogError("step_not_integer", "0.5", 2, "step")),
        ("step,name,grad_norm\n-1,a,1\n", LogError("step_negative", "-1", 2, "step")),
        ("step,name,grad_norm\n0,,1\n", LogError("empty_name", "", 2, "name")),
        ("step,name,grad_norm\n0,a,\n", LogError("empty_number", "", 2, "grad_norm")),
        ("step,name,grad_norm\n0,a\n", LogError("cell_count", "2", 2, limit=3)),
        ("", LogError("empty")),
        ("step,name,grad_norm\n", LogError("no_rows")),
    ],
)
def test_bad_input_names_the_problem_the_row_and_the_column(text, expected):
    assert read_log(text) == expected


def test_duplicate_rows_name_both_rows():
    text = "step,name,grad_norm\n0,a,1\n0,b,1\n1,a,1\n0,a,2\n1,b,1\n"
    assert read_log(text) == LogError("duplicate", "0,a", row=5, other_row=2)


def test_a_layer_missing_at_a_step_is_named():
    text = "step,name,grad_norm\n0,a,1\n0,b,1\n1,a,1\n2,a,1\n2,b,1\n"
    assert read_log(text) == LogError("missing", "1,b", column="name")


def test_logs_over_the_limits_are_refused_naming_the_limit(monkeypatch):
    monkeypatch.setattr(gradlog, "MAX_ROWS", 3)
    rows = "".join(f"{s},a,1\n" for s in range(4))
    assert read_log("step,name,grad_norm\n" + rows) == LogError("too_many_rows", "4", limit=3)
    monkeypatch.setattr(gradlog, "MAX_BYTES", 30)
    big = "step,name,grad_norm\n" + rows
    assert read_log(big.encode()) == LogError("too_large_bytes", str(len(big)), limit=30)


def test_byte_input_with_a_bom_and_blank_lines_reads():
    log = read_log(("\ufeff" + GOOD + "\n\n").encode("utf-8"))
    assert isinstance(log, GradientLog) and len(log.frame) == 4
    assert read_log(b"\xff\xfe\x00") == LogError("not_text")


norms = st.one_of(
    st.floats(min_value=0, allow_nan=False, allow_infinity=True),
    st.just(math.nan),
)


@given(
    names=st.lists(
        st.text("abcxyz.0123", min_size=1, max_size=8), min_size=1, max_size=4, unique=True
    ),
    steps=st.lists(st.integers(0, 10**6), min_size=1, max_size=5, unique=True),
    data=st.data(),
)
def test_what_csv_writes_reads_back_exactly(names, steps, data):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["step", "name", "grad_norm", "update_norm"])
    written = {}
    for step in steps:
        for name in names:
            row = (data.draw(norms), data.draw(norms))
            written[step, name] = row
            writer.writerow([step, name, *row])
    log = read_log(buffer.getvalue())
    assert isinstance(log, GradientLog), log
    assert log.names == tuple(names) and log.steps == tuple(sorted(steps))
    for row in log.frame.itertuples():
        expected = written[row.step, row.name]
        assert np.array_equal([row.grad_norm, row.update_norm], expected, equal_nan=True)
