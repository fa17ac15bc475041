"""Design-rule check of a layout against the process rule deck, in Python on ``klayout.db``.

The deck (``pdk/design_rules.yaml``) is data; this module turns every entry into
one KLayout region operation, so adding a layer or an enclosure needs no code:

=========================  ==========================================================
rule name                  check (on merged regions, hierarchically)
=========================  ==========================================================
``<LAYER>.WIDTH``          ``width_check(min_width)``
``<LAYER>.SPACE``          ``space_check(min_space)`` (between polygons and notches)
``<LAYER>.AREA``           merged polygons with area < ``min_area``
``<enclosure name>``       ``inner - union(outer)`` and ``union(outer).enclosing_check(inner)``
``<overlap name>``         ``layer.not_interacting(partner)``
``GRID``                   vertices not on the manufacturing grid (raw, unmerged shapes)
=========================  ==========================================================

Distance checks use Euclidian metrics, as KLayout's DRC does, so corner-to-corner
approaches count. Edges meeting at ``IGNORE_ANGLE_DEG`` (80 deg) or more are not
measured against each other: KLayout's default of 90 deg flags the end face of every
chord-drawn arc, whose corner is a hair under 90 deg (see the constant). Curved shapes
(rings, Euler bends) are polygons of many short, nearly collinear edges; each edge is
measured against the facing side of the waveguide, not against its neighbours, so
they give no false positives (tested on ``gf.components.ring`` and ``bend_euler``).

Markers are kept in database units; the report database (``.lyrdb``) stores them in
um so KLayout's marker browser shows them on the layout.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gdsfactory as gf
import klayout.db as kdb

from pdk.layers import LAYER
from pdk.rules import DesignRules, design_rules

GRID_RULE = "GRID"
# Edge pairs meeting at this angle or more are not measured against each other.
# KLayout's default is 90 deg, but an arc drawn as chords meets a straight end face
# at 90 deg minus half the angular step (88.5 deg on a 5 um gdsfactory bend), and at
# a shared vertex that reads as zero width. 80 deg accepts chord steps up to 20 deg
# and still flags slivers and tips sharper than 80 deg.
IGNORE_ANGLE_DEG = 80.0

Markers = kdb.Region | kdb.EdgePairs  # polygons (not covered, too small) or edge pairs


class DrcInputError(ValueError):
    """The layout cannot be checked: unreadable file, unknown top cell, bad dbu."""


@dataclass
class DrcReport:
    """Result of one DRC run: marker counts per rule and the markers themselves."""

    violations: int
    by_rule: dict[str, int]
    top: str
    dbu: float  # um per database unit of the checked layout
    file: str | None = None
    markers: dict[str, tuple[Markers, ...]] = field(default_factory=dict, repr=False)
    descriptions: dict[str, str] = field(default_factory=dict, repr=False)
    _source: Any = field(default=None, repr=False, compare=False)  # keeps markers alive

    @property
    def clean(self) -> bool:
        return self.violations == 0

    @property
    def failing(self) -> dict[str, int]:
        """Rules with at least one marker."""
        return {k: n for k, n in self.by_rule.items() if n}

    def to_dict(self) -> dict[str, Any]:
        return {
            "violations": self.violations,
            "by_rule": dict(self.by_rule),
            "file": self.file,
            "top": self.top,
        }

    def write_json(self, path: str | Path) -> Path:
        """Write :meth:`to_dict` as JSON (atomically: a temp file moved into place)."""
        path = Path(path)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(self.to_dict(), indent=2) + "\n")
        tmp.replace(path)
        return path

    def write_lyrdb(self, path: str | Path) -> Path:
        """Write a KLayout report database: one category per rule, markers in um.

        Open it in KLayout (Tools > Marker Browser) beside the layout.
        """
        import klayout.rdb as rdb

        path = Path(path)
        db = rdb.ReportDatabase("DRC")
        db.description = "opticloud DRC"
        db.top_cell_name = self.top
        if self.file:
            db.original_file = self.file
        cell = db.create_cell(self.top)
        to_um = kdb.CplxTrans(self.dbu)
        for rule in self.by_rule:
            cat = db.create_category(rule)
            cat.description = self.descriptions.get(rule, rule)
            for markers in self.markers.get(rule, ()):
                if not markers.is_empty():
                    db.create_items(cell.rdb_id(), cat.rdb_id(), to_um, markers)
        tmp = path.with_name(f".{path.name}.tmp{path.suffix}")
        db.save(str(tmp))
        tmp.replace(path)
        return path


def run_drc(
    layout: gf.Component | str | Path,
    rules: DesignRules | None = None,
    top: str | None = None,
) -> DrcReport:
    """Check ``layout`` (a component, or a GDS/OASIS file) against ``rules``.

    The checks run in KLayout's hierarchical ("deep") mode, so a cell placed a
    thousand times is checked once per distinct neighbourhood, not a thousand times.

    Args:
        layout: the component, or the path of a GDS/OASIS file.
        rules: the rule deck; the process deck by default.
        top: top cell to check (files only); needed when a file has several.

    Raises:
        DrcInputError: the file is missing or unreadable, ``top`` is not in it, or its
            database unit and the manufacturing grid are not commensurate.
    """
    rules = rules or design_rules()
    names = _deck_layers(rules)
    src = _Source.open(layout, top)
    dbu = src.layout.dbu
    grid_step = _grid_step(rules.grid, dbu)
    regions = {name: src.region(name) for name in names}

    def um(x: float) -> int:
        return round(x / dbu)

    markers: dict[str, tuple[Markers, ...]] = {}
    descriptions: dict[str, str] = {}
    for name, rule in rules.layers.items():
        merged = regions[name]
        key = f"{name}.WIDTH"
        markers[key] = (_checked(merged, "width_check", um(rule.min_width)),)
        descriptions[key] = f"{name} width >= {rule.min_width} um"
        key = f"{name}.SPACE"
        markers[key] = (_checked(merged, "space_check", um(rule.min_space)),)
        descriptions[key] = f"{name} space >= {rule.min_space} um"
        key = f"{name}.AREA"
        # area_dbu2 < min_area / dbu^2  <=>  area_dbu2 < ceil(...) for integer areas
        amax = math.ceil(rule.min_area / dbu**2 - 1e-9)
        markers[key] = (merged.with_area(None, amax, False),) if amax > 0 else ()
        descriptions[key] = f"{name} area >= {rule.min_area} um^2"

    for enc in rules.enclosures:
        inner = regions[enc.inner]
        outer = regions[enc.outer[0]].dup()
        for o in enc.outer[1:]:
            outer += regions[o]
        outer.merge()
        found: list[Markers] = [inner - outer]  # not covered at all
        if enc.min > 0:
            found.append(_checked(outer, "enclosing_check", um(enc.min), inner))
        markers[enc.name] = tuple(found)
        margin = f" by >= {enc.min} um" if enc.min > 0 else ""
        descriptions[enc.name] = f"{enc.inner} inside {' | '.join(enc.outer)}{margin}"

    for ov in rules.overlaps:
        markers[ov.name] = (regions[ov.layer].not_interacting(regions[ov.partner]),)
        descriptions[ov.name] = f"every {ov.layer} shape touches {ov.partner}"

    # Drawn (unmerged) shapes: merging can put the crossing point of two diagonals
    # between grid points, which is not a drawing error.
    markers[GRID_RULE] = tuple(
        src.region(name, merged=False).grid_check(grid_step, grid_step)
        for name in names
        if grid_step > 1  # with grid == dbu every coordinate is on the grid
    )
    descriptions[GRID_RULE] = f"vertices on the {rules.grid * 1e3:g} nm manufacturing grid"

    by_rule = {k: sum(m.count() for m in ms) for k, ms in markers.items()}
    return DrcReport(
        violations=sum(by_rule.values()),
        by_rule=by_rule,
        top=src.cell.name,
        dbu=dbu,
        file=src.file,
        markers=markers,
        descriptions=descriptions,
        _source=src,
    )


@dataclass
class _Source:
    """The layout under check and the hierarchical shape store its regions live in.

    Both must outlive every region and marker collection derived from them (KLayout
    raises "object has been destroyed" otherwise), so the report keeps a reference.
    """

    layout: kdb.Layout
    cell: kdb.Cell
    file: str | None
    store: kdb.DeepShapeStore = field(default_factory=kdb.DeepShapeStore)

    def __post_init__(self) -> None:
        self.store.threads = os.cpu_count() or 1
        # KLayout splits polygons of > 16 vertices or sparse bounding boxes by default;
        # a ring or bend then becomes dozens of pieces, and the space check on a
        # sheet of rings runs 4x (hierarchical) to 10x (flat) slower. Keep them whole.
        self.store.max_vertex_count = 0
        self.store.max_area_ratio = 0

    @classmethod
    def open(cls, layout: gf.Component | str | Path, top: str | None) -> _Source:
        if isinstance(layout, gf.Component):
            return cls(layout.kcl.layout, layout.kdb_cell, None)
        path = Path(layout)
        if not path.is_file():
            raise DrcInputError(f"layout file does not exist: {path}")
        ly = kdb.Layout()
        try:
            ly.read(str(path))
        except RuntimeError as e:
            msg = str(e).splitlines()[0].removesuffix(" in Layout.read")
            msg = msg.replace(f": {path}", "").strip()
            raise DrcInputError(f"not a readable GDS/OASIS file: {path} ({msg})") from None
        if top is not None:
            cell = ly.cell(top)
            if cell is None:
                raise DrcInputError(f"top cell {top!r} not found in {str(path)!r}")
            return cls(ly, cell, str(path))
        tops = ly.top_cells()
        if len(tops) != 1:
            found = ", ".join(c.name for c in tops) or "none"
            raise DrcInputError(f"{str(path)!r} has {len(tops)} top cells ({found}); pass top")
        return cls(ly, tops[0], str(path))

    def region(self, name: str, merged: bool = True) -> kdb.Region:
        """All shapes of layer ``name`` under the top cell (merged unless told not to)."""
        layer, datatype = tuple(LAYER[name])
        idx = self.layout.find_layer(layer, datatype)
        if idx is None:  # absent layer: an empty region in the same store
            idx = self.layout.layer(layer, datatype)
        region = kdb.Region(self.cell.begin_shapes_rec(idx), self.store)
        if merged:
            region.merge()
        else:
            region.merged_semantics = False
        return region


def _deck_layers(rules: DesignRules) -> list[str]:
    names = dict.fromkeys(rules.layers)
    for enc in rules.enclosures:
        names.update(dict.fromkeys([enc.inner, *enc.outer]))
    for ov in rules.overlaps:
        names.update(dict.fromkeys([ov.layer, ov.partner]))
    unknown = [n for n in names if n not in LAYER.__members__]
    if unknown:
        raise DrcInputError(f"rule deck names layers not in pdk.layers.LAYER: {unknown}")
    return list(names)


def _grid_step(grid: float, dbu: float) -> int:
    """The manufacturing grid in database units: 1 when the dbu is a multiple of the
    grid (every coordinate is on it); otherwise the dbu must divide the grid."""

    def whole(x: float) -> bool:
        return round(x) >= 1 and abs(x - round(x)) <= 1e-6 * x

    if whole(grid / dbu):
        return round(grid / dbu)
    if whole(dbu / grid):
        return 1
    raise DrcInputError(f"database unit {dbu} um and grid {grid} um are not commensurate")


def _checked(
    merged: kdb.Region, check: str, d: int, other: kdb.Region | None = None
) -> kdb.EdgePairs:
    args = (d,) if other is None else (other, d)
    return getattr(merged, check)(*args, False, kdb.Metrics.Euclidian, IGNORE_ANGLE_DEG)
