"""Scenarios: every claim of CONCEPTS.md as a link whose caption shows the computed number."""

from __future__ import annotations

import math
import re
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.apptest_kit import chart_specs, open_page, warnings
from views import PAGES
from views.landing import metric_value
from views.scenarios import (
    BY_ID,
    SCENARIOS,
    SEED_ORDER,
    TOUR,
    Check,
    prediction_error,
    prediction_text,
)

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = re.findall(r"^## (seeds/(\d{3})|Theory and papers)", (
    Path("/work/shared/CONCEPTS.md").read_text() if Path("/work/shared/CONCEPTS.md").exists()
    else ""), re.M)  # fmt: skip


def test_the_registry_has_at_least_25_scenarios_covering_every_section():
    assert len(SCENARIOS) >= 25
    assert len(BY_ID) == len(SCENARIOS)  # ids are unique
    assert {s.seed for s in SCENARIOS} == set(SEED_ORDER)
    if SECTIONS:
        named = {seed or "theory" for _, seed in SECTIONS}
        assert named <= {s.seed for s in SCENARIOS}


def test_every_scenario_names_a_page_of_the_app():
    assert {s.page for s in SCENARIOS} <= {p.path for p in PAGES}
    for s in SCENARIOS:
        assert (ROOT / s.page).exists()


def test_the_tour_follows_the_seeds_order():
    order = [SEED_ORDER.index(s.seed) for s in TOUR]
    assert order == sorted(order)
    assert sorted(s.id for s in TOUR) == sorted(s.id for s in SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_every_check_holds(scenario):
    check = scenario.check()
    assert isinstance(check, Check)
    assert math.isfinite(check.value)
    assert check.holds, f"{scenario.id}: {scenario.measure} = {check.value}"


def link(scenario) -> dict:
    query = {k: [str(x) for x in v] if isinstance(v, list) else str(v) for k, v in scenario.query}
    return query | {"scenario": scenario.id}


# Where the page itself shows the scenario's number as a metric: its label's start.
PAGE_METRICS = {
    "init-too-small": "‖∂L/∂h₁‖ / ‖∂L/∂h_L‖",
    "init-too-large": "‖∂L/∂h₁‖ / ‖∂L/∂h_L‖",
    "early-layers-slower": "‖∂L/∂h₁‖ / ‖∂L/∂h_L‖",
    "he-relu": "‖∂L/∂h₁‖ / ‖∂L/∂h_L‖",
}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_every_scenario_link_opens_its_page_with_the_caption_and_its_number(scenario):
    at = open_page(scenario.page, link(scenario), timeout=120)
    check = scenario.check()
    assert "This link had settings" not in warnings(at), "every setting is valid on its page"
    captions = [i.value for i in at.info if i.value.startswith("**Scenario:")]
    assert len(captions) == 1
    assert f"**{check.shown}**" in captions[0]
    assert "the claim holds" in captions[0]
    for key, value in scenario.query:
        if key in at.session_state:
            got = at.session_state[key]
            wanted = value if isinstance(value, list) else [value]
            shown = got if isinstance(got, list) else [got]
            assert [str(v) for v in shown] == [str(v) for v in wanted], key
    if scenario.id in PAGE_METRICS:
        from gradviz.numerics import format_sci

        values = {m.label: m.value for m in at.metric}
        assert values[PAGE_METRICS[scenario.id]] == format_sci(check.value)
    if scenario.page == "app.py":
        assert at.metric[0].value == metric_value_of(scenario)


def metric_value_of(scenario) -> str:
    from gradviz.products import factor_power

    params = scenario.params
    chain = factor_power(float(params["factor"]), int(params["depth"]))
    assert math.isclose(chain.final, scenario.check().value, rel_tol=1e-15)
    return metric_value(chain)


def test_a_scenario_caption_says_when_the_settings_left_the_link():
    at = open_page("app.py", link(BY_ID["quarter-pow-10"]))
    at.slider(key="depth").set_value(20).run()
    caption = next(i.value for i in at.info if i.value.startswith("**Scenario:"))
    assert "no longer shows this number" in caption


def test_an_unknown_scenario_is_reported():
    at = open_page("app.py", {"scenario": "no-such-claim"})
    assert "no-such-claim" in warnings(at)


@pytest.mark.parametrize("page", [p.path for p in PAGES])
def test_every_page_shows_the_link_to_the_current_view(page):
    at = open_page(page, timeout=120)
    shared = at.code[-1].value
    assert shared.startswith("?")
    if page == "app.py":
        at.slider(key="depth").set_value(37).run()
        shared = at.code[-1].value
        assert "depth=37" in shared
    query: dict[str, list[str]] = {}
    for key, value in parse_qsl(shared[1:]):
        query.setdefault(key, []).append(value)
    again = open_page(page, {k: v if len(v) > 1 else v[0] for k, v in query.items()}, timeout=120)
    assert "This link had settings" not in warnings(again)
    for key in query:
        assert again.session_state[key] == at.session_state[key], key
    assert again.code[-1].value == shared


@pytest.mark.parametrize("raw", ["1", "true"])
def test_presenter_mode_from_a_link_enlarges_chart_fonts(raw):
    at = open_page("app.py", {"present": raw})
    assert at.toggle(key="present").value is True
    spec = chart_specs(at)[0]
    assert spec["config"]["axis"]["labelFontSize"] == 18
    at.toggle(key="present").set_value(False).run()
    assert "axis" not in chart_specs(at)[0].get("config", {})


@pytest.mark.parametrize("page", [p.path for p in PAGES[1:]])
def test_every_page_works_in_presenter_mode(page):
    at = open_page(page, {"present": "1"}, timeout=120)
    assert at.toggle(key="present").value is True
    assert "This link had settings" not in warnings(at)


@given(st.floats(1e-30, 1e30), st.floats(1e-30, 1e30))
def test_prediction_error_is_in_decades(guess, value):
    error = prediction_error(guess, value)
    assert math.isclose(error, abs(math.log10(guess / value)), abs_tol=1e-9)
    assert f"{error:.1f} decades" in prediction_text(guess, value) or error < 0.5


@given(st.floats(-10, 10), st.floats(-10, 10))
def test_prediction_error_of_non_positive_numbers_is_a_difference(guess, value):
    if guess > 0 and value > 0:
        return
    assert prediction_error(guess, value) == abs(guess - value)
