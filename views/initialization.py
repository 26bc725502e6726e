"""Everything one tab of the Initialization page shows, computed from the engine's results.

The network of the page's controls travels as a :class:`Net` (a named tuple of plain values, so
it can key a cache). The page caches the probe of a network (:func:`probe_network`), which three
tabs share, and then each tab's view: the ``*_view`` functions build the tab's charts as Vega-Lite
specs and write its "what you are seeing" text from the computed numbers (see
:mod:`views`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np
import pandas as pd

from gradviz import meanfield, probe, seed_spread, zero_init
from gradviz.activations import NAMES as ACT_NAMES
from gradviz.activations import get_activation
from gradviz.activations import label as act_label
from gradviz.budget import (
    COMPUTE_BYTES,
    PLAN_SHARE,
    TAB_SECONDS,
    TRAINING_SECONDS,
    Cost,
    affordable_repeats,
    largest_fitting,
)
from gradviz.datasets import DATASETS
from gradviz.glorot_bengio import glorot_bengio, glorot_bengio_cost  # noqa: F401 (the page caches it)
from gradviz.initializers import NAMES as INIT_NAMES
from gradviz.initializers import REGISTRY as INITS
from gradviz.mlp import MLPConfig
from gradviz.numerics import drawable_on_log, format_sci
from gradviz.probe import (
    ACT_STD,
    GRAD_H_NORM,
    ProbeResult,
    hist_layers,
)
from gradviz.train import (
    LOSS,
    SPEED,
    TrainConfig,
    TrainResult,
    decision_grid,
    decision_grid_cost,
    step_cost,
    train,
    train_cost,
)
from gradviz.zero_init import UpdateOrder, ZeroInitFacts
from views import (
    Breakdowns,
    Control,
    Header,
    Metrics,
    View,
    breakdown_text,
    cut_short,
    log_chart,
    number_input,
    refused,
    refused_memory,
    select_slider,
    selectbox,
    slider,
    spec,
)
from views.charts import initialization as charts
from views.charts import make_speed_chart
from views.pytorch import model_code

HEADER = Header(
    "Initialization",
    "The gradient of a weight is a product of one factor per layer, so the *scale* of the "
    "initial weights decides at step 0 whether it vanishes or explodes, and a *symmetric* "
    "initialization keeps every unit of a layer identical. Mean-field theory predicts both.",
    r"q_l=\sigma_w^2\,\mathbb E_{z\sim\mathcal N(0,q_{l-1})}[\phi(z)^2]+\sigma_b^2,\qquad"
    r"\chi_1=\sigma_w^2\,\mathbb E_{z\sim\mathcal N(0,q^*)}[\phi'(z)^2]",
)
ODD_BATCH = 255  # breaks the class balance that makes zero init a stationary point
PRESETS = {
    "custom": {},
    "too small": {"init": "too_small", "act": "tanh"},
    "too large": {"init": "standard_normal", "act": "relu"},
    "constant": {"init": "constant", "act": "tanh"},
    "zero + ReLU": {"init": "zeros", "act": "relu", "batch": ODD_BATCH},
    "zero + sigmoid": {"init": "zeros", "act": "sigmoid", "batch": ODD_BATCH},
    "Xavier + tanh": {"init": "xavier_normal", "act": "tanh"},
    "He + ReLU": {"init": "he_normal", "act": "relu"},
}
"""Seed 001's cases: preset name -> the controls it sets (registry names)."""
INIT_PARAM_KEYS = {"constant": "c", "orthogonal": "gain", "scaled": "sigma_w"}
"""The initializers with a parameter, and that parameter's control."""
ZERO_STEPS = 10  # gradient steps that show which layers wake up
TRAINING_POINTS = 201  # the Training tab's data set size
DECISION_GRID = 40  # points per side of each decision-boundary chart
PAGE_SECONDS = 1.5
"""A tab's own cold work around its computation (the page's imports and script, building and
sending its charts): a cold run of each tab at the defaults in a fresh process took 1.3-1.6 s
(``bench.cold_run_in_fresh_process``, quiet machine); a computation may take the rest of the
tab's budget."""
MAX_BATCH = 512
"""The Batch slider's maximum. At 1024 the probe of the page's largest network (100 layers of
512 units, tanh) took about 4.2 s and the cost model 4.2 s: with the page's own second it did
not fit the 5 s tab budget, and the Layers tab refused at its own maximum. Its weights alone
(210 MB) exceed the memory budget, so every weight is drawn again going back whatever the
batch, and a faster probe could not close the gap; at 512 the probe is half the work (model:
2.2 s), and 512 x 512 values per layer are plenty for the statistics."""
LOG_AXIS_NOTE = "{dropped} value(s) that are 0, inf or NaN are not drawn on the log axis."
SYMMETRY_TITLE = (
    "**Symmetry: distinct units per layer** (units computing different functions of the batch)"
)
HISTOGRAMS_INTRO = (
    f"Histograms of h_l and ∂L/∂h_l for up to {probe.MAX_HIST_LAYERS} layers, "
    "on one shared range per quantity (values beyond it sit in the end bins)."
)
GLOROT_BENGIO_TITLE = "Glorot & Bengio (2010): standard vs normalized init, tanh, 5 layers"

