"""Registry of the library's parametric cells, with the physical range of every parameter.

A cell is a gdsfactory cell function whose numeric parameters carry their
allowed range in the signature::

    @register
    @gf.cell
    def ring(radius: Annotated[float, Range(5.0, 100.0, "um")] = 10.0) -> gf.Component: ...

The CLI, the spec checker and the DRC corner tests read ranges from here, so a
parameter's limits are written exactly once, next to the parameter.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import gdsfactory as gf
import sax

# gdsfactory port names (o1, o2, ...) in every SAX model; set before any model runs.
sax.set_port_naming_strategy("optical")

CellFactory = Callable[..., gf.Component]
Measure = Callable[[gf.Component], Mapping[str, float]]

CELLS: dict[str, CellFactory] = {}
MEASURES: dict[str, Measure] = {}
MODELS: dict[str, Callable[..., Any]] = {}


@dataclass(frozen=True)
class Range:
    """Physically allowed closed interval ``[min, max]`` of a parameter, in ``unit``.

    ``corners`` are the values the DRC corner tests build; they default to the
    interval ends. Give narrower corners where the interval is open-ended in
    principle but huge layouts at the far end add nothing to the test.
    """

    min: float
    max: float
    unit: str
    why: str = ""
    corners: tuple[float, float] | None = None

    def contains(self, x: float) -> bool:
        return self.min <= x <= self.max

    def describe(self) -> str:
        return f"[{self.min:g}, {self.max:g}] {self.unit}" + (f" ({self.why})" if self.why else "")

    def corner_values(self) -> tuple[float, float]:
        return self.corners or (self.min, self.max)


@dataclass(frozen=True)
class CellParameter:
    """One parameter of a registered cell."""

    name: str
    default: Any
    kind: type | None
    range: Range | None
    unit: str


class CellParameterError(ValueError):
    """A cell was asked for with a parameter that is unknown or out of its range."""

    def __init__(self, cell: str, parameter: str, value: Any, allowed: str) -> None:
        self.cell, self.parameter, self.value, self.allowed = cell, parameter, value, allowed
        super().__init__(f"{cell}: parameter {parameter}={value!r} is invalid; allowed: {allowed}")


def register(func: CellFactory | None = None, *, measure: Measure | None = None):
    """Add a cell to the library under its function name (optionally with a measure)."""

    def deco(f: CellFactory) -> CellFactory:
        name = f.__name__
        CELLS[name] = f
        if measure is not None:
            MEASURES[name] = measure
        return f

    return deco(func) if func is not None else deco


def register_model(cell: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a SAX model as the compact model of ``cell`` (same name as the cell,
    so a netlist extracted from the layout resolves each instance to its model)."""

    def deco(model: Callable[..., Any]) -> Callable[..., Any]:
        MODELS[cell] = model
        return model

    return deco


def get_cell(name: str) -> CellFactory:
    """The cell function called ``name``; ``KeyError`` lists the known ones."""
    try:
        return CELLS[name]
    except KeyError:
        known = ", ".join(sorted(CELLS))
        raise CellParameterError(name, "cell", name, f"one of {known}") from None


def cell_parameters(name: str) -> list[CellParameter]:
    """Parameters of ``name`` with defaults, types and ranges, in signature order."""
    sig = inspect.signature(get_cell(name), eval_str=True)
    params = []
    for p in sig.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        ann, rng = p.annotation, None
        meta = getattr(ann, "__metadata__", ())
        for m in meta:
            if isinstance(m, Range):
                rng = m
        kind = getattr(ann, "__origin__", ann) if meta else ann
        if kind is inspect.Parameter.empty:
            kind = type(p.default) if p.default is not None else None
        params.append(
            CellParameter(
                name=p.name,
                default=p.default,
                kind=kind if isinstance(kind, type) else None,
                range=rng,
                unit=rng.unit if rng else "",
            )
        )
    return params


def coerce_settings(name: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Check ``raw`` settings (strings from a CLI or values) against the cell's signature.

    Returns typed values; raises :class:`CellParameterError` naming the first bad
    parameter and its allowed range.
    """
    params = {p.name: p for p in cell_parameters(name)}
    out: dict[str, Any] = {}
    for key, val in raw.items():
        if key not in params:
            raise CellParameterError(name, key, val, f"one of {', '.join(params)}")
        p = params[key]
        out[key] = _coerce(name, p, val)
        if p.range is not None and not p.range.contains(out[key]):
            raise CellParameterError(name, key, val, p.range.describe())
    return out


def _coerce(cell: str, p: CellParameter, val: Any) -> Any:
    kind = p.kind
    if kind is bool:
        if isinstance(val, bool):
            return val
        if str(val).lower() in ("1", "true", "yes"):
            return True
        if str(val).lower() in ("0", "false", "no"):
            return False
        raise CellParameterError(cell, p.name, val, "true or false")
    if kind in (int, float):
        try:
            num = float(val)
        except (TypeError, ValueError):
            raise CellParameterError(
                cell, p.name, val, f"a number{' in ' + p.range.describe() if p.range else ''}"
            ) from None
        if num != num or num in (float("inf"), float("-inf")):
            raise CellParameterError(cell, p.name, val, "a finite number")
        if kind is int:
            if num != int(num):
                raise CellParameterError(cell, p.name, val, "an integer")
            return int(num)
        return num
    return val


def build(name: str, **settings: Any) -> gf.Component:
    """Build cell ``name`` after validating ``settings`` against its ranges."""
    return get_cell(name)(**coerce_settings(name, settings))
