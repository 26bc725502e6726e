"""Streamlit glue shared by every page: widgets, link state, notices, caching and drawing.

Neither ``gradviz`` nor ``views`` imports streamlit; this package is the only place outside the
pages that does. Pages stay thin: the widgets their view module describes (:func:`control`
binds each to the URL), one cached call per tab into that module, then :func:`show` and its
kin draw the returned :class:`views.View`.
"""

from __future__ import annotations

import functools
import inspect
import math
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import altair as alt
import streamlit as st

from gradviz.budget import CACHE_BYTES
from gradviz.numerics import Breakdown
from ui import heap
from views import (
    PAGES,
    UNBOUND_KINDS,
    Control,
    Header,
    Metrics,
    PageInfo,
    View,
    breakdown_text,
    scenarios,
)

__all__ = [
    "PAGES",
    "LinkState",
    "PageInfo",
    "cached",
    "control",
    "current_link",
    "page_header",
    "presenting",
    "progress_bar",
    "setup_page",
    "show",
    "show_breakdowns",
    "show_chart",
    "show_metrics",
    "show_side_by_side",
    "sources",
]


ROOT = Path(__file__).resolve().parents[1]


class _CacheBytes:
    """Every entry of every :func:`cached` function, least recently used first, with its size.

    ``st.cache_data`` bounds a cache by entry count only, and one entry can weigh anything from
    a kilobyte (a chart spec) to 12 MB (a training comparison). This keeps the total of all of
    them under :data:`~gradviz.budget.CACHE_BYTES` across every page and visitor, by clearing the
    least recently used entries of whichever function holds them.
    """

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.total = 0
        self._entries: OrderedDict[tuple[str, bytes], tuple[int, dict]] = OrderedDict()
        self._functions: dict[str, Callable] = {}
        self._lock = threading.Lock()

    def register(self, name: str, cached_fn: Callable) -> None:
        """The latest ``st.cache_data`` wrapper of function ``name`` (pages redefine theirs on
        every rerun; Streamlit keys the entries by the function, so they carry over)."""
        self._functions[name] = cached_fn

    def used(self, name: str, arguments: dict, value: object) -> bool:
        """Record a call of ``name`` with its hashed ``arguments`` that returned ``value``, then
        evict until the total fits; whether the entry is new (the call computed it)."""
        key = (name, pickle.dumps(sorted(arguments.items()), protocol=5))
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return False
            size = len(pickle.dumps(value, protocol=5))
            self._entries[key] = (size, arguments)
            self.total += size
            while self.total > self.limit and len(self._entries) > 1:
                (old_name, _), (old_size, old_arguments) = self._entries.popitem(last=False)
                self.total -= old_size
                self._functions[old_name].clear(**old_arguments)
        return True

    def forget(self) -> None:
        """Drop the records (after ``st.cache_data.clear()``)."""
        with self._lock:
            self._entries.clear()
            self.total = 0


CACHE = _CacheBytes(CACHE_BYTES)
heap.map_large_arrays()  # the server's memory follows its visitors (see ui.heap)
heap.release_after_every_run()


def cached(fn: Callable | None = None, *, show_spinner: bool | str = False, max_entries=None):
    """``st.cache_data`` whose entries count towards one size bound shared by the whole app
    (:class:`_CacheBytes`). Use it as ``cached(fn)``, ``@cached`` or ``@cached(max_entries=8)``.

    Arguments whose name starts with ``_`` are not hashed, as in ``st.cache_data``. After a
    call that computed its value, the memory the computation freed goes back to the system
    (:func:`ui.heap.release_free_memory`), so the server does not keep the peak of every
    computation it ever ran.
    """
    if fn is None:
        return functools.partial(cached, show_spinner=show_spinner, max_entries=max_entries)
    cached_fn = st.cache_data(show_spinner=show_spinner, max_entries=max_entries)(fn)
    name = f"{fn.__code__.co_filename}:{fn.__qualname__}"
    signature = inspect.signature(fn)
    CACHE.register(name, cached_fn)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        value = cached_fn(*args, **kwargs)
        bound = signature.bind(*args, **kwargs).arguments
        if CACHE.used(name, {k: v for k, v in bound.items() if not k.startswith("_")}, value):
            heap.release_free_memory()
        return value

    wrapper.clear = cached_fn.clear
    return wrapper