# Select widgets write their option into the URL, so the options are the display labels.
INIT_BY_LABEL = {INITS[n].label: n for n in INIT_NAMES}
ACT_BY_LABEL = {act_label(n): n for n in ACT_NAMES}
PRESET_DEFAULTS = {
    "preset": "custom",
    "init": INITS["xavier_normal"].label,
    "act": act_label("tanh"),
    "batch": 256,
}
"""Controls that callbacks set get their defaults through session state, not as widget
arguments: Streamlit warns when a widget has both. A valid link value still wins."""
TABS = ("Layers", "Histograms", "Phase diagram", "Training")
PRESET = selectbox("Preset (seed 001's cases)", PRESETS, index=None, key="preset")
INITIALIZER = selectbox("Initializer", INIT_BY_LABEL, index=None, key="init")
ACTIVATION = Control("selectbox", "Activation", "act", (list(ACT_BY_LABEL), None))
DEPTH = slider("Depth L", 1, 100, 10, key="depth")
WIDTH = slider("Width n", 2, 512, 64, key="width")
BATCH = slider("Batch N", 4, MAX_BATCH, None, key="batch")
BIAS_SCALE = slider("Bias scale σ_b", 0.0, 1.0, 0.0, 0.05, key="sigma_b")
SEED = number_input("Seed", 0, 9999, 0, key="seed")
INIT_PARAMETERS = "Initializer parameters"
CONSTANT = slider("c (constant)", -2.0, 2.0, 0.5, 0.1, key="c")
GAIN = slider("gain (orthogonal)", 0.0, 4.0, 1.0, 0.1, key="gain")
FREE_SCALE = number_input("σ_w (free scale σ_w/√n)", 0.0, 10000.0, 1.0, key="sigma_w")
COMPARE_WITH = selectbox("Compare with", INIT_BY_LABEL, index=7, key="init_b")
DATA_SET = selectbox("Data set", DATASETS, index=1, key="data")
STEPS = slider("Steps", 10, 1000, 100, 10, key="steps")
LEARNING_RATE = select_slider("Learning rate", (0.01, 0.03, 0.1, 0.3, 1.0), 0.1, key="lr")
PROBING, PHASES = "Probing the network…", "Computing the phase diagram…"


def training_progress(steps: int) -> str:
    return f"Training 2 networks for up to {steps} steps…"


class Net(NamedTuple):
    """The network of the page's controls: registry names and numbers, hashable."""

    init: str
    activation: str
    depth: int
    width: int
    sigma_b: float
    seed: int
    init_params: tuple[tuple[str, float], ...] = ()

    @property
    def mlp(self) -> MLPConfig:
        return MLPConfig(
            self.depth,
            self.width,
            activation=self.activation,
            init=self.init,
            init_params=self.init_params,
            sigma_b=self.sigma_b,
            seed=self.seed,
        )


def probe_config(net: Net, batch: int) -> probe.ProbeConfig:
    """The probe of the network on ``batch`` samples of the moons data."""
    return probe.ProbeConfig(mlp=net.mlp, batch=batch, data_seed=0)


def at_depth(cfg: probe.ProbeConfig, depth: int) -> probe.ProbeConfig:
    """``cfg`` with a network of ``depth`` hidden layers."""
    return replace(cfg, mlp=replace(cfg.mlp, depth=depth))


def over_budget(
    what: str,
    depth: int,
    cost_at_depth: Callable[[int], Cost],
    budget: float = TAB_SECONDS,
) -> str:
    """Why a computation whose cost at ``depth`` is ``cost_at_depth(depth)`` does not run in a
    tab of ``budget`` seconds (with :data:`PAGE_SECONDS` of the page's own work) or in the
    memory budget, with the largest depth that does; "" when it fits."""
    seconds = budget - PAGE_SECONDS
    cost = cost_at_depth(depth)
    if cost.fits(seconds, COMPUTE_BYTES):
        return ""
    fitting = largest_fitting(cost_at_depth, 1, depth, seconds=seconds, peak_bytes=COMPUTE_BYTES)
    largest = "none, at these other settings" if fitting is None else f"depth {fitting}"
    if cost.peak_bytes > COMPUTE_BYTES:
        return refused_memory(what, cost.peak_bytes, largest)
    return refused(what, cost.seconds + PAGE_SECONDS, largest, budget)


def _shape(cfg: probe.ProbeConfig) -> str:
    net = cfg.network
    return f"depth {net.depth} at width {net.width}, batch {cfg.batch}, {act_label(net.activation)}"


def layers_refusal(cfg: probe.ProbeConfig) -> str:
    """Why the Layers tab's probe does not run, or "" (:func:`over_budget`)."""
    return over_budget(
        f"probing {_shape(cfg)}",
        cfg.network.depth,
        lambda d: probe.probe_cost(at_depth(cfg, d)),
    )


def histograms_cost(cfg: probe.ProbeConfig) -> Cost:
    """The Histograms tab: the probe and Glorot & Bengio's two networks at its width and
    batch."""
    return probe.probe_cost(cfg) + glorot_bengio_cost(cfg.network.width, cfg.batch)


def histograms_refusal(cfg: probe.ProbeConfig) -> str:
    """Why the Histograms tab does not run, or ""."""
    return over_budget(
        f"the histograms of {_shape(cfg)}",
        cfg.network.depth,
        lambda d: histograms_cost(at_depth(cfg, d)),
    )


def _ordinal(k: int) -> str:
    """2nd, 3rd, 4th, 11th, 21st, ..."""
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def sample_note(result: probe.ProbeResult) -> str:
    """Which samples the histograms bin, when not all of them."""
    batch = result.config.batch
    if result.hist_rows >= batch:
        return ""
    stride = probe.hist_stride(batch, result.config.network.width)
    return (
        f"To stay fast, the histograms bin every {_ordinal(stride)} sample of the batch "
        f"({result.hist_rows:,} of {batch:,}); every other number on this page uses all of them."
    )


