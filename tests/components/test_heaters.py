"""Phase shifter: resistance counted in squares by hand, two-metal contact stack, drive."""

from __future__ import annotations

import math

import gdsfactory as gf
import pytest

from components.heaters import heater_squares
from components.registry import MEASURES, CellParameterError, build
from components.waveguides import layer_region
from pdk.params import value
from pdk.rules import design_rules

RULES = design_rules()
RS = value("heater.sheet_resistance")
PAD = value("heater.contact_size")
TAPER = value("heater.taper_length")


def _hand_squares(length: float, width: float) -> float:
    """Squares between the innermost VIAC columns, from the drawing rules alone.

    line L / w; each linear taper from the pad width P to w over t:
    integral dx / w(x) = t ln(P / w) / (P - w); each pad from its innermost VIAC
    column to its edge: margin / P, where the VIAC array (minimum via, densest
    pitch, enclosure) leaves margin = (P - (n - 1) pitch - via) / 2.
    """
    via = RULES.min_width("VIAC")
    pitch = via + RULES.min_space("VIAC")
    enclosure = max(e.min for e in RULES.enclosures if e.inner == "VIAC")
    n = math.floor((PAD - via - 2 * enclosure) / pitch + 1)
    margin = (PAD - (n - 1) * pitch - via) / 2
    taper = TAPER * math.log(PAD / width) / (PAD - width)
    return length / width + 2 * taper + 2 * margin / PAD


@pytest.mark.parametrize(("length", "width"), [(320.0, 2.5), (100.0, 1.0), (600.0, 4.0)])
def test_heater_resistance_is_sheet_resistance_times_hand_counted_squares(length, width):
    c = build("thermo_optic_phase_shifter", length=length, heater_width=width)
    expected = RS * _hand_squares(length, width)
    measured = MEASURES["thermo_optic_phase_shifter"](c)
    assert measured["heater_resistance_ohm"] == pytest.approx(expected, rel=1e-3)
    assert c.info["resistance"] == pytest.approx(expected, rel=1e-3)


def test_pi_drive_follows_from_resistance_and_p_pi():
    c = build("thermo_optic_phase_shifter")
    m = MEASURES["thermo_optic_phase_shifter"](c)
    r, p_pi = m["heater_resistance_ohm"], value("heater.p_pi") * 1e-3
    assert m["v_pi_v"] == pytest.approx(math.sqrt(p_pi * r))
    assert m["i_pi_ma"] * 1e-3 * m["v_pi_v"] == pytest.approx(p_pi)  # P = I V
    # dT_pi: lambda / (2 L dn/dT) = 1.55 / (2 * 320 * 1.86e-4) K
    assert m["delta_t_pi_k"] == pytest.approx(13.02, abs=0.01)


def test_contacts_use_only_the_two_metal_stack():
    c = build("thermo_optic_phase_shifter")
    drawn = {
        name
        for name in ("WG", "HEATER", "VIAC", "M1", "VIA1", "M2", "SLAB90", "PADOPEN")
        if not layer_region(c, name).is_empty()
    }
    assert drawn == {"WG", "HEATER", "VIAC", "M1", "VIA1", "M2"}
    layers = {
        tuple(gf.get_layer_tuple(i))
        for i in c.kcl.layer_indexes()
        if not c.kdb_cell.bbox(i).empty()
    }
    allowed = {tuple(gf.get_layer_tuple(n)) for n in ("WG", "HEATER", "VIAC", "M1", "VIA1", "M2")}
    ports = {tuple(gf.get_layer_tuple(n)) for n in ("PORT", "PORTE")}
    assert layers - ports <= allowed
    # each contact: VIAC lands on HEATER and under M1, VIA1 between M1 and M2
    viac, via1 = layer_region(c, "VIAC"), layer_region(c, "VIA1")
    assert (viac - layer_region(c, "HEATER")).is_empty()
    assert (viac - layer_region(c, "M1")).is_empty()
    assert (via1 - (layer_region(c, "M1") & layer_region(c, "M2"))).is_empty()
    assert viac.count() == 2 * 12 * 12  # 10 um pads, 0.4 um vias at 0.8 um pitch


def test_ports_optical_at_cell_edges_electrical_on_m2_facing_north():
    length = 200.0
    c = build("thermo_optic_phase_shifter", length=length)
    box = c.dbbox()
    assert (c.ports["o1"].x, c.ports["o2"].x) == pytest.approx((box.left, box.right))
    e1, e2 = c.ports["e1"], c.ports["e2"]
    assert gf.get_layer_tuple(e1.layer) == gf.get_layer_tuple("M2")
    assert (e1.orientation, e2.orientation) == (90, 90)
    assert e2.x - e1.x == pytest.approx(length + 2 * TAPER + PAD)
    assert e1.width == pytest.approx(PAD)


def test_resistance_check_catches_a_broken_heater():
    good = build("thermo_optic_phase_shifter", length=100.0)
    broken = gf.Component()
    broken << good
    broken.flatten()
    heater = gf.get_layer("HEATER")
    cut = gf.kdb.Region(gf.kdb.Box(40_000, -5_000, 41_000, 5_000))
    remaining = layer_region(broken, "HEATER") - cut
    broken.kdb_cell.shapes(heater).clear()
    broken.kdb_cell.shapes(heater).insert(remaining)
    with pytest.raises(ValueError, match="interrupted"):
        heater_squares(broken)


def test_heater_below_min_width_is_refused():
    with pytest.raises(CellParameterError, match="heater_width"):
        build("thermo_optic_phase_shifter", heater_width=RULES.min_width("HEATER") / 2)
