"""Draw the plain-data views of ``gradviz.views``: charts, captions, notices, text, metrics.

A page's cached call returns a view (Vega-Lite specs and text); these helpers only draw it, so a
warm rerun sends the cached specs without building a chart.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from gradviz.views import Metrics, View
from ui import show_chart


def show(view: View, *, stacked: bool = False, keys: Sequence[str | None] = ()) -> None:
    """The view's notice, its charts (side by side, or one below the other if ``stacked``), its
    caption and its text; the page draws ``view.table`` itself. ``keys`` are the charts'
    element keys, in order."""
    if view.info:
        st.info(view.info)
    keys = tuple(keys) or (None,) * len(view.charts)
    if stacked or len(view.charts) == 1:
        for chart, key in zip(view.charts, keys, strict=True):
            show_chart(chart, key=key)
    elif view.charts:
        columns = st.columns(len(view.charts))
        for column, chart, key in zip(columns, view.charts, keys, strict=True):
            with column:
                show_chart(chart, key=key)
    if view.caption:
        st.caption(view.caption)
    if view.text:
        st.markdown(view.text)


def show_side_by_side(
    views: Sequence[View], widths: Sequence[int] | None = None, keys: Sequence[str] = ()
) -> None:
    """Each view in its own column (``widths`` as in ``st.columns``), so each chart keeps its
    own caption under it. ``keys`` name the views' single charts, in order."""
    keys = tuple(keys) or (None,) * len(views)
    for column, view, key in zip(st.columns(widths or len(views)), views, keys, strict=True):
        with column:
            show(view, keys=(key,) if key else ())


def show_metrics(metrics: Metrics) -> None:
    """One ``st.metric`` per ``(label, value)``, in a row."""
    for column, (label, value) in zip(st.columns(len(metrics)), metrics, strict=True):
        column.metric(label, value)
