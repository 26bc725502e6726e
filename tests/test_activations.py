"""The activation registry: derivatives against finite differences, and the seed facts."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradviz.activations import (
    NAMES,
    REGISTRY,
    default_properties,
    get_activation,
    prelu_alpha_grad,
    properties,
    rrelu_eval_slope,
    rrelu_sample,
)
from gradviz.gradcheck import rel_error

# Points away from kinks (0 for the ReLU family, ±1 for hard tanh) where f' is defined, and where
# central differences resolve f' (deep in a saturated tail f' ~ 1e-8 is below their round-off;
# the tails are checked against closed forms below).
X = np.array([-4.1, -3.1, -1.4, -0.6, -0.23, 0.17, 0.49, 0.93, 1.6, 2.4, 3.3, 4.1])


@pytest.mark.parametrize("name", NAMES)
def test_derivative_matches_central_differences(name):
    act = get_activation(name)
    h = 1e-5
    numeric = (act.fn(X + h) - act.fn(X - h)) / (2 * h)
    assert rel_error(act.grad(X), numeric) < 1e-6


@pytest.mark.parametrize("name", [n for n in NAMES if REGISTRY[n].params])
def test_parameterised_derivatives_at_bounds(name):
    spec = REGISTRY[name]
    for bound in ("low", "high"):
        values = {p.name: getattr(p, bound) for p in spec.params}
        if name == "rrelu":
            values = {"lower": 3.0, "upper": 8.0 if bound == "low" else 20.0}
        act = spec.make(**values)
        numeric = (act.fn(X + 1e-5) - act.fn(X - 1e-5)) / 2e-5
        assert rel_error(act.grad(X), numeric) < 1e-6


@given(st.floats(min_value=-1e300, max_value=1e300, allow_nan=False), st.sampled_from(NAMES))
def test_every_activation_is_finite_and_warning_free_on_any_float(x, name):
    act = get_activation(name)
    value, slope = act.fn(np.array([x])), act.grad(np.array([x]))
    assert np.all(np.isfinite(slope))
    assert np.all(np.isfinite(value)) or (abs(x) > 1e300 and name == "selu")


def test_sigmoid_is_correctly_rounded_to_about_an_ulp():
    x = np.linspace(-708.0, 708.0, 100_001)
    exact = (1 / (1 + np.exp(-x.astype(np.longdouble)))).astype(float)
    assert np.max(np.abs(get_activation("sigmoid").fn(x) - exact) / exact) < 4e-16


def test_saturated_tails_against_closed_forms():
    x = np.array([-30.0, -12.0, -7.3, 7.3, 12.0, 30.0])
    assert rel_error(get_activation("tanh").grad(x), 1 / np.cosh(x) ** 2) < 1e-9
    assert (
        rel_error(
            get_activation("sigmoid").grad(x), np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))) ** 2
        )
        < 1e-9
    )
    assert rel_error(get_activation("softsign").grad(x), (1 + np.abs(x)) ** -2.0) < 1e-12
    assert rel_error(get_activation("elu").grad(x[:3]), np.exp(x[:3])) < 1e-12
    # GELU deep in its left tail (values ~1e-17), against ½x(1 + tanh u) = x e^{2u}/(1 + e^{2u})
    # in extended precision; a purely relative tolerance, since the values are tiny.
    xl = np.array([-7.4, -6.0, -5.2], dtype=np.longdouble)
    u = np.sqrt(np.longdouble(2) / np.pi) * (xl + np.longdouble("0.044715") * xl**3)
    reference = (xl * np.exp(2 * u) / (1 + np.exp(2 * u))).astype(float)
    got = get_activation("gelu").fn(np.array([-7.4, -6.0, -5.2]))
    assert np.allclose(got, reference, rtol=1e-12, atol=0)


def test_relu_family_at_infinities():
    x = np.array([-np.inf, np.inf])
    assert np.array_equal(get_activation("relu").fn(x), [0.0, np.inf])
    assert np.array_equal(get_activation("leaky_relu", alpha=0.1).fn(x), [-np.inf, np.inf])


@given(st.floats(min_value=-30, max_value=30, allow_nan=False))
def test_sigmoid_identity_f_prime_equals_f_times_one_minus_f(x):
    act = get_activation("sigmoid")
    f = act.fn(np.array(x))
    assert math.isclose(float(act.grad(np.array(x))), float(f * (1 - f)), abs_tol=1e-15)


def test_seed_000_peak_slopes():
    sig, tanh, soft = (default_properties(n) for n in ("sigmoid", "tanh", "softsign"))
    assert sig.max_slope == 0.25 and sig.argmax_slope == 0.0
    assert tanh.max_slope == 1.0 and tanh.argmax_slope == 0.0
    assert soft.max_slope == 1.0 and soft.argmax_slope == 0.0
    assert default_properties("relu").slope_values == (0.0, 1.0)


def test_seed_002_sigmoid_ranges():
    sig = default_properties("sigmoid")
    assert sig.output_range == "(0, 1)"
    assert sig.saturates_left and sig.saturates_right


def test_computed_properties_of_the_family():
    assert default_properties("relu").output_range == "[0, ∞)"
    assert default_properties("relu").saturation == "left"
    assert default_properties("leaky_relu").saturation == "none"
    assert default_properties("elu").output_range == "(-1, ∞)"
    assert default_properties("tanh").output_range == "(-1, 1)"
    assert default_properties("hardtanh").output_range == "[-1, 1]"
    assert not default_properties("gelu").monotonic and not default_properties("silu").monotonic
    assert default_properties("tanh").zero_centred
    assert not default_properties("sigmoid").zero_centred
    assert not default_properties("relu").zero_centred
    assert default_properties("linear").peak_where == "every x"
    assert default_properties("relu").peak_where == "x > 0"


def test_elu_alpha_moves_its_saturation_level():
    assert properties(get_activation("elu", alpha=2.5)).output_range == "(-2.5, ∞)"


def test_rrelu_suggested_slope_is_one_over_five_and_a_half():
    assert rrelu_eval_slope(3.0, 8.0) == pytest.approx(1 / 5.5)
    out, slope = rrelu_sample(np.array([-1.0, 2.0] * 500), 3.0, 8.0, np.random.default_rng(0))
    neg = slope[::2]
    assert np.all((neg >= 1 / 8) & (neg <= 1 / 3)) and np.all(slope[1::2] == 1.0)
    assert np.allclose(out, np.array([-1.0, 2.0] * 500) * slope)


def test_prelu_alpha_gradient_matches_finite_difference():
    x = np.array([-2.0, -0.5, 0.3, 1.2])
    dout = np.array([0.7, -1.1, 0.4, 2.0])

    def loss(alpha):
        return float(np.sum(get_activation("prelu", alpha=alpha).fn(x) * dout))

    numeric = (loss(0.25 + 1e-6) - loss(0.25 - 1e-6)) / 2e-6
    assert rel_error(prelu_alpha_grad(x, dout), numeric) < 1e-6


def test_unknown_names_and_parameters_are_clear_errors():
    with pytest.raises(KeyError, match="unknown activation"):
        get_activation("swishy")
    with pytest.raises(ValueError, match="no parameter"):
        get_activation("relu", alpha=0.1)


def test_str_is_readable():
    assert str(get_activation("leaky_relu", alpha=0.2)) == "leaky ReLU(α=0.2)"
    assert str(get_activation("sigmoid")) == "sigmoid"


@pytest.mark.parametrize("act", NAMES)
def test_scalar_form_matches_the_array_form(act):
    f = get_activation(act).scalar
    fn = get_activation(act).fn
    xs = [0.0, -0.0, 1e-300, -1e-300, 0.3, -0.7, 1.0, -1.0, 4.5, -4.5, 19.0, -19.0, 40.0]
    xs += [-40.0, 49.9, -60.0, 700.0, -700.0, 800.0, -800.0, 1e10, -1e10, 1e300, -1e300]
    xs += [math.inf, -math.inf, math.nan]
    with np.errstate(all="ignore"):
        expected = fn(np.array(xs))
    got = np.array([f(x) for x in xs])
    same = (got == expected) | (np.isnan(got) & np.isnan(expected))
    close = np.isclose(got, expected, rtol=4 * np.finfo(float).eps, atol=0)
    assert np.all(same | close), np.array(xs)[~(same | close)]


@pytest.mark.parametrize("name", NAMES)
def test_value_and_grad_equals_fn_and_grad(name):
    act = get_activation(name)
    x = np.concatenate([np.linspace(-60, 60, 2401), [0.0, -0.0, 1e-300, 745.0, -745.0, 1e300]])
    value, slope = act.value_and_grad(x)
    # Same formulas, evaluated in a different order: equal to rounding (SiLU's f' = σ + xσ' has
    # a zero crossing near -1.28, where the error is absolute), and relatively in the tails.
    assert np.allclose(value, act.fn(x), rtol=1e-15, atol=1e-300)
    assert np.allclose(slope, act.grad(x), rtol=1e-15, atol=1e-15)
    tail = x[(x < -5) & (x > -700)]
    assert np.allclose(act.value_and_grad(tail)[1], act.grad(tail), rtol=1e-13, atol=0)


def _closed_form_means():
    """E[f(Z)], Z ~ N(0, 1), in closed form: ReLU 1/√(2π); leaky ReLU (1 − α)/√(2π); ELU
    1/√(2π) + α(e^{1/2}Φ(−1) − 1/2); SELU λ times ELU's (0 by design); hard tanh and tanh 0;
    sigmoid 1/2 (σ(z) − 1/2 is odd)."""
    from gradviz.activations import get_activation

    r = 1.0 / math.sqrt(2.0 * math.pi)
    phi_m1 = 0.5 * math.erfc(1.0 / math.sqrt(2.0))
    elu = get_activation("elu")
    leaky = get_activation("leaky_relu")
    selu_alpha, selu_scale = 1.6732632423543772, 1.0507009873554805
    a_elu = dict(elu.params)["alpha"] if hasattr(elu, "params") else 1.0
    a_leaky = dict(leaky.params)["alpha"] if hasattr(leaky, "params") else 0.01
    return {
        "relu": r,
        "leaky_relu": (1.0 - a_leaky) * r,
        "elu": r + a_elu * (math.exp(0.5) * phi_m1 - 0.5),
        "selu": selu_scale * (r + selu_alpha * (math.exp(0.5) * phi_m1 - 0.5)),
        "hardtanh": 0.0,
        "tanh": 0.0,
        "sigmoid": 0.5,
    }


@pytest.mark.parametrize("name", list(_closed_form_means()))
def test_mean_output_is_exact_across_kinks(name):
    from gradviz.activations import default_properties

    exact = _closed_form_means()[name]
    assert default_properties(name).mean_output_std_normal == pytest.approx(exact, abs=1e-12)
