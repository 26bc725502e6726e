"""Scenarios: one link per claim of the seed articles, with the number that confirms it.

A :class:`Scenario` names a page and the link settings (the page's own widget keys) that show one
claim of ``CONCEPTS.md``, says what to look at, and checks the claim with a number computed by the
same engine functions the page calls with those settings (:meth:`Scenario.check`). Opening the
page with ``?scenario=<id>`` adds a caption with that number at the top (``ui.page_header``); the
tour (``views.tour``) walks them in the seeds' order.

Where an article is loose or wrong, the check states the exact truth (e.g. the product of 50
uniforms does exceed 1e-18, in about 12 % of draws; Nielsen's "at least 4× per layer" holds for
most factors, not all).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np

from gradviz.numerics import format_sci

PRESENT_KEY = "present"
"""The presenter-mode toggle's key (and its name in the link)."""
SCENARIO_KEY = "scenario"
"""The link parameter naming a scenario: not a widget, the page shows its caption."""
UI_KEYS = (PRESENT_KEY, SCENARIO_KEY)
"""Link parameters every page accepts besides its own widgets."""

PRESENT_LABEL = "Presenter mode"
PRESENT_HELP = "Larger type and chart fonts for a projector, and the sidebar collapsed."
SHARE_LABEL = "Link to this view"
SCENARIO_UNKNOWN = "This link names a scenario `{id}` that does not exist."


@dataclass(frozen=True)
class Check:
    """A claim checked: the computed ``value``, whether the claim ``holds``, and ``shown``, the
    value as the caption prints it."""

    value: float
    holds: bool

    @property
    def shown(self) -> str:
        return format_sci(self.value, 3)


@dataclass(frozen=True)
class Scenario:
    """One claim on its page: ``id`` (its name in the link), ``title``, the ``seed`` it comes
    from ("000".."004" or "theory"), the ``page`` file, the link ``query`` (the page's widget
    keys), what to ``look`` at, the quantity the number is (``measure``), the ``compute``
    function returning a :class:`Check`, and for the tour an optional prediction: a
    ``question`` with numeric ``choices``."""

    id: str
    title: str
    seed: str
    page: str
    query: tuple[tuple[str, object], ...]
    look: str
    measure: str
    compute: Callable[[], Check]
    question: str = ""
    choices: tuple[float, ...] = ()

    @property
    def params(self) -> dict[str, object]:
        return dict(self.query)

    def check(self) -> Check:
        return _run(self.id)

    def caption(self, check: Check) -> str:
        verdict = "holds" if check.holds else "does NOT hold at these settings"
        return (
            f"**Scenario: {self.title}** (seed {self.seed}). {self.look}\n\n"
            f"Computed: {self.measure} = **{check.shown}**; the claim {verdict}."
        )


@cache
def _run(scenario_id: str) -> Check:
    return BY_ID[scenario_id].compute()


def prediction_error(guess: float, value: float) -> float:
    """How far ``guess`` is from ``value``: in decades (|log10 guess − log10 value|) when both
    are positive, else the absolute difference."""
    if guess > 0 and value > 0 and math.isfinite(value):
        return abs(math.log10(guess) - math.log10(value))
    return abs(guess - value)


def prediction_text(guess: float, value: float) -> str:
    """What the tour says after the reveal, from :func:`prediction_error`."""
    error = prediction_error(guess, value)
    if guess > 0 and value > 0:
        if error < 0.5:
            return f"Your guess {format_sci(guess)} is within half a decade of {format_sci(value)}."
        return (
            f"Your guess {format_sci(guess)} is off by {error:.1f} decades: the computed value "
            f"is {format_sci(value)}."
        )
    return (
        f"Your guess {format_sci(guess)} is off by {format_sci(error)}: the computed value is "
        f"{format_sci(value)}."
    )


