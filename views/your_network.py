"""Everything the Your network page shows: its words, controls, snippets and one view of a log.

The page reads a gradient log (a sample, an upload or a paste), and :func:`log_view` turns it
into the charts and the diagnosis text, every number computed by :mod:`gradviz.log_diagnosis`.
The two snippets write the log from PyTorch and Keras through one small pure-Python writer
(:data:`WRITER`, no framework import), which the tests run verbatim on the engine's own training.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from gradviz import gradlog
from gradviz import log_diagnosis as dx
from gradviz import symptoms as sy
from gradviz.numerics import drawable_on_log, format_sci
from gradviz.sample_logs import SAMPLES, read_sample, sample_chance_loss
from views import Header, View, file_uploader, multiselect, selectbox, spec, text_area
from views.charts import your_network as charts
from views.symptoms import evidence

HEADER = Header(
    "Your network",
    "Log each parameter's gradient norm while you train your own network, bring the CSV here, "
    "and see whether its gradients vanish or explode, layer by layer. With no file it shows a "
    "log of this app's own training. The diagnosis compares the first and the last weight:",
    r"R=\operatorname{median}_{t\,\in\,\text{first }10\%}\;"
    r"\frac{\lVert\partial L/\partial W_{\text{first}}\rVert_t}"
    r"{\lVert\partial L/\partial W_{\text{last}}\rVert_t}",
)

SAMPLE_LABELS = {
    "failing: 10-layer sigmoid": "failing_sigmoid",
    "healthy: 10-layer ReLU + He init": "healthy",
}
"""Sample label (the link value) -> file stem under ``samples/`` (:data:`SAMPLES`)."""
PASTE_MAX_CHARS = 20_000
"""A pasted log travels in the link (the text area is bound to the URL), so pasting is for
short logs; a longer one is uploaded (up to :data:`gradviz.gradlog.MAX_BYTES`)."""
FRACTIONS = {"start": 0.0, "25%": 0.25, "50%": 0.5, "75%": 0.75, "end": 1.0}
"""Where in training the depth profile is drawn (fraction of the logged steps)."""

SAMPLE = selectbox("Sample log (used when no file is uploaded and nothing is pasted)",
                   list(SAMPLE_LABELS), key="sample")  # fmt: skip
UPLOAD = file_uploader(
    "Upload your log (CSV)",
    key="upload",
    type=["csv", "txt"],
    help=f"Up to {gradlog.MAX_ROWS:,} rows and {gradlog.MAX_BYTES / 1e6:g} MB.",
)
PASTE = text_area(
    "…or paste a short log",
    key="paste",
    max_chars=PASTE_MAX_CHARS,
    height=120,
    placeholder="step,name,grad_norm,param_norm,update_norm,loss\n0,0.weight,0.02,3.1,0.002,0.69",
    help=f"Up to {PASTE_MAX_CHARS:,} characters: a pasted log is kept in the page's link.",
)
AT = multiselect(
    "Gradient norm against depth at", list(FRACTIONS), default=["start", "50%", "end"], key="at"
)

FORMAT = (
    "**The format.** One row per (step, parameter), parameters in network order (input "
    "first):\n\n"
    "`step,name,grad_norm[,param_norm,update_norm,act_std,loss]`\n\n"
    "`grad_norm` is ‖∂L/∂θ‖ after `backward()`, `param_norm` ‖θ‖ before the update, "
    "`update_norm` ‖Δθ‖ of the update. Values that are not finite (NaN, inf) are allowed: a "
    "run that blew up logs them; "
    f"the page reads up to {gradlog.MAX_ROWS:,} rows and {gradlog.MAX_BYTES / 1e6:g} MB."
)

WRITER = '''import csv


def write_grad_log(file, step, norms, loss):
    """Append one CSV row per parameter to the open text file `file` (the header first).
    norms: (name, grad_norm, param_norm, update_norm) per parameter, input to output."""
    writer = csv.writer(file, lineterminator="\\n")
    if file.tell() == 0:
        writer.writerow(["step", "name", "grad_norm", "param_norm", "update_norm", "loss"])
    for name, grad, param, update in norms:
        numbers = (grad, param, update, loss)
        writer.writerow([int(step), name, *(repr(float(x)) for x in numbers)])
'''
"""The writer both snippets share: plain Python, so the tests run it as it is shown."""

PYTORCH_SNIPPET = (
    WRITER
    + """

