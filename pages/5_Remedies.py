"""Remedies: every fix side by side on the same failing network, with live symptom diagnosis."""

from contextlib import suppress

import streamlit as st

from gradviz import remedies as rm
from gradviz import train as tr
from gradviz.activations import label
from ui import cached, page_header, progress_bar, setup_page, show, sources
from views import View
from views import remedies as views

setup_page(__file__)
link = page_header(
    "Remedies",
    "A deep sigmoid network with too-large weights barely learns: its first layers get almost "
    "no gradient. Switch remedies on and watch what each one changes, on the same data, seed "
    "and number of steps.",
    r"\frac{\partial C}{\partial b_1}=\sigma'(z_1)\,w_2\,\sigma'(z_2)\cdots w_L\,\sigma'(z_L)"
    r"\,\frac{\partial C}{\partial a_L}",
)


class NotTrained(Exception):
    """``trained(cfg)`` has no cached run of ``cfg`` (Streamlit never caches an exception)."""


@cached(max_entries=64)
def trained(cfg: tr.TrainConfig, _record: rm.RunRecord | None = None) -> rm.RunRecord:
    """The cache of single runs: ``trained(cfg)`` looks one up, ``trained(cfg, record)`` stores
    it (``_record`` is not hashed). Toggling a remedy then trains only the new run."""
    if _record is None:
        raise NotTrained
    return _record


@cached(max_entries=8)
def comparison(plans: rm.Plan) -> rm.Comparison:
    """Every run of ``plans``: cached ones from :func:`trained`, the others trained side by
    side on the machine's cores."""
    records = {}
    for _, cfg in plans:
        with suppress(NotTrained):
            records[cfg] = trained(cfg)
    todo = list(dict.fromkeys(cfg for _, cfg in plans if cfg not in records))
    if todo:
        with progress_bar(f"Training {len(todo)} run{'s' if len(todo) > 1 else ''}…") as progress:
            fresh = rm.train_records(todo, progress)
        records.update((cfg, trained(cfg, rec)) for cfg, rec in zip(todo, fresh, strict=True))
    return rm.tabulate({name: records[cfg] for name, cfg in plans})


# Each tab's view (charts and text) is cached on top of the runs, so a warm rerun only sends
# cached specs and text. A nested cache replays the progress bar of the training it wraps.
@cached(max_entries=16)
def within_budget(plans: rm.Plan) -> tuple[rm.Plan, str]:
    fitted = rm.within_budget(plans)
    return fitted.plans, views.steps_note(fitted.steps, fitted.asked, fitted.rest_seconds)


@cached(max_entries=16)
def comparison_view(plans: rm.Plan) -> views.ComparisonView:
    return views.comparison_view(comparison(plans))


@cached(max_entries=32)
def speed_view(plans: rm.Plan, run: str) -> View:
    return views.speed_view(comparison(plans), run)


@cached(max_entries=32)
def symptom_text(plans: rm.Plan, run: str, against: str) -> str:
    return rm.symptom_text(comparison(plans), run, against)


@cached(max_entries=16)
def dying(depth: int, lr: float, optimizer: str, steps: int) -> rm.DyingReLU:
    with progress_bar("Training ReLU, leaky ReLU and ELU…") as progress:
        return rm.dying_relu(depth, lr=lr, optimizer=optimizer, steps=steps, progress=progress)


@cached(max_entries=16)
def dying_view(depth: int, lr: float, optimizer: str) -> View:
    steps, rest = rm.dying_steps(depth, lr, optimizer)
    return views.dying_view(dying(depth, lr, optimizer, steps), rest)


@cached(max_entries=16)
def advice_view(depth: int) -> views.AdviceView:
    steps, rest = rm.advice_steps(depth)
    with progress_bar("Training six activation/init pairs…") as progress:
        runs = rm.activation_shootout(depth=depth, steps=steps, progress=progress)
    quoted = rm.ADVICE_DYING
    dying_steps, _ = rm.dying_steps(**quoted)
    return views.advice_view(
        runs, dying(quoted["depth"], quoted["lr"], quoted["optimizer"], dying_steps), steps, rest
    )


@cached(max_entries=16)
def gated_view(length: int, radius: float, forget_bias: float) -> View:
    return views.gated_view(rm.gated_cells(length=length, radius=radius, forget_bias=forget_bias))


LRS = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
tabs = st.tabs(
    ["Remedies & symptoms", "Dying ReLU", "Choosing an activation", "Gated cells"],
    key="tab",
    bind="query-params",
)