def preset_values(name: str) -> dict[str, object]:
    """Widget values (display labels for the select boxes) that preset ``name`` sets."""
    labels = {"init": lambda v: INITS[v].label, "act": act_label}
    return {k: labels.get(k, lambda v: v)(v) for k, v in PRESETS[name].items()}


def network(
    init: str,
    activation: str,
    depth: int,
    width: int,
    sigma_b: float,
    seed: int,
    init_values: Mapping[str, float],
) -> Net:
    """The network of the controls with initializer ``init``, which takes its own parameter
    (if it has one) from ``init_values`` (``{"c": ..., "gain": ..., "sigma_w": ...}``)."""
    key = INIT_PARAM_KEYS.get(init)
    params = ((key, float(init_values[key])),) if key else ()
    return Net(init, activation, depth, width, float(sigma_b), seed, params)


def probe_network(net: Net, batch: int) -> probe.ProbeResult:
    """The network at initialization, probed with ``batch`` samples of the moons data."""
    return probe.probe(probe_config(net, batch))


@dataclass(frozen=True)
class LayersView:
    """The Layers tab: the network's gradient ratio and mean-field numbers (``metrics``), where
    values left float64 range (``breakdowns``, 0-based layers: show them with offset 1), the
    activation std and ‖∂L/∂h_l‖ per layer, measured next to mean-field (``curves``, side by
    side), their explanation (``text``), the distinct units per layer (``symmetry``), and for a
    zero or constant initialization seed 001's claims checked over ``ZERO_STEPS`` steps, or why
    they were skipped (``zero_init``); or only why the tab is not computed (``refusal``,
    :func:`layers_refusal`). The curves carry a band, the same network drawn with several
    seeds (:class:`Draws`), and ``spread`` says what it shows (``info``: how many seeds fitted,
    when not all)."""

    metrics: Metrics = ()
    breakdowns: Breakdowns = ()
    curves: tuple[View, ...] = ()
    text: str = ""
    symmetry: View = field(default_factory=View)
    zero_init: View = field(default_factory=View)
    refusal: str = ""
    spread: View = field(default_factory=View)


@dataclass(frozen=True)
class Draws:
    """The probed network drawn again with more seeds, as many of the ``asked``
    (:data:`~gradviz.seed_spread.SEEDS` − 1) as the Layers tab's budget allows after the probe
    (``rest_seconds``: what the others would take); ``frame`` as
    :func:`gradviz.seed_spread.other_draws`."""

    frame: pd.DataFrame
    asked: int
    rest_seconds: float = 0.0

    @property
    def count(self) -> int:
        return int(self.frame["seed"].nunique()) if len(self.frame) else 0


DRAWS_SHARE = 0.6
"""The share of the Layers tab's time left after its probe that the other seeds may take: the
cost model of a probe runs up to 1.3x under the measured time at 100 x 256 (batch 512)."""


def draws_count(cfg: probe.ProbeConfig) -> tuple[int, float]:
    """How many other seeds fit in :data:`DRAWS_SHARE` of the Layers tab after its probe, of
    :data:`~gradviz.seed_spread.SEEDS` − 1, and what the rest would take."""
    asked = seed_spread.SEEDS - 1
    room = DRAWS_SHARE * (TAB_SECONDS - PAGE_SECONDS - probe.probe_cost(cfg).seconds)
    one = seed_spread.other_draws_cost(cfg, 1)
    fit = affordable_repeats(one, asked, seconds=room)
    return fit, (asked - fit) * one.seconds


def other_draws(net: Net, batch: int) -> Draws:
    """The Layers tab's network drawn with the next seeds, as many as fit (:func:`draws_count`);
    none for a zero or constant initialization, whose every seed draws the same network."""
    cfg = probe_config(net, batch)
    if net.init in ("zeros", "constant"):
        return Draws(seed_spread.other_draws(cfg, 0), 0)
    count, rest = draws_count(cfg)
    return Draws(seed_spread.other_draws(cfg, count), seed_spread.SEEDS - 1, rest)


def _trainable_depth(scale: meanfield.DepthScale | None) -> str:
    """The metric's value: none for a constant initialization, unlimited at the edge of chaos."""
    if scale is None:
        return "—"
    if math.isnan(scale.trainable_depth):
        return "— (q* diverges)"
    if not np.isfinite(scale.trainable_depth):
        return "unlimited (χ₁ = 1)"
    return format_sci(scale.trainable_depth)


def layers_view(result: probe.ProbeResult, draws: Draws | None = None) -> LayersView:
    """Per-layer statistics of the probed network, with the band of its ``draws`` with other
    seeds, and the zero-init facts when they apply."""
    scale = result.depth_scale
    band = seed_spread.seed_band(result, draws.frame) if draws and draws.count else None
    metrics = (
        ("‖∂L/∂h₁‖ / ‖∂L/∂h_L‖", format_sci(result.grad_ratio_first_to_last)),
        ("χ₁ (mean-field)", "—" if scale is None else format_sci(scale.chi1, 3)),
        ("phase", "—" if scale is None else scale.phase),
        ("trainable depth ≈ 6ξ_c", _trainable_depth(scale)),
    )
    curves = tuple(
        log_chart(
            result.curves[result.curves.metric == metric],
            "value",
            charts.make_depth_curve_chart,
            title,
            None if brk.ok else brk.index + 1,
            breakdown_text(brk, title, 1),
            dropped_note=LOG_AXIS_NOTE,
            band=None if band is None else band[band["metric"] == metric],
        )
        for metric, title, brk in (
            (probe.ACT_STD, "activation std", result.forward_breakdown),
            (probe.GRAD_H_NORM, "‖∂L/∂h_l‖", result.backward_breakdown),
        )
    )
    net = result.config.network
    distinct = pd.DataFrame(
        {"layer": np.arange(1, net.depth + 1), "distinct": result.distinct, "width": net.width}
    )
    return LayersView(
        metrics=metrics,
        breakdowns=(
            ("the activations", result.forward_breakdown),
            ("the gradient", result.backward_breakdown),
        ),
        curves=curves,
        text="**What you are seeing.** " + explain_layers(result),
        symmetry=View((spec(charts.make_distinct_units_chart(distinct)),)),
        zero_init=zero_init_view(result),
        spread=spread_view(result, band, draws),
    )


