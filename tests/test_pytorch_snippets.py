"""'Reproduce in PyTorch': every snippet parses and names the page's network and settings."""

import ast

import pytest

from gradviz import remedies as rm
from gradviz.activations import NAMES as ACTIVATIONS
from gradviz.initializers import NAMES as INITIALIZERS
from views import initialization as init_views
from views import pytorch
from views import remedies as remedy_views

TORCH_INIT = {
    "zeros": "nn.init.zeros_(m.weight)",
    "constant": "nn.init.constant_(m.weight, 0.5)",
    "too_small": "nn.init.normal_(m.weight, 0.0, 0.01)",
    "standard_normal": "nn.init.normal_(m.weight, 0.0, 1.0)",
    "standard_uniform": "nn.init.uniform_(m.weight, -1 / math.sqrt(m.in_features)",
    "xavier_normal": "nn.init.xavier_normal_(m.weight)",
    "xavier_uniform": "nn.init.xavier_uniform_(m.weight)",
    "he_normal": 'nn.init.kaiming_normal_(m.weight, nonlinearity="relu")',
    "he_uniform": 'nn.init.kaiming_uniform_(m.weight, nonlinearity="relu")',
    "lecun_normal": 'nn.init.kaiming_normal_(m.weight, nonlinearity="linear")',
    "orthogonal": "nn.init.orthogonal_(m.weight, gain=1)",
    "scaled": "nn.init.normal_(m.weight, 0.0, 1 / math.sqrt(m.in_features))",
}


TORCH_ACT = {
    "sigmoid": "nn.Sigmoid()",
    "tanh": "nn.Tanh()",
    "softsign": "nn.Softsign()",
    "relu": "nn.ReLU()",
    "leaky_relu": "nn.LeakyReLU(0.01)",
    "rrelu": "nn.RReLU(1 / 8, 1 / 3)",
    "prelu": "nn.PReLU(init=0.25)",
    "elu": "nn.ELU(1)",
    "selu": "nn.SELU()",
    "gelu": 'nn.GELU(approximate="tanh")',
    "silu": "nn.SiLU()",
    "softplus": "nn.Softplus()",
    "hardtanh": "nn.Hardtanh()",
    "linear": "nn.Identity()",
}


def test_every_engine_activation_and_initializer_has_a_pytorch_counterpart():
    assert set(pytorch.ACTIVATIONS) == set(ACTIVATIONS)
    assert set(pytorch.INITIALIZERS) == set(INITIALIZERS) == set(TORCH_INIT)


@pytest.mark.parametrize(
    ("init", "act", "depth", "width", "sigma_b"),
    [
        (init, act, depth, width, sigma_b)
        for init, act, depth, width, sigma_b in zip(
            INITIALIZERS,
            (ACTIVATIONS * 2)[: len(INITIALIZERS)],
            (1, 2, 10, 30, 100, 7, 3, 50, 12, 64, 5, 20),
            (2, 8, 64, 512, 16, 32, 3, 128, 256, 64, 100, 9),
            (0.0, 0.1, 0.0, 0.5, 0.0, 1.0, 0.0, 0.05, 0.0, 0.2, 0.0, 0.3),
            strict=True,
        )
    ],
)
def test_the_initialization_snippet_names_the_initializer_and_sizes(
    init, act, depth, width, sigma_b
):
    values = {"c": 0.5, "gain": 1.0, "sigma_w": 1.0}
    net = init_views.network(init, act, depth, width, sigma_b, 3, values)
    code = init_views.pytorch_snippet(net)
    ast.parse(code)
    assert TORCH_INIT[init] in code
    assert f"depth, width, in_dim, out_dim = {depth}, {width}, 2, 1" in code
    assert TORCH_ACT[act] in code
    bias = (
        "nn.init.zeros_(m.bias)" if sigma_b == 0 else f"nn.init.normal_(m.bias, 0.0, {sigma_b:g})"
    )
    assert bias in code and "torch.manual_seed(3)" in code


OPTIONS = rm.RemedyOptions()
OPTION_TUPLE = tuple(OPTIONS.__dict__.values())


@pytest.mark.parametrize(
    ("chosen", "expected", "absent"),
    [
        ((), ["nn.Sigmoid()", "4 / math.sqrt(m.in_features)", "lr=0.1"], ["clip_grad", "Residual"]),
        (("activation", "init"), ["nn.ReLU()", 'kaiming_normal_(m.weight, nonlinearity="relu")'],
         ["BatchNorm1d"]),
        (("batchnorm", "residual"), ["nn.BatchNorm1d(width)", "Residual(block)"], ["clip_grad"]),
        (("clip", "penalty"), ["clip_grad_norm_(model.parameters(), max_norm=1)",
                               "0.5 * 0.001 * sum(w.pow(2).sum()"], ["Residual"]),
        (("fewer_layers", "smaller_lr"), ["depth, width, in_dim, out_dim = 4, 64, 2, 1",
                                          "lr=0.01"], []),
    ],
)  # fmt: skip
def test_the_remedies_snippet_names_the_remedy_settings(chosen, expected, absent):
    problem = (20, 64, "sigmoid", "scaled", 4.0, 0.1, 300)
    code = remedy_views.pytorch_snippet(problem, 0, chosen, OPTION_TUPLE)
    ast.parse(code)
    assert "for step in range(300):" in code
    for text in expected:
        assert text in code, text
    for text in absent:
        assert text not in code, text


def test_clipping_by_value_and_adam_and_minibatches_are_written():
    cfg = rm.Problem(optimizer="adam").config()
    cfg = cfg.__class__(**{**cfg.__dict__, "clip": "value", "clip_threshold": 0.1,
                           "batch_size": 32, "l1": 0.01})  # fmt: skip
    code = pytorch.training_code(cfg)
    ast.parse(code)
    assert "nn.utils.clip_grad_value_(model.parameters(), 0.1)" in code
    assert "torch.optim.Adam(model.parameters(), lr=0.1)" in code
    assert "torch.randperm(len(X))[:32]" in code and "model(X[idx]), Y[idx]" in code
    assert "0.01 * sum(w.abs().sum() for w in weights)" in code
