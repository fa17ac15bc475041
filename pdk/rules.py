"""Design rules as data: per-layer width/space/area, enclosures, overlaps, grid.

The numbers live in ``design_rules.yaml``; this module gives them types so the
DRC engine, the cells and the CLI's range checks read one source.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

RULES_YAML = Path(__file__).with_name("design_rules.yaml")


class LayerRule(BaseModel):
    """Minimum width, space (um) and area (um^2) of one layer."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    min_width: float = Field(gt=0)
    min_space: float = Field(gt=0)
    min_area: float = Field(ge=0)


class EnclosureRule(BaseModel):
    """``inner`` must lie inside the union of ``outer`` with margin ``min`` (um)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    inner: str
    outer: list[str]
    min: float = Field(ge=0)


class OverlapRule(BaseModel):
    """Every shape on ``layer`` must touch at least one shape on ``partner``."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    layer: str
    partner: str


class DesignRules(BaseModel):
    """The full rule deck of the process."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    grid: float = Field(gt=0)
    layers: dict[str, LayerRule]
    enclosures: list[EnclosureRule] = []
    overlaps: list[OverlapRule] = []

    def min_width(self, layer: str) -> float:
        return self.layers[layer].min_width

    def min_space(self, layer: str) -> float:
        return self.layers[layer].min_space


def load(path: str | Path = RULES_YAML) -> DesignRules:
    """Parse and validate a rule deck."""
    return DesignRules.model_validate(yaml.safe_load(Path(path).read_text()))


@cache
def design_rules() -> DesignRules:
    """The process's rule deck (parsed once)."""
    return load()