def spread_view(result: ProbeResult, band: pd.DataFrame | None, draws: Draws | None) -> View:
    """What the seeds' band shows (:func:`explain_spread`), and a notice when fewer seeds than
    asked fitted the budget."""
    if draws is None or draws.asked == 0 or result.depth_scale is None:
        return View()
    info = ""
    if draws.count < draws.asked:
        info = cut_short(draws.count, draws.asked, "other seeds", draws.rest_seconds, "drew")
        if draws.count == 0:
            info += " So no band is drawn: the curves are this seed's alone."
    text = explain_spread(result, band) if band is not None else ""
    return View(text=text, info=info)


def explain_spread(result: ProbeResult, band: pd.DataFrame) -> str:
    """The band against the mean-field line at the last layer, in numbers; for ReLU at He's
    scale (the setting of their theorem), Hanin & Rolnick's β = L/n, in which the spread grows
    exponentially."""
    net = result.config.network
    depth, seeds = net.depth, int(band["seeds"].max())
    rows = band.set_index(["metric", "layer"])
    mean_field = result.curves[
        (result.curves["source"] == probe.PREDICTED) & (result.curves["metric"] == ACT_STD)
    ].set_index("layer")["value"]
    parts = [
        f"**Finite width.** The shaded band spans this network drawn with {seeds} seeds (the "
        "lowest and highest value at each layer); the dashed mean-field line is the limit of "
        "infinite width."
    ]
    if (ACT_STD, depth) in rows.index:
        last = rows.loc[(ACT_STD, depth)]
        theory = float(mean_field.get(depth, np.nan))
        parts.append(
            f"At layer {depth} the activation std ranges from {format_sci(last['low'])} to "
            f"{format_sci(last['high'])} over the seeds"
            + (f", against the mean field's {format_sci(theory)}." if np.isfinite(theory) else ".")
        )
    if (GRAD_H_NORM, 1) in rows.index:
        first = rows.loc[(GRAD_H_NORM, 1)]
        parts.append(
            f"‖∂L/∂h₁‖ ranges from {format_sci(first['low'])} to {format_sci(first['high'])}."
        )
    if net.activation == "relu" and net.sigma_b == 0 and math.isclose(result.sigma_w2, 2.0):
        parts.append(
            "For ReLU networks at He's scale (σ_w² = 2, no bias), Hanin & Rolnick (2018) show "
            "that the variance of the squared length of the activations over initializations "
            "grows exponentially in β = Σ 1/n_l, the sum of the hidden widths' reciprocals: "
            f"here β = {depth}/{net.width} = {seed_spread.beta(result.config):.3g}, and a "
            "deeper or narrower network spreads wider."
        )
    return " ".join(parts)


def zero_init_cost(cfg: probe.ProbeConfig) -> Cost:
    """The Layers tab with a zero or constant initialization: the probe, then
    :data:`ZERO_STEPS` training steps (:func:`gradviz.zero_init.first_update_steps`)."""
    return probe.probe_cost(cfg) + zero_init.first_update_cost(cfg, ZERO_STEPS)


def zero_init_view(result: probe.ProbeResult) -> View:
    """Seed 001's claims about a zero or constant initialization, measured over
    :data:`ZERO_STEPS` gradient steps; a notice instead when those steps do not fit the tab's
    budget with the probe (:func:`zero_init_cost`); nothing for any other initializer."""
    cfg = result.config
    if cfg.network.init not in ("zeros", "constant"):
        return View()
    refusal = over_budget(
        f"the {ZERO_STEPS} training steps that test the zero-init claims ({_shape(cfg)})",
        cfg.network.depth,
        lambda d: zero_init_cost(at_depth(cfg, d)),
    )
    if refusal:
        return View(info=refusal)
    facts = zero_init.zero_init_facts(cfg, result)
    order = zero_init.first_update_steps(cfg, steps=ZERO_STEPS)
    return View(
        text="**Zero / constant initialization.** " + explain_zero_init(facts, order, cfg.network)
    )


@dataclass(frozen=True)
class HistogramsView:
    """The Histograms tab: h_l and ∂L/∂h_l per layer as small multiples (``layers``), then
    Glorot & Bengio's standard vs normalized init, activations and gradients one chart below
    the other, with what they show (``glorot_bengio``); or only why the tab is not computed
    (``refusal``, :func:`histograms_refusal`)."""

    layers: View = field(default_factory=View)
    glorot_bengio: View = field(default_factory=View)
    refusal: str = ""


