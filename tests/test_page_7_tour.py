"""The tour page: every step in the seeds' order, a prediction before each reveal, and links."""

from __future__ import annotations

from tests.apptest_kit import exercise_every_control, open_page, warnings
from tests.fuzz_kit import page_machine
from views import tour
from views.scenarios import TOUR

PAGE = "pages/7_Tour.py"


def revealed(at) -> list[str]:
    return [m.value for m in at.metric]


def open_link(at):
    """The step's "Open <page> with these settings" link."""
    return next(p.proto for p in at.get("page_link") if p.proto.label.startswith("Open "))


def test_every_control_is_reached_without_exception():
    log = exercise_every_control(PAGE, tabs_key=None)
    assert {"step", "predict", f"guess_{TOUR[0].id}"} <= log.keys


def test_next_walks_every_step_and_each_reveal_is_the_computed_number():
    at = open_page(PAGE)
    for step, scenario in enumerate(TOUR, start=1):
        assert at.session_state["step"] == step
        assert at.subheader[0].value == tour.step_title(step)
        check = scenario.check()
        if scenario.question:
            assert revealed(at) == [], "the number waits for a prediction"
            at.radio(key=f"guess_{scenario.id}").set_value(scenario.choices[0]).run()
            assert tour.guess_text(scenario.choices[0], check) in [m.value for m in at.markdown]
        assert revealed(at) == [check.shown]
        assert check.holds
        link = open_link(at)
        assert f"scenario={scenario.id}" in link.query_string
        if step < len(TOUR):
            at.button(key="next").click().run()
    assert at.button(key="next").disabled
    at.button(key="back").click().run()
    assert at.session_state["step"] == len(TOUR) - 1


def test_a_link_opens_a_given_step_with_its_prediction():
    index = next(i for i, s in enumerate(TOUR) if s.question)
    scenario = TOUR[index]
    guess = scenario.choices[-1]
    at = open_page(PAGE, {"step": str(index + 1), f"guess_{scenario.id}": str(guess)})
    assert "This link had settings" not in warnings(at)
    assert at.subheader[0].value == tour.step_title(index + 1)
    assert revealed(at) == [scenario.check().shown]
    assert tour.guess_text(guess, scenario.check()) in [m.value for m in at.markdown]


def test_predictions_can_be_switched_off_for_a_presenter():
    at = open_page(PAGE, {"predict": "false", "present": "1"})
    assert at.radio == [] or all(not r.key.startswith("guess_") for r in at.radio)
    assert revealed(at) == [TOUR[0].check().shown]
    link = open_link(at)
    assert "present=true" in link.query_string
    assert at.toggle(key="present").value is True


def test_out_of_range_step_is_reported():
    at = open_page(PAGE, {"step": "999"})
    assert "step" in warnings(at)


TestFuzz = page_machine(PAGE, tabs_key=None).TestCase