def setup_page(file: str) -> PageInfo:
    """First call of every page, with its ``__file__``: the browser tab's title and icon, the
    wide layout, and the sidebar's links to every page (:data:`PAGES`)."""
    path = Path(file).resolve().relative_to(ROOT).as_posix()
    page = next(p for p in PAGES if p.path == path)
    title = "gradviz" if page.path == "app.py" else f"{page.label} · gradviz"
    present = _presenting_from_link()
    st.set_page_config(
        page_title=title,
        page_icon=page.icon,
        layout="wide",
        initial_sidebar_state="collapsed" if present else "auto",
    )
    st.session_state[_DRAWN_KEY] = []
    with st.sidebar:
        for other in PAGES:
            st.page_link(other.path, label=other.label, icon=other.icon)
        st.divider()
        present = st.toggle(
            scenarios.PRESENT_LABEL,
            key=scenarios.PRESENT_KEY,
            help=scenarios.PRESENT_HELP,
            bind="query-params",
        )
        _SHARE_SLOT["slot"] = st.empty()
    if present:
        st.html(PRESENT_CSS)
    return page


PRESENT_CSS = """<style>
html, body, .stApp, .stMarkdown p, .stMarkdown li { font-size: 1.3rem !important; }
.stApp h1 { font-size: 3rem !important; }
[data-testid="stMetricValue"] { font-size: 3rem !important; }
.stAlert p { font-size: 1.5rem !important; }
</style>"""
"""Presenter mode's larger type: body, headings, metrics and notices (the tour caption)."""

PRESENT_CHART_CONFIG = {
    "axis": {"labelFontSize": 18, "titleFontSize": 20},
    "legend": {"labelFontSize": 18, "titleFontSize": 20},
    "header": {"labelFontSize": 18, "titleFontSize": 20},
    "title": {"fontSize": 22},
    "text": {"fontSize": 18},
}
"""Presenter mode's chart fonts, merged into every chart's Vega-Lite config."""

_SHARE_SLOT: dict[str, object] = {}


def _presenting_from_link() -> bool:
    """Whether presenter mode is on, before its toggle is drawn (the page config comes first).
    ``?present=1`` (or ``true``) in a link turns it on; the toggle writes ``true``/``false``."""
    raw = st.query_params.get(scenarios.PRESENT_KEY)
    if raw is not None and raw.strip().lower() in ("1", "on", "yes"):
        st.query_params[scenarios.PRESENT_KEY] = "true"
        st.session_state[scenarios.PRESENT_KEY] = True
    if scenarios.PRESENT_KEY in st.session_state:
        return bool(st.session_state[scenarios.PRESENT_KEY])
    return str(st.query_params.get(scenarios.PRESENT_KEY, "")).lower() == "true"


def presenting() -> bool:
    """Whether presenter mode is on (its toggle, bound to ``?present=``)."""
    return bool(st.session_state.get(scenarios.PRESENT_KEY, False))


def current_link() -> str:
    """The link to the current view: this page's address and the value of every bound widget
    drawn in this run (:func:`control` records them), its tab, presenter mode and scenario."""
    base = (st.context.url or "").split("?")[0]
    pairs: list[tuple[str, str]] = []
    for key in dict.fromkeys(("tab", *st.session_state.get(_DRAWN_KEY, ()))):
        if key not in st.session_state or st.session_state[key] is None:
            continue
        value = st.session_state[key]
        values = value if isinstance(value, (list, tuple)) else [value]
        pairs += [(key, str(v).lower() if isinstance(v, bool) else str(v)) for v in values]
    if presenting():
        pairs.append((scenarios.PRESENT_KEY, "1"))
    if scenarios.SCENARIO_KEY in st.query_params:
        pairs.append((scenarios.SCENARIO_KEY, st.query_params[scenarios.SCENARIO_KEY]))
    query = urlencode(pairs)
    return f"{base}?{query}" if query else base


