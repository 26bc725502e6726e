"""The shared view blocks: theme-free chart specs and the log-axis guard's caption."""

import altair as alt
import numpy as np
import pandas as pd

from tests.chart_checks import mark_types, spec_fields
from views import log_chart, spec


def line(df: pd.DataFrame, title: str = "") -> alt.Chart:
    return (
        alt.Chart(df).mark_line().encode(x="t:Q", y="v:Q", tooltip=["t:Q"]).properties(title=title)
    )


FRAME = pd.DataFrame({"t": [0, 1, 2, 3], "v": [1.0, 0.0, np.inf, 2.0]})


def test_spec_drops_the_default_theme_like_st_altair_chart():
    chart = line(FRAME)
    assert "config" in chart.to_dict()  # Altair's default theme: 300 x 300 px views
    out = spec(chart)
    assert "config" not in out
    assert mark_types(out) == {"line"} and {"t", "v"} <= spec_fields(out)
    assert [len(rows) for rows in out["datasets"].values()] == [4]


def test_spec_keeps_a_chart_s_own_configuration():
    out = spec(line(FRAME).configure_view(stroke=None))
    assert out["config"]["view"]["stroke"] is None


def test_log_chart_draws_only_finite_positive_rows_and_says_how_many_it_dropped():
    view = log_chart(FRAME, "v", line, "a title")
    ((chart,),) = (view.charts,)
    assert [row["v"] for row in next(iter(chart["datasets"].values()))] == [1.0, 2.0]
    assert chart["title"] == "a title"
    assert view.caption == "2 of 4 points are 0, inf or NaN and are not drawn."
    custom = log_chart(FRAME, "v", line, dropped_note="{dropped} dropped", title="kw")
    assert custom.caption == "2 dropped" and custom.charts[0]["title"] == "kw"


def test_log_chart_has_no_caption_when_nothing_is_dropped():
    assert log_chart(FRAME.iloc[[0, 3]], "v", line).caption == ""
