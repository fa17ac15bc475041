"""Travelling-wave MZM against hand numbers and its drawn geometry.

References independent of the cell code: V_pi = V_pi L / L worked by hand; the
electrode length read off the drawn P++ implant; the series push-pull topology
traced from each pad down the drawn via stack to the implant it drives; the
PN profile checked against the rib cores it must straddle.
"""

from __future__ import annotations

import gdsfactory as gf
import klayout.db as kdb
import pytest

from components.modulators import (
    contact_stack,
    contacted_shapes,
    mzm_traveling_wave,
    vpi_v,
)
from components.specs import measure
from components.waveguides import layer_region, min_separation_um
from pdk.params import value

DBU = gf.kcl.dbu


@pytest.fixture(scope="module")
def mzm() -> gf.Component:
    return mzm_traveling_wave(length=500.0)


def test_default_length_meets_the_vpi_target_by_hand():
    # 2 V cm / 0.4 cm = 5 V: the default electrode is 4 mm
    assert vpi_v(4000.0) == pytest.approx(5.0)
    c = mzm_traveling_wave()
    values = measure("mzm_traveling_wave", c)
    assert values["electrode_length_um"] == pytest.approx(4000.0)
    assert values["vpi_v"] == pytest.approx(value("mzm.vpi_target"))
    # junction load: 0.25 pF/mm x 4 mm, two arms in series -> 0.5 pF
    assert values["junction_capacitance_pf"] == pytest.approx(0.5)


def test_electrode_length_is_the_drawn_contacted_length(mzm):
    for layer in ("PPP", "NPP", "VIAC"):
        box = layer_region(mzm, layer).bbox()
        assert box.width() * DBU == pytest.approx(500.0, abs=1.0), layer
    assert measure("mzm_traveling_wave", mzm)["vpi_v"] == pytest.approx(2.0 * 1e4 / 500.0)


def test_pads_are_on_the_probe_pitch(mzm):
    pitch = value("pad.pitch")
    for a, b in (("e1", "e2"), ("e2", "e3"), ("e4", "e5"), ("e5", "e6")):
        pa, pb = mzm.ports[a], mzm.ports[b]
        assert abs(pa.y - pb.y) == pytest.approx(pitch) and pa.x == pytest.approx(pb.x)


def test_series_push_pull_topology_from_the_pads_down(mzm):
    signal, gnd_top, gnd_bot, bias = (contacted_shapes(mzm, p) for p in ("e2", "e1", "e3", "e7"))
    # the signal and the lower ground each drive one P++ band; the bias drives the N++
    assert signal["PPP"].count() == 1 and signal["NPP"].is_empty()
    assert gnd_bot["PPP"].count() == 1 and gnd_bot["NPP"].is_empty()
    assert bias["NPP"].count() == 1 and bias["PPP"].is_empty()
    assert all(r.is_empty() for r in gnd_top.values())  # the upper ground is the CPW return
    assert (signal["PPP"] & gnd_bot["PPP"]).is_empty()
    # termination pads are the same nets
    assert (contacted_shapes(mzm, "e5")["PPP"] ^ signal["PPP"]).is_empty()
    # one common N++ between the arms, and it is the only N++: two diodes in series
    assert layer_region(mzm, "NPP").count() == 1
    cores = _arm_cores(mzm)
    top, bottom = sorted(cores, key=lambda r: r.bbox().center().y, reverse=True)
    npp = bias["NPP"].bbox()
    assert bottom.bbox().center().y < npp.center().y < top.bbox().center().y
    assert signal["PPP"].bbox().center().y > top.bbox().center().y
    assert gnd_bot["PPP"].bbox().center().y < bottom.bbox().center().y


def _arm_cores(c: gf.Component) -> list[kdb.Region]:
    """The two doped rib cores: WG pieces under the P++ x-range."""
    box = layer_region(c, "PPP").bbox()
    window = kdb.Region(kdb.Box(box.left, box.bottom - 20000, box.right, box.top + 20000))
    cores = layer_region(c, "WG") & window
    return [kdb.Region(p) for p in cores.each()]


def test_each_arm_junction_straddles_its_core(mzm):
    cores = _arm_cores(mzm)
    assert len(cores) == 2
    n, p = layer_region(mzm, "N"), layer_region(mzm, "P")
    for core in cores:
        # junction on the core centre line: N and P each cover half the core
        assert (n & core).area() == pytest.approx(core.area() / 2, rel=1e-3)
        assert (p & core).area() == pytest.approx(core.area() / 2, rel=1e-3)
        # ohmic implants keep 0.75 um off the rib edge; the whole junction is on slab
        gap = value("mzm.contact_doping_offset") - value("strip.width") / 2
        for layer in ("NPP", "PPP"):
            assert min_separation_um(layer_region(mzm, layer), core) == pytest.approx(gap)
    assert (n | p).not_inside(layer_region(mzm, "SLAB90") | layer_region(mzm, "WG")).is_empty()


def test_contact_tracer_sees_a_missing_via():
    """The tracer reports nothing when the stack has no VIA1: it reads the layout."""
    ok, broken = gf.Component(), gf.Component()
    for c, stack in ((ok, contact_stack((4.0, 4.0))), (broken, contact_stack((4.0, 4.0)))):
        ref = c << stack
        c.add_ports(ref.ports)
        c << gf.components.rectangle(size=(6, 6), layer="PPP", centered=True)
    broken.flatten()
    broken.remove_layers(["VIA1"])
    assert contacted_shapes(ok, "e2")["PPP"].count() == 1
    assert contacted_shapes(broken, "e2")["PPP"].is_empty()
