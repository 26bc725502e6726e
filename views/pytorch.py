""" "Reproduce in PyTorch": short runnable snippets that build a page's network in PyTorch.

:func:`model_code` writes an ``nn.Sequential`` of the engine's :class:`~gradviz.mlp.MLPConfig`
(same depth, width, activation, initializer, bias scale, batch norm and residual connections);
:func:`training_code` adds the training loop of a :class:`~gradviz.train.TrainConfig` (loss,
optimizer, learning rate, clipping, L1/L2). The Initialization and Remedies pages show them
(:func:`views.initialization.pytorch_snippet`, :func:`views.remedies.pytorch_snippet`). PyTorch
draws its own random numbers, so the weights are the same *distribution*, not the same values.
"""

from __future__ import annotations

from gradviz.activations import REGISTRY as ACTIVATION_REGISTRY
from gradviz.mlp import MLPConfig
from gradviz.train import TrainConfig

ACTIVATIONS = {
    "sigmoid": lambda p: "nn.Sigmoid()",
    "tanh": lambda p: "nn.Tanh()",
    "softsign": lambda p: "nn.Softsign()",
    "relu": lambda p: "nn.ReLU()",
    "leaky_relu": lambda p: f"nn.LeakyReLU({p['alpha']:g})",
    # the engine draws the divisor a ~ U(lower, upper), slope 1/a; PyTorch draws the slope
    "rrelu": lambda p: f"nn.RReLU(1 / {p['upper']:g}, 1 / {p['lower']:g})",
    "prelu": lambda p: f"nn.PReLU(init={p['alpha']:g})",
    "elu": lambda p: f"nn.ELU({p['alpha']:g})",
    "selu": lambda p: "nn.SELU()",
    "gelu": lambda p: 'nn.GELU(approximate="tanh")',
    "silu": lambda p: "nn.SiLU()",
    "softplus": lambda p: "nn.Softplus()",
    "hardtanh": lambda p: "nn.Hardtanh()",
    "linear": lambda p: "nn.Identity()",
}
"""Engine activation -> the PyTorch module, from its parameters."""

INITIALIZERS = {
    "zeros": lambda p: "nn.init.zeros_(m.weight)",
    "constant": lambda p: f"nn.init.constant_(m.weight, {p.get('c', 0.5):g})",
    "too_small": lambda p: "nn.init.normal_(m.weight, 0.0, 0.01)",
    "standard_normal": lambda p: "nn.init.normal_(m.weight, 0.0, 1.0)",
    "standard_uniform": lambda p: (
        "nn.init.uniform_(m.weight, -1 / math.sqrt(m.in_features), 1 / math.sqrt(m.in_features))"
    ),
    "xavier_normal": lambda p: "nn.init.xavier_normal_(m.weight)",
    "xavier_uniform": lambda p: "nn.init.xavier_uniform_(m.weight)",
    "he_normal": lambda p: 'nn.init.kaiming_normal_(m.weight, nonlinearity="relu")',
    "he_uniform": lambda p: 'nn.init.kaiming_uniform_(m.weight, nonlinearity="relu")',
    "lecun_normal": lambda p: 'nn.init.kaiming_normal_(m.weight, nonlinearity="linear")',
    "orthogonal": lambda p: f"nn.init.orthogonal_(m.weight, gain={p.get('gain', 1.0):g})",
    "scaled": lambda p: (
        f"nn.init.normal_(m.weight, 0.0, {p.get('sigma_w', 1.0):g} / math.sqrt(m.in_features))"
    ),
}
"""Engine initializer -> the ``torch.nn.init`` call on a Linear module ``m``."""

RESIDUAL = '''

class Residual(nn.Module):
    """h + block(h): the identity path the gradient can take."""

    def __init__(self, block):
        super().__init__()
        self.block = block

    def forward(self, h):
        return h + self.block(h)
'''