# ---------------------------------------------------------------------------------------------
# The computations, one per claim, each with the page's settings. Each imports its engine module
# inside: every page imports this module (``ui.page_header``), a check runs only when its link or
# the tour asks for it, and importing them all up front added 0.15 s to each page's first run.


def _act(name: str):
    from gradviz.activations import get_activation

    return get_activation(name)


def _grid(x_max: float = 6.0, points: int = 100_001) -> np.ndarray:
    return np.linspace(-x_max, x_max, points)


def _peak_at_zero(name: str, peak: float) -> Check:
    x = _grid()
    g = _act(name).grad(x)
    top = float(g.max())
    return Check(top, math.isclose(top, peak, rel_tol=1e-12) and abs(x[g.argmax()]) < 1e-9)


def sigmoid_peak() -> Check:
    return _peak_at_zero("sigmoid", 0.25)


def tanh_peak() -> Check:
    return _peak_at_zero("tanh", 1.0)


def softsign_slow() -> Check:
    """softsign's slope at x = 6 over tanh's there: saturating slowly means far larger."""
    ratio = float(_act("softsign").grad(np.array([6.0]))[0] / _act("tanh").grad(np.array([6.0]))[0])
    return Check(ratio, _peak_at_zero("softsign", 1.0).holds and ratio > 100)


def _factor_power(factor: float, depth: int):
    from gradviz.products import factor_power

    return factor_power(factor, depth)


def vanish_below_one() -> Check:
    final = _factor_power(0.9, 100).final
    return Check(final, final < 1e-4)


def explode_above_one() -> Check:
    final = _factor_power(1.1, 100).final
    return Check(final, final > 1e4)


def relu_gate() -> Check:
    """The number of distinct values ReLU's f′ takes on a grid through 0: two (0 and 1)."""
    values = np.unique(_act("relu").grad(_grid()))
    return Check(float(values.size), set(values.tolist()) == {0.0, 1.0})


def linear_collapse() -> Check:
    """A 10-layer linear network is one affine map: the largest deviation from additivity,
    f(x + y) − f(x) − f(y) + f(0), relative to the outputs."""
    from gradviz.mlp import MLPConfig, forward, init_params

    cfg = MLPConfig(10, 64, activation="linear", init="xavier_normal", seed=0)
    params = init_params(cfg)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((2, 32, 2))

    def out(v):
        return forward(params, v, cfg)[0]

    dev = out(x + y) - out(x) - out(y) + out(np.zeros_like(x))
    rel = float(np.abs(dev).max() / np.abs(out(x)).max())
    return Check(rel, rel < 1e-12)


def quarter_pow_10() -> Check:
    final = _factor_power(0.25, 10).final
    return Check(final, final == 9.5367431640625e-07)


def two_pow_10() -> Check:
    final = _factor_power(2.0, 10).final
    return Check(final, final == 1024.0)


def _linear(radius: float):
    from gradviz.linear_chain import analyze_linear_chain

    return analyze_linear_chain("eigen", 8, radius, 0.9, 1.0, 100, 0)


def eigen_vanish() -> Check:
    norm = float(_linear(0.9).signal_norm[-1] / _linear(0.9).signal_norm[0])
    return Check(norm, norm < 1e-3)


def eigen_explode() -> Check:
    norm = float(_linear(1.1).signal_norm[-1] / _linear(1.1).signal_norm[0])
    return Check(norm, norm > 1e3)


def _probe(init: str, act: str, depth: int = 10, width: int = 64, batch: int = 256, **params):
    from views.initialization import network, probe_network

    values = {"c": 0.5, "gain": 1.0, "sigma_w": 1.0} | params
    return probe_network(network(init, act, depth, width, 0.0, 0, values), batch)


def init_too_small() -> Check:
    ratio = float(_probe("too_small", "tanh").grad_ratio_first_to_last)
    return Check(ratio, ratio < 1e-6)


def init_too_large() -> Check:
    ratio = float(_probe("standard_normal", "relu").grad_ratio_first_to_last)
    return Check(ratio, ratio > 1e3)


