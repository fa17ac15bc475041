"""The OPU chip: DRC-clean, every core contact wired to its own pad, fibre I/O on 127 um.

References independent of the chip builder: the process DRC deck; KLayout's net
extraction of the drawn metal (not the router's records); the bank's port count
2 M N heater contacts + 3 M photodiode terminals; the 127 um V-groove fibre-array
standard; the WG shapes of the drawn loopback.
"""

from __future__ import annotations

import itertools

import gdsfactory as gf
import klayout.db as kdb
import pytest

from circuits.opu_chip import PAD_SIZE, opu_chip, pad_connectivity
from circuits.pad_router import PadRouter, RoutingError, Terminal
from components.waveguides import layer_region
from pdk.drc import run_drc

FIBRE_ARRAY_PITCH = 127.0  # um, standard V-groove fibre array


@pytest.fixture(scope="module")
def chip() -> gf.Component:
    return opu_chip()


@pytest.fixture(scope="module")
def small() -> gf.Component:
    return opu_chip(rows=2, cols=3)


@pytest.mark.parametrize("name", ["chip", "small"])
def test_drc_clean_and_every_contact_on_its_own_pad(name, request):
    c = request.getfixturevalue(name)
    rows, cols = c.info["rows"], c.info["cols"]
    report = run_drc(c)
    assert report.violations == 0, report.failing
    core_ports = {p.name for p in c.insts["core"].ports if p.port_type == "electrical"}
    assert len(core_ports) == 2 * rows * cols + 3 * rows  # heater e1/e2 + PD e1..e3 per row
    assert c.info["pads"] == len(core_ports)
    conn = pad_connectivity(c)
    assert set(conn.reached) == core_ports
    assert all(conn.reached[p] == (f"pad_{p}",) for p in core_ports), (conn.opens, conn.shorts)
    assert conn.ok


def test_awgr_chip_wires_dc_contacts_and_leaves_the_modulator_probe_pads():
    c = opu_chip(kind="awgr", rows=4, cols=4)
    assert run_drc(c).violations == 0
    ports = [p for p in c.insts["core"].ports if p.port_type == "electrical"]
    probe_pads = sorted(p.name for p in ports if p.width >= PAD_SIZE)
    assert probe_pads and c.info["core_pads"] == probe_pads  # GSG pads of the MZMs
    conn = pad_connectivity(c)
    assert set(conn.reached) == {p.name for p in ports} - set(probe_pads)
    assert conn.ok, (conn.opens, conn.shorts)


def test_connectivity_check_catches_an_open_and_a_short(small):
    conn = pad_connectivity(small)
    pads = sorted((p for p in small.ports if p.port_type == "pad"), key=lambda p: p.x)
    north = [p for p in pads if p.y > 0]
    a, b = north[0], north[1]
    broken = small.dup()
    m2 = broken.kcl.layout.layer(*tuple(gf.get_layer("M2")))
    shapes = broken.kdb_cell.shapes(m2)
    wires = kdb.Region(shapes)
    face = a.y - a.width / 2  # north pads face south
    cut = kdb.DBox(a.x - a.width / 2, face - 3.0, a.x + a.width / 2, face - 0.5)
    shapes.clear()
    shapes.insert(wires - kdb.Region(cut.to_itype(broken.kcl.dbu)))
    bridge = kdb.DBox(a.x, b.y - 5.0, b.x, b.y + 5.0)  # M2 strap across the pad gap
    shapes.insert(bridge.to_itype(broken.kcl.dbu))
    bad = pad_connectivity(broken)
    name_a, name_b = a.name.removeprefix("pad_"), b.name.removeprefix("pad_")
    assert conn.ok and not bad.ok
    assert name_a in bad.opens  # its wire is cut below the pad ...
    assert name_b in bad.shorts  # ... and its pad is strapped to the cut one
    assert bad.reached[name_b] == tuple(sorted((a.name, b.name)))


