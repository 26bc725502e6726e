"""Drive a page the way a person does: every tab, every control, to its extremes.

Used by every ``tests/test_page_*.py``. The core entry point is :func:`exercise_every_control`,
which opens each tab of a page, sets every widget it finds to each of its interesting values
(both ends of a slider, every option of a select box, ...), reruns, and asserts that no
exception was raised. The returned log lets a test assert which controls were reached.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from streamlit.testing.v1 import AppTest

from views.scenarios import UI_KEYS

ROOT = Path(__file__).resolve().parents[1]
WIDGET_KINDS = (
    "slider",
    "select_slider",
    "selectbox",
    "multiselect",
    "radio",
    "checkbox",
    "toggle",
    "number_input",
    "text_input",
    "text_area",
)


def open_page(page: str, query: dict | None = None, timeout: float = 60) -> AppTest:
    """Run ``page`` (``"app.py"`` or ``"pages/1_Activations.py"``) once, optionally from a link
    with the query parameters ``query``, and check it rendered without an exception."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    if page != "app.py":
        at.switch_page(page)  # run it as `streamlit run app.py` does, so page links resolve
    if query:
        at.query_params.update(query)
    at.run()
    assert_clean(at, f"{page} opened with {query or 'defaults'}")
    return at


def assert_clean(at: AppTest, context: str) -> None:
    """No exception element on the page."""
    assert not at.exception, f"{context}: {[e.value for e in at.exception]}"


def texts(at: AppTest) -> str:
    """Every markdown block on the page, one per line (the "what you are seeing" text)."""
    return "\n".join(m.value for m in at.markdown)


def warnings(at: AppTest) -> str:
    """Every ``st.warning`` on the page (link notices, "exploded to inf at layer 37")."""
    return "\n".join(w.value for w in at.warning)


def errors(at: AppTest) -> str:
    """Every ``st.error`` on the page (rejected input)."""
    return "\n".join(e.value for e in at.error)


def iter_elements(node) -> Iterator:
    for child in getattr(node, "children", {}).values():
        yield child
        yield from iter_elements(child)


def chart_specs(at: AppTest) -> list[dict]:
    """Vega-Lite specs (parsed JSON) of every Altair chart currently on the page."""
    return [
        json.loads(el.proto.spec)
        for el in iter_elements(at._tree)
        if getattr(el, "type", None) == "vega_lite_chart"
    ]


def spec_fields(spec) -> set[str]:
    """Every ``field`` named anywhere in a Vega-Lite spec (encodings of all layers/facets)."""
    found: set[str] = set()
    if isinstance(spec, dict):
        if isinstance(spec.get("field"), str):
            found.add(spec["field"])
        for value in spec.values():
            found |= spec_fields(value)
    elif isinstance(spec, list):
        for value in spec:
            found |= spec_fields(value)
    return found


def all_chart_fields(at: AppTest) -> set[str]:
    fields: set[str] = set()
    for spec in chart_specs(at):
        fields |= spec_fields(spec)
    return fields


def candidate_values(widget) -> list:
    """Interesting values for one widget: its extremes and every option."""
    kind = type(widget).__name__
    value = widget.value
    if kind == "Slider":
        lo, hi = _native(widget.min, value), _native(widget.max, value)
        if isinstance(value, tuple):
            return [(lo, lo), (lo, hi), (hi, hi)]
        return [lo, hi]
    if kind == "NumberInput":
        lo = widget.min if widget.min is not None else (value or 1) * -100
        hi = widget.max if widget.max is not None else (value or 1) * 100
        return [_native(lo, value), _native(hi, value)]
    if kind in ("Selectbox", "Radio"):
        return list(widget.options)
    if kind == "SelectSlider":
        return [widget.options[0], widget.options[-1]]
    if kind == "Multiselect":
        options = list(widget.options)
        return [[], options, options[:1]]
    if kind in ("Checkbox", "Toggle"):
        return [not value]
    if kind in ("TextInput", "TextArea"):
        return ["", "not a number"]
    return []


def _native(bound, like):
    sample = like[0] if isinstance(like, tuple) else like
    return int(bound) if isinstance(sample, int) and not isinstance(sample, bool) else bound


@dataclass
class ExerciseLog:
    """What :func:`exercise_every_control` did: (tab, widget key, value) per rerun."""

    runs: list[tuple[str | None, str, object]] = field(default_factory=list)

    @property
    def keys(self) -> set[str]:
        return {key for _, key, _ in self.runs}


def _widgets(at: AppTest) -> list:
    return [w for kind in WIDGET_KINDS for w in getattr(at, kind)]


def exercise_every_control(
    page: str, tabs_key: str | None = None, timeout: float = 120, query: dict | None = None
) -> ExerciseLog:
    """Open every tab of ``page`` and set every widget to each of its candidate values.

    After a widget has been tried it is put back to its original value, so settings do not
    compound. Every rerun must finish without an exception. ``tabs_key`` is the key of the
    page's ``st.tabs(..., bind="query-params")``, if any; ``query`` a link to start from (e.g.
    cheap settings, so each control's extremes are tried against them).
    """
    log = ExerciseLog()
    at = open_page(page, query, timeout=timeout)
    tab_labels = [t.label for t in at.tabs] if tabs_key else [None]
    seen: set[str] = set()
    for tab in tab_labels:
        if tab is not None:
            at.session_state[tabs_key] = tab
            at.run()
            assert_clean(at, f"{page} tab {tab!r}")
        # The app-wide controls of ui.setup_page (presenter mode) have tests of their own.
        for key in [w.key for w in _widgets(at) if w.key and w.key not in seen | set(UI_KEYS)]:
            seen.add(key)
            widget = at.widget_from_key(key) if hasattr(at, "widget_from_key") else None
            widget = widget or next(w for w in _widgets(at) if w.key == key)
            original = widget.value
            for value in [*candidate_values(widget), original]:
                current = next((w for w in _widgets(at) if w.key == key), None)
                if current is None:  # hidden by another setting
                    break
                current.set_value(value)
                at.run()
                assert_clean(at, f"{page} tab {tab!r}: {key} = {value!r}")
                log.runs.append((tab, key, value))
    return log
