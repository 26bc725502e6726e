"""Combined-setting fuzzing: a visitor who drags controls around and never resets them.

:func:`page_machine` builds a hypothesis state machine for one page. Each step either switches
tab or sets one control (chosen at random among those on screen) to a random value, weighted
towards both ends of its range, then reruns the page. Settings compound: nothing is put back
between steps. After every rerun the page must show

* no exception;
* no warning on the console (Python warnings, numpy's included, and Streamlit's log);
* no non-finite number in its text unless the same sentence says what it is
  (:func:`unmarked_non_finite`).

:func:`walk_extremes` adds the deterministic half: every control of every tab to its maximum,
all together, then all to their minimum, then alternating ends.

Two profiles: the CI one fits the suite's time budget; ``GRADVIZ_FUZZ=long`` runs many more and
longer sequences locally (``GRADVIZ_FUZZ=long python -m pytest tests/test_fuzz_pages.py``).
"""

from __future__ import annotations

import logging
import math
import os
import re
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from streamlit.testing.v1 import AppTest

from tests.apptest_kit import _widgets, open_page

LONG = os.environ.get("GRADVIZ_FUZZ", "").lower() == "long"
FUZZ_SETTINGS = settings(
    max_examples=60 if LONG else 4,
    stateful_step_count=25 if LONG else 6,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=not LONG,  # CI replays the same sequences; the long profile explores
    database=None,
    # A failing rerun names the whole sequence that led to it; shrinking AppTest runs would
    # take minutes, so only the long profile shrinks.
    phases=list(Phase) if LONG else [Phase.explicit, Phase.generate],
)
"""CI: 4 sequences of 6 steps per page, the same every run (a red CI is reproducible). Long:
60 random sequences of 25 steps."""

NON_FINITE = re.compile(r"(?<![\w.])-?(?:inf|nan|NaN|∞)(?![\w])")
MARKERS = (
    "not a number",
    "not finite",
    "no longer finite",
    "left float64",
    "overflow",
    "underflow",
    "exploded",
    "diverged",
    "undefined",
    "not drawn",
    "float64 range",
)
"""Words that say what a non-finite number is; a sentence quoting inf or NaN needs one."""

# Bare-mode notices AppTest itself triggers: not something a visitor's console would show.
IGNORED_LOGS = ("No runtime found", "missing ScriptRunContext", "to view a Streamlit app")


def unmarked_non_finite(text: str) -> list[str]:
    """The sentences of ``text`` that quote inf, NaN or ∞ without saying what it is."""
    sentences = re.split(r"(?<=[.!?])\s+|\n+", text)
    return [
        s.strip()
        for s in sentences
        if NON_FINITE.search(s) and not any(m in s.lower() for m in MARKERS)
    ]


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if not any(ignored in message for ignored in IGNORED_LOGS):
            self.messages.append(f"{record.name}: {message}")


@contextmanager
def console() -> Iterator[list[str]]:
    """Everything a rerun printed as a warning: Python warnings and Streamlit's log records."""
    import streamlit.logger

    handler = _Records()
    loggers = [logging.getLogger("streamlit"), *streamlit.logger._loggers.values()]
    for logger in loggers:
        logger.addHandler(handler)
    found: list[str] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warnings.filterwarnings("ignore", category=DeprecationWarning)
            warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
            yield found
        found += [f"{w.category.__name__}: {w.message}" for w in caught]
        found += handler.messages
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def check(at: AppTest, printed: list[str], context: str) -> None:
    """The three invariants of a rerun (see the module docstring)."""
    assert not at.exception, f"{context}: {[e.value for e in at.exception]}"
    assert not printed, f"{context}: console warnings {printed}"
    text = "\n".join(
        [m.value for m in at.markdown]
        + [c.value for c in at.caption]
        + [m.value for m in at.info]
        + [m.value for m in at.warning]
    )
    bad = unmarked_non_finite(text)
    assert not bad, f"{context}: non-finite numbers with no word for them: {bad}"


def run(at: AppTest, context: str) -> None:
    with console() as printed:
        at.run()
    check(at, printed, context)


def _ends(low, high) -> list:
    return [low, high]


def value_strategy(widget, text_values: st.SearchStrategy | None = None) -> st.SearchStrategy:
    """Values a visitor can give ``widget``, half the time one of its ends."""
    kind = type(widget).__name__
    value = widget.value
    if kind == "Slider":
        low, high, step = widget.min, widget.max, widget.step
        if isinstance(value, tuple):
            point = _grid(low, high, step, isinstance(value[0], int))
            return st.tuples(point, point).map(lambda p: tuple(sorted(p)))
        point = _grid(low, high, step, isinstance(value, int) and not isinstance(value, bool))
        return st.one_of(st.sampled_from(_ends(low, high)), point)
    if kind == "NumberInput":
        is_int = isinstance(value, int) and not isinstance(value, bool)
        low = widget.min if widget.min is not None else -1e6
        high = widget.max if widget.max is not None else 1e6
        inner = st.integers(int(low), int(high)) if is_int else st.floats(low, high)
        ends = [int(low), int(high)] if is_int else [float(low), float(high)]
        return st.one_of(st.sampled_from(ends), inner)
    if kind in ("Selectbox", "Radio"):
        return st.sampled_from(list(widget.options))
    if kind == "SelectSlider":
        options = list(widget.options)
        return st.one_of(st.sampled_from(_ends(options[0], options[-1])), st.sampled_from(options))
    if kind == "Multiselect":
        options = list(widget.options)
        return st.one_of(
            st.sampled_from([[], options]), st.lists(st.sampled_from(options), unique=True)
        )
    if kind in ("Checkbox", "Toggle"):
        return st.booleans()
    if kind in ("TextInput", "TextArea"):
        return text_values if text_values is not None else st.sampled_from(["", "not a number"])
    raise TypeError(f"no value strategy for a {kind}")


