"""Microring cells against closed-form geometry and hand-computed FSR.

References independent of the cell code: FSR = lambda^2 / (n_g L) worked by hand;
the drawn ring's centre-line length against 2 pi R (+ the coupler straights);
the ring-bus gap measured on the drawn polygons by KLayout; the heater's
resistance increment between two radii against R_s * 2 pi dR / w (a band of
constant width w has area w x centre-line length); the contacts traced down the
drawn via stack.
"""

from __future__ import annotations

import math

import gdsfactory as gf
import pytest

from components.modulators import contacted_shapes
from components.rings import (
    DOPING_CLEARANCE,
    HEATER_GAP,
    drawn_circumference_um,
    drawn_gap_um,
    fsr_nm,
    heater_squares,
    ring_add_drop_heater,
    ring_pn_modulator,
)
from components.specs import verify_cell
from components.waveguides import layer_region, min_separation_um
from pdk.params import value

DBU = gf.kcl.dbu


def test_fsr_of_a_10_um_ring_matches_the_hand_calculation():
    # 1.55^2 um^2 / (4.2037 x 2 pi 10 um) = 2.4025 / 264.126 um = 9.096 nm
    assert fsr_nm(2 * math.pi * 10.0, 4.2037, 1.55) == pytest.approx(9.096, abs=1e-3)


@pytest.mark.parametrize("radius", [5.0, 10.0, 23.7])
def test_drawn_heater_ring_is_a_circle_plus_two_coupler_straights(radius):
    c = ring_add_drop_heater(radius=radius)
    expected = 2 * math.pi * radius + 2 * HEATER_GAP
    assert drawn_circumference_um(c) == pytest.approx(expected, rel=5e-4)
    assert c.info["circumference"] == pytest.approx(expected, rel=1e-12)


def test_drawn_pn_ring_is_a_circle():
    c = ring_pn_modulator(radius=12.5)
    assert drawn_circumference_um(c) == pytest.approx(2 * math.pi * 12.5, rel=5e-4)


@pytest.mark.parametrize("gap", [0.15, 0.2, 0.37, 1.0])
@pytest.mark.parametrize("cell", [ring_add_drop_heater, ring_pn_modulator])
def test_measured_ring_bus_gap_is_the_gap_parameter(cell, gap):
    assert drawn_gap_um(cell(gap=gap)) == pytest.approx(gap, abs=1.5 * DBU)


def test_heater_resistance_grows_by_the_added_band():
    small, large = ring_add_drop_heater(radius=10.0), ring_add_drop_heater(radius=20.0)
    width = value("heater.width")
    extra = 2 * math.pi * 10.0 / width  # squares added by 10 um more radius
    assert heater_squares(large) - heater_squares(small) == pytest.approx(extra, rel=0.01)
    # and the heater covers the ring but for the contact region (< 15 % of it)
    squares = heater_squares(small)
    assert 0.85 * 2 * math.pi * 10.0 / width < squares < 2 * math.pi * 10.0 / width
    r = small.info["heater_resistance"]
    assert r == pytest.approx(squares * value("heater.sheet_resistance"))


def test_heater_contacts_both_land_on_the_one_heater():
    c = ring_add_drop_heater()
    e1, e2 = contacted_shapes(c, "e1"), contacted_shapes(c, "e2")
    assert e1["HEATER"].count() == e2["HEATER"].count() == 1
    assert (e1["HEATER"] ^ e2["HEATER"]).is_empty()
    assert e1["NPP"].is_empty() and e1["PPP"].is_empty()


def test_pn_ring_junction_sits_on_the_rib_and_contacts_stay_off_it():
    c = ring_pn_modulator()
    wg = layer_region(c, "WG")
    (ring,) = [p for p in wg.each() if p.holes() > 0]
    ring = type(wg)(ring)
    bus = wg - ring
    n, p = layer_region(c, "N"), layer_region(c, "P")
    # the junction runs along the core centre line: N covers the outer half of the
    # doped core (annular sector R .. R + w/2), P the inner half (R - w/2 .. R)
    r, w = c.info["radius"], c.info["width"]
    theta = 2 * math.pi * c.info["doped_fraction"]
    outer_half = theta / 2 * ((r + w / 2) ** 2 - r**2)
    inner_half = theta / 2 * (r**2 - (r - w / 2) ** 2)
    assert (n & ring).area() * DBU**2 == pytest.approx(outer_half, rel=2e-3)
    assert (p & ring).area() * DBU**2 == pytest.approx(inner_half, rel=2e-3)
    # ohmic implants keep off the core, and no implant reaches the bus (2 nm: chords of
    # the 1 deg arcs and grid snapping of their vertices)
    heavy = value("mzm.contact_doping_offset") - value("strip.width") / 2
    for layer in ("NPP", "PPP"):
        assert min_separation_um(layer_region(c, layer), ring) >= heavy - 2 * DBU
    for layer in ("N", "P", "NP", "PP", "NPP", "PPP"):
        assert min_separation_um(layer_region(c, layer), bus, 10) >= DOPING_CLEARANCE - 2 * DBU


def test_pn_ring_terminals_drive_p_inside_and_n_outside():
    c = ring_pn_modulator()
    anode, cathode = contacted_shapes(c, "e1"), contacted_shapes(c, "e2")
    assert anode["PPP"].count() == 1 and anode["NPP"].is_empty()
    assert cathode["NPP"].count() == 1 and cathode["PPP"].is_empty()
    assert anode["PPP"].bbox().width() < cathode["NPP"].bbox().width()  # P is the inner band


def test_spec_sheet_catches_a_ring_too_large_for_the_wdm_plan():
    assert verify_cell("ring_add_drop_heater").passed
    big = verify_cell("ring_add_drop_heater", {"radius": 20.0})
    failed = {q.name for q in big.quantities if not q.passed}
    assert {"fsr_nm", "wdm_channels"} <= failed
