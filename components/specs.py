"""Component spec checks: measure a cell, compare with its spec sheet.

A spec sheet (``spec_sheets/<cell>.yaml``) lists the quantities a designer
checks, each with limits and a unit::

    cell: ring_add_drop
    quantities:
      fsr_nm: {min: 8.5, max: 9.8, unit: nm, what: "FSR = lambda^2 / (n_g 2 pi R)"}
      footprint_x_um: {max: 40, unit: um}

Quantities are measured from the built cell (layout geometry plus PDK
parameters): the generic ones here for every cell, device-specific ones by the
``measure`` function registered with the cell.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import gdsfactory as gf
import yaml
from pydantic import BaseModel, ConfigDict, model_validator

from components.registry import CELLS, MEASURES, coerce_settings, get_cell

SPEC_DIR = Path(__file__).with_name("spec_sheets")


class Limit(BaseModel):
    """Closed limits of one quantity; either bound may be absent."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    min: float | None = None
    max: float | None = None
    unit: str
    what: str = ""

    @model_validator(mode="after")
    def _has_a_bound(self) -> Limit:
        if self.min is None and self.max is None:
            raise ValueError("a limit needs min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} > max {self.max}")
        return self


class SpecSheet(BaseModel):
    """The spec sheet of one cell."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    cell: str
    description: str = ""
    settings: dict[str, Any] = {}
    quantities: dict[str, Limit]


@dataclass(frozen=True)
class QuantityResult:
    name: str
    value: float
    min: float | None
    max: float | None
    unit: str
    passed: bool


@dataclass
class SpecResult:
    cell: str
    settings: dict[str, Any]
    quantities: list[QuantityResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(q.passed for q in self.quantities)

    def to_dict(self) -> dict[str, Any]:
        return {
            "cell": self.cell,
            "settings": self.settings,
            "passed": self.passed,
            "quantities": {q.name: asdict(q) for q in self.quantities},
        }


def spec_path(cell: str) -> Path:
    return SPEC_DIR / f"{cell}.yaml"


@cache
def load_spec(cell: str) -> SpecSheet:
    """Parse the spec sheet of ``cell``."""
    path = spec_path(cell)
    if not path.exists():
        raise FileNotFoundError(f"no spec sheet for cell {cell!r} (expected {path})")
    sheet = SpecSheet.model_validate(yaml.safe_load(path.read_text()))
    if sheet.cell != cell:
        raise ValueError(f"{path}: cell {sheet.cell!r} does not match file name")
    return sheet


def generic_measures(c: gf.Component) -> dict[str, float]:
    """Quantities every cell has: footprint, port counts, Manhattan port orientation."""
    bbox = c.dbbox()
    ports = list(c.ports)
    optical = [p for p in ports if p.port_type == "optical"]
    electrical = [p for p in ports if p.port_type in ("electrical", "dc", "placement")]
    manhattan = all(math.isclose(p.orientation % 90, 0, abs_tol=1e-9) for p in ports)
    return {
        "footprint_x_um": bbox.width(),
        "footprint_y_um": bbox.height(),
        "area_um2": bbox.width() * bbox.height(),
        "optical_ports": float(len(optical)),
        "electrical_ports": float(len(electrical)),
        "ports_manhattan": 1.0 if manhattan else 0.0,
    }


def measure(cell: str, component: gf.Component) -> dict[str, float]:
    """All quantities of ``component`` (a build of ``cell``)."""
    values = generic_measures(component)
    if cell in MEASURES:
        values.update({k: float(v) for k, v in MEASURES[cell](component).items()})
    return values


def check(cell: str, values: Mapping[str, float], sheet: SpecSheet) -> list[QuantityResult]:
    """Compare measured ``values`` with the sheet's limits (missing quantity fails)."""
    out = []
    for name, lim in sheet.quantities.items():
        v = values.get(name, float("nan"))
        ok = math.isfinite(v)
        ok = ok and (lim.min is None or v >= lim.min) and (lim.max is None or v <= lim.max)
        out.append(QuantityResult(name, v, lim.min, lim.max, lim.unit, bool(ok)))
    return out


def verify_cell(cell: str, settings: Mapping[str, Any] | None = None) -> SpecResult:
    """Build ``cell`` (sheet settings, overridden by ``settings``), measure and check it."""
    sheet = load_spec(cell)
    merged = {**sheet.settings, **(settings or {})}
    merged = coerce_settings(cell, merged)
    component = get_cell(cell)(**merged)
    values = measure(cell, component)
    return SpecResult(cell=cell, settings=merged, quantities=check(cell, values, sheet))


def cells_with_specs() -> list[str]:
    """Registered cells, all of which must have a spec sheet."""
    return sorted(CELLS)