def _grid(low, high, step, is_int: bool) -> st.SearchStrategy:
    """A point of the slider's grid ``low + k·step``."""
    count = max(0, math.floor((high - low) / step + 1e-9))
    if is_int:
        return st.integers(0, count).map(lambda k: int(low + k * step))
    return st.integers(0, count).map(lambda k: min(high, round(low + k * step, 10)))


def end_value(widget, which: int):
    """The widget's lowest (``which=0``) or highest (``which=1``) value, or ``None`` for a
    widget without ends (text, select boxes, toggles: they get every value elsewhere)."""
    kind = type(widget).__name__
    if kind == "Slider":
        end = (widget.min, widget.max)[which]
        return (end, end) if isinstance(widget.value, tuple) else end
    if kind == "NumberInput" and widget.min is not None and widget.max is not None:
        return (widget.min, widget.max)[which]
    if kind == "SelectSlider":
        return list(widget.options)[-which]  # 0 -> first, 1 -> last
    if kind == "Multiselect":
        return [[], list(widget.options)][which]
    return None


def tab_labels(at: AppTest) -> list[str]:
    return [t.label for t in at.tabs]


def set_and_run(at: AppTest, key: str, value, context: str) -> bool:
    """Set the control ``key`` (if it is on screen) and rerun; whether it was there."""
    widget = next((w for w in _widgets(at) if w.key == key), None)
    if widget is None:
        return False
    widget.set_value(value)
    run(at, f"{context}: {key} = {value!r}")
    return True


def walk_extremes(
    page: str, tabs_key: str | None = "tab", timeout: float = 60, query: dict | None = None
) -> list[str]:
    """On every tab, every control to its highest value together, then all to their lowest, then
    alternating ends, never resetting; returns the keys it moved. ``query``: a link to open
    the page with (the walk starts from its settings)."""
    at = open_page(page, query, timeout=timeout)
    moved: list[str] = []
    for tab in tab_labels(at) if tabs_key else [None]:
        if tab is not None:
            at.session_state[tabs_key] = tab
            run(at, f"{page} tab {tab!r}")
        for pattern in ((1,), (0,), (1, 0)):
            keys = [w.key for w in _widgets(at) if w.key]
            for i, key in enumerate(keys):
                widget = next((w for w in _widgets(at) if w.key == key), None)
                if widget is None:
                    continue
                value = end_value(widget, pattern[i % len(pattern)])
                if value is not None and set_and_run(at, key, value, f"{page} tab {tab!r}"):
                    moved.append(key)
    return moved


def page_machine(
    page: str,
    tabs_key: str | None = "tab",
    text_values: Mapping[str, st.SearchStrategy] | None = None,
    timeout: float = 60,
    skip: Callable[[object], bool] = lambda widget: False,
    query: dict | None = None,
) -> type[RuleBasedStateMachine]:
    """A state machine that opens ``page`` once and then changes controls and tabs at random.

    text_values : per text-input key, a strategy for what a visitor types there.
    skip : widgets the machine leaves alone (e.g. one whose every value another test covers).
    query : a link to open the page with (e.g. cheap settings, so the random sequences stay
        within the suite's time budget); every control can still reach both its ends.
    """
    text_values = dict(text_values or {})

    class PageMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            # Each sequence starts from a cold server, so a replayed failure meets the same state.
            import streamlit

            streamlit.cache_data.clear()
            streamlit.cache_resource.clear()
            self.at = open_page(page, query, timeout=timeout)
            self.trail: list[str] = []

        def _context(self) -> str:
            return f"{page} after {' → '.join(self.trail) or 'opening it'}"

        @rule(data=st.data())
        def set_control(self, data) -> None:
            widgets = {w.key: w for w in _widgets(self.at) if w.key and not skip(w)}
            if not widgets:
                return
            # Draw the key, not the widget: hypothesis prints what it drew, and a widget of
            # AppTest's element tree has no repr of its own.
            widget = widgets[data.draw(st.sampled_from(sorted(widgets)), label="control")]
            value = data.draw(value_strategy(widget, text_values.get(widget.key)), label="value")
            self.trail.append(f"{widget.key}={value!r}")
            widget.set_value(value)
            run(self.at, self._context())

        @rule(data=st.data())
        def switch_tab(self, data) -> None:
            labels = tab_labels(self.at) if tabs_key else []
            if not labels:
                return
            label = data.draw(st.sampled_from(labels), label="tab")
            self.trail.append(f"tab={label!r}")
            self.at.session_state[tabs_key] = label
            run(self.at, self._context())

        @invariant()
        def page_is_clean(self) -> None:
            assert not self.at.exception, f"{self._context()}: {self.at.exception}"

    PageMachine.__name__ = PageMachine.__qualname__ = f"Fuzz_{page.split('/')[-1][:-3]}"
    PageMachine.TestCase.settings = FUZZ_SETTINGS
    return PageMachine