_DRAWN_KEY = "_ui_bound_controls"


class LinkState:
    """Detects shared-link values that the page could not use, and says so.

    Create it before the page's widgets (it snapshots the URL's query parameters), then call
    :meth:`report` after them. Streamlit silently drops a bound parameter whose value is invalid
    (``?depth=abc``, an out-of-range number, an unknown option); this turns that into a visible
    notice at the top of the page, naming each rejected value and the default used instead.
    """

    def __init__(self) -> None:
        self._snapshot = {key: st.query_params.get_all(key) for key in st.query_params}
        self._slot = st.empty()
        self._scenario = scenarios.BY_ID.get(st.query_params.get(scenarios.SCENARIO_KEY, ""))
        self._caption = st.empty()
        self.scenario_check: scenarios.Check | None = None
        if self._scenario is not None:
            self.scenario_check = self._scenario.check()
            self._caption.info(self._scenario.caption(self.scenario_check), icon="🎯")

    def report(self) -> list[str]:
        """Show one notice listing rejected or unknown parameters; return their descriptions."""
        problems = []
        for key, raw in self._snapshot.items():
            if key == scenarios.SCENARIO_KEY:
                if self._scenario is None:
                    problems.append(scenarios.SCENARIO_UNKNOWN.format(id=", ".join(raw)))
                continue
            if key not in st.session_state:
                problems.append(f"`{key}` is not a setting on this page")
                continue
            value = st.session_state[key]
            # Streamlit drops an invalid bound value from the URL and keeps a valid one (written
            # as the *formatted* option for select widgets with a format_func), except that a
            # value equal to the default may also be dropped: hence the second test.
            kept = st.query_params.get_all(key) == raw
            if not kept and not _same_value(raw, value):
                shown = ", ".join(raw) if raw else "(empty)"
                problems.append(f"`{key}={shown}` is not valid here; using `{_fmt(value)}`")
        if problems:
            self._slot.warning(
                "This link had settings that could not be used, so defaults were kept:\n\n- "
                + "\n- ".join(problems),
                icon="🔗",
            )
        if self._scenario is not None and self._scenario_changed():
            self._caption.info(
                self._scenario.caption(self.scenario_check) + scenarios.CHANGED, icon="🎯"
            )
        slot = _SHARE_SLOT.get("slot")
        if slot is not None:
            with slot.container():
                st.caption(scenarios.SHARE_LABEL)
                st.code(current_link(), language=None, wrap_lines=True)
        return problems

    def _scenario_changed(self) -> bool:
        """Whether a setting of the scenario's link now differs from the link."""
        for key, wanted in self._scenario.params.items():
            if key in st.session_state:
                raw = [str(v) for v in wanted] if isinstance(wanted, list) else [str(wanted)]
                if not _same_value(raw, st.session_state[key]):
                    return True
        return False


def _fmt(value) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) if value else "(none)"
    return str(value)


def _same_value(raw: Sequence[str], value) -> bool:
    """Whether the URL strings ``raw`` denote the widget's current ``value``."""
    if isinstance(value, (list, tuple)):
        wanted = [str(v) for v in value]
        pairs = zip(raw, value, strict=False)
        if len(raw) == len(wanted) and all(_same_value([r], v) for r, v in pairs):
            return True
        return sorted(r for r in raw if r) == sorted(wanted)
    if len(raw) != 1:
        return False
    text = raw[0]
    if isinstance(value, bool):
        return text.strip().lower() == str(value).lower()
    if isinstance(value, (int, float)):
        try:
            parsed = float(text)
        except ValueError:
            return False
        return math.isclose(parsed, float(value), rel_tol=1e-9, abs_tol=1e-12)
    return text == str(value)


def page_header(header: Header) -> LinkState:
    """Title, a short intro and the page's formula; returns the page's :class:`LinkState`.

    Call it first on every page so the link notice appears right under the title.
    """
    st.title(header.title)
    link = LinkState()
    st.markdown(header.intro)
    if header.latex:
        st.latex(header.latex)
    return link