def histograms_view(
    result: probe.ProbeResult, side_by_side: tuple[pd.DataFrame, pd.DataFrame]
) -> HistogramsView:
    """Histograms of the probed network, and ``side_by_side`` =
    :func:`gradviz.glorot_bengio.glorot_bengio` at the network's width, batch and seed."""
    hist, summary = side_by_side
    overlays = tuple(
        spec(charts.make_histogram_overlay_chart(hist[hist.quantity == quantity], quantity))
        for quantity in (probe.HIST_ACT, probe.HIST_GRAD)
    )
    width = result.config.network.width
    return HistogramsView(
        layers=View(
            (spec(charts.make_histogram_grid_chart(result.histograms)),),
            caption=sample_note(result),
        ),
        glorot_bengio=View(
            overlays,
            "**What you are seeing.** " + explain_glorot_bengio(summary, width),
            caption=sample_note(result),
        ),
    )


@dataclass(frozen=True)
class PhaseDiagram:
    """Mean-field results for one activation and bias variance: log10 χ₁ over (σ_w², σ_b²)
    (``grid``), the χ₁ = 1 boundary, named configurations (``points``, including the network's
    when it has a σ_w²) and the trainable depth 6ξ_c against σ_w² (``depth_curve``)."""

    grid: pd.DataFrame
    boundary: pd.DataFrame
    points: pd.DataFrame
    depth_curve: pd.DataFrame


def phase_diagram(
    activation: str, sigma_b2: float, width: int, current_sigma_w2: float | None
) -> PhaseDiagram:
    """The mean-field phase diagram of ``activation`` at bias variance ``sigma_b2``."""
    act = get_activation(activation)
    return PhaseDiagram(
        grid=meanfield.phase_grid(act),
        boundary=meanfield.critical_line(act, np.linspace(0.0, 1.0, 11)),
        points=meanfield.phase_points(act, width, sigma_b2, current_sigma_w2),
        depth_curve=meanfield.trainable_depth_curve(act, sigma_b2),
    )


def phase_diagram_args(net: Net) -> tuple[str, float, int, float | None]:
    """The arguments of :func:`phase_diagram` for the network: no σ_w² to place for a
    constant initialization (mean-field needs zero-mean weights)."""
    current = None if net.init == "constant" else probe.hidden_sigma_w2(net.mlp)
    return net.activation, net.sigma_b**2, net.width, current


def phase_cost(net: Net) -> Cost:
    """The Phase diagram tab (:func:`phase_diagram`, then the network's depth scale)."""
    return meanfield.phase_diagram_cost(get_activation(net.activation))


def phase_refusal(net: Net) -> str:
    """Why the phase diagram does not run, or "" (it costs the same at every depth)."""
    return over_budget(
        f"the phase diagram of {act_label(net.activation)}",
        net.depth,
        lambda _: phase_cost(net),
    )


def phase_view(net: Net, phase: PhaseDiagram) -> View:
    """The phase diagram with the network on it, then the trainable depth against σ_w² with the
    network's depth as a rule (one chart below the other), and where the network sits."""
    mlp = net.mlp
    sigma_w2 = probe.hidden_sigma_w2(mlp)
    scale = None
    if net.init != "constant":
        act = get_activation(net.activation)
        scale = meanfield.depth_scale(sigma_w2, net.sigma_b**2, act)
    current = pd.DataFrame({"sigma_w2": [sigma_w2], "name": ["your network"]}).assign(
        trainable_depth=np.inf if scale is None else scale.trainable_depth
    )
    current, _ = drawable_on_log(current[current.sigma_w2.between(1e-2, 1e3)], "trainable_depth")
    depth_chart = log_chart(
        phase.depth_curve,
        "trainable_depth",
        charts.make_trainable_depth_chart,
        net.depth,
        current,
        dropped_note="{dropped} point(s) exactly at χ₁ = 1 (ξ = ∞) are not drawn.",
    )
    phase_chart = spec(charts.make_phase_chart(phase.grid, phase.boundary, phase.points))
    explained = explain_phase(scale, sigma_w2, act_label(net.activation), phase.boundary, net.depth)
    return View(
        (phase_chart, *depth_chart.charts),
        "**What you are seeing.** " + explained,
        depth_chart.caption,
    )


@dataclass(frozen=True)
class TrainingView:
    """The Training tab: the loss of both networks and Nielsen's speed of learning per layer,
    one chart below the other (``curves``), each network's decision boundary side by side (a
    notice instead where its output is NaN everywhere) and how the runs went (``text``);
    ``notice`` says when the runs were cut short of the steps asked for, or why they did not
    run at all (then nothing else is set)."""

    curves: View = field(default_factory=View)
    decisions: tuple[View, ...] = ()
    text: str = ""
    notice: str = ""


def training_configs(
    net_a: Net, net_b: Net, dataset: str, steps: int, lr: float
) -> dict[str, TrainConfig]:
    """The two runs of the Training tab, by display name."""
    return {
        f"{tag}: {INITS[net.init].label}": TrainConfig(
            mlp=net.mlp, dataset=dataset, n=TRAINING_POINTS, steps=steps, lr=lr
        )
        for tag, net in (("A", net_a), ("B", net_b))
    }


def _runs_cost(cfgs: Mapping[str, TrainConfig]) -> Cost:
    """Both runs, and each one's decision boundary on a :data:`DECISION_GRID`² grid."""
    total = Cost()
    for cfg in cfgs.values():
        total = total + train_cost(cfg) + decision_grid_cost(cfg, DECISION_GRID)
    return total