with tabs[0]:
    if tabs[0].open:
        st.subheader("The baseline")
        c1, c2, c3, c4 = st.columns(4)
        depth = c1.slider("Depth L", 2, 100, 20, key="depth", bind="query-params")
        width = c1.select_slider("Width", [8, 16, 32, 64], 64, key="width", bind="query-params")
        act = c2.selectbox("Activation", ["sigmoid", "tanh"], key="act", bind="query-params")
        init = c2.selectbox(
            "Initialization",
            ["scaled", "standard_normal", "standard_uniform"],
            format_func=lambda n: {"scaled": "too large: N(0, σ_w²/n)"}.get(n, n),
            key="init",
            bind="query-params",
        )
        sigma_w = c3.slider(
            "σ_w (too-large init)", 0.5, 10.0, 4.0, 0.5, key="sigma_w", bind="query-params"
        )
        lr = c3.select_slider("Learning rate", LRS, 0.1, key="lr", bind="query-params")
        steps = c4.slider("Steps", 50, 500, 300, 50, key="steps", bind="query-params")
        seed = c4.number_input("Seed", 0, 99, 0, key="seed", bind="query-params")
        st.subheader("Remedies")
        chosen = st.multiselect(
            "Switch on",
            list(rm.REMEDIES),
            list(rm.DEFAULT_REMEDIES),
            key="remedies",
            format_func=lambda k: k.replace("_", " "),
            bind="query-params",
        )
        together = st.checkbox(
            "Also train all chosen remedies together", True, key="together", bind="query-params"
        )
        with st.expander("Remedy settings"):
            r1, r2, r3, r4 = st.columns(4)
            options = rm.RemedyOptions(
                activation=r1.selectbox(
                    "Activation",
                    rm.RELU_FAMILY,
                    format_func=label,
                    key="r_act",
                    bind="query-params",
                ),
                init=r1.selectbox(
                    "Init", ["he_normal", "xavier_normal"], key="r_init", bind="query-params"
                ),
                clip=r2.radio("Clip by", ["norm", "value"], key="r_clip", bind="query-params"),
                clip_threshold=r2.select_slider(
                    "Clip threshold", [0.01, 0.1, 1.0, 10.0], 1.0, key="r_thr", bind="query-params"
                ),
                penalty=r3.radio("Penalty", ["l2", "l1"], key="r_pen", bind="query-params"),
                penalty_strength=r3.select_slider(
                    "λ", [1e-4, 1e-3, 1e-2, 1e-1], 1e-3, key="r_lam", bind="query-params"
                ),
                fewer_depth=r4.slider(
                    "Fewer layers: depth", 1, 10, 4, key="r_depth", bind="query-params"
                ),
                lr_factor=r4.select_slider(
                    "Smaller lr: factor", [0.01, 0.1, 0.5], 0.1, key="r_lrf", bind="query-params"
                ),
            )
        problem = rm.Problem(depth, width, act, init, sigma_w, lr, steps, seed=int(seed))
        plans, note = within_budget(rm.plan(problem, tuple(chosen), options, together))
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
        speed_run = st.selectbox(
            "Speed of learning of", view.runs, key="speed_run", bind="query-params"
        )
        show(speed_view(plans, speed_run))
        st.markdown(view.text)
        st.markdown(views.ABLATION_TITLE)
        show(view.ablation)

        st.subheader(views.SYMPTOMS_TITLE)
        show(view.symptoms)
        s1, s2 = st.columns(2)
        sick = s1.selectbox("Diagnose", view.runs, view.sickest, key="sick", bind="query-params")
        cured = s2.selectbox(
            "Against", view.runs, len(view.runs) - 1, key="cured", bind="query-params"
        )
        st.markdown(symptom_text(plans, sick, cured))

with tabs[1]:
    if tabs[1].open:
        st.markdown(views.DYING_INTRO)
        d1, d2, d3 = st.columns(3)
        dr_lr = d1.select_slider("Learning rate", LRS, 0.1, key="dr_lr", bind="query-params")
        dr_opt = d2.radio("Optimizer", ["adam", "sgd"], key="dr_opt", bind="query-params")
        dr_depth = d3.slider("Depth", 2, 30, 6, key="dr_depth", bind="query-params")
        show(dying_view(dr_depth, dr_lr, dr_opt))

with tabs[2]:
    if tabs[2].open:
        adv_depth = st.slider(
            "Depth of every network", 2, 30, 10, key="adv_depth", bind="query-params"
        )
        view = advice_view(adv_depth)
        show(view.shootout)
        for advice in view.advice:
            st.markdown(advice)

with tabs[3]:
    if tabs[3].open:
        g1, g2, g3 = st.columns(3)
        length = g1.slider("Sequence length T", 10, 200, 50, key="g_len", bind="query-params")
        radius = g2.slider(
            "Spectral radius of W_h", 0.5, 1.5, 1.0, 0.05, key="g_radius", bind="query-params"
        )
        fbias = g3.slider(
            "LSTM forget-gate bias", 0.0, 5.0, 3.0, 0.5, key="g_fb", bind="query-params"
        )
        show(gated_view(length, radius, fbias))

sources(views.SOURCES)
link.report()
