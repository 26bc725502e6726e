"""What a page shows, as plain data: the building blocks of the ``*_views`` modules.

A page's tab is computed by one pure function in ``gradviz/<topic>_views.py``: it runs the
engine, builds the Altair charts and turns them into Vega-Lite specs (plain dicts with their data
inline), and writes the "what you are seeing" text with the computed numbers. The page caches
that call with ``st.cache_data``, so a warm rerun neither recomputes nor re-validates a chart: it
only sends the cached specs. The page keeps the layout (columns, order, widget keys).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import altair as alt
import pandas as pd

from gradviz.budget import COMPUTE_BYTES, TAB_SECONDS
from gradviz.numerics import Breakdown, drawable_on_log

Breakdowns = tuple[tuple[str, Breakdown], ...]
"""``((quantity, Breakdown), ...)``: what left float64 range and where, e.g. ``("the gradient",
Breakdown(...))``; the page warns once per broken quantity."""

Metrics = tuple[tuple[str, str], ...]
"""``((label, formatted value), ...)``, shown as a row of ``st.metric``."""


@dataclass(frozen=True)
class View:
    """What one part of a tab shows: Vega-Lite ``charts`` (dicts, side by side unless the page
    stacks them), the ``text`` below them, an optional ``caption`` (e.g. how many points a log
    axis dropped), a ``table`` (the page draws it: a dataframe or an editor), and an ``info``
    notice (e.g. why a chart could not be drawn)."""

    charts: tuple[dict, ...] = ()
    text: str = ""
    caption: str = ""
    table: pd.DataFrame | None = field(default=None, compare=False)
    info: str = ""


def spec(chart: alt.TopLevelMixin) -> dict:
    """The chart as a validated Vega-Lite spec with its data inline, drawn as ``st.altair_chart``
    would draw the chart itself.

    ``to_dict`` adds the active Altair theme's ``config`` (the default theme: 300 x 300 px views,
    which sizes facet panels); ``st.altair_chart`` swaps the default theme for "none", so a chart
    without a ``configure_*`` of its own leaves without one.
    """
    out = chart.to_dict()
    if chart.config is alt.Undefined:
        out.pop("config", None)
    return out


def log_chart(
    df: pd.DataFrame,
    column: str,
    build: Callable[..., alt.TopLevelMixin],
    *args,
    dropped_note: str = "{dropped} of {rows} points are 0, inf or NaN and are not drawn.",
    **kwargs,
) -> View:
    """``build(rows of df drawable on a log axis, *args, **kwargs)`` as a one-chart
    :class:`View`.

    A log axis cannot show 0, inf or NaN in ``column``; when it drops rows, the view's caption
    says how many: ``dropped_note`` formatted with ``dropped`` and ``rows`` (all rows of df).
    """
    drawable, dropped = drawable_on_log(df, column)
    caption = dropped_note.format(dropped=dropped, rows=len(df)) if dropped else ""
    return View((spec(build(drawable, *args, **kwargs)),), caption=caption)


def breakdown_text(breakdown: Breakdown, quantity: str = "the gradient", offset: int = 0) -> str:
    """Where ``quantity`` left float64 range, as a sentence for the page, e.g. "the gradient
    exploded to inf at layer 37" (:class:`gradviz.numerics.Breakdown`; ``offset`` shifts the
    index for display: 1 for 1-based layer numbers)."""
    if breakdown.index is None:
        return f"{quantity} stayed within float64 range"
    at = f"at {breakdown.where} {breakdown.index + offset}"
    return {
        "inf": f"{quantity} exploded to inf {at}",
        "nan": f"{quantity} became NaN {at}",
        "underflow": f"{quantity} underflowed to 0 {at}",
    }[breakdown.kind]


def duration(seconds: float) -> str:
    """A rough, readable duration: "about 40 s", "about 4 min", "about 3 h"."""
    if seconds < 90:
        return f"about {max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"about {round(seconds / 60)} min"
    return f"about {seconds / 3600:.2g} h"


def cut_short(done: int, asked: int, unit: str, rest_seconds: float, verb: str = "ran") -> str:
    """What a computation cut to the time budget did, e.g. "Trained 180 of the 1000 steps asked
    for: the rest would take about 4 min on this server.\""""
    return (
        f"{verb.capitalize()} {done:,} of the {asked:,} {unit} asked for: the rest would take "
        f"{duration(rest_seconds)} on this server."
    )


def refused(what: str, seconds: float, largest: str, budget: float = TAB_SECONDS) -> str:
    """Why a computation over budget did not run, and the largest setting that fits, e.g.
    "Not computed: depth 100 at width 512 would take about 40 s on this server (the budget is
    5 s). The largest that fits: depth 12." ``budget``: the time budget it was held to."""
    return (
        f"Not computed: {what} would take {duration(seconds)} on this server (the budget is "
        f"{budget:g} s). The largest that fits: {largest}."
    )


def refused_memory(what: str, peak_bytes: float, largest: str) -> str:
    """Why a computation over the memory budget did not run, e.g. "Not computed: training
    depth 100 at width 512 would need about 840 MB of memory on this server (the budget is
    200 MB). The largest that fits: depth 22.\""""
    return (
        f"Not computed: {what} would need about {peak_bytes / 1e6:,.0f} MB of memory on this "
        f"server (the budget is {COMPUTE_BYTES / 1e6:,.0f} MB). The largest that fits: "
        f"{largest}."
    )


