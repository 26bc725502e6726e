"""RNN / LSTM: backpropagation through time, Pascanu's bound, clipping, long-range memory."""

import pandas as pd
import streamlit as st

from gradviz.charts import drawable_on_log
from gradviz.charts.recurrent import (
    make_cliff_chart,
    make_cliff_loss_chart,
    make_state_norm_chart,
    make_through_time_chart,
    make_training_chart,
)
from gradviz.numerics import format_sci
from gradviz.optim import CLIPPING
from gradviz.recurrent_lab import (
    ADDING_TOLERANCE,
    B_RANGE,
    BOUND_LABEL,
    CELL_PATH_LABELS,
    METRICS,
    W_RANGE,
    CliffConfig,
    LongRangeConfig,
    ThroughTimeConfig,
    cliff_surface,
    cliff_trajectories,
    compare_long_range,
    gradient_through_time,
)
from gradviz.recurrent_text import cliff_text, long_range_text, sources_text, through_time_text
from gradviz.rnn import RECURRENT_INITS, RNN_ACTIVATIONS
from ui import page_header, progress_bar, show_breakdowns, show_chart, sources

st.set_page_config(page_title="RNN / LSTM", page_icon="🔁", layout="wide")
link = page_header(
    "RNN / LSTM: gradients through time",
    "Backpropagation through time unrolls a recurrent net into a deep one with **shared** "
    "weights, so the gradient reaching step t is a product of T − t Jacobians. A vanilla RNN's "
    "gradient vanishes or explodes geometrically; the LSTM's cell state adds a path whose "
    "factor is just the forget gate.",
    r"\frac{\partial L}{\partial h_t}=\frac{\partial L}{\partial h_T}\prod_{k=t+1}^{T}"
    r"\frac{\partial h_k}{\partial h_{k-1}},\quad"
    r"\Big\|\frac{\partial h_k}{\partial h_{k-1}}\Big\|\le\gamma\,\sigma_{max}(W_{hh}),\quad"
    r"\frac{\partial c_k}{\partial c_{k-1}}=\mathrm{diag}(f_k)",
)
seed = st.number_input("Seed", 0, 999, 0, key="seed", bind="query-params")


@st.cache_data(show_spinner=False)
def through_time(length, hidden, act, radius, w_init, input_scale, forget_bias, seed):
    cfg = ThroughTimeConfig(length, hidden, act, radius, w_init, input_scale, forget_bias, seed)
    return gradient_through_time(cfg)


@st.cache_data(show_spinner=False)
def cliff(theta, lr, w0, b0):
    return cliff_surface(CliffConfig()), cliff_trajectories(theta, lr, (w0, b0), steps=60)


@st.cache_data(show_spinner=False)
def long_range(length, iters, clip_mode, theta, seed):
    cfg = LongRangeConfig(length=length, iters=iters, clip_mode=clip_mode, theta=theta, seed=seed)
    with progress_bar("training RNN, LSTM and GRU on the same data…") as progress:
        return compare_long_range(cfg, progress)


RESULT_COLUMNS = {
    "mse": "test MSE",
    "accuracy": f"accuracy (|error| < {ADDING_TOLERANCE:g})",
    "first_grad_start": "‖∂L/∂h_1‖ first 10 %",
    "first_grad_end": "‖∂L/∂h_1‖ last 10 %",
    "clipped_fraction": "share of steps with ‖g‖ > θ",
}
SCI_COLUMNS = [RESULT_COLUMNS[k] for k in ("mse", "first_grad_start", "first_grad_end")]


def log_chart(df, column, build, *args):
    """Show ``build(drawable rows, *args)`` and say how many rows a log axis cannot draw."""
    drawable, dropped = drawable_on_log(df, column)
    show_chart(build(drawable, *args))
    if dropped:
        st.caption(f"{dropped} of {len(df)} points are 0, inf or NaN and are not drawn.")


tabs = st.tabs(
    ["Gradient through time", "Clipping and the cliff", "Long-range memory"],
    key="tab",
    bind="query-params",
)

