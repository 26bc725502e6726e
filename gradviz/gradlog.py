r"""A practitioner's own gradient log: per-layer norms over training steps, read and checked.

The log is a CSV in one long format, one row per (step, parameter):

==============  =========  ==================================================================
column          required   meaning
==============  =========  ==================================================================
``step``        yes        training step (an integer ≥ 0)
``name``        yes        parameter or layer name, e.g. ``0.weight``; the order of first
                           appearance is the order from input to output
``grad_norm``   yes        :math:`\lVert\partial L/\partial\theta\rVert_2` after ``backward()``
``param_norm``  no         :math:`\lVert\theta\rVert_2` before the update
``update_norm`` no         :math:`\lVert\Delta\theta\rVert_2` of the step's update
``act_std``     no         standard deviation of the layer's output
``loss``        no         the step's training loss (the same on every row of a step)
==============  =========  ==================================================================

NaN and inf are data (a run that blew up logs them): they are kept and counted, never rejected.
Everything else that is wrong is a :class:`LogError` naming the row (1-based, as a spreadsheet
counts, the header being row 1) and the column.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

REQUIRED = ("step", "name", "grad_norm")
OPTIONAL = ("param_norm", "update_norm", "act_std", "loss")
COLUMNS = REQUIRED + OPTIONAL
NORMS = ("grad_norm", "param_norm", "update_norm", "act_std")
"""Columns that hold a norm or a standard deviation: never negative."""
MAX_BYTES = 20_000_000
MAX_ROWS = 1_000_000


@dataclass(frozen=True)
class LogError:
    """What is wrong with a log, and where.

    problem : what kind of problem (the view layer words it): ``"too_large_bytes"``,
        ``"too_many_rows"``, ``"not_text"``, ``"empty"``, ``"header"``, ``"unknown_column"``,
        ``"cell_count"``, ``"empty_name"``, ``"step_not_integer"``, ``"step_negative"``,
        ``"empty_number"``, ``"not_a_number"``, ``"negative"``, ``"no_rows"``,
        ``"duplicate"`` or ``"missing"``.
    value : the offending text (a cell, the header, a count, or ``"step,name"``).
    row, column : where (``row`` 1-based, the header is row 1), ``None`` when not one cell.
    other_row : for a duplicate, the row it repeats.
    limit : the limit that was passed (bytes, rows, or cells per row).
    """

    problem: str
    value: str = ""
    row: int | None = None
    column: str | None = None
    other_row: int | None = None
    limit: int | None = None


@dataclass(frozen=True)
class GradientLog:
    """A checked log.

    frame : DataFrame[step, name, layer, grad_norm, param_norm?, update_norm?, act_std?, loss?]
        sorted by (step, layer); ``layer`` is the 1-based order of first appearance.
    names : parameter names in layer order.
    steps : the logged steps, ascending.
    non_finite : per numeric column, how many cells are NaN or ±inf.
    """

    frame: pd.DataFrame
    names: tuple[str, ...]
    steps: tuple[int, ...]
    non_finite: dict[str, int]

    @property
    def columns(self) -> tuple[str, ...]:
        """The optional columns this log has."""
        return tuple(c for c in OPTIONAL if c in self.frame.columns)

    def wide(self, column: str) -> pd.DataFrame:
        """``column`` as a (steps × names) table, layers in order."""
        table = self.frame.pivot(index="step", columns="name", values=column)
        return table[list(self.names)]


def read_log(text: str | bytes) -> GradientLog | LogError:
    """Parse and check a log (the module docstring gives the format).

    Returns the :class:`GradientLog`, or the first :class:`LogError` found, in this order: size
    limits, header, then each cell (row by row), then duplicate rows, then missing rows.
    """
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            return LogError("too_large_bytes", str(len(text)), limit=MAX_BYTES)
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            return LogError("not_text")
    if len(text.encode("utf-8")) > MAX_BYTES:
        return LogError("too_large_bytes", str(len(text.encode("utf-8"))), limit=MAX_BYTES)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None or not any(cell.strip() for cell in header):
        return LogError("empty")
    header = [cell.strip() for cell in header]
    if tuple(header[:3]) != REQUIRED:
        return LogError("header", ",".join(header), row=1)
    for column in header[3:]:
        if column not in OPTIONAL or header.count(column) > 1:
            return LogError("unknown_column", column, row=1, column=column)

    values: dict[str, list] = {column: [] for column in header}
    for row, cells in enumerate(reader, start=2):
        if row - 1 > MAX_ROWS:
            return LogError("too_many_rows", str(row - 1), limit=MAX_ROWS)
        if not cells or not any(cell.strip() for cell in cells):
            continue  # a blank line, as spreadsheets write at the end
        if len(cells) != len(header):
            return LogError("cell_count", str(len(cells)), row=row, limit=len(header))
        for column, cell in zip(header, cells, strict=True):
            try:
                values[column].append(_cell(column, cell.strip()))
            except _BadCell as bad:
                return LogError(bad.problem, cell.strip(), row=row, column=column)
    if not values["step"]:
        return LogError("no_rows")

    frame = pd.DataFrame(values)
    frame["row"] = np.arange(len(frame)) + 2
    duplicate = frame.duplicated(["step", "name"], keep=False)
    if duplicate.any():
        first = frame[duplicate].iloc[0]
        rows = frame.loc[(frame.step == first.step) & (frame.name == first["name"]), "row"].tolist()
        return LogError(
            "duplicate", f"{first.step},{first['name']}", row=int(rows[1]), other_row=int(rows[0])
        )
    names = tuple(dict.fromkeys(frame["name"]))
    steps = tuple(sorted(set(frame["step"])))
    present = frame.groupby("step")["name"].nunique()
    if (present < len(names)).any():
        step = int(present[present < len(names)].index[0])
        have = set(frame.loc[frame.step == step, "name"])
        absent = next(n for n in names if n not in have)
        return LogError("missing", f"{step},{absent}", column="name")
    order = {name: layer for layer, name in enumerate(names, start=1)}
    frame["layer"] = frame["name"].map(order)
    frame = frame.drop(columns="row").sort_values(["step", "layer"], ignore_index=True)
    numeric = [c for c in header if c not in ("step", "name")]
    non_finite = {c: int((~np.isfinite(frame[c].to_numpy(float))).sum()) for c in numeric}
    return GradientLog(frame, names, steps, non_finite)


class _BadCell(Exception):
    def __init__(self, problem: str) -> None:
        self.problem = problem


def _cell(column: str, text: str) -> int | float | str:
    """The value of one cell; raises :class:`_BadCell` with the kind of problem."""
    if column == "name":
        if not text:
            raise _BadCell("empty_name")
        return text
    if column == "step":
        try:
            step = int(text)
        except ValueError:
            raise _BadCell("step_not_integer") from None
        if step < 0:
            raise _BadCell("step_negative")
        return step
    if not text:
        raise _BadCell("empty_number")
    try:
        value = float(text)
    except ValueError:
        raise _BadCell("not_a_number") from None
    if column in NORMS and value < 0:  # NaN and +inf pass: they are data; -inf is negative
        raise _BadCell("negative")
    return value