def constant_symmetry() -> Check:
    distinct = _probe("constant", "tanh").distinct
    return Check(float(distinct.max()), bool((distinct == 1).all()))


def zero_relu() -> Check:
    from gradviz.zero_init import zero_init_facts

    result = _probe("zeros", "relu", batch=255)
    facts = zero_init_facts(result.config, result)
    grads = result.stats[result.stats.metric == "weight-gradient norm"].value
    every_weight = len(facts.zero_weight_grads) == result.config.mlp.depth + 1
    return Check(float(grads.max()), every_weight and float(grads.max()) == 0.0)


def zero_sigmoid_order() -> Check:
    """How many layers moved within 10 updates: one more per update, from the output down."""
    from gradviz.zero_init import first_update_steps

    order = first_update_steps(_probe("zeros", "sigmoid", batch=255).config)
    first = order.first_step[np.isfinite(order.first_step)]
    holds = first.size > 1 and bool(np.all(np.diff(first) < 0)) and max(order.distinct) == 1
    return Check(float(first.size), holds)


def every_activation() -> Check:
    from views.initialization import ACT_BY_LABEL

    return Check(float(len(ACT_BY_LABEL)), len(ACT_BY_LABEL) > 1)


def clipping_bounds_step() -> Check:
    """With norm clipping at θ = 1 on Pascanu's cliff, the largest step's norm over lr."""
    from gradviz.cliff import cliff_trajectories

    summary = cliff_trajectories(1.0, 0.01, (5.0, -2.0)).summary.set_index("method")
    clipped = float(summary.max_step.iloc[list(summary.index).index("clip by norm")])
    plain = float(summary.max_step.iloc[list(summary.index).index("no clipping")])
    return Check(clipped, clipped <= 0.01 * 1.0 * (1 + 1e-12) and plain > clipped)


def sigmoid_range() -> Check:
    x = _grid(30.0)
    act = _act("sigmoid")
    f, g = act.fn(x), act.grad(x)
    holds = f.min() > 0 and f.max() < 1 and g.min() > 0 and g.max() == 0.25
    return Check(float(g.max()), bool(holds))


