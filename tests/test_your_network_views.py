"""The Your network view: snippets that run, messages that name where, diagnoses that agree
with the numbers they quote."""

import ast
import io
import math

import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from gradviz import gradlog
from gradviz import log_diagnosis as dx
from gradviz.gradlog import GradientLog, LogError, read_log
from gradviz.sample_logs import SAMPLES, network_order, torch_name
from gradviz.train import train
from tests.fuzz_kit import unmarked_non_finite
from views import your_network as views

SNIPPETS = {"pytorch": views.PYTORCH_SNIPPET, "keras": views.KERAS_SNIPPET}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_each_snippet_parses_and_holds_the_shared_writer_verbatim(name):
    tree = ast.parse(SNIPPETS[name])
    writers = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert [w.name for w in writers] == ["write_grad_log"]
    assert SNIPPETS[name].startswith(views.WRITER)
    assert "torch" not in views.WRITER and "tensorflow" not in views.WRITER


def writer_from(snippet: str):
    """``write_grad_log`` as the snippet defines it (its imports and the function, run as
    shown), without running the framework part."""
    tree = ast.parse(snippet)
    keep = [n for n in tree.body if isinstance(n, ast.Import | ast.FunctionDef)]
    keep = [n for n in keep if not (isinstance(n, ast.Import) and n.names[0].name != "csv")]
    namespace: dict = {}
    exec(compile(ast.Module(body=keep, type_ignores=[]), "<snippet>", "exec"), namespace)
    return namespace["write_grad_log"]


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_the_snippet_writer_on_the_engines_training_reads_back_exactly(name):
    """A few steps of a small net trained by the engine, logged through the snippet's own
    writer as the snippet calls it: read_log returns the same numbers."""
    write_grad_log = writer_from(SNIPPETS[name])
    cfg = SAMPLES["failing_sigmoid"]
    cfg = type(cfg)(mlp=cfg.mlp.__class__(depth=3, width=8, seed=2), steps=5, lr=0.3)
    file = io.StringIO()
    expected = {}

    def observe(step, keys, loss, grads, params, updates):
        norms = [
            (torch_name(keys[i]), grads[i], params[i], updates[i]) for i in network_order(keys)
        ]
        for n, g, p, u in norms:
            expected[step, n] = (float(g), float(p), float(u), loss)
        write_grad_log(file, step, norms, loss)

    train(cfg, observe=observe)
    log = read_log(file.getvalue())
    assert isinstance(log, GradientLog), log
    assert log.steps == tuple(range(5)) and len(log.names) == 8
    for row in log.frame.itertuples():
        assert (row.grad_norm, row.param_norm, row.update_norm, row.loss) == expected[
            row.step, row.name
        ]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("epoch,name,grad_norm\n0,a,1\n", "Row 1"),
        ("step,name,grad_norm\n0,a,abc\n", "Row 2, column `grad_norm`: `abc` is not a number"),
        ("step,name,grad_norm\n0,a,1\n1,a,-2\n", "Row 3, column `grad_norm`: `-2` is negative"),
        ("step,name,grad_norm\n0,a,1\n0,b,1\n1,a,1\n", "`b` is missing at step 1"),
        ("step,name,grad_norm\n0,a,1\n0,a,2\n", "Row 3 repeats row 2"),
        ("step,name,grad_norm\n0,a\n", "Row 2: 2 cells"),
        ("step,name,grad_norm,lr\n0,a,1,2\n", "Row 1, column `lr`"),
    ],
)
def test_every_error_names_where(text, where):
    message = views.read_and_view(text, "paste", ("start",))
    assert isinstance(message, str) and where in message


def test_every_problem_has_a_message():
    quoted = gradlog.LogError.__doc__.split("``")[1::2]
    documented = {p.strip('"') for p in quoted if p.startswith('"')}
    assert {p for p in documented if p.isidentifier()} == set(views.ERRORS)
    assert "20,000,000" in views.error_text(LogError("too_large_bytes", "3", limit=20_000_000))


def test_a_log_without_update_columns_says_they_are_missing():
    log = read_log("step,name,grad_norm\n0,a.weight,1\n0,b.weight,2\n")
    view = views.log_view(log, ("start",))
    assert "no `param_norm` and no `update_norm` column" in view.updates.info


def test_inf_is_marked_where_it_happens():
    text = "step,name,grad_norm\n" + "".join(
        f"{s},layer{k}.weight,{'inf' if (k == 3 and s >= 40) else 1.0}\n"
        for s in range(50)
        for k in (1, 2, 3)
    )
    view = views.log_view(read_log(text), ("start", "end"))
    assert view.warnings == (
        "grad_norm of `layer3.weight` is inf from step 40 (not finite at 10 steps).",
    )
    assert view.diagnosis.startswith("**Exploding gradients.**") and view.remedy == "exploding"


norm = st.one_of(
    st.floats(1e-30, 1e30),
    st.sampled_from([0.0, math.inf, math.nan]),
)


@st.composite
def logs(draw):
    names = draw(st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), min_size=1, max_size=5,
                          unique=True))  # fmt: skip
    suffix = draw(st.sampled_from([".weight", ".bias", ""]))
    steps = draw(st.lists(st.integers(0, 500), min_size=1, max_size=12, unique=True))
    with_updates = draw(st.booleans())
    lines = ["step,name,grad_norm" + (",param_norm,update_norm" if with_updates else "")]
    for step in steps:
        for name in names:
            cells = [draw(norm)] + ([draw(norm), draw(norm)] if with_updates else [])
            lines.append(",".join([str(step), name + suffix, *map(repr, cells)]))
    log = read_log("\n".join(lines))
    assert isinstance(log, GradientLog), log
    return log


@settings(max_examples=20, deadline=None, phases=[Phase.explicit, Phase.generate])
@given(log=logs(), at=st.lists(st.sampled_from(list(views.FRACTIONS)), max_size=5, unique=True))
def test_any_valid_log_gives_marked_numbers_and_a_consistent_diagnosis(log, at):
    d = dx.diagnose(log)
    view = views.log_view(log, tuple(at))
    if d.kind == "vanishing":
        assert d.early_ratio < dx.VANISHING_RATIO and not d.non_finite
    if d.kind == "exploding":
        assert d.non_finite or d.growth > dx.EXPLODING_GROWTH or d.early_ratio > 100
    if d.kind == "healthy":
        assert not d.non_finite and not d.early_ratio < dx.VANISHING_RATIO
    if not d.non_finite and not d.growth > 100 and not d.early_ratio > 100:
        assert (d.kind == "vanishing") == (d.early_ratio < dx.VANISHING_RATIO)
    if math.isfinite(d.early_ratio):
        assert views.format_sci(d.early_ratio) in view.diagnosis
    text = "\n".join([view.diagnosis, *view.warnings, view.updates.text, view.updates.info])
    assert unmarked_non_finite(text) == []
    for part in (view.profile, view.ratio, view.updates):
        for chart in part.charts:
            values = [r for d in chart.get("datasets", {}).values() for r in d]
            assert len(values) < 5000
            for row in values:
                for key in ("grad_norm", "ratio"):
                    if key in row and row[key] is not None:
                        assert np.isfinite(row[key]) and row[key] > 0
