"""MZI: arm lengths against the sum of its parts by hand, ports, heaters, netlist."""

from __future__ import annotations

import math

import pytest

from components.heaters import CONTACT_CLEARANCE
from components.mzi import arm_lengths
from components.registry import MEASURES, CellParameterError, build
from components.specs import verify_cell
from pdk.params import value

HEATER_L = value("heater.length")


def _shifter_optical_length(heater_length: float) -> float:
    # heater line + (taper + contact pad + clearance) of run-on waveguide at each end
    run_on = value("heater.taper_length") + value("heater.contact_size") + CONTACT_CLEARANCE
    return heater_length + 2 * run_on


@pytest.mark.parametrize(
    ("settings", "radius"),
    [({}, 10.0), ({"delta_length": 37.5, "bend_radius": 6.0, "vertical_length": 5.0}, 6.0)],
)
def test_arm_lengths_are_bends_plus_straights_plus_shifter(settings, radius):
    c = build("mzi_2x2_heater", **settings)
    delta = settings.get("delta_length", 0.0)
    vertical = settings.get("vertical_length", 2.0)
    euler = radius * math.pi / 2 * 1.5  # 90 deg Euler bend, p = 0.5: R (pi/2)(1 + p)
    top = 4 * euler + 2 * vertical + _shifter_optical_length(HEATER_L)
    measured_top, measured_bot = arm_lengths(c)
    assert measured_top == pytest.approx(top, abs=2e-3)
    assert measured_bot - measured_top == pytest.approx(delta, abs=1e-3)
    m = MEASURES["mzi_2x2_heater"](c)
    assert m["arm_length_imbalance_um"] == pytest.approx(delta, abs=1e-3)
    assert m["min_bend_radius_um"] == pytest.approx(radius)


def test_ports_follow_the_splitter_pitch():
    mmi = build("mzi_2x2_heater")
    dc = build("mzi_2x2_heater", splitter="dc")
    mmi_pitch = build("mmi_2x2").info["port_offset"] * 2
    for c, pitch in ((mmi, mmi_pitch), (dc, value("directional_coupler.port_pitch"))):
        o1, o2, o3, o4 = (c.ports[n] for n in ("o1", "o2", "o3", "o4"))
        assert o2.y - o1.y == pytest.approx(pitch, abs=1e-3)
        assert o3.y - o4.y == pytest.approx(pitch, abs=1e-3)
        assert (o1.orientation, o2.orientation, o3.orientation, o4.orientation) == (
            180,
            180,
            0,
            0,
        )
        assert o1.x < o4.x


def test_heaters_on_both_arms_face_away_from_each_other():
    one = build("mzi_2x2_heater")
    both = build("mzi_2x2_heater", heater_on_both_arms=True)
    assert sorted(p.name for p in one.ports if p.port_type == "electrical") == ["e1", "e2"]
    names = sorted(p.name for p in both.ports if p.port_type == "electrical")
    assert names == ["e1", "e2", "e3", "e4"]
    assert {both.ports[n].orientation for n in ("e1", "e2")} == {90}
    assert {both.ports[n].orientation for n in ("e3", "e4")} == {270}
    assert both.ports["e1"].y > both.ports["o2"].y > both.ports["e3"].y
    assert MEASURES["mzi_2x2_heater"](both)["heaters"] == 2
    # a heater on the bottom arm too keeps the arms balanced
    top, bot = arm_lengths(both)
    assert bot == pytest.approx(top, abs=1e-3)


def test_netlist_lists_library_cells_only():
    netlist = build("mzi_2x2_heater").get_netlist()
    kinds = {inst["component"] for inst in netlist["instances"].values()}
    assert kinds == {"mmi_2x2", "euler_bend", "waveguide_straight", "thermo_optic_phase_shifter"}
    assert set(netlist["ports"]) == {"o1", "o2", "o3", "o4", "e1", "e2"}


def test_spec_catches_an_unbalanced_mzi():
    assert verify_cell("mzi_2x2_heater").passed
    result = verify_cell("mzi_2x2_heater", {"delta_length": 10.0})
    failed = {q.name for q in result.quantities if not q.passed}
    assert failed == {"arm_length_imbalance_um"}


def test_bad_settings_are_refused_by_name():
    with pytest.raises(ValueError, match="splitter"):
        build("mzi_2x2_heater", splitter="y_branch")
    with pytest.raises(CellParameterError, match="bend_radius"):
        build("mzi_2x2_heater", bend_radius=3.0)