def control(spec: Control, parent=st, **overrides):
    """Draw the widget ``spec`` in ``parent`` (``st``, ``st.sidebar``, a column), bound to the
    URL under its key, and return its value. ``overrides`` replace arguments the page only
    knows at run time (e.g. ``disabled=...``). A file uploader cannot be bound (a file cannot
    travel in a link; :data:`views.UNBOUND_KINDS`): it gets its key only."""
    widget = getattr(parent, spec.kind)
    bind = {} if spec.kind in UNBOUND_KINDS else {"bind": "query-params"}
    if bind:
        st.session_state.setdefault(_DRAWN_KEY, []).append(spec.key)
    return widget(spec.label, *spec.args, key=spec.key, **bind, **spec.kwargs | overrides)


def show_chart(chart: alt.TopLevelMixin | dict, *, key: str | None = None) -> None:
    """Display an Altair chart, or a Vega-Lite spec cached as a dict, at the container's width.

    Building and validating an Altair chart costs 20-80 ms; a page whose warm rerun must stay
    fast caches ``chart.to_dict()`` in its ``st.cache_data`` call and passes the dict here.
    """
    if presenting():
        chart = chart if isinstance(chart, dict) else chart.to_dict()
        chart = chart | {"config": _merged(chart.get("config", {}), PRESENT_CHART_CONFIG)}
    if isinstance(chart, dict):
        st.vega_lite_chart(spec=chart, width="stretch", key=key)
    else:
        st.altair_chart(chart, width="stretch", key=key)


def _merged(base: dict, extra: dict) -> dict:
    """``base`` with ``extra`` merged in, key by key (nested dicts merged too)."""
    out = dict(base)
    for key, value in extra.items():
        out[key] = _merged(out[key], value) if isinstance(out.get(key), dict) else value
    return out


def show_breakdowns(breakdowns: Iterable[tuple[str, Breakdown]], offset: int = 0) -> None:
    """One warning per quantity that left float64 range, e.g. "exploded to inf at layer 37".

    ``breakdowns`` yields ``(quantity, Breakdown)``; fine ones are skipped. The charts keep
    drawing the finite part, so the message says so.
    """
    for quantity, breakdown in breakdowns:
        if not breakdown.ok:
            st.warning(
                f"{breakdown_text(breakdown, quantity, offset)[0].upper()}"
                f"{breakdown_text(breakdown, quantity, offset)[1:]}. "
                "The charts show everything that is still finite.",
                icon="⚠️",
            )


@contextmanager
def progress_bar(text: str) -> Iterator[Callable[..., None]]:
    """A progress bar for a long engine call, as a callback ``progress(fraction, text=None)``.

    Use it *inside* the ``st.cache_data`` function that runs the engine::

        @st.cache_data(show_spinner=False, max_entries=8)
        def trained(cfg):
            with progress_bar("Training…") as progress:
                return train(cfg, progress)

    A cache hit then replays the bar instead of recomputing; Streamlit only allows that for
    elements the cached function created itself (a bar passed in raises
    ``CacheReplayClosureError``). The bar disappears when the computation ends.
    """
    bar = st.progress(0.0, text=text)

    def progress(fraction: float, text: str | None = None) -> None:
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=text or default_text)

    default_text = text
    yield progress
    bar.empty()


def sources(markdown: str, title: str = "Details and sources") -> None:
    """The closing expander every page has: derivations, caveats and references."""
    with st.expander(title):
        st.markdown(markdown)


def show(
    view: View, *, stacked: bool = False, columns: bool = False, keys: Sequence[str | None] = ()
) -> None:
    """The view's notice, its charts (side by side, or one below the other if ``stacked``), its
    caption and its text; the page draws ``view.table`` itself. ``columns`` puts even a single
    chart in a column of its own. ``keys`` are the charts' element keys, in order."""
    if view.info:
        st.info(view.info)
    keys = tuple(keys) or (None,) * len(view.charts)
    if stacked or (len(view.charts) == 1 and not columns):
        for chart, key in zip(view.charts, keys, strict=True):
            show_chart(chart, key=key)
    elif view.charts:
        for column, chart, key in zip(st.columns(len(view.charts)), view.charts, keys, strict=True):
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