def test_fibre_array_on_127um_pitch_with_loopback(chip):
    fibres = sorted((p for p in chip.ports if p.port_type == "vertical_te"), key=lambda p: -p.y)
    assert [p.name for p in fibres] == ["loop_west1", "fiber_o1", "loop_west2"]
    assert {p.x for p in fibres} == {fibres[0].x}
    for upper, lower in itertools.pairwise(fibres):
        assert upper.y - lower.y == pytest.approx(FIBRE_ARRAY_PITCH, abs=1e-9)
    assert chip.info["optical_io"] == 1 and chip.info["gratings"] == 3
    # the loopback: one merged WG polygon joins the two outer couplers' tapers only
    array = chip.insts["fibre_west"]
    to_chip = array.dcplx_trans
    couplers = [g for g in array.cell.insts if "peak_wavelength_um" in g.cell.info]
    tapers = sorted(
        (to_chip * kdb.DPoint(g.ports["o1"].x, g.ports["o1"].y) for g in couplers),
        key=lambda pt: -pt.y,
    )
    wg = layer_region(chip, "WG")

    def shape_at(pt: kdb.DPoint) -> kdb.Region:
        probe = kdb.DBox(pt.x - 0.05, pt.y - 0.05, pt.x + 0.05, pt.y + 0.05)
        return wg.interacting(kdb.Region(probe.to_itype(chip.kcl.dbu)))

    first, signal, last = (shape_at(pt) for pt in tapers)
    assert first.count() == 1 and (first ^ last).is_empty()
    assert (first & signal).is_empty()
    core_input = chip.insts["core"].ports["o1"]
    probe = kdb.DPoint(core_input.x - 0.05, core_input.y)
    assert not (signal & shape_at(probe)).is_empty()  # the signal coupler feeds the core


def test_no_metal_over_gratings_and_die_outline(chip):
    array = chip.insts["fibre_west"].dbbox().to_itype(chip.kcl.dbu)
    for metal in ("M1", "M2"):
        assert (layer_region(chip, metal) & kdb.Region(array)).is_empty()
    die = layer_region(chip, "FLOORPLAN")
    assert die.count() == 1
    box = die.bbox().to_dtype(chip.kcl.dbu)
    assert box.width() == pytest.approx(chip.info["die_width_um"])
    assert box.height() == pytest.approx(chip.info["die_height_um"])
    everything = chip.dbbox()
    assert box.contains(everything.p1) and box.contains(everything.p2)
    assert not layer_region(chip, "TEXT").is_empty()


def test_bad_kind_and_size_are_refused():
    with pytest.raises(ValueError, match="kind='clements_mesh'"):
        opu_chip(kind="clements_mesh")
    with pytest.raises(ValueError, match="rows=0"):
        opu_chip(rows=0)


def _walled_contact(walls: tuple[str, ...]) -> tuple[gf.Component, Terminal, Terminal]:
    """An M2 contact facing south inside a closed metal ring on each of ``walls``, and
    an M2 pad outside the ring below it (geometry in nm)."""
    c = gf.Component()
    c.shapes(gf.get_layer("M2")).insert(kdb.Box(-2000, 0, 2000, 4000))
    ring = kdb.Region(kdb.Box(-40000, -40000, 40000, 40000)) - kdb.Region(
        kdb.Box(-35000, -35000, 35000, 35000)
    )
    for layer in walls:
        c.shapes(gf.get_layer(layer)).insert(ring)
    c.shapes(gf.get_layer("M2")).insert(kdb.Box(-40000, -200000, 40000, -120000))
    contact = Terminal("contact", 0.0, 0.0, 270, "M2", 4.0)
    pad = Terminal("pad", 0.0, -120.0, 90, "M2", 80.0)
    return c, contact, pad


def test_router_passes_under_an_m2_wall_on_m1_and_refuses_a_closed_box():
    c, contact, pad = _walled_contact(("M2",))
    router = PadRouter(c, (-150.0, -210.0, 150.0, 100.0), kdb.Region(), width=3.5)
    (route,) = router.route([contact], [pad], core=(-45.0, -45.0, 45.0, 45.0))
    assert route.pad == "pad" and len(route.vias) == 2 and route.length("M1") > 0
    assert run_drc(c).violations == 0
    c, contact, pad = _walled_contact(("M1", "M2"))
    router = PadRouter(c, (-150.0, -210.0, 150.0, 100.0), kdb.Region(), width=3.5)
    with pytest.raises(RoutingError, match="contact"):
        router.route([contact], [pad], core=(-45.0, -45.0, 45.0, 45.0))