def training_steps(cfgs: Mapping[str, TrainConfig]) -> tuple[int, str]:
    """How many of the asked steps both runs train within :data:`~gradviz.budget.PLAN_SHARE` of
    :data:`TRAINING_SECONDS` (deterministically, from :func:`gradviz.train.train_cost`), and the
    notice that says so:
    ``(steps, "")`` when all fit; ``(steps, "Trained 24 of the 1,000 steps asked for: ...")``
    when they are cut short; ``(0, "Not computed: ...")`` when even one step, or the memory
    of the networks, does not fit."""
    asked = next(iter(cfgs.values())).steps
    seconds = PLAN_SHARE * (TRAINING_SECONDS - PAGE_SECONDS)
    net = next(iter(cfgs.values())).mlp

    def one_step(depth: int) -> Cost:
        return _runs_cost(
            {k: replace(c, steps=1, mlp=replace(c.mlp, depth=depth)) for k, c in cfgs.items()}
        )

    refusal = over_budget(
        f"training two networks of depth {net.depth} at width {net.width}",
        net.depth,
        one_step,
        TRAINING_SECONDS,
    )
    if refusal:
        return 0, refusal
    each = Cost()
    for cfg in cfgs.values():
        each = each + step_cost(cfg)
    fixed = _runs_cost({k: replace(c, steps=0) for k, c in cfgs.items()})
    evaluations = affordable_repeats(each, asked, fixed, seconds)
    if evaluations >= asked:
        return asked, ""
    done = max(1, evaluations)
    notice = cut_short(done, asked, "steps", (asked - done) * each.seconds, verb="trained")
    return done, notice


def training_view(
    net_a: Net,
    net_b: Net,
    dataset: str,
    steps: int,
    lr: float,
    progress: Callable[[float], None] | None = None,
) -> TrainingView:
    """Train networks A and B for ``steps`` steps (or as many as fit the budget,
    :func:`training_steps`) on the same ``dataset`` (:data:`TRAINING_POINTS` points) at
    learning rate ``lr``; ``progress(fraction)`` follows both runs."""
    cfgs = training_configs(net_a, net_b, dataset, steps, lr)
    done, notice = training_steps(cfgs)
    if done == 0:
        return TrainingView(notice=notice)
    runs, decisions = {}, []
    for i, (name, cfg) in enumerate(cfgs.items()):
        cfg = replace(cfg, steps=done)
        step = None if progress is None else lambda f, i=i: progress((i + f) / len(cfgs))
        runs[name] = res = train(cfg, progress=step)
        finite = decision_grid(res.final_params, cfg, DECISION_GRID).dropna()
        decisions.append(
            View((spec(charts.make_decision_chart(finite, res.data, name)),))
            if len(finite)
            else View(info=f"{name}: the network's output is NaN (not a number) everywhere.")
        )
    frames = training_frames(runs)
    loss = frames["loss"]
    speed = log_chart(
        frames["speed"],
        "value",
        make_speed_chart,
        dropped_note=LOG_AXIS_NOTE,
        facet="init",
        measure=f"speed of learning, {SPEED_MEASURE}",
    )
    loss_chart = spec(charts.make_loss_chart(loss[np.isfinite(loss["loss"])]))
    return TrainingView(
        curves=View((loss_chart, *speed.charts), caption=speed.caption),
        decisions=tuple(decisions),
        text="**What you are seeing.**\n\n" + frames["text"],
        notice=notice,
    )


def explain_layers(result: ProbeResult) -> str:
    """The "what you are seeing" paragraph of the per-layer curves, from the measured numbers."""
    net = result.config.network
    depth = net.depth
    grad = result.measured(GRAD_H_NORM)
    act_std = result.measured(ACT_STD)
    parts = []
    if depth > 1:
        ratio = result.grad_ratio_first_to_last
        if np.isfinite(ratio) and ratio > 0:
            verdict = "vanished" if ratio < 1e-2 else "exploded" if ratio > 1e2 else "held"
            parts.append(
                f"The gradient at layer 1 is **{format_sci(ratio)}** of the gradient at layer "
                f"{depth} (‖∂L/∂h₁‖ = {format_sci(grad[0])}, ‖∂L/∂h_{depth}‖ = "
                f"{format_sci(grad[-1])}): it {verdict} on its way back through {depth - 1} "
                "layers."
            )
        else:
            parts.append(
                f"‖∂L/∂h₁‖ = {format_sci(grad[0])} and ‖∂L/∂h_{depth}‖ = "
                f"{format_sci(grad[-1])}, so their ratio is not a number."
            )
    for quantity, brk in (
        ("the activations", result.forward_breakdown),
        ("the gradient", result.backward_breakdown),
    ):
        if not brk.ok:
            direction = "" if quantity == "the activations" else " (counting back from the output)"
            parts.append(f"In float64, {breakdown_text(brk, quantity, offset=1)}{direction}.")
    parts.append(
        f"The activation std goes from {format_sci(act_std[0])} at layer 1 to "
        f"{format_sci(act_std[-1])} at layer {depth}."
        if depth > 1
        else f"The activation std of its one hidden layer is {format_sci(act_std[0])}."
    )
    scale = result.depth_scale
    if scale is None:
        parts.append(
            "Mean-field theory assumes zero-mean random weights, so it has no prediction for a "
            "constant initialization."
        )
    else:
        per_layer = math.sqrt(scale.chi1) if scale.chi1 >= 0 else math.nan
        parts.append(
            f"Mean-field theory (dashed): σ_w² = {scale.sigma_w2:.4g}, σ_b² = "
            f"{scale.sigma_b2:.4g}, χ₁ = {format_sci(scale.chi1, 3)}, so each layer multiplies "
            f"the gradient norm by about √χ₁ = {format_sci(per_layer, 3)} ({scale.phase} phase)."
        )
    n_distinct = result.distinct
    if n_distinct.size and np.all(n_distinct == 1) and net.width > 1:
        parts.append(
            f"Every layer has exactly **1 distinct unit** out of {net.width}: each layer acts "
            "as a single neuron."
        )
    return " ".join(parts)


