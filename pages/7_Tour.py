"""The tour: every scenario in the seeds' order, with a prediction before each reveal."""

import streamlit as st

from ui import control, page_header, presenting, setup_page
from views import tour as views

setup_page(__file__)
link = page_header(views.HEADER)


st.session_state.setdefault("step", 1)


def move(by: int) -> None:
    st.session_state["step"] = min(max(int(st.session_state["step"]) + by, 1), views.STEPS)


back, step_column, forward, predict_column = st.columns([1, 2, 1, 3], vertical_alignment="bottom")
with step_column:
    step = int(control(views.STEP) or 1)
back.button(views.BACK, on_click=move, args=(-1,), disabled=step <= 1, key="back")
forward.button(views.NEXT, on_click=move, args=(1,), disabled=step >= views.STEPS, key="next")
with predict_column:
    predict = control(views.PREDICT)

scenario = views.scenario_at(step)
st.subheader(views.step_title(step))
st.info(views.step_where(step), icon="🎯")
guess = None
if predict and scenario.question:
    guess = control(views.guess_control(scenario))
if predict and scenario.question and guess is None:
    st.caption(views.COMMIT_FIRST)
else:
    check = scenario.check()
    st.metric(*views.metric(scenario, check))
    st.markdown(views.verdict(check))
    if guess is not None:
        st.markdown(views.guess_text(guess, check))
st.page_link(
    scenario.page,
    label=views.open_label(scenario),
    icon="➡️",
    query_params=views.open_query(scenario, presenting()),
)
link.report()
