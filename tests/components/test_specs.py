"""The spec checker measures real cells and catches a cell built outside its spec."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from components.registry import CELLS, CellParameterError
from components.specs import Limit, SpecSheet, check, load_spec, measure, spec_path, verify_cell


@pytest.mark.parametrize("name", sorted(CELLS))
def test_every_cell_has_a_spec_sheet_with_a_device_quantity(name):
    sheet = load_spec(name)
    assert spec_path(name).exists()
    generic = {"footprint_x_um", "footprint_y_um", "area_um2", "optical_ports"}
    generic |= {"electrical_ports", "ports_manhattan"}
    assert set(sheet.quantities) - generic, f"{name}: spec checks only generic quantities"


def test_cell_built_outside_its_spec_fails():
    inside = verify_cell("bond_pad_array")
    outside = verify_cell("bond_pad_array", {"pitch": 150})
    assert inside.passed
    assert not outside.passed
    failed = {q.name for q in outside.quantities if not q.passed}
    assert failed == {"pad_pitch_um"}


def test_measured_footprint_is_the_drawn_geometry():
    c = CELLS["bond_pad_array"](columns=3, pitch=100, size=80)
    values = measure("bond_pad_array", c)
    assert values["footprint_x_um"] == pytest.approx(2 * 100 + 80)
    assert values["footprint_y_um"] == pytest.approx(80)


def test_missing_quantity_fails_instead_of_passing_silently():
    sheet = SpecSheet(cell="x", quantities={"ghost_um": Limit(min=0, unit="um")})
    (result,) = check("x", {}, sheet)
    assert not result.passed


def test_limit_needs_a_bound_and_ordered_bounds():
    with pytest.raises(ValidationError):
        Limit(unit="um")
    with pytest.raises(ValidationError):
        Limit(min=2, max=1, unit="um")


def test_out_of_range_setting_is_refused_before_building():
    with pytest.raises(CellParameterError, match="size"):
        verify_cell("bond_pad", {"size": 5})