def explain_zero_init(facts: ZeroInitFacts, order: UpdateOrder, net: MLPConfig) -> str:
    """Seed 001's zero/constant-initialization claims next to what the network actually does."""
    depth = net.depth
    moved = [f"W{k + 1} at step {int(s)}" for k, s in enumerate(order.first_step) if s > 0]
    from_start = [f"W{k + 1}" for k, s in enumerate(order.first_step) if s == 0]
    still = [f"W{k + 1}" for k, s in enumerate(order.first_step) if not np.isfinite(s)]
    text = [
        "At initialization the non-zero gradients are: "
        + (", ".join(facts.nonzero_grads) if facts.nonzero_grads else "**none**")
        + f"; the weight gradients of {len(facts.zero_weight_grads)} of {depth + 1} layers are "
        "exactly 0."
    ]
    if not facts.nonzero_grads:
        text.append(
            "Why none at all: with zero weights every sample reaches the output with the same "
            "hidden vector, so the output layer's gradients are proportional to "
            "Σₙ ∂L/∂sₙ = Σₙ (σ(0) − yₙ)/N, exactly 0 on a batch with as many 0s as 1s. "
            "An odd batch size breaks the tie."
        )
    steps = len(order.loss) - 1
    if from_start:
        text.append(f"Non-zero from the start: {', '.join(from_start)}.")
    if moved:
        text.append(
            f"In {steps} steps of gradient descent the weights first moved in this order: "
            + ", ".join(sorted(moved, key=lambda m: int(m.rsplit(" ", 1)[1])))
            + "."
        )
    if still:
        text.append(f"Still exactly zero after {steps} steps: {', '.join(still)}.")
    text.append(
        "Distinct units per hidden layer after training: "
        + ", ".join(str(d) for d in order.distinct[:12])
        + (" …" if depth > 12 else "")
        + "."
    )
    return " ".join(text)


SOURCES = """
- **Seed 001** (shine-lee, *网络权重初始化方法总结(上)*): too-small weights vanish, too-large
  explode, constant init makes every layer one neuron, zero init with ReLU never moves, zero init
  with sigmoid updates the last layer first. The probe and the zero-init facts above measure
  each claim; one exact refinement: on a batch with as many 0s as 1s, zero init is a stationary
  point even for sigmoid, because every sample produces the same hidden vector.
- **Glorot & Bengio (2010)**, *Understanding the difficulty of training deep feedforward neural
  networks*: standard init U[±1/√n] vs normalized init U[±√(6/(n_in+n_out))], per-layer
  histograms of activations and back-propagated gradients (their Figs. 6–7).
- **He et al. (2015)**: Var(W) = 2/n_in keeps ReLU activations at a constant scale (σ_w² = 2).
- **Schoenholz et al. (2017)**, *Deep information propagation*: the variance map, χ₁, the
  order/chaos boundary (tanh: σ_w² ≈ 1.76 at σ_b² = 0.05; ReLU: σ_w² = 2 at σ_b² = 0) and
  trainable depth ≈ 6ξ_c, with their correlation depth ξ_c = −1/ln χ_c, χ_c = σ_w²·E[φ′(u₁)φ′(u₂)]
  at the correlation map's stable fixed point c*. In the ordered phase c* = 1 and ξ_c equals
  ξ = 1/|ln χ₁|, the depth over which the squared gradient changes by e; in the chaotic phase
  c* < 1 and they differ (the Phase diagram tab quotes both for your network). Where q* diverges
  there is no fixed point and no ξ_c. The app computes c* by bisection and the two-dimensional
  expectations by a 40 × 40 Gauss–Hermite rule.
- Mean-field expectations use Gauss–Legendre quadrature on dyadic panels rather than plain
  Gauss–Hermite, which fails once √q ≫ 1 (88% error for tanh at q = 100 with 100 nodes).
- **Hanin & Rolnick (2018)**, *How to start training: the effect of initialization and
  architecture*: for ReLU networks, the variance over initializations of the squared length of
  the activations grows exponentially in β = Σ 1/n_l, the sum of the reciprocals of the hidden
  widths (their second failure mode), at weights of variance 2/fan-in. The Layers tab quotes
  β = L/n for ReLU at that scale (σ_w² = 2) without biases only, and shows the spread it
  measures as a band over the network drawn with several seeds (the lowest and highest value
  per layer, not a variance) for every activation.
- Mean-field assumes i.i.d. zero-mean weights and infinite width; the dashed curves are anchored
  at the measured ‖∂L/∂h_L‖ of the last hidden layer. Zero and constant initializations break
  the zero-mean assumption for the gradient (constant) or make every unit identical.
- The probe batch is the "moons" toy set (noise 0.1, standardized), binary cross-entropy loss.
"""


def explain_glorot_bengio(summary: pd.DataFrame, width: int) -> str:
    """Per initialization: how the gradient std and the activation std change across the
    layers, from :func:`glorot_bengio`'s summary."""
    lines = [f"Same data, same seed, width {width}:"]
    for name, rows in summary.groupby("init", sort=False):
        g, a = rows["grad_std"].to_numpy(), rows["act_std"].to_numpy()
        with np.errstate(all="ignore"):
            shrink = np.float64(g[0]) / np.float64(g[-1])
        lines.append(
            f"- **{name}**: std of ∂L/∂h from layer {len(g)} to layer 1: {format_sci(g[-1])} → "
            f"{format_sci(g[0])} (×{format_sci(shrink)}); activation std from layer 1 to layer "
            f"{len(a)}: {format_sci(a[0])} → {format_sci(a[-1])}."
        )
    return "\n".join(lines)


