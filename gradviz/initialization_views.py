"""Everything one tab of the Initialization page shows, computed from the engine's results.

The network of the page's controls travels as a :class:`Net` (a named tuple of plain values, so
it can key a cache). The page caches the probe of a network (:func:`probe_network`), which three
tabs share, and then each tab's view: the ``*_view`` functions build the tab's charts as Vega-Lite
specs and write its "what you are seeing" text from the computed numbers (see
:mod:`gradviz.views`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from gradviz import meanfield, probe
from gradviz.activations import get_activation
from gradviz.activations import label as act_label
from gradviz.charts import drawable_on_log, make_speed_chart
from gradviz.charts import initialization as charts
from gradviz.initializers import REGISTRY as INITS
from gradviz.mlp import MLPConfig
from gradviz.numerics import format_sci
from gradviz.train import TrainConfig, decision_grid, train
from gradviz.views import Breakdowns, Metrics, View, log_chart, spec

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
MAX_WORK = 10e9  # multiply-adds allowed for them (a few seconds on one busy core)
LOG_AXIS_NOTE = "{dropped} value(s) that are 0, inf or NaN are not drawn on the log axis."
SYMMETRY_TITLE = (
    "**Symmetry: distinct units per layer** (units computing different functions of the batch)"
)
HISTOGRAMS_INTRO = (
    f"Histograms of h_l and ∂L/∂h_l for up to {probe.MAX_HIST_LAYERS} layers, "
    "on one shared range per quantity (values beyond it sit in the end bins)."
)
GLOROT_BENGIO_TITLE = "Glorot & Bengio (2010): standard vs normalized init, tanh, 5 layers"


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
    return probe.probe(probe.ProbeConfig(mlp=net.mlp, batch=batch, data_seed=0))


@dataclass(frozen=True)
class LayersView:
    """The Layers tab: the network's gradient ratio and mean-field numbers (``metrics``), where
    values left float64 range (``breakdowns``, 0-based layers: show them with offset 1), the
    activation std and ‖∂L/∂h_l‖ per layer, measured next to mean-field (``curves``, side by
    side), their explanation (``text``), the distinct units per layer (``symmetry``), and for a
    zero or constant initialization seed 001's claims checked over ``ZERO_STEPS`` steps, or why
    they were skipped (``zero_init``)."""

    metrics: Metrics
    breakdowns: Breakdowns
    curves: tuple[View, View]
    text: str
    symmetry: View
    zero_init: View


def layers_view(result: probe.ProbeResult) -> LayersView:
    """Per-layer statistics of the probed network, and the zero-init facts when they apply."""
    scale = result.depth_scale
    metrics = (
        ("‖∂L/∂h₁‖ / ‖∂L/∂h_L‖", format_sci(result.grad_ratio_first_to_last)),
        ("χ₁ (mean-field)", "—" if scale is None else format_sci(scale.chi1, 3)),
        ("phase", "—" if scale is None else scale.phase),
        ("trainable depth ≈ 6ξ", "—" if scale is None else format_sci(scale.trainable_depth)),
    )
    curves = tuple(
        log_chart(
            result.curves[result.curves.metric == metric],
            "value",
            charts.make_depth_curve_chart,
            title,
            None if brk.ok else brk.index + 1,
            brk.message(title, 1),
            dropped_note=LOG_AXIS_NOTE,
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
        text="**What you are seeing.** " + probe.explain_layers(result),
        symmetry=View((spec(charts.make_distinct_units_chart(distinct)),)),
        zero_init=zero_init_view(result.config),
    )


def zero_init_view(cfg: probe.ProbeConfig) -> View:
    """Seed 001's claims about a zero or constant initialization, measured over
    :data:`ZERO_STEPS` gradient steps; a notice instead when those steps would cost more than
    :data:`MAX_WORK` multiply-adds; nothing for any other initializer."""
    if cfg.network.init not in ("zeros", "constant"):
        return View()
    work = probe.multiply_adds(cfg, passes=ZERO_STEPS + 1)
    if work > MAX_WORK:
        return View(
            info=f"The {ZERO_STEPS} training steps that test the zero-init claims would "
            f"take {format_sci(float(work))} multiply-adds; reduce depth, width or batch "
            f"to bring it below {format_sci(float(MAX_WORK))} to see them."
        )
    facts = probe.zero_init_facts(cfg)
    order = probe.first_update_steps(cfg, steps=ZERO_STEPS)
    return View(
        text="**Zero / constant initialization.** "
        + probe.explain_zero_init(facts, order, cfg.network)
    )


@dataclass(frozen=True)
class HistogramsView:
    """The Histograms tab: h_l and ∂L/∂h_l per layer as small multiples (``layers``), then
    Glorot & Bengio's standard vs normalized init, activations and gradients one chart below
    the other, with what they show (``glorot_bengio``)."""

    layers: View
    glorot_bengio: View


def histograms_view(
    result: probe.ProbeResult, glorot_bengio: tuple[pd.DataFrame, pd.DataFrame]
) -> HistogramsView:
    """Histograms of the probed network, and ``glorot_bengio`` =
    :func:`gradviz.probe.glorot_bengio` at the network's width, batch and seed."""
    hist, summary = glorot_bengio
    overlays = tuple(
        spec(charts.make_histogram_overlay_chart(hist[hist.quantity == quantity], quantity))
        for quantity in (probe.HIST_ACT, probe.HIST_GRAD)
    )
    width = result.config.network.width
    return HistogramsView(
        layers=View((spec(charts.make_histogram_grid_chart(result.histograms)),)),
        glorot_bengio=View(
            overlays, "**What you are seeing.** " + probe.explain_glorot_bengio(summary, width)
        ),
    )