def dying_relu() -> Check:
    """A ReLU unit whose bias drives z < 0 for every input: its gradient, summed over inputs."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, 8))
    w = rng.standard_normal(8) / math.sqrt(8)
    z = x @ w - 10.0
    grad = float(np.abs(_act("relu").grad(z) * x.T).sum())
    return Check(grad, grad == 0.0 and bool((z < 0).all()))


def early_layers_slower() -> Check:
    """‖∂L/∂h₁‖ / ‖∂L/∂h_L‖ of a 10-layer sigmoid net at Xavier init."""
    ratio = float(_probe("xavier_normal", "sigmoid").grad_ratio_first_to_last)
    return Check(ratio, ratio < 0.1)


def _neuron_chain(length: int, seed: int = 0):
    from gradviz.neuron_chain import analyze_chain, draw_chain

    w, b = draw_chain(length, "standard_normal", seed, 1.0)
    return analyze_chain(w, b, 1.0, 0.0, "sigmoid")


def quarter_share() -> Check:
    """The share of factors |w σ′(z)| below 1/4 in a 1000-neuron chain (w ~ N(0, 1)): most,
    not all, so "at least 4× per layer" is typical, not guaranteed."""
    factors = np.abs(_neuron_chain(1000).factors)
    share = float(np.mean(factors < 0.25))
    return Check(share, 0.5 < share < 1.0)


def b1_over_b3() -> Check:
    """(∂C/∂b₁)/(∂C/∂b₃) = the two factors between them, at seed 0: compared with 1/16."""
    result = _neuron_chain(4)
    ratio = float(result.direct_db[0] / result.direct_db[2])
    f = result.factors
    return Check(ratio, math.isclose(ratio, float(f[0] * f[1]), rel_tol=1e-12))


def explosion_25() -> Check:
    from gradviz.neuron_chain import analyze_chain, exploding_chain

    w, b = exploding_chain(4, 100.0, 1.0, "sigmoid")
    factors = analyze_chain(w, b, 1.0, 0.0, "sigmoid").factors
    return Check(float(factors[0]), bool(np.all(factors == 25.0)))


def _through_time(radius: float, **changes):
    from gradviz.through_time import ThroughTimeConfig, gradient_through_time

    return gradient_through_time(ThroughTimeConfig(radius=radius, **changes))


def _first_step(result, series: str) -> float:
    rows = result.curves[(result.curves.series == series) & (result.curves.t == 0)]
    return float(rows.grad_norm.iloc[0])


def bptt_vanishes() -> Check:
    result = _through_time(0.9)
    value = _first_step(result, "RNN (tanh)")
    return Check(value, value < 1e-6)


def pascanu_bound() -> Check:
    """γ·σ_max of W_hh (tanh, γ = 1) at ρ = 0.9: below 1, so vanishing is guaranteed."""
    result = _through_time(0.9)
    product = result.gamma * result.sigma_max
    return Check(product, product < 1 and _first_step(result, "RNN (tanh)") < 1)


def uniform_product() -> Check:
    from gradviz.products import uniform_products

    result = uniform_products(50, 10_000, 1e-18, 0)
    return Check(result.exact_fraction_above, result.exact_fraction_above > 0)


def saturated_sigmoid() -> Check:
    from gradviz.saturation import saturated_fraction

    share = float(saturated_fraction(_act("sigmoid"), 0.0, 10.0, 0.05))
    return Check(share, share > 0.5)


def relu_sparsity() -> Check:
    from gradviz.saturation import saturated_fraction

    share = float(saturated_fraction(_act("relu"), 0.0, 1.0, 0.05))
    return Check(share, math.isclose(share, 0.5, rel_tol=1e-9))


def zigzag() -> Check:
    from gradviz.zigzag import compare_paths

    result = compare_paths("sigmoid", (1.0, -1.0), 0.5, 200)
    share = result.positive.opposite_share
    return Check(share, share == 0.0 and result.centred.opposite_share > 0)


def elu_floor() -> Check:
    value = float(_act("elu").fn(np.array([-50.0]))[0])
    return Check(value, math.isclose(value, -1.0, rel_tol=1e-15))


def leaky_slope() -> Check:
    value = float(_act("leaky_relu").grad(np.array([-3.0]))[0])
    return Check(value, value == 0.01)


def glorot_bengio_spread() -> Check:
    """The ratio of the last to the first layer's gradient std, standard init (5 tanh layers);
    with the normalized init it stays within 2×."""
    from gradviz.glorot_bengio import glorot_bengio

    summary = glorot_bengio(64, 256, 0)[1]
    spread = {
        init: float(rows.grad_std.iloc[-1] / rows.grad_std.iloc[0])
        for init, rows in summary.groupby("init", sort=False)
    }
    standard, normalized = spread.values()
    return Check(standard, standard > 4 and 0.5 < normalized < 2)


def he_relu() -> Check:
    ratio = float(_probe("he_normal", "relu", depth=50).grad_ratio_first_to_last)
    return Check(ratio, 0.1 < ratio < 10)


def hanin_rolnick() -> Check:
    """Highest over lowest activation std at layer 60 over the Layers tab's band of 8 seeds
    (ReLU, He init, width 128): the seeds spread by depth, while at layer 1 they agree within
    a factor of 1.5."""
    from gradviz.probe import ACT_STD
    from gradviz.seed_spread import seed_band
    from views.initialization import network, other_draws, probe_network

    net = network("he_normal", "relu", 60, 128, 0.0, 0, {"c": 0.5, "gain": 1.0, "sigma_w": 1.0})
    band = seed_band(probe_network(net, 256), other_draws(net, 256).frame)
    act = band[band["metric"] == ACT_STD].set_index("layer")
    spread = act["high"] / act["low"]
    return Check(float(spread[60]), spread[60] > 2 and spread[1] < 1.5)


def _spectrum(weights: str, act: str, ratio: float = 1.0):
    from gradviz.spectra import critical_point, input_variance, jacobian_spectrum, spread_decades

    sigma_crit, q_star = critical_point(act, 0.0)
    q_in = input_variance(q_star)
    s = jacobian_spectrum(weights, act, ratio * sigma_crit, 0.0, 50, 128, 0, q_in)
    return spread_decades(s)


def saxe_orthogonal() -> Check:
    spread = _spectrum("orthogonal", "linear")
    return Check(spread, spread < 1e-10)


def pennington_isometry() -> Check:
    """log10 σ_max/σ_min of the input-output Jacobian, Gaussian tanh at criticality (50 layers);
    orthogonal weights give a narrower spread."""
    gaussian = _spectrum("gaussian", "tanh")
    return Check(gaussian, gaussian > _spectrum("orthogonal", "tanh"))


def edge_tanh() -> Check:
    from gradviz.meanfield import critical_point

    value, _ = critical_point(0.05, _act("tanh"))
    return Check(value, abs(value - 1.76) < 0.01)


def edge_relu() -> Check:
    from gradviz.meanfield import chi1

    value = float(np.ravel(chi1(2.0, 0.0, _act("relu")))[0])
    return Check(value, math.isclose(value, 1.0, rel_tol=1e-9))


def lstm_forget() -> Check:
    result = _through_time(0.9, forget_bias=3.0)
    return Check(result.mean_forget, result.mean_forget > 0.9)


# ---------------------------------------------------------------------------------------------

ACT = "pages/1_Activations.py"
INIT = "pages/2_Initialization.py"
CHAIN = "pages/3_Deep_chain.py"
RNN = "pages/4_RNN_LSTM.py"
REMEDIES = "pages/5_Remedies.py"
HOME = "app.py"
EIGEN_KIND = "diagonalizable, chosen eigenvalues"
DECADES = (1.0, 1e-3, 1e-6, 1e-9, 1e-12)


def _s(id, title, seed, page, query, look, measure, compute, question="", choices=()):
    return Scenario(id, title, seed, page, tuple(query.items()), look, measure, compute, question,
                    tuple(choices))  # fmt: skip


# fmt: off
SCENARIOS: tuple[Scenario, ...] = (
    _s("sigmoid-peak", "Sigmoid's slope peaks at 0.25", "000", ACT,
       {"tab": "Curves", "act": ["sigmoid"]},
       "Look at f′ of the sigmoid: its top, at x = 0, and how it flattens for large |x|.",
       "largest sigmoid′ on [−6, 6]", sigmoid_peak,
       "What is the largest slope of the sigmoid?", (1.0, 0.5, 0.25, 0.1)),
    _s("tanh-peak", "tanh's slope peaks at 1 and saturates both ways", "000", ACT,
       {"tab": "Curves", "act": ["tanh"]},
       "Look at tanh′: 1 at x = 0, near 0 on both sides.", "largest tanh′ on [−6, 6]", tanh_peak),
    _s("softsign-slow", "softsign saturates slowly", "000", ACT,
       {"tab": "Curves", "act": ["tanh", "softsign"]},
       "Compare softsign′ = 1/(1+|x|)² with tanh′ far from 0.", "softsign′(6) / tanh′(6)",
       softsign_slow),
    _s("vanish-below-one", "Factors below 1 vanish", "000", HOME, {"factor": 0.9, "depth": 100},
       "Look at the product of 100 factors of 0.9.", "0.9^100", vanish_below_one,
       "What is 0.9 multiplied by itself 100 times?", (1.0, 1e-3, 1e-5, 1e-9)),
    _s("explode-above-one", "Factors above 1 explode", "000", HOME, {"factor": 1.1, "depth": 100},
       "Look at the product of 100 factors of 1.1.", "1.1^100", explode_above_one,
       "And 1.1 to the power 100?", (10.0, 1e4, 1e8, 1e12)),
    _s("relu-gate", "ReLU's slope is 0 or 1", "000", ACT, {"tab": "Curves", "act": ["ReLU"]},
       "Look at ReLU′: a step from 0 to 1.", "distinct values of ReLU′", relu_gate),
    _s("linear-collapse", "A deep linear network is one linear map", "000", ACT,
       {"tab": "Properties", "act": ["linear"]},
       "Look at the linear activation: f′ = 1, and no non-linearity.",
       "relative deviation of a 10-layer linear net from one affine map", linear_collapse),
    _s("quarter-pow-10", "0.25^10 = 9.5367431640625e-07", "001", HOME,
       {"factor": 0.25, "depth": 10}, "Look at the product after 10 layers.", "0.25^10",
       quarter_pow_10, "How much of the gradient reaches layer 1 through 10 sigmoid slopes?",
       DECADES),
    _s("two-pow-10", "2^10 = 1024", "001", HOME, {"factor": 2.0, "depth": 10},
       "Look at the product after 10 layers.", "2^10", two_pow_10),
    _s("eigen-vanish", "Eigenvalues below 1 vanish", "001", CHAIN,
       {"tab": "Linear chain", "kind": EIGEN_KIND, "radius": 0.9, "steps": 100},
       "Look at ‖W^t x‖ against t with every |λ| ≤ 0.9.", "‖W^100 x‖ / ‖x‖", eigen_vanish),
    _s("eigen-explode", "Eigenvalues above 1 explode", "001", CHAIN,
       {"tab": "Linear chain", "kind": EIGEN_KIND, "radius": 1.1, "steps": 100},
       "Look at ‖W^t x‖ against t with the largest |λ| = 1.1.", "‖W^100 x‖ / ‖x‖",
       eigen_explode),
    _s("init-too-small", "Too-small weights vanish", "001", INIT,
       {"preset": "too small", "tab": "Layers"},
       "Look at ‖∂L/∂h_l‖ across the 10 layers.", "‖∂L/∂h₁‖ / ‖∂L/∂h_L‖", init_too_small,
       "How much of the gradient reaches layer 1?", DECADES),
    _s("init-too-large", "Too-large weights explode", "001", INIT,
       {"preset": "too large", "tab": "Layers"},
       "Look at ‖∂L/∂h_l‖ growing towards the input.", "‖∂L/∂h₁‖ / ‖∂L/∂h_L‖", init_too_large),
    _s("constant-symmetry", "Constant init: every layer acts as one neuron", "001", INIT,
       {"preset": "constant", "tab": "Layers"},
       "Look at the distinct units per layer.", "most distinct units in any layer",
       constant_symmetry),
    _s("zero-relu", "Zero init with ReLU: all-zero gradients", "001", INIT,
       {"preset": "zero + ReLU", "tab": "Layers"},
       "Look at the zero-init section: every weight gradient is 0.", "largest weight-gradient norm",
       zero_relu),
    _s("zero-sigmoid", "Zero init with sigmoid: the last layer moves first", "001", INIT,
       {"preset": "zero + sigmoid", "tab": "Layers"},
       "Look at when each layer first moves, and the units that stay tied.",
       "layers that moved within 10 updates", zero_sigmoid_order),
    _s("every-activation", "Every activation, not only ReLU", "001", INIT,
       {"act": "sigmoid", "tab": "Layers"},
       "Pick any activation for the hidden layers.", "activations offered", every_activation),
    _s("clipping", "Gradient clipping bounds the step", "001", RNN,
       {"tab": "Clipping and the cliff", "theta": 1.0, "lr": 0.01},
       "Look at the clipped and plain descents at the cliff.",
       "largest clipped step (lr·θ = 0.01)", clipping_bounds_step),
    _s("sigmoid-range", "Sigmoid outputs in (0, 1), slopes in (0, 0.25]", "002", ACT,
       {"tab": "Properties", "act": ["sigmoid"]},
       "Look at the sigmoid's range and its slope's.", "largest sigmoid′ on [−30, 30]",
       sigmoid_range),
    _s("dying-relu", "Dying ReLU: z < 0 for every input passes nothing", "002", REMEDIES,
       {"tab": "Dying ReLU"},
       "Look at the share of dead units after large updates.",
       "gradient of a unit with z < 0 on every input", dying_relu),
    _s("early-layers-slower", "Early layers learn slower", "003", INIT,
       {"preset": "custom", "init": "Xavier/Glorot normal", "act": "sigmoid", "tab": "Layers"},
       "Look at ‖∂L/∂h_l‖: smaller towards the input.", "‖∂L/∂h₁‖ / ‖∂L/∂h_L‖",
       early_layers_slower, "How much of the gradient reaches layer 1 of 10 sigmoid layers?",
       (1.0, 1e-1, 1e-2, 1e-3, 1e-6)),
    _s("quarter-share", "|w σ′(z)| < 1/4: typical, not guaranteed", "003", CHAIN,
       {"tab": "Neuron chain", "length": 1000, "act": "sigmoid"},
       "Look at the factors along a 1000-neuron chain: most are below 1/4, some are not.",
       "share of factors below 1/4", quarter_share),
    _s("b1-over-b3", "∂C/∂b₁ ≈ ∂C/∂b₃ / 16?", "003", CHAIN,
       {"tab": "Neuron chain", "length": 4, "act": "sigmoid"},
       "Look at the two factors between b₁ and b₃: their product is the exact ratio (1/16 only "
       "if each is 1/4).", "(∂C/∂b₁)/(∂C/∂b₃)", b1_over_b3),
    _s("explosion-25", "w = 100, b = −100·a: every factor is 25", "003", CHAIN,
       {"tab": "Neuron chain", "length": 4, "act": "sigmoid", "source": "seed 003 explosion"},
       "Look at the factors: each one is 100 × 1/4.", "every factor w·σ′(z)", explosion_25,
       "What is each factor w·σ′(z)?", (1.0, 4.0, 25.0, 100.0)),
    _s("bptt-vanishes", "Backpropagation through time vanishes like depth", "003", RNN,
       {"tab": "Gradient through time", "radius": 0.9, "seq_len": 100},
       "Look at the vanilla RNN's gradient reaching step 0 of 100.",
       "‖∂L/∂h₀‖ / ‖∂L/∂h_T‖ (RNN, tanh)", bptt_vanishes,
       "How much of the gradient reaches the first of 100 steps?", DECADES),
    _s("uniform-product", "50 uniforms: the product does exceed 1e-18", "004", ACT,
       {"tab": "Random products", "n": 50, "thr": -18},
       "Look at the distribution of log10 of the product, and the share above 1e-18.",
       "exact P(product > 1e-18)", uniform_product,
       "How often is a product of 50 U(0,1) numbers above 1e-18?", (0.0, 0.01, 0.1, 0.5)),
    _s("saturated-sigmoid", "Large pre-activations saturate the sigmoid", "004", ACT,
       {"tab": "Saturation", "s": 10.0, "mu": 0.0, "act": ["sigmoid"]},
       "Look at the share of z ~ N(0, 10²) where sigmoid′ < 0.05.", "saturated share",
       saturated_sigmoid),
    _s("relu-sparsity", "ReLU: one-sided saturation, half the units off", "004", ACT,
       {"tab": "Saturation", "s": 1.0, "mu": 0.0, "act": ["ReLU"]},
       "Look at the share of z ~ N(0, 1) where ReLU′ = 0.", "saturated share", relu_sparsity),
    _s("zigzag", "Positive inputs make the updates zig-zag", "004", ACT,
       {"tab": "Zero-centred", "pos": "sigmoid", "lr": 0.5, "steps": 200},
       "Look at the path of the weights with positive inputs vs centred ones.",
       "share of steps whose two weight updates differ in sign (positive inputs)", zigzag),
    _s("elu-floor", "ELU saturates at −α", "004", ACT, {"tab": "Curves", "act": ["ELU"]},
       "Look at ELU for x ≪ 0.", "ELU(−50) with α = 1", elu_floor),
    _s("leaky-slope", "Leaky ReLU keeps a slope α = 0.01", "004", ACT,
       {"tab": "Curves", "act": ["leaky ReLU"]},
       "Look at leaky ReLU′ for x < 0.", "leaky ReLU′(−3)", leaky_slope),
    _s("glorot-bengio", "Glorot & Bengio: standard vs normalized init", "theory", INIT,
       {"tab": "Histograms"},
       "Look at the back-propagated gradient histograms per layer.",
       "gradient std, layer 5 / layer 1 (standard init)", glorot_bengio_spread),
    _s("he-relu", "He init keeps ReLU gradients stable", "theory", INIT,
       {"preset": "He + ReLU", "depth": 50, "tab": "Layers"},
       "Look at ‖∂L/∂h_l‖ across 50 layers.", "‖∂L/∂h₁‖ / ‖∂L/∂h_L‖", he_relu),
    _s("hanin-rolnick", "Finite width: the seeds spread with depth", "theory", INIT,
       {"preset": "He + ReLU", "depth": 60, "width": 128, "tab": "Layers"},
       "Look at the shaded band around the activation std: the same network drawn with 8 "
       "seeds, against the flat mean-field line.",
       "highest / lowest activation std at layer 60", hanin_rolnick),
    _s("saxe-orthogonal", "Saxe: orthogonal linear nets are isometries", "theory", CHAIN,
       {"tab": "Jacobian spectra", "jact": "linear"},
       "Look at the singular values of the input-output Jacobian.",
       "log10 σ_max/σ_min (orthogonal, linear)", saxe_orthogonal),
    _s("pascanu-bound", "Pascanu: σ_max < 1/γ guarantees vanishing", "theory", RNN,
       {"tab": "Gradient through time", "radius": 0.9},
       "Look at the bound (γσ_max)^(T−t) above the RNN's gradient.", "γ·σ_max",
       pascanu_bound),
    _s("edge-tanh", "Edge of chaos for tanh at σ_b² = 0.05", "theory", INIT,
       {"tab": "Phase diagram", "act": "tanh"},
       "Look at where χ₁ = 1 crosses σ_b² = 0.05.", "critical σ_w²", edge_tanh),
    _s("edge-relu", "Edge of chaos for ReLU at σ_w² = 2", "theory", INIT,
       {"tab": "Phase diagram", "act": "ReLU"},
       "Look at χ₁ at σ_w² = 2, σ_b² = 0.", "χ₁", edge_relu),
    _s("pennington", "Pennington: dynamical isometry", "theory", CHAIN,
       {"tab": "Jacobian spectra", "jact": "tanh"},
       "Compare the Jacobian's singular values for Gaussian and orthogonal weights.",
       "log10 σ_max/σ_min (Gaussian, tanh)", pennington_isometry),
    _s("lstm-forget", "LSTM: the cell path is the forget gate", "theory", RNN,
       {"tab": "Gradient through time", "forget_bias": 3.0},
       "Look at the LSTM's ∂L/∂c_t, carried by the forget gates.", "mean forget gate f_t",
       lstm_forget),
)
# fmt: on
BY_ID = {s.id: s for s in SCENARIOS}
SEED_ORDER = ("000", "001", "002", "003", "004", "theory")
TOUR = tuple(sorted(SCENARIOS, key=lambda s: SEED_ORDER.index(s.seed)))
"""The scenarios in the seeds' order (stable within a seed)."""
CHANGED = (
    "\n\nSome settings now differ from the scenario's link, so the page no longer shows this "
    "number; open the link again to return to it."
)
