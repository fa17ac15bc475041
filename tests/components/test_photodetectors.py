"""Ge photodetector and balanced pair against their drawn geometry and wiring.

References independent of the cell code: the Ge stripe measured on the layout
against length x width; each terminal traced from its M2 port down the drawn via
stack to the implant it contacts (the series connection of the balanced pair must
join PD1's cathode to PD2's anode and nothing else).
"""

from __future__ import annotations

import gdsfactory as gf
import pytest

from components.modulators import contacted_shapes
from components.photodetectors import balanced_photodetector, ge_photodetector
from components.specs import measure, verify_cell
from components.waveguides import layer_region, min_separation_um
from pdk.params import value

DBU = gf.kcl.dbu


@pytest.mark.parametrize("length", [5.0, 15.0, 33.333])
def test_ge_stripe_is_length_by_width(length):
    c = ge_photodetector(length=length)
    values = measure("ge_photodetector", c)
    width = value("photodetector.ge_width")
    assert values["ge_length_um"] == pytest.approx(length)
    assert values["ge_area_um2"] == pytest.approx(length * width)


def test_contacts_sit_on_the_si_off_the_ge():
    c = ge_photodetector()
    anode, cathode = contacted_shapes(c, "e1"), contacted_shapes(c, "e2")
    assert anode["PPP"].count() == 1 and anode["NPP"].is_empty()
    assert cathode["NPP"].count() == 1 and cathode["PPP"].is_empty()
    ge = layer_region(c, "GE")
    assert (layer_region(c, "VIAC") & ge).is_empty()
    assert min_separation_um(layer_region(c, "M1"), ge) >= 1.0 - DBU
    # the lateral p-i-n straddles the Ge: P on one side, N on the other
    assert anode["PPP"].bbox().bottom > ge.bbox().center().y > cathode["NPP"].bbox().top


def test_balanced_pair_is_two_diodes_in_series():
    c = balanced_photodetector()
    v_minus, out, v_plus = (contacted_shapes(c, p) for p in ("e1", "e2", "e3"))
    ge = sorted(layer_region(c, "GE").each(), key=lambda p: -p.bbox().center().y)
    assert len(ge) == 2
    y1, y2 = (p.bbox().center().y for p in ge)

    def above(region, y):
        return region.bbox().center().y > y

    # e1: PD1's anode only; e3: PD2's cathode only
    assert v_minus["PPP"].count() == 1 and v_minus["NPP"].is_empty()
    assert above(v_minus["PPP"], y1)
    assert v_plus["NPP"].count() == 1 and v_plus["PPP"].is_empty()
    assert not above(v_plus["NPP"], y2)
    # e2 joins PD1's cathode (below Ge 1) to PD2's anode (above Ge 2)
    assert out["NPP"].count() == 1 and out["PPP"].count() == 1
    assert y2 < out["NPP"].bbox().center().y < y1
    assert y2 < out["PPP"].bbox().center().y < y1
    # the three terminals are three different nets
    assert (v_minus["PPP"] & out["PPP"]).is_empty()
    assert (v_plus["NPP"] & out["NPP"]).is_empty()


def test_balanced_inputs_face_the_same_way_and_spec_holds():
    c = balanced_photodetector()
    assert c.ports["o1"].orientation == c.ports["o2"].orientation == 180
    assert verify_cell("balanced_photodetector").passed
    # the spec sheet rejects a detector too long for the capacitance budget
    failed = {
        q.name for q in verify_cell("ge_photodetector", {"length": 60.0}).quantities if not q.passed
    }
    assert failed == {"ge_length_um", "ge_area_um2"}
