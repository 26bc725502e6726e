r"""Weight initializers: one registry ``name -> Initializer``.

Each initializer draws a weight matrix of shape ``(fan_in, fan_out)`` (the layer computes
``z = h @ W + b``) from an explicit ``rng``. Its ``variance(fan_in, fan_out)`` is the variance
of one entry, so that :math:`\sigma_w^2 = \text{fan\_in}\cdot\mathrm{Var}(W_{ij})` places it on
the mean-field phase diagram.

>>> rng = np.random.default_rng(0)
>>> W = get_initializer("he_normal").sample(256, 128, rng)
>>> W.shape
(256, 128)
>>> round(sigma_w2("he_normal", 256, 128), 6)
2.0
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from gradviz.registry import Param, lookup, resolve

Array = np.ndarray


@dataclass(frozen=True)
class Initializer:
    """A registry initializer with fixed parameters.

    ``sample(fan_in, fan_out, rng) -> W`` of shape ``(fan_in, fan_out)``;
    ``variance(fan_in, fan_out) -> Var(W_ij)``.
    """

    name: str
    label: str
    draw: Callable[..., Array] = field(compare=False, repr=False)
    var: Callable[..., float] = field(compare=False, repr=False)
    params: tuple[tuple[str, float], ...] = ()

    def sample(self, fan_in: int, fan_out: int, rng: np.random.Generator) -> Array:
        return self.draw(fan_in, fan_out, rng, **dict(self.params))

    def variance(self, fan_in: int, fan_out: int) -> float:
        return float(self.var(fan_in, fan_out, **dict(self.params)))

    def __str__(self) -> str:
        if not self.params:
            return self.label
        return f"{self.label}({', '.join(f'{k}={v:g}' for k, v in self.params)})"


@dataclass(frozen=True)
class InitializerSpec:
    name: str
    label: str
    draw: Callable[..., Array] = field(repr=False)
    var: Callable[..., float] = field(repr=False)
    params: tuple[Param, ...] = ()
    formula: str = ""

    def make(self, **values: float) -> Initializer:
        return Initializer(
            self.name, self.label, self.draw, self.var, resolve(self.name, self.params, values)
        )


def _normal(std_of: Callable[..., float]):
    def draw(fan_in, fan_out, rng, **p):
        return rng.normal(0.0, std_of(fan_in, fan_out, **p), size=(fan_in, fan_out))

    def var(fan_in, fan_out, **p):
        return std_of(fan_in, fan_out, **p) ** 2

    return draw, var


def _uniform(limit_of: Callable[..., float]):
    def draw(fan_in, fan_out, rng, **p):
        a = limit_of(fan_in, fan_out, **p)
        return rng.uniform(-a, a, size=(fan_in, fan_out))

    def var(fan_in, fan_out, **p):
        return limit_of(fan_in, fan_out, **p) ** 2 / 3.0

    return draw, var


def _constant(fan_in, fan_out, rng, c=0.0):
    return np.full((fan_in, fan_out), float(c))


def _orthogonal(fan_in, fan_out, rng, gain=1.0):
    # Saxe et al. 2014: QR of a Gaussian matrix, with the sign fix that makes Q Haar-distributed.
    a = rng.normal(size=(max(fan_in, fan_out), min(fan_in, fan_out)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))
    q = q if fan_in >= fan_out else q.T
    return gain * q[:fan_in, :fan_out]


_GAIN = Param("gain", 1.0, 0.0, 4.0, "multiplies the orthogonal matrix")

REGISTRY: Mapping[str, InitializerSpec] = {
    spec.name: spec
    for spec in (
        InitializerSpec("zeros", "zeros", *_normal(lambda i, o: 0.0), formula=r"W=0"),
        InitializerSpec(
            "constant",
            "constant",
            _constant,
            lambda i, o, c=0.0: 0.0,
            (Param("c", 0.5, -2.0, 2.0, "every weight equals c"),),
            r"W=c",
        ),
        InitializerSpec(
            "too_small",
            "too small N(0, 0.01²)",
            *_normal(lambda i, o: 0.01),
            formula=r"W\sim\mathcal N(0,\,0.01^2)",
        ),
        InitializerSpec(
            "standard_normal",
            "standard normal N(0, 1)",
            *_normal(lambda i, o: 1.0),
            formula=r"W\sim\mathcal N(0,1)",
        ),
        InitializerSpec(
            "standard_uniform",
            "standard U[±1/√n]",
            *_uniform(lambda i, o: 1.0 / math.sqrt(i)),
            formula=r"W\sim U\big[\pm\tfrac{1}{\sqrt{n_{in}}}\big]",
        ),
        InitializerSpec(
            "xavier_normal",
            "Xavier/Glorot normal",
            *_normal(lambda i, o: math.sqrt(2.0 / (i + o))),
            formula=r"W\sim\mathcal N\big(0,\tfrac{2}{n_{in}+n_{out}}\big)",
        ),
        InitializerSpec(
            "xavier_uniform",
            "Xavier/Glorot uniform",
            *_uniform(lambda i, o: math.sqrt(6.0 / (i + o))),
            formula=r"W\sim U\big[\pm\sqrt{\tfrac{6}{n_{in}+n_{out}}}\big]",
        ),
        InitializerSpec(
            "he_normal",
            "He/Kaiming normal",
            *_normal(lambda i, o: math.sqrt(2.0 / i)),
            formula=r"W\sim\mathcal N\big(0,\tfrac{2}{n_{in}}\big)",
        ),
        InitializerSpec(
            "he_uniform",
            "He/Kaiming uniform",
            *_uniform(lambda i, o: math.sqrt(6.0 / i)),
            formula=r"W\sim U\big[\pm\sqrt{\tfrac{6}{n_{in}}}\big]",
        ),
        InitializerSpec(
            "lecun_normal",
            "LeCun normal",
            *_normal(lambda i, o: math.sqrt(1.0 / i)),
            formula=r"W\sim\mathcal N\big(0,\tfrac{1}{n_{in}}\big)",
        ),
        InitializerSpec(
            "orthogonal",
            "orthogonal",
            _orthogonal,
            lambda i, o, gain=1.0: gain**2 / max(i, o),
            (_GAIN,),
            r"W=g\,Q,\;Q^\top Q=I",
        ),
        InitializerSpec(
            "scaled",
            "free scale σ_w/√n",
            *_normal(lambda i, o, sigma_w=1.0: sigma_w / math.sqrt(i)),
            params=(Param("sigma_w", 1.0, 0.0, 10.0, "weight scale σ_w"),),
            formula=r"W\sim\mathcal N\big(0,\tfrac{\sigma_w^2}{n_{in}}\big)",
        ),
    )
}

NAMES: tuple[str, ...] = tuple(REGISTRY)


def get_initializer(name: str, **params: float) -> Initializer:
    """Build the registry initializer ``name`` with the given parameter values."""
    return lookup(REGISTRY, name, "initializer").make(**params)


def sigma_w2(name: str, fan_in: int, fan_out: int, **params: float) -> float:
    r"""Mean-field weight variance :math:`\sigma_w^2 = n_{in}\,\mathrm{Var}(W_{ij})`."""
    return fan_in * get_initializer(name, **params).variance(fan_in, fan_out)


def init_bias(fan_out: int, sigma_b: float, rng: np.random.Generator) -> Array:
    """Bias vector of shape ``(fan_out,)``: zeros when ``sigma_b == 0``, else N(0, σ_b²)."""
    if sigma_b == 0:
        return np.zeros(fan_out)
    return rng.normal(0.0, sigma_b, size=fan_out)