@dataclass(frozen=True)
class PhaseDiagram:
    """Mean-field results for one activation and bias variance: log10 χ₁ over (σ_w², σ_b²)
    (``grid``), the χ₁ = 1 boundary, named configurations (``points``, including the network's
    when it has a σ_w²) and the trainable depth 6ξ against σ_w² (``depth_curve``)."""

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


def phase_diagram_args(result: probe.ProbeResult) -> tuple[str, float, int, float | None]:
    """The arguments of :func:`phase_diagram` for the probed network: no σ_w² to place for a
    constant initialization (mean-field needs zero-mean weights)."""
    net = result.config.network
    current = None if result.depth_scale is None else result.sigma_w2
    return net.activation, net.sigma_b**2, net.width, current


def phase_view(result: probe.ProbeResult, phase: PhaseDiagram) -> View:
    """The phase diagram with the network on it, then the trainable depth against σ_w² with the
    network's depth as a rule (one chart below the other), and where the network sits."""
    net = result.config.network
    scale = result.depth_scale
    current = pd.DataFrame({"sigma_w2": [result.sigma_w2], "name": ["your network"]}).assign(
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
    explained = probe.explain_phase(result, act_label(net.activation), phase.boundary, net.depth)
    return View(
        (phase_chart, *depth_chart.charts),
        "**What you are seeing.** " + explained,
        depth_chart.caption,
    )


@dataclass(frozen=True)
class TrainingView:
    """The Training tab: the loss of both networks and Nielsen's speed of learning per layer,
    one chart below the other (``curves``), each network's decision boundary side by side (a
    notice instead where its output is NaN everywhere) and how the runs went (``text``)."""

    curves: View
    decisions: tuple[View, View]
    text: str


def training_view(
    net_a: Net,
    net_b: Net,
    dataset: str,
    steps: int,
    lr: float,
    progress: Callable[[float], None] | None = None,
) -> TrainingView:
    """Train networks A and B for ``steps`` steps on the same ``dataset`` (201 points) at
    learning rate ``lr``; ``progress(fraction)`` follows both runs."""
    nets = {f"A: {INITS[net_a.init].label}": net_a, f"B: {INITS[net_b.init].label}": net_b}
    runs, decisions = {}, []
    for i, (name, net) in enumerate(nets.items()):
        cfg = TrainConfig(mlp=net.mlp, dataset=dataset, n=201, steps=steps, lr=lr)
        step = None if progress is None else lambda f, i=i: progress((i + f) / len(nets))
        runs[name] = res = train(cfg, progress=step)
        finite = decision_grid(res.final_params, cfg, 40).dropna()
        decisions.append(
            View((spec(charts.make_decision_chart(finite, res.data, name)),))
            if len(finite)
            else View(info=f"{name}: the network's output is NaN everywhere.")
        )
    frames = probe.training_frames(runs)
    loss = frames["loss"]
    speed = log_chart(
        frames["speed"], "value", make_speed_chart, dropped_note=LOG_AXIS_NOTE, facet="init"
    )
    loss_chart = spec(charts.make_loss_chart(loss[np.isfinite(loss["loss"])]))
    return TrainingView(
        curves=View((loss_chart, *speed.charts), caption=speed.caption),
        decisions=tuple(decisions),
        text="**What you are seeing.**\n\n" + frames["text"],
    )
