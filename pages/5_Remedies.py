"""Remedies: every fix side by side on the same failing network, with live symptom diagnosis."""

import streamlit as st

from ui import cached, control, page_header, progress_bar, setup_page, show, sources
from views import remedies as views

setup_page(__file__)
link = page_header(views.HEADER)


class NotTrained(Exception):
    """``trained(cfg)`` has no cached run of ``cfg`` (Streamlit never caches an exception)."""


@cached(max_entries=64)
def trained(cfg, _record=None):
    """The cache of single runs: ``trained(cfg)`` looks one up, ``trained(cfg, record)`` stores
    it (``_record`` is not hashed). Toggling a remedy then trains only the new run."""
    if _record is None:
        raise NotTrained
    return _record


@cached(max_entries=8)
def comparison(plans: views.Plan):
    """Every run of ``plans``: cached ones from :func:`trained`, the others trained side by
    side on the machine's cores."""
    records = {}
    for _, cfg in plans:
        try:
            records[cfg] = trained(cfg)
        except NotTrained:
            pass
    todo = list(dict.fromkeys(cfg for _, cfg in plans if cfg not in records))
    if todo:
        with progress_bar(views.training_runs(len(todo))) as progress:
            fresh = views.train_runs(todo, progress)
        records.update((cfg, trained(cfg, rec)) for cfg, rec in zip(todo, fresh, strict=True))
    return views.compare({name: records[cfg] for name, cfg in plans})


# Each tab's view (charts and text) is cached on top of the runs, so a warm rerun only sends
# cached specs and text. A nested cache replays the progress bar of the training it wraps.
planned_runs = cached(views.planned_runs, max_entries=16)


@cached(max_entries=16)
def comparison_view(plans: views.Plan) -> views.ComparisonView:
    return views.comparison_view(comparison(plans))


@cached(max_entries=32)
def speed_view(plans: views.Plan, run: str) -> views.View:
    return views.speed_view(comparison(plans), run)


@cached(max_entries=32)
def symptom_text(plans: views.Plan, run: str, against: str) -> str:
    return views.symptom_text(comparison(plans), run, against)


@cached(max_entries=16)
def dying(depth: int, lr: float, optimizer: str, steps: int):
    with progress_bar(views.DYING_TRAINING) as progress:
        return views.dying_relu(depth, lr, optimizer, steps, progress)


@cached(max_entries=16)
def dying_view(depth: int, lr: float, optimizer: str) -> views.View:
    steps, rest = views.dying_steps(depth, lr, optimizer)
    return views.dying_view(dying(depth, lr, optimizer, steps), rest)


@cached(max_entries=16)
def advice_view(depth: int) -> views.AdviceView:
    with progress_bar(views.ADVICE_TRAINING) as progress:
        runs, steps, rest = views.shootout(depth, progress)
    quoted = views.ADVICE_DYING
    dying_steps, _ = views.dying_steps(**quoted)
    return views.advice_view(
        runs, dying(quoted["depth"], quoted["lr"], quoted["optimizer"], dying_steps), steps, rest
    )


gated_view = cached(views.gated, max_entries=16)
tabs = st.tabs(views.TABS, key="tab", bind="query-params")

with tabs[0]:
    if tabs[0].open:
        st.subheader(views.BASELINE_HEADING)
        c1, c2, c3, c4 = st.columns(4)
        depth = control(views.DEPTH, c1)
        width = control(views.WIDTH, c1)
        act = control(views.ACTIVATION, c2)
        init = control(views.INIT, c2)
        sigma_w = control(views.SIGMA_W, c3)
        lr = control(views.LEARNING_RATE, c3)
        steps = control(views.STEPS, c4)
        seed = control(views.SEED, c4)
        st.subheader(views.REMEDIES_HEADING)
        chosen = control(views.SWITCH_ON)
        together = control(views.TOGETHER)
        with st.expander(views.REMEDY_SETTINGS):
            r1, r2, r3, r4 = st.columns(4)
            options = (
                control(views.REMEDY_ACTIVATION, r1),
                control(views.REMEDY_INIT, r1),
                control(views.CLIP, r2),
                control(views.CLIP_THRESHOLD, r2),
                control(views.PENALTY, r3),
                control(views.PENALTY_STRENGTH, r3),
                control(views.FEWER_DEPTH, r4),
                control(views.LR_FACTOR, r4),
            )
        problem = (depth, width, act, init, sigma_w, lr, steps)
        plans, note = planned_runs(problem, int(seed), tuple(chosen), options, together)
        with st.expander(views.PYTORCH_TITLE):
            st.code(views.pytorch_snippet(problem, int(seed), tuple(chosen), options))
        if note:
            st.info(note, icon="⏱️")
        view = comparison_view(plans)

        show(view.loss)
        left, right = st.columns(2)
        with left:
            st.markdown(views.ACCURACY_TITLE)
            show(view.accuracy)
        with right:
            st.markdown(views.RATIO_TITLE)
            show(view.ratio)
        speed_run = control(views.SPEED_RUN, options=view.runs)
        show(speed_view(plans, speed_run))
        st.markdown(view.text)
        st.markdown(views.ABLATION_TITLE)
        show(view.ablation)

        st.subheader(views.SYMPTOMS_TITLE)
        show(view.symptoms)
        s1, s2 = st.columns(2)
        sick = control(views.DIAGNOSE, s1, options=view.runs, index=view.sickest)
        cured = control(views.AGAINST, s2, options=view.runs, index=len(view.runs) - 1)
        st.markdown(symptom_text(plans, sick, cured))

with tabs[1]:
    if tabs[1].open:
        st.markdown(views.DYING_INTRO)
        d1, d2, d3 = st.columns(3)
        dr_lr = control(views.DYING_LEARNING_RATE, d1)
        dr_opt = control(views.DYING_OPTIMIZER, d2)
        dr_depth = control(views.DYING_DEPTH, d3)
        show(dying_view(dr_depth, dr_lr, dr_opt))

with tabs[2]:
    if tabs[2].open:
        view = advice_view(control(views.ADVICE_DEPTH))
        show(view.shootout)
        for advice in view.advice:
            st.markdown(advice)

with tabs[3]:
    if tabs[3].open:
        g1, g2, g3, g4 = st.columns(4)
        length = control(views.GATED_LENGTH, g1)
        radius = control(views.GATED_RADIUS, g2)
        fbias = control(views.FORGET_BIAS, g3)
        ubias = control(views.UPDATE_BIAS, g4)
        show(gated_view(length, radius, fbias, ubias))

sources(views.SOURCES)
link.report()