with tabs[0]:
    if tabs[0].open:
        c1, c2, c3, c4 = st.columns(4)
        length = c1.slider(
            "Sequence length T", 10, 1000, 100, 10, key="seq_len", bind="query-params"
        )
        hidden = c1.slider("Hidden size H", 4, 64, 32, key="hidden", bind="query-params")
        act = c2.selectbox(
            "Vanilla RNN activation",
            RNN_ACTIVATIONS,
            key="rnn_act",
            bind="query-params",
        )
        radius = c2.slider(
            "Spectral radius ρ of W_hh", 0.1, 5.0, 0.9, 0.05, key="radius", bind="query-params"
        )
        w_init = c3.selectbox(
            "W_hh before rescaling", RECURRENT_INITS, key="w_init", bind="query-params"
        )
        input_scale = c3.slider(
            "Input scale (std)", 0.0, 5.0, 1.0, 0.1, key="input_scale", bind="query-params"
        )
        forget_bias = c4.slider(
            "LSTM forget-gate bias b_f", -5.0, 5.0, 1.0, 0.5, key="forget_bias", bind="query-params"
        )
        result = through_time(length, hidden, act, radius, w_init, input_scale, forget_bias, seed)
        show_breakdowns(result.breakdowns)
        m1, m2, m3, m4 = st.columns(4)
        m1.metric("σ_max(W_hh)", format_sci(result.sigma_max))
        m2.metric("1/γ", format_sci(result.inverse_gamma))
        m3.metric("γ·σ_max (bound per step)", format_sci(result.gamma * result.sigma_max))
        m4.metric("vanishing guaranteed?", "yes" if result.vanishing_guaranteed else "no")
        order = [result.rnn_label, "LSTM", "GRU", BOUND_LABEL]
        left, right = st.columns(2)
        with left:
            log_chart(
                result.curves,
                "grad_norm",
                make_through_time_chart,
                order,
                "‖∂L/∂h_t‖ / ‖∂L/∂h_T‖ for the three cells on the same input",
                "relative gradient",
            )
        with right:
            log_chart(
                result.cell_path,
                "grad_norm",
                make_through_time_chart,
                list(CELL_PATH_LABELS),
                "LSTM: full gradient vs the cell path ∏ f (constant error carousel)",
                "relative to step T",
            )
        marks = pd.DataFrame(
            [
                {"t": b.index, "event": q + " overflowed"}
                for q, b in result.breakdowns
                if "hidden state" in q and not b.ok
            ],
            columns=["t", "event"],
        )
        log_chart(result.states, "state_norm", make_state_norm_chart, marks)
        st.markdown("**What you are seeing**\n\n" + through_time_text(result))

with tabs[1]:
    if tabs[1].open:
        c1, c2, c3, c4 = st.columns(4)
        theta = c1.slider(
            "Clipping threshold θ", 0.1, 20.0, 1.0, 0.1, key="theta", bind="query-params"
        )
        lr = c2.select_slider(
            "Learning rate", [0.001, 0.003, 0.01, 0.03, 0.1], 0.01, key="lr", bind="query-params"
        )
        w0 = c3.slider("Start w₀", *W_RANGE, 5.0, 0.25, key="w0", bind="query-params")
        b0 = c4.slider("Start b₀", *B_RANGE, -2.0, 0.25, key="b0", bind="query-params")
        surface, run = cliff(theta, lr, w0, b0)
        inside = run.paths[run.paths.w.between(*W_RANGE) & run.paths.b.between(*B_RANGE)]
        left, right = st.columns([3, 2])
        with left:
            show_chart(make_cliff_chart(surface, inside, CliffConfig().length))
            if len(inside) < len(run.paths):
                st.caption(f"{len(run.paths) - len(inside)} path points lie outside the window.")
        with right:
            log_chart(run.paths, "loss", make_cliff_loss_chart)
        st.markdown("**What you are seeing**\n\n" + cliff_text(run, theta, lr))

with tabs[2]:
    if tabs[2].open:
        c1, c2, c3, c4 = st.columns(4)
        add_len = c1.slider("Sequence length T", 5, 60, 30, 5, key="add_len", bind="query-params")
        iters = c2.slider("Adam iterations", 100, 600, 300, 50, key="iters", bind="query-params")
        clip_mode = c3.selectbox(
            "Clipping",
            CLIPPING,
            index=CLIPPING.index("norm"),
            key="clip_mode",
            bind="query-params",
        )
        clip_theta = c4.slider("θ", 0.1, 10.0, 1.0, 0.1, key="clip_theta", bind="query-params")
        result = long_range(add_len, iters, clip_mode, clip_theta, seed)
        left, right = st.columns(2)
        curves = result.curves
        with left:
            log_chart(
                curves[curves.metric == METRICS[0]],
                "value",
                make_training_chart,
                "Training loss (MSE)",
                "train MSE",
            )
        with right:
            log_chart(
                curves[curves.metric != METRICS[0]],
                "value",
                make_training_chart,
                "Gradient reaching the first step vs the last",
                "‖∂L/∂h_t‖",
            )
        st.dataframe(
            result.results.rename(columns=RESULT_COLUMNS),
            hide_index=True,
            column_config={c: st.column_config.NumberColumn(format="%.3g") for c in SCI_COLUMNS},
        )
        st.markdown("**What you are seeing**\n\n" + long_range_text(result))

sources(sources_text())
link.report()