def explain_phase(
    scale: meanfield.DepthScale | None,
    sigma_w2: float,
    act_label: str,
    boundary: pd.DataFrame,
    depth: int,
) -> str:
    """Where the network (σ_w², its :class:`~gradviz.meanfield.DepthScale`, ``None`` for a
    constant initialization) sits on the phase diagram, with the edge of chaos at σ_b² = 0."""
    edge = boundary.loc[np.isclose(boundary["sigma_b2"], 0.0), "sigma_w2"]
    text = f"The black line is the edge of chaos χ₁ = 1 for {act_label}" + (
        f" (σ_w² = {edge.iloc[0]:.3g} at σ_b² = 0)." if len(edge) else "."
    )
    if scale is None:
        return text + " A constant initialization is not zero-mean, so it has no place here."
    if not math.isfinite(scale.xi):
        return text + (
            f" Your network: σ_w² = {sigma_w2:.4g}, χ₁ = {format_sci(scale.chi1, 3)}, exactly "
            "at the edge of chaos, where the depth scale ξ = 1/|ln χ₁| is undefined (∞): the "
            "gradient neither vanishes nor explodes exponentially, so mean-field theory sets no "
            f"trainable-depth limit for your L = {depth}."
        )
    return text + (
        f" Your network: σ_w² = {sigma_w2:.4g}, χ₁ = {format_sci(scale.chi1, 3)}, "
        f"{scale.phase} phase, ξ = 1/|ln χ₁| = {format_sci(scale.xi)}, correlation depth "
        f"ξ_c = {format_sci(scale.xi_c)}, trainable depth ≈ 6ξ_c = "
        f"{format_sci(scale.trainable_depth)} layers (Schoenholz et al. 2017) against your "
        f"L = {depth}."
    )


SPEED_MEASURE = "RMS per unit ‖∂C/∂b_l‖/√n_l"
"""How the Training tab compares layers: Nielsen's ‖∂C/∂b_l‖ over a layer of n_l units, as the
root mean square of its units' ∂C/∂b (layer 1 has n units, the output layer one)."""


def training_frames(
    runs: dict[str, TrainResult], max_layers: int = 6, max_steps: int = 300
) -> dict[str, pd.DataFrame | str]:
    """Chart data and text for side-by-side training runs (same data, same seed).

    runs : display name -> :class:`gradviz.train.TrainResult`.

    Returns a dict with ``"loss"``: DataFrame[step, init, loss]; ``"speed"``: DataFrame[step,
    layer, init, value] of Nielsen's speed of learning per unit (:data:`SPEED_MEASURE`) for at
    most ``max_layers`` layers (always the first and the output layer) and
    ``max_steps`` evenly spaced steps, so the chart stays under 5,000 rows; ``"text"``: what
    the runs show, from their numbers.
    """
    loss_frames, speed_frames, lines = [], [], []
    for name, res in runs.items():
        loss = res.metric(LOSS)
        steps = np.arange(loss.size)
        loss_frames.append(pd.DataFrame({"step": steps, "init": name, "loss": loss}))
        # Nielsen's ‖∂C/∂b_l‖ per unit: layers of n units and the output's one compare like
        # with like only as the RMS over their units, ‖∂C/∂b_l‖/√n_l
        net = res.config.network
        units = np.array([net.width] * net.depth + [net.out_dim], dtype=float)
        speed = res.layer_metric(SPEED) / np.sqrt(units)  # (steps, L+1)
        keep_steps = np.unique(np.rint(np.linspace(0, speed.shape[0] - 1, max_steps)).astype(int))
        layers = hist_layers(speed.shape[1], max_layers)
        for layer in layers:
            speed_frames.append(
                pd.DataFrame(
                    {
                        "step": keep_steps,
                        "layer": layer,
                        "init": name,
                        "value": speed[keep_steps, layer - 1],
                    }
                )
            )
        first, last = speed[0, 0], speed[0, -1]
        with np.errstate(all="ignore"):
            ratio = np.float64(first) / np.float64(last)
        status = (
            f"diverged (loss or weights not finite) at step {res.diverged_step}"
            if res.diverged
            else f"final loss {format_sci(res.final_loss, 3)}, accuracy "
            f"{100 * res.final_accuracy:.0f}%"
        )
        lines.append(
            f"- **{name}**: {status}. At step 0, layer 1's biases learn at "
            f"{format_sci(ratio)} × the speed of the output layer's, per unit "
            f"({SPEED_MEASURE}: {format_sci(first)} over {int(units[0])} units, against "
            f"{format_sci(last)} over {int(units[-1])})."
        )
    return {
        "loss": pd.concat(loss_frames, ignore_index=True),
        "speed": pd.concat(speed_frames, ignore_index=True),
        "text": "\n".join(lines),
    }


PYTORCH_TITLE = "Reproduce in PyTorch"
PYTORCH_PROBE = """
# The Layers tab at step 0: each weight's gradient norm, input to output, on one batch.
x = torch.randn(256, in_dim)
y = (torch.rand(256, out_dim) > 0.5).float()
nn.BCEWithLogitsLoss()(model(x), y).backward()
for name, p in model.named_parameters():
    if name.endswith("weight"):
        print(name, p.grad.norm().item())
"""


def pytorch_snippet(net: Net) -> str:
    """A runnable PyTorch snippet of the page's network (:func:`views.pytorch.model_code`:
    the same depth, width, activation, initializer and bias scale) and its per-layer
    gradient norms at initialization."""
    return model_code(net.mlp) + PYTORCH_PROBE
