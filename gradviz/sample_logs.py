"""The app's own training, logged per parameter as a practitioner's gradient log.

:func:`logged_training` trains a :class:`~gradviz.train.TrainConfig` with
:func:`gradviz.train.train` and keeps, for every applied update, one row per parameter in the
long format :mod:`gradviz.gradlog` reads: ``step, name, grad_norm, param_norm, update_norm,
loss``. Parameters are named as PyTorch names those of the same network built as
``nn.Sequential(Linear, act, Linear, act, ..., Linear)``: ``0.weight``, ``0.bias``,
``2.weight``, ... in network order, so the log reads like one from ``model.named_parameters()``.

:data:`SAMPLES` are the two runs the "Your network" page ships as CSV files under ``samples/``:
a deep sigmoid network whose gradients vanish, and a ReLU network with He init that learns.
``python -m gradviz.sample_logs`` rewrites them; a test checks the shipped files are
byte-identical to a fresh run.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from gradviz.mlp import MLPConfig
from gradviz.symptoms import chance_loss
from gradviz.train import TrainConfig, train

COLUMNS = ("step", "name", "grad_norm", "param_norm", "update_norm", "loss")
SAMPLES: dict[str, TrainConfig] = {
    "failing_sigmoid": TrainConfig(
        mlp=MLPConfig(depth=10, width=32, activation="sigmoid", init="xavier_normal", seed=0),
        dataset="moons",
        n=200,
        steps=100,
        lr=0.1,
    ),
    "healthy": TrainConfig(
        mlp=MLPConfig(depth=10, width=32, activation="relu", init="he_normal", seed=0),
        dataset="moons",
        n=200,
        steps=100,
        lr=0.1,
    ),
}
"""The shipped sample logs: file stem -> the run it logs (full batch, SGD, seed 0)."""
SAMPLE_DIR = Path(__file__).resolve().parents[1] / "samples"


def torch_name(key: str) -> str:
    """PyTorch's name for the engine parameter ``key`` of an ``nn.Sequential`` that alternates
    Linear and activation modules: ``W1 -> "0.weight"``, ``b3 -> "4.bias"``."""
    kind = "weight" if key.startswith("W") else "bias"
    layer = int(key.lstrip("Wb"))
    return f"{2 * (layer - 1)}.{kind}"


def network_order(keys: tuple[str, ...]) -> list[int]:
    """Positions of ``keys`` (``W1..W{L+1}``, ``b1..b{L+1}``) in network order: W1, b1, W2, ..."""
    return sorted(range(len(keys)), key=lambda i: (int(keys[i].lstrip("Wb")), keys[i][0] != "W"))


def logged_training(cfg: TrainConfig) -> pd.DataFrame:
    """Train ``cfg`` and log every applied update, one row per parameter (network order).

    Returns DataFrame[step, name, grad_norm, param_norm, update_norm, loss] with
    ``cfg.steps × 2(L+1)`` rows (fewer if the run diverged): ‖∂C/∂θ‖ after the backward pass,
    ‖θ‖ before the update, ‖Δθ‖ of the update, and the step's loss. Batch norm's scale and shift
    are not logged (``cfg`` must not use batch norm).
    """
    if cfg.mlp.batchnorm:
        raise ValueError("logged_training logs Linear layers only; switch batch norm off")
    rows: list[tuple] = []

    def observe(step, keys, loss, grad_norms, param_norms, update_norms):
        for i in network_order(keys):
            rows.append(
                (
                    step,
                    torch_name(keys[i]),
                    float(grad_norms[i]),
                    float(param_norms[i]),
                    float(update_norms[i]),
                    loss,
                )
            )

    train(cfg, observe=observe)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def to_csv(frame: pd.DataFrame) -> str:
    """The log as CSV text, numbers in Python's shortest round-trip form (``repr``), one
    ``\\n`` per row: :func:`gradviz.gradlog.read_log` reads back exactly these numbers."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(frame.columns)
    for row in frame.itertuples(index=False):
        writer.writerow(
            [v if isinstance(v, str) else repr(int(v) if k == 0 else float(v)) for k, v in
             enumerate(row)]
        )  # fmt: skip
    return buffer.getvalue()


def sample_csv(name: str) -> str:
    """The sample log ``name`` of :data:`SAMPLES`, as the CSV text shipped in ``samples/``."""
    return to_csv(logged_training(SAMPLES[name]))


def write_samples(directory: Path = SAMPLE_DIR) -> list[Path]:
    """Write every sample log to ``directory/<name>.csv``; returns the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in SAMPLES:
        path = directory / f"{name}.csv"
        path.write_bytes(sample_csv(name).encode("utf-8"))
        paths.append(path)
    return paths


def sample_chance_loss(name: str) -> float:
    """The chance-level loss of sample ``name``'s training data (the log itself cannot say)."""
    cfg = SAMPLES[name]
    return chance_loss(cfg.loss, cfg.data()[1])


def read_sample(name: str, directory: Path = SAMPLE_DIR) -> bytes:
    """The shipped bytes of sample ``name``."""
    return (directory / f"{name}.csv").read_bytes()


if __name__ == "__main__":
    for written in write_samples(Path(sys.argv[1]) if len(sys.argv) > 1 else SAMPLE_DIR):
        print(written, np.round(written.stat().st_size / 1e3, 1), "kB")