# In your training loop (model, optimizer, loss_fn and loader are yours):
log = open("grad_log.csv", "w", newline="")
for step, (x, y) in enumerate(loader):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    optimizer.step()
    norms = [
        (n, p.grad.norm().item(), before[n].norm().item(), (p.detach() - before[n]).norm().item())
        for n, p in model.named_parameters()
        if p.grad is not None
    ]
    write_grad_log(log, step, norms, loss.item())
log.close()
"""
)
KERAS_SNIPPET = (
    WRITER
    + """

# A custom training step (model, optimizer, loss_fn and dataset are yours):
import tensorflow as tf

log = open("grad_log.csv", "w", newline="")
for step, (x, y) in enumerate(dataset):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    variables = model.trainable_variables
    grads = tape.gradient(loss, variables)
    before = [tf.identity(v) for v in variables]
    optimizer.apply_gradients(zip(grads, variables))
    norms = [
        (v.path, float(tf.norm(g)), float(tf.norm(b)), float(tf.norm(v - b)))
        for v, g, b in zip(variables, grads, before)
    ]
    write_grad_log(log, step, norms, float(loss))
log.close()
"""
)
SNIPPETS_TITLE = "Write this log from your own training (PyTorch, Keras)"
SNIPPETS_INTRO = (
    "Both snippets call the same small writer. It logs every step; for a long run, call it "
    "every k steps (`if step % 10 == 0:`). Parameters are written in `named_parameters()` "
    "order, which is the network order for an `nn.Sequential`."
)

ERRORS = {
    "too_large_bytes": "The log is {value} bytes; the limit is {limit:,} bytes.",
    "too_many_rows": "The log has more than {limit:,} rows (row {value} is over the limit).",
    "not_text": "The file is not UTF-8 text: upload the CSV file itself.",
    "empty": "The log is empty.",
    "header": "Row 1 (the header) is `{value}`; it must start with `step,name,grad_norm`.",
    "unknown_column": "Row 1, column `{column}`: unknown column (allowed after "
    "`step,name,grad_norm`: " + ", ".join(f"`{c}`" for c in gradlog.OPTIONAL) + ").",
    "cell_count": "Row {row}: {value} cells, but the header has {limit}.",
    "empty_name": "Row {row}, column `name`: the parameter name is empty.",
    "step_not_integer": "Row {row}, column `step`: `{value}` is not a whole number.",
    "step_negative": "Row {row}, column `step`: `{value}` is negative.",
    "empty_number": "Row {row}, column `{column}`: the cell is empty.",
    "not_a_number": "Row {row}, column `{column}`: `{value}` is not a number.",
    "negative": "Row {row}, column `{column}`: `{value}` is negative, and a norm cannot be.",
    "no_rows": "The log has a header but no rows.",
    "duplicate": "Row {row} repeats row {other_row}: step and name `{value}` appear twice.",
    "missing": "Column `name`: parameter `{name}` is missing at step {step} (every step must "
    "log every parameter).",
}
"""What each :class:`gradviz.gradlog.LogError` problem says; every one names where."""


def error_text(error: gradlog.LogError) -> str:
    """The message for a log that could not be read, naming the row and column."""
    step, _, name = error.value.partition(",")
    fields = {**error.__dict__, "step": step, "name": name}
    return "This log could not be read. " + ERRORS[error.problem].format(**fields)


def sample_bytes(label: str) -> bytes:
    """The shipped sample log behind a :data:`SAMPLE_LABELS` label."""
    return read_sample(SAMPLE_LABELS[label])


def source_caption(kind: str, log: gradlog.GradientLog) -> str:
    """Which log the page shows, and its size."""
    what = {"upload": "your uploaded log", "paste": "your pasted log"}.get(
        kind, f"the sample {kind!r}"
    )
    return (
        f"Showing {what}: {len(log.frame):,} rows, {len(log.names)} parameters, "
        f"{len(log.steps):,} steps ({log.steps[0]} to {log.steps[-1]})."
    )


def sample_note(label: str) -> str:
    """How a sample log was made, from its training configuration."""
    cfg = SAMPLES[SAMPLE_LABELS[label]]
    net = cfg.network
    return (
        f"This sample is the app's own training: {net.depth} hidden layers of {net.width} "
        f"{net.activation} units, {net.init} init, {cfg.optimizer.upper()} at learning rate "
        f"{cfg.lr:g} for {cfg.steps} steps on {cfg.n} points of the {cfg.dataset} data, "
        "logged as PyTorch would name the same `nn.Sequential`."
    )


@dataclass(frozen=True)
class LogView:
    """The page's view of one log: the ``diagnosis`` text and which Remedies link fits it
    (``remedy``: a key of :data:`REMEDY_LINKS`, or ``""``), ``warnings`` (one per parameter
    that left float64 range), the depth ``profile``, the first/last ``ratio`` over training and
    the ``updates`` chart (each a :class:`~views.View` with its caption and text)."""

    diagnosis: str
    remedy: str
    warnings: tuple[str, ...]
    profile: View
    ratio: View
    updates: View
    symptoms: str


SYMPTOMS_TITLE = "Symptoms of exploding gradients (seed 003), evaluated on this log"
SYMPTOMS_INTRO = (
    "The same six checks, with the same thresholds, as on the Remedies page "
    "(`gradviz.symptoms`). A check that needs something this log does not hold says so."
)


def symptoms_text(log: gradlog.GradientLog, chance: float | None) -> str:
    """The six symptoms evaluated on ``log`` (``chance``: the chance-level loss if known), one
    line each: present, absent, or not in this log and what it needs."""
    table = sy.evaluate(sy.from_log(log, chance))
    lines = []
    for row in table.itertuples():
        if not row.evaluated:
            lines.append(f"- ➖ not in this log: *{row.symptom}* ({evidence(row.facts)}).")
        else:
            mark = "❌ present" if row.present else "✅ absent"
            lines.append(f"- {mark}: *{row.symptom}* — {evidence(row.facts)}.")
    return "\n".join(lines)


REMEDIES_PAGE = "pages/5_Remedies.py"
REMEDY_TAB = "Remedies & symptoms"
REMEDY_LINKS = {
    "vanishing": (
        "See these remedies on the Remedies page: ReLU, He init, batch norm and residual "
        "connections on a deep sigmoid network",
        {"tab": REMEDY_TAB, "remedies": ["activation", "init", "batchnorm", "residual"]},
    ),
    "exploding": (
        "See these remedies on the Remedies page: gradient clipping and a smaller learning rate",
        {"tab": REMEDY_TAB, "remedies": ["clip", "smaller lr"], "lr": "3.0"},
    ),
}
"""Diagnosis -> (link label, query parameters of the Remedies page that show its remedy)."""


def _q(x: float) -> str:
    """A number for a sentence; inf and NaN say what they are."""
    return (
        format_sci(x) if pd.notna(x) and abs(x) != float("inf") else f"{format_sci(x)} (not finite)"
    )


def diagnosis_text(d: dx.Diagnosis, log: gradlog.GradientLog) -> str:
    """The diagnosis in words, every number from ``d`` and every claim next to its condition."""
    ratio = (
        f"Over the first {d.early_steps} logged step{'s' if d.early_steps > 1 else ''}, the "
        f"gradient of `{d.first}` was {_q(d.early_ratio)} times that of `{d.last}` (median "
        f"R; vanishing below {dx.VANISHING_RATIO:g}, exploding above {1 / dx.VANISHING_RATIO:g})."
        if pd.notna(d.early_ratio)
        else "The log has one weight only, or no finite first/last ratio, so R is not computed."
    )
    growth = (
        f"The global gradient norm peaked at step {d.growth_step}, at {_q(d.growth)} times its "
        f"first logged value (exploding above {dx.EXPLODING_GROWTH:g} times)."
        if pd.notna(d.growth)
        else "The global gradient norm at the first logged step is 0 or not finite, so its "
        "growth is not computed."
    )
    if d.kind == "exploding":
        lines = ["**Exploding gradients.**"]
        if "non_finite" in d.reasons:
            lines.append(
                f"{len(d.non_finite)} parameter gradient norm(s) left float64 range (inf or "
                f"NaN); the first: `{d.non_finite[0].name}` at step {d.non_finite[0].step}."
            )
        if "growth" in d.reasons:
            lines.append(growth)
        lines.append(ratio)
    elif d.kind == "vanishing":
        lines = ["**Vanishing gradients.**", ratio]
    else:
        lines = ["**Neither vanishing nor exploding by these tests.**", ratio, growth]
    if pd.notna(d.collapse) and d.collapse < dx.COLLAPSE:
        lines.append(
            f"By step {log.steps[-1]} the largest gradient norm was {_q(d.collapse)} of its value "
            f"at step {log.steps[0]} (below {dx.COLLAPSE:g}): every layer's gradient shrank, "
            "so the network has stopped learning."
        )
    return " ".join(lines)


def non_finite_warning(event: dx.NonFinite) -> str:
    """E.g. "grad_norm of layer3.weight is inf from step 40 (not finite at 12 steps)"."""
    return (
        f"{event.column} of `{event.name}` is {event.kind} from step {event.step} (not finite "
        f"at {event.count} step{'s' if event.count > 1 else ''})."
    )


def update_text(log: gradlog.GradientLog) -> str:
    """What the update:data ratios show, or which columns the log lacks."""
    medians = dx.median_update_ratios(log)
    if medians is None:
        missing = [c for c in ("param_norm", "update_norm") if c not in log.columns]
        return (
            f"This log has no {' and no '.join(f'`{c}`' for c in missing)} column, so the "
            "update:data ratio cannot be drawn. The snippets below log both."
        )
    finite = medians.dropna()
    low, high = dx.UPDATE_GUIDE / dx.GUIDE_FACTOR, dx.UPDATE_GUIDE * dx.GUIDE_FACTOR
    lines = [f"Guideline: an update:data ratio ‖Δθ‖/‖θ‖ near {dx.UPDATE_GUIDE:g} per step."]
    if len(finite):
        lines.append(
            f"The layers' median ratios run from {format_sci(finite.min())} "
            f"(`{finite.idxmin()}`) to {format_sci(finite.max())} (`{finite.idxmax()}`)."
        )
        slow, fast = int((finite < low).sum()), int((finite > high).sum())
        if slow:
            lines.append(
                f"{slow} of {len(medians)} parameters sit below {low:g}: they learn too slowly."
            )
        if fast:
            lines.append(
                f"{fast} of {len(medians)} parameters sit above {high:g}: they learn too fast."
            )
        if not slow and not fast:
            lines.append(f"Every finite median is within {low:g} to {high:g}.")
    if len(finite) < len(medians):
        lines.append(
            f"{len(medians) - len(finite)} parameter(s) have no finite ratio (a zero or "
            "non-finite norm): not drawn."
        )
    return " ".join(lines)


def _log_view(frame: pd.DataFrame, column: str, build, *args, what: str = "values") -> View:
    drawable, dropped = drawable_on_log(frame, column)
    caption = (
        f"{dropped} of {len(frame)} {what} are 0, inf or NaN and are not drawn." if dropped else ""
    )
    return View((spec(build(drawable, *args)),), caption=caption)


def log_view(log: gradlog.GradientLog, at: tuple[str, ...], chance: float | None = None) -> LogView:
    """Everything the page shows of ``log``, with the depth profile at the fractions ``at``
    (keys of :data:`FRACTIONS`) of the way through training; ``chance``: the chance-level loss
    of its training data, when known (the samples)."""
    d = dx.diagnose(log)
    fractions = tuple(FRACTIONS[a] for a in at) or (0.0,)
    profile = _log_view(
        dx.layer_profile(log, dx.chosen_steps(log, fractions)),
        "grad_norm",
        charts.make_profile_chart,
        what="gradient norms",
    )
    drawn = dx.drawn_layers(log.names)
    thinned = (
        f" The chart draws {len(drawn)} of the {len(log.names)} parameters, evenly spaced."
        if len(drawn) < len(log.names)
        else ""
    )
    profile = View(profile.charts, caption=(profile.caption + thinned).strip())

    series = dx.depth_ratio_series(log)
    stride = dx.stride_for(len(series))
    if len(series):
        guides = {
            f"vanishing below {dx.VANISHING_RATIO:g}": dx.VANISHING_RATIO,
            f"exploding above {1 / dx.VANISHING_RATIO:g}": 1 / dx.VANISHING_RATIO,
        }
        ratio = _log_view(
            series.iloc[::stride], "ratio", charts.make_depth_ratio_chart, guides, what="ratios"
        )
        note = f" One step in {stride} is drawn." if stride > 1 else ""
        ratio = View(ratio.charts, caption=(ratio.caption + note).strip())
    else:
        ratio = View(info="The log has a single weight, so there is no first/last ratio to draw.")

    frame = dx.update_ratios(log)
    text = update_text(log)
    if frame is None:
        updates = View(info=text)
    else:
        chart = _log_view(frame, "ratio", charts.make_update_chart, dx.UPDATE_GUIDE, what="ratios")
        updates = View(chart.charts, text=text, caption=chart.caption)
    return LogView(
        diagnosis=diagnosis_text(d, log),
        remedy=d.kind if d.kind in REMEDY_LINKS else "",
        warnings=tuple(non_finite_warning(e) for e in dx.non_finite_events(log)),
        profile=profile,
        ratio=ratio,
        updates=updates,
        symptoms=symptoms_text(log, chance),
    )


def read_and_view(data: str | bytes, kind: str, at: tuple[str, ...]) -> tuple[str, LogView] | str:
    """The page's one cached call: for the log ``data`` from ``kind`` (``"upload"``, ``"paste"``
    or a sample label), its :func:`source_caption` and :class:`LogView`, or the message saying
    why it could not be read."""
    log = gradlog.read_log(data)
    if isinstance(log, gradlog.LogError):
        return error_text(log)
    chance = sample_chance_loss(SAMPLE_LABELS[kind]) if kind in SAMPLE_LABELS else None
    return source_caption(kind, log), log_view(log, at, chance)


SOURCES = (
    "- Karpathy, *Building makemore part 3* (2022): per-layer gradient statistics and the "
    f"update:data ratio, with its guideline near {dx.UPDATE_GUIDE:g} (log₁₀ ≈ −3).\n"
    "- Nielsen, *Neural Networks and Deep Learning*, ch. 5: early layers learn slower "
    "(the Remedies page's first/last ratio).\n"
    f"- Thresholds: vanishing when R < {dx.VANISHING_RATIO:g}; exploding when a gradient norm "
    "is not finite (inf or NaN), when the global gradient norm grows past "
    f"{dx.EXPLODING_GROWTH:g} times "
    f"its first value, or when R > {1 / dx.VANISHING_RATIO:g}; R is the median over the first "
    f"{dx.EARLY_FRACTION:.0%} of the logged steps, weights only (names ending in `weight` or "
    "`kernel`), because biases' gradients are on another scale.\n"
    "- PyTorch: `torch.nn.Module.named_parameters`, `torch.Tensor.norm`; Keras: "
    "`tf.GradientTape`, `Variable.path`."
)
