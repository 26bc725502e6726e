"""Checks on Vega-Lite specs (dicts) as the ``*_views`` modules return them."""

from __future__ import annotations

from collections.abc import Iterator

from tests.apptest_kit import spec_fields

__all__ = ["assert_small_with_tooltips", "mark_types", "marks", "rows", "spec_fields"]


def marks(spec) -> Iterator[tuple[str, dict]]:
    """``(mark type, encoding)`` of every mark anywhere in the spec (layers, facets, concats)."""
    if isinstance(spec, dict):
        if "mark" in spec:
            mark = spec["mark"]
            yield (mark["type"] if isinstance(mark, dict) else mark), spec.get("encoding", {})
        for value in spec.values():
            yield from marks(value)
    elif isinstance(spec, list):
        for value in spec:
            yield from marks(value)


def mark_types(spec) -> set[str]:
    return {mark for mark, _ in marks(spec)}


def rows(spec) -> int:
    """Rows of data the spec carries inline, over all its datasets."""
    return sum(len(values) for values in spec.get("datasets", {}).values())


def assert_small_with_tooltips(spec) -> None:
    """A tooltip on every mark, and each data set well under 5,000 rows (STYLE.md)."""
    for mark, encoding in marks(spec):
        assert "tooltip" in encoding, f"a {mark} mark has no tooltip"
    assert all(len(values) < 5000 for values in spec.get("datasets", {}).values())