def model_code(mlp: MLPConfig) -> str:
    """Python that builds ``model``: the network of ``mlp`` in PyTorch, initialized alike."""
    defaults = {p.name: p.default for p in ACTIVATION_REGISTRY[mlp.activation].params}
    act = ACTIVATIONS[mlp.activation](defaults | dict(mlp.act_params))
    init = INITIALIZERS[mlp.init](dict(mlp.init_params))
    bias = (
        "nn.init.zeros_(m.bias)"
        if mlp.sigma_b == 0
        else f"nn.init.normal_(m.bias, 0.0, {mlp.sigma_b:g})"
    )
    block = "nn.Linear(fan_in, width)" + (", nn.BatchNorm1d(width)" if mlp.batchnorm else "")
    block += f", {act}"
    if mlp.residual:
        layer = (
            f"        block = nn.Sequential({block})\n"
            "        layers.append(Residual(block) if fan_in == width else block)\n"
        )
    else:
        layer = f"        layers += [{block}]\n"
    return (
        "import math\n\nimport torch\nfrom torch import nn\n"
        + (RESIDUAL if mlp.residual else "")
        + f"\n\ntorch.manual_seed({mlp.seed})\n"
        f"depth, width, in_dim, out_dim = {mlp.depth}, {mlp.width}, {mlp.in_dim}, {mlp.out_dim}\n"
        "layers = []\n"
        "for i in range(depth):\n"
        "    fan_in = in_dim if i == 0 else width\n"
        + layer.replace("        ", "    ")
        + "model = nn.Sequential(*layers, nn.Linear(width, out_dim))\n"
        "for m in model.modules():\n"
        "    if isinstance(m, nn.Linear):\n"
        f"        {init}\n"
        f"        {bias}\n"
    )


LOSSES = {
    "bce": ("nn.BCEWithLogitsLoss()", "y.float().unsqueeze(1)"),
    "softmax": ("nn.CrossEntropyLoss()", "y.long()"),
    "mse": ("nn.MSELoss()", "y.float().unsqueeze(1)"),
}
OPTIMIZERS = {
    "sgd": "torch.optim.SGD(model.parameters(), lr={lr:g})",
    "momentum": "torch.optim.SGD(model.parameters(), lr={lr:g}, momentum=0.9)",
    "adam": "torch.optim.Adam(model.parameters(), lr={lr:g})",
}


def training_code(cfg: TrainConfig) -> str:
    """Python that builds ``cfg``'s network (:func:`model_code`) and trains it like
    :func:`gradviz.train.train`: full batch (or ``batch_size``) on a moons-like set, the same
    loss, optimizer, learning rate, L1/L2 on the weights, and clipping."""
    loss_fn, target = LOSSES[cfg.loss]
    penalty = ""
    if cfg.l1 > 0:
        penalty += f"    loss = loss + {cfg.l1:g} * sum(w.abs().sum() for w in weights)\n"
    if cfg.l2 > 0:
        penalty += f"    loss = loss + 0.5 * {cfg.l2:g} * sum(w.pow(2).sum() for w in weights)\n"
    threshold = f"{cfg.clip_threshold:g}"
    clip = {
        "none": "",
        "norm": f"    nn.utils.clip_grad_norm_(model.parameters(), max_norm={threshold})\n",
        "value": f"    nn.utils.clip_grad_value_(model.parameters(), {threshold})\n",
    }[cfg.clip]
    batch = (
        ""
        if cfg.batch_size == 0 or cfg.batch_size >= cfg.n
        else f"    idx = torch.randperm(len(X))[:{cfg.batch_size}]\n"
    )
    xb, yb = ("X[idx]", "Y[idx]") if batch else ("X", "Y")
    return (
        model_code(cfg.network)
        + "\n# The data: sklearn's two moons (the app draws its own set of the same kind).\n"
        "from sklearn.datasets import make_moons\n\n"
        f"X, y = make_moons({cfg.n}, noise={cfg.noise:g}, random_state={cfg.data_seed})\n"
        f"X, y = torch.tensor(X, dtype=torch.float32), torch.tensor(y)\n"
        f"Y = {target}\n"
        f"loss_fn = {loss_fn}\n"
        f"optimizer = {OPTIMIZERS[cfg.optimizer].format(lr=cfg.lr)}\n"
        "weights = [m.weight for m in model.modules() if isinstance(m, nn.Linear)]\n"
        f"for step in range({cfg.steps}):\n" + batch + "    optimizer.zero_grad()\n"
        f"    loss = loss_fn(model({xb}), {yb})\n"
        + penalty
        + "    loss.backward()\n"
        + clip
        + "    optimizer.step()\n"
        "    if step % 50 == 0:\n"
        "        print(step, loss.item(), weights[0].grad.norm().item(), "
        "weights[-1].grad.norm().item())\n"
    )
