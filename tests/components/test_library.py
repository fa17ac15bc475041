"""Library-wide checks every cell must pass, as gdsfactory's PDKs do.

- at least 15 cells, none shadowing a gdsfactory cell name;
- every cell DRC-clean at its defaults and at each parameter corner;
- written GDS reads back in KLayout and gdstk with the same geometry;
- settings regression against ``ref/settings/<cell>.yaml`` (regenerate with
  ``UPDATE_REF=1`` after an intended change, and review the diff);
- netlist round trip: the extracted netlist rebuilds a component whose netlist
  is the same;
- every cell passes its spec sheet at defaults.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import gdsfactory as gf
import gdstk
import klayout.db as kdb
import pytest
import yaml

from components.registry import CELLS, cell_parameters
from components.specs import verify_cell
from pdk.drc import run_drc

REF = Path(__file__).parent / "ref" / "settings"
NAMES = sorted(CELLS)


def _corner_cases() -> list[tuple[str, str, float]]:
    cases = []
    for name in NAMES:
        for p in cell_parameters(name):
            if p.range is None:
                continue
            for v in p.range.corner_values():
                if v != p.default:
                    cases.append((name, p.name, v))
    return cases


def test_library_has_at_least_15_cells():
    assert len(CELLS) >= 15, sorted(CELLS)


@pytest.mark.parametrize("name", NAMES)
def test_cell_is_drc_clean_at_defaults(name):
    report = run_drc(CELLS[name]())
    assert report.violations == 0, {k: v for k, v in report.by_rule.items() if v}


@pytest.mark.parametrize(("name", "param", "val"), _corner_cases())
def test_cell_is_drc_clean_at_parameter_corner(name, param, val):
    kind = next(p.kind for p in cell_parameters(name) if p.name == param)
    c = CELLS[name](**{param: int(val) if kind is int else val})
    report = run_drc(c)
    assert report.violations == 0, {k: v for k, v in report.by_rule.items() if v}


@pytest.mark.parametrize("name", NAMES)
def test_cell_ports_are_on_grid_and_manhattan(name):
    c = CELLS[name]()
    assert len(c.ports) > 0
    for p in c.ports:
        assert math.isclose(p.orientation % 90, 0, abs_tol=1e-9), p.name
        x, y = p.center
        assert round(x * 1000) == pytest.approx(x * 1000, abs=1e-6), p.name
        assert round(y * 1000) == pytest.approx(y * 1000, abs=1e-6), p.name
        if p.port_type == "optical":
            assert p.name.startswith("o"), p.name


@pytest.mark.parametrize("name", NAMES)
def test_gds_reads_back_in_klayout_and_gdstk(name, tmp_path):
    c = CELLS[name]()
    path = tmp_path / f"{name}.gds"
    c.write_gds(path)
    layout = kdb.Layout()
    layout.read(str(path))
    top = layout.top_cell()
    assert top.name == c.name
    lib = gdstk.read_gds(str(path))
    # KLayout's $$$CONTEXT_INFO$$$ cell is gdstk's only top cell: look ours up by name
    gtop = next(x for x in lib.cells if x.name == c.name)
    (x0, y0), (x1, y1) = gtop.bounding_box()
    box = c.dbbox()
    assert (x0, y0, x1, y1) == pytest.approx((box.left, box.bottom, box.right, box.top), abs=1e-3)


@pytest.mark.parametrize("name", NAMES)
def test_settings_regression(name):
    settings = CELLS[name]().settings.model_dump()
    data = yaml.safe_load(yaml.safe_dump(settings))
    ref = REF / f"{name}.yaml"
    if os.environ.get("UPDATE_REF") or not ref.exists():
        ref.parent.mkdir(parents=True, exist_ok=True)
        ref.write_text(yaml.safe_dump(data, sort_keys=True))
        if not os.environ.get("UPDATE_REF"):
            pytest.fail(f"no reference for {name}: wrote {ref}, review and commit it")
    assert data == yaml.safe_load(ref.read_text())


@pytest.mark.parametrize("name", NAMES)
def test_netlist_round_trip(name):
    c = CELLS[name]()
    netlist = c.get_netlist()
    rebuilt = gf.read.from_yaml(yaml.safe_dump(netlist))
    again = rebuilt.get_netlist()
    assert again["instances"] == netlist["instances"]
    assert again["placements"] == netlist["placements"]
    assert again["ports"] == netlist["ports"]


@pytest.mark.parametrize("name", NAMES)
def test_cell_meets_its_spec_sheet(name):
    result = verify_cell(name)
    assert result.passed, [q for q in result.quantities if not q.passed]