@dataclass(frozen=True)
class PageInfo:
    """One page: its file relative to ``app.py``, its label and icon in the sidebar and the
    browser tab, and the landing page's one-line "what you will see"."""

    path: str
    label: str
    icon: str
    summary: str = ""


# The app's pages in sidebar order. Streamlit's own sidebar would label the landing page "app"
# (after its file), so .streamlit/config.toml hides it and setup_page draws this one instead.
PAGES: tuple[PageInfo, ...] = (
    PageInfo("app.py", "Home", "📉"),
    PageInfo(
        "pages/1_Activations.py",
        "Activations",
        "〰️",
        "f and f′ of 14 activations, where they saturate, what depth does to their best slope, "
        "why products of random factors vanish, and why zero-centred outputs help.",
    ),
    PageInfo(
        "pages/2_Initialization.py",
        "Initialization",
        "🎲",
        "How the scale of the initial weights decides, layer by layer, whether activations and "
        "gradients vanish or explode; symmetric init; the mean-field phase diagram.",
    ),
    PageInfo(
        "pages/3_Deep_chain.py",
        "Deep chain",
        "⛓️",
        "One neuron per layer (Nielsen's chain: early layers learn far slower, w = 100 makes "
        "every factor 25), a linear chain of matrices, and Jacobian spectra.",
    ),
    PageInfo(
        "pages/4_RNN_LSTM.py",
        "RNN & LSTM",
        "🔁",
        "Backpropagation through time: how the gradient reaching step t vanishes or explodes in "
        "a vanilla RNN, what the LSTM's cell path and clipping change, long-range memory.",
    ),
    PageInfo(
        "pages/5_Remedies.py",
        "Remedies",
        "🩹",
        "A deep sigmoid network that barely learns, and what each remedy changes: ReLU, init, "
        "batch norm, residuals, clipping, L1/L2; dying ReLU; gated cells.",
    ),
    PageInfo(
        "pages/6_Your_network.py",
        "Your network",
        "🩺",
        "Bring a per-layer gradient log from your own PyTorch or Keras training and get a "
        "diagnosis: vanishing, exploding or healthy, with the numbers that decided it.",
    ),
    PageInfo(
        "pages/7_Tour.py",
        "Tour",
        "🧭",
        "Every claim of the seed articles, one step at a time: predict, then see the computed "
        "number, then open the page with the settings that show it.",
    ),
)


@dataclass(frozen=True)
class Header:
    """A page's title, its short intro (markdown) and its formula (LaTeX), drawn first."""

    title: str
    intro: str
    latex: str | None = None


@dataclass(frozen=True)
class Control:
    """One widget, as data: the Streamlit widget function ``kind`` (``"slider"``,
    ``"selectbox"``, ...), its ``label``, its ``key`` (also its name in the link) and the rest of
    its arguments. :func:`ui.control` draws it bound to the URL, so a link reproduces it."""

    kind: str
    label: str
    key: str
    args: tuple = ()
    options: tuple[tuple[str, object], ...] = ()

    @property
    def kwargs(self) -> dict:
        return dict(self.options)


def _control(kind: str, label: str, args: tuple, key: str, options: dict) -> Control:
    return Control(kind, label, key, args, tuple(options.items()))


def slider(label: str, low, high, value, step=None, *, key: str, **options) -> Control:
    """``st.slider(label, low, high, value, step)``."""
    return _control("slider", label, (low, high, value, step), key, options)


def select_slider(label: str, choices, value, *, key: str, **options) -> Control:
    """``st.select_slider(label, choices, value)``."""
    return _control("select_slider", label, (list(choices), value), key, options)


def selectbox(label: str, choices, *, key: str, **options) -> Control:
    """``st.selectbox(label, choices)``."""
    return _control("selectbox", label, (list(choices),), key, options)


def multiselect(label: str, choices, *, key: str, **options) -> Control:
    """``st.multiselect(label, choices)``."""
    return _control("multiselect", label, (list(choices),), key, options)


def number_input(label: str, low, high, value, *, key: str, **options) -> Control:
    """``st.number_input(label, low, high, value)``."""
    return _control("number_input", label, (low, high, value), key, options)


def radio(label: str, choices, *, key: str, **options) -> Control:
    """``st.radio(label, choices)``."""
    return _control("radio", label, (list(choices),), key, options)


def text_input(label: str, *, key: str, **options) -> Control:
    """``st.text_input(label)``."""
    return _control("text_input", label, (), key, options)


def checkbox(label: str, value: bool = False, *, key: str, **options) -> Control:
    """``st.checkbox(label, value)``."""
    return _control("checkbox", label, (value,), key, options)


def text_area(label: str, value: str = "", *, key: str, **options) -> Control:
    """``st.text_area(label, value)``."""
    return _control("text_area", label, (value,), key, options)


def file_uploader(label: str, *, key: str, **options) -> Control:
    """``st.file_uploader(label)``: the one widget a link cannot reproduce (see
    :data:`UNBOUND_KINDS`)."""
    return _control("file_uploader", label, (), key, options)


UNBOUND_KINDS = frozenset({"file_uploader"})
"""Widgets Streamlit cannot bind to the URL: a file's bytes cannot travel in a link, so
``st.file_uploader`` takes no ``bind=``; :func:`ui.control` draws these with their key only."""
