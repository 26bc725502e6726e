"""Shared pieces of the name -> object registries (activations, initializers)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Param:
    """A tunable parameter of a registry entry (e.g. a slope α or a gain), with UI bounds."""

    name: str
    default: float
    low: float
    high: float
    help: str = ""


def resolve(entry_name: str, params: tuple[Param, ...], values: dict[str, float]):
    """((name, value), ...) for every parameter of an entry, defaults filled in.

    Unknown parameter names raise ``ValueError``.
    """
    unknown = set(values) - {p.name for p in params}
    if unknown:
        raise ValueError(f"{entry_name} has no parameter(s) {sorted(unknown)}")
    return tuple((p.name, float(values.get(p.name, p.default))) for p in params)


def lookup(registry, name: str, what: str):
    """``registry[name]`` with an error message listing the valid names."""
    try:
        return registry[name]
    except KeyError:
        raise KeyError(f"unknown {what} {name!r}; choose one of {', '.join(registry)}") from None
