"""Travelling-wave carrier-depletion Mach-Zehnder modulator, and the contact stacks
shared by the active devices (modulators, PN rings, photodetectors).

Contacts. The process has two metals: VIAC lands on N++/P++ silicon (or TiN) and
connects it to M1; VIA1 connects M1 to M2, the top metal that carries the pad-ready
ports. gdsfactory's default stacks end on VIA2/M3, which this process lacks, so the
stacks here are gdsfactory's ``via_stack`` with our layers and vias sized from the
rule deck (minimum width, densest legal pitch, enclosure rules).

The MZM (series push-pull, Baehr-Jones et al., Opt. Express 20:12014, 2012): two
rib arms with lateral PN junctions lie side by side in the signal-ground gap of a
GSG coplanar line on M2. The signal line contacts the P++ side of the upper arm, the
lower ground contacts the P++ side of the lower arm, and the two N++ sides merge
into one common cathode between the arms, brought out on M1 to a DC bias port. The
RF voltage thus drops across two reverse-biased diodes in series: one arm's
depletion grows while the other's shrinks (push-pull), and the line sees half the
junction capacitance. Each diode sees V/2 but the phase difference is the sum of
both arms, so the drive amplitude for a pi shift is V_pi = (V_pi L) / L with
``mzm.vpi_l`` the single-arm figure of merit.
"""

from __future__ import annotations

import math
from typing import Annotated

import gdsfactory as gf
import klayout.db as kdb

from components.couplers import mmi_1x2
from components.pads import PAD_PITCH, PAD_SIZE, bond_pad
from components.registry import Range, register
from components.waveguides import layer_region, port_pitch_um
from pdk.params import value
from pdk.rules import design_rules

_RULES = design_rules()
STRIP_WIDTH = value("strip.width")
VPI_L = value("mzm.vpi_l")  # V cm, single arm
VPI_TARGET = value("mzm.vpi_target")  # V
C_PER_LENGTH = value("mzm.capacitance_per_length")  # pF/mm
UM_PER_CM = 1e4


# --- contact stacks (shared by the active cells) -------------------------------------


def enclosure(inner: str) -> float:
    """Largest enclosure the deck asks of via layer ``inner`` (um)."""
    return max(e.min for e in _RULES.enclosures if e.inner == inner)


def rule_via(layer: str) -> gf.Component:
    """One via of the deck's minimum size at the densest legal pitch, with its enclosure."""
    rule = _RULES.layers[layer]
    return gf.components.via(
        size=(rule.min_width, rule.min_width),
        enclosure=enclosure(layer),
        layer=layer,
        pitch=rule.min_width + rule.min_space,
    )


def contact_stack(
    size: tuple[float, float], bottom: str | None = None, m2_inset: float = 0.0
) -> gf.Component:
    """Rectangular contact ``size`` (um): [``bottom`` ->] VIAC -> M1 -> VIA1 -> M2.

    ``bottom`` is ``"HEATER"`` for a TiN contact pad; for doped silicon it is None
    and the VIAC array lands on N++/P++ drawn by the device (the via array sits
    ``enclosure("VIAC")`` inside M1). ``m2_inset`` shrinks M2 on every side so
    two stacks that abut at the M1 space keep the wider M2 space. Ports e1..e4 on M2.
    """
    if bottom:
        # each via array is centred in the rectangle it is listed with: VIA1 goes in
        # (the possibly inset) M2 so both of its enclosures hold
        layers, vias = (bottom, "M1", "M2"), (rule_via("VIAC"), None, rule_via("VIA1"))
    else:
        layers, vias = ("M1", "M2"), (rule_via("VIAC"), rule_via("VIA1"))
    offsets = (0.0,) * (len(layers) - 1) + (-m2_inset,)
    return gf.components.via_stack(size=size, layers=layers, vias=vias, layer_offsets=offsets)


def contacted_shapes(c: gf.Component, port: str) -> dict[str, kdb.Region]:
    """Contact layers reached from electrical ``port`` down the via stack (database units).

    Walks M2 -> VIA1 -> M1 -> VIAC and returns, per contact layer (N++, P++,
    HEATER), the merged shapes those VIAC land on: which implant or heater a
    terminal really drives, read from the drawn layout alone.
    """
    p = c.ports[port]
    x, y = round(p.x / gf.kcl.dbu), round(p.y / gf.kcl.dbu)
    net = layer_region(c, "M2").interacting(kdb.Region(kdb.Box(x - 1, y - 1, x + 1, y + 1)))
    for layer in ("VIA1", "M1", "VIAC"):
        net = layer_region(c, layer).interacting(net)
    return {layer: layer_region(c, layer).interacting(net) for layer in ("NPP", "PPP", "HEATER")}


def metal_via_stack(size: tuple[float, float]) -> gf.Component:
    """M1 -> VIA1 -> M2 landing ``size`` (um), for M1 routing that goes up to M2."""
    return gf.components.via_stack(size=size, layers=("M1", "M2"), vias=(None, rule_via("VIA1")))


# --- travelling-wave MZM -------------------------------------------------------------

NP_OFFSET = value("mzm.medium_doping_offset")
NPP_OFFSET = value("mzm.contact_doping_offset")
_RF = gf.get_cross_section("rf_gsg")
SIGNAL_WIDTH = _RF.sections[0].width
_GND = next(s for s in _RF.sections if s.name == "gnd_top")
GROUND_WIDTH = _GND.width
RF_GAP = _GND.offset - SIGNAL_WIDTH / 2 - GROUND_WIDTH / 2
CONTACT_WIDTH = 1.2  # um, M1/M2 contact strip along each P++ band and the N++ bias line
# Both arms and their contacts fill the signal-ground gap exactly: P++ contact under
# the signal edge, arm, common N++, arm, P++ contact under the ground edge.
DOPING_WIDTH = (RF_GAP + 2 * CONTACT_WIDTH) / 4  # N / P extent either side of a rib centre
ARM_PITCH = 2 * DOPING_WIDTH
SLAB_MARGIN = 0.2  # um of slab beyond the outermost implant
TAPER_LENGTH = 10.0  # um, strip-to-rib slab taper of the arm pair
SBEND_LENGTH = 20.0  # um, MMI port pitch -> arm pitch
FAN_LENGTH = 100.0  # um, GSG line -> probe pads
OPTICAL_CLEARANCE = 10.0  # um between the ground's outer edge and the optical ports
BIAS_LEAD_WIDTH = 2.0  # um, M1 lead of the common-cathode bias
BIAS_LANDING = 4.0  # um, M1/M2 landing of the bias port
DEFAULT_LENGTH = round(VPI_L / VPI_TARGET * UM_PER_CM, 3)

_VIAC_FIT = NPP_OFFSET + enclosure("VIAC") + (CONTACT_WIDTH + _RULES.min_width("VIAC")) / 2
if DOPING_WIDTH < _VIAC_FIT:
    raise ValueError(
        f"rf_gsg gap {RF_GAP} um leaves P++ bands too narrow for the VIAC rows "
        f"(doping width {DOPING_WIDTH:.3f} < {_VIAC_FIT:.3f} um)"
    )


def vpi_v(electrode_length_um: float) -> float:
    """Drive amplitude (V) for a pi shift of the series push-pull MZM: V_pi L / L."""
    return VPI_L * UM_PER_CM / electrode_length_um


def _measure_mzm(c: gf.Component) -> dict[str, float]:
    box = layer_region(c, "PPP").bbox()
    electrode = box.width() * gf.kcl.dbu  # drawn contacted (loaded) length
    required = VPI_L / VPI_TARGET * UM_PER_CM
    return {
        "electrode_length_um": electrode,
        "vpi_v": vpi_v(electrode),
        "vpi_over_target": vpi_v(electrode) / VPI_TARGET,
        "length_over_required": electrode / required,
        # the line sees the two arm junctions in series: half of one arm's capacitance
        "junction_capacitance_pf": C_PER_LENGTH * electrode * 1e-3 / 2,
        "rf_pad_pitch_um": port_pitch_um(c, ("e1", "e2")),
        "termination_pad_pitch_um": port_pitch_um(c, ("e4", "e5")),
        "arm_pitch_um": float(c.info["arm_pitch"]),
    }


def _fan_out(c: gf.Component, x_line: float, x_pad: float) -> None:
    """M2 quadrilaterals from the three GSG conductors at ``x_line`` to pads at ``x_pad``."""
    half = PAD_SIZE / 2
    g = SIGNAL_WIDTH / 2 + RF_GAP
    conductors = (
        ((g, g + GROUND_WIDTH), PAD_PITCH),
        ((-SIGNAL_WIDTH / 2, SIGNAL_WIDTH / 2), 0.0),
        ((-g - GROUND_WIDTH, -g), -PAD_PITCH),
    )
    for (lo, hi), yc in conductors:
        pts = [(x_line, lo), (x_line, hi), (x_pad, yc + half), (x_pad, yc - half)]
        c.add_polygon([(round(x, 3), round(y, 3)) for x, y in pts], layer="M2")


@register(measure=_measure_mzm)
@gf.cell
def mzm_traveling_wave(
    length: Annotated[
        float,
        Range(
            200.0,
            8000.0,
            "um",
            "V_pi from 100 V down to 2.5 V; RF loss caps useful electrodes near 8 mm",
        ),
    ] = DEFAULT_LENGTH,
) -> gf.Component:
    """Series push-pull travelling-wave carrier-depletion MZM with GSG pads at both ends.

    Two 500 nm rib arms ``ARM_PITCH`` apart, each with gdsfactory's lateral PN
    profile, lie in the lower signal-ground gap of the PDK's ``rf_gsg`` line on M2
    over ``length`` um (the electrode length). The upper arm's P++ is contacted
    under the signal's edge, the lower arm's P++ under the lower ground's edge, and
    the common N++ between the arms by an M1 line that leaves at the east end,
    crosses under the ground and lands on M2 (bias port e7). 1x2 MMIs (the library's
    ``mmi_1x2``) split and combine; the strip input and output turn south under the
    lower ground. The line fans out to 80 um GSG pads at ``pad.pitch``: e1-e3 on the
    input side, e4-e6 on the termination side. Default length: ``mzm.vpi_l /
    mzm.vpi_target``.

    ::

        e1 [G]\\____________ G (CPW return) ______________/[G] e4
        e2 [S]-_____________ S over P++ of arm A _________-[S] e5
                 MMI <  arm A   P|N ~~~~~~~~~~~~~~~~ >  MMI
                     <  arm B   N|P ~~~~~~~~~~~~~~~~ >          common N++ (M1) -> e7
        e3 [G]/_____________ G over P++ of arm B _________\\[G] e6
                |o1                              |e7        |o2   (all three face south)
                v                                v          v

        <-- FAN_LENGTH -->    <---- length (electrode) ---->

    ``info``: ``length`` = electrode length (um), ``arm_pitch`` (um),
    ``vpi`` (V), ``junction_capacitance`` (pF, series pair), ``doping_width`` (um).
    """
    w = STRIP_WIDTH
    xs_strip = gf.get_cross_section("strip")
    c = gf.Component()
    y_mid = -(SIGNAL_WIDTH / 2 + RF_GAP / 2)
    y_a, y_b = y_mid + DOPING_WIDTH, y_mid - DOPING_WIDTH

    # doped arms: gdsfactory's pn puts P on +y; arm B is mirrored so the N sides face
    # each other across the common N++
    pn = gf.cross_section.pn(
        width=w,
        width_doping=DOPING_WIDTH,
        width_slab=2 * DOPING_WIDTH,
        gap_medium_doping=NP_OFFSET,
        gap_high_doping=NPP_OFFSET,
    )
    arm = gf.components.straight(length=length, cross_section=pn)
    arm_a = c << arm
    arm_a.dmove((0, y_a))
    arm_b = c << arm
    arm_b.dmirror_y()
    arm_b.dmove((0, y_b))

    # contacts: P++ of A under the signal, P++ of B under the ground, N++ bias line
    stack = contact_stack((length, CONTACT_WIDTH))
    for y in (y_a + DOPING_WIDTH - CONTACT_WIDTH / 2, y_b - DOPING_WIDTH + CONTACT_WIDTH / 2):
        (c << stack).dmove((length / 2, y))
    bias = c << gf.components.via_stack(
        size=(length, CONTACT_WIDTH), layers=("M1",), vias=(rule_via("VIAC"),)
    )
    bias.dmove((length / 2, y_mid))

    # one slab under both arms, tapered down to the arm pair at each end
    slab_top, slab_bot = y_a + DOPING_WIDTH + SLAB_MARGIN, y_b - DOPING_WIDTH - SLAB_MARGIN
    slab = c << gf.components.rectangle(size=(length, slab_top - slab_bot), layer="SLAB90")
    slab.dmove((0, slab_bot))
    slab_taper = gf.components.taper(
        length=TAPER_LENGTH,
        width1=ARM_PITCH + w,
        width2=slab_top - slab_bot,
        layer="SLAB90",
        cross_section=xs_strip,
        with_bbox=False,
    )
    west_taper = c << slab_taper
    west_taper.dmove((-TAPER_LENGTH, (slab_top + slab_bot) / 2))
    east_taper = c << slab_taper
    east_taper.dmirror_x()
    east_taper.dmove((length + TAPER_LENGTH, (slab_top + slab_bot) / 2))

    # strip optics: arms -> S-bends -> MMIs -> 90 deg bends south
    run = gf.components.straight(length=TAPER_LENGTH, cross_section=xs_strip)
    mmi = mmi_1x2()
    dy = DOPING_WIDTH - mmi.info["port_offset"]
    sbend = gf.components.bend_s(size=(SBEND_LENGTH, dy), cross_section=xs_strip)
    bend = gf.components.bend_euler(cross_section=xs_strip)
    y_port = -(SIGNAL_WIDTH / 2 + RF_GAP + GROUND_WIDTH) - OPTICAL_CLEARANCE
    ends = {}
    for side, outer, inner in (("west", "o1", "o2"), ("east", "o2", "o1")):
        runs = []
        for ref_arm in (arm_a, arm_b):
            r = c << run
            r.connect(inner, ref_arm.ports[outer])
            runs.append(r)
        s_a = c << sbend
        s_a.connect("o2", runs[0].ports[outer], mirror=side == "east")
        s_b = c << sbend
        s_b.connect("o2", runs[1].ports[outer], mirror=side == "west")
        m = c << mmi
        m.connect("o2" if side == "west" else "o3", s_a.ports["o1"])
        b = c << bend
        b.connect("o1", m.ports["o1"], mirror=side == "east")
        down = c << gf.components.straight(length=b.ports["o2"].y - y_port, cross_section=xs_strip)
        down.connect("o1", b.ports["o2"])
        ends[side] = (b, down)

    # GSG line over the whole optical span, fanned out to pads at both ends
    x_w = ends["west"][0].dxmin - OPTICAL_CLEARANCE
    x_e = ends["east"][0].dxmax + OPTICAL_CLEARANCE
    x_w, x_e = math.floor(x_w), math.ceil(x_e)
    line = c << gf.components.straight(length=x_e - x_w, cross_section=_RF)
    line.dmove((x_w, 0))
    pad = bond_pad(size=PAD_SIZE)
    for x_line, sign, names, port in (
        (x_w, -1, ("e1", "e2", "e3"), "e1"),
        (x_e, +1, ("e4", "e5", "e6"), "e3"),
    ):
        x_pad = x_line + sign * FAN_LENGTH
        _fan_out(c, x_line, x_pad)
        for name, yc in zip(names, (PAD_PITCH, 0.0, -PAD_PITCH), strict=True):
            p = c << pad
            p.dmove((x_pad + sign * PAD_SIZE / 2, yc))
            c.add_port(name, port=p.ports[port])

    # common-cathode bias: M1 east past the contacts, south under the ground, up to M2
    x_bias = length + CONTACT_WIDTH / 2 + _RULES.min_space("M1") + BIAS_LEAD_WIDTH / 2
    y_land = -(SIGNAL_WIDTH / 2 + RF_GAP + GROUND_WIDTH) - _RULES.min_space("M2") - BIAS_LANDING / 2
    m1 = gf.get_cross_section("metal1", width=BIAS_LEAD_WIDTH)
    stub = c << gf.components.straight(length=x_bias - length, cross_section=m1)
    stub.dmove((length, y_mid))
    lead = c << gf.components.straight(length=y_mid - y_land, cross_section=m1)
    lead.drotate(-90)
    lead.dmove((x_bias, y_mid + BIAS_LEAD_WIDTH / 2))
    landing = c << metal_via_stack((BIAS_LANDING, BIAS_LANDING))
    landing.dmove((x_bias, y_land))

    c.add_port("o1", port=ends["west"][1].ports["o2"])
    c.add_port("o2", port=ends["east"][1].ports["o2"])
    c.add_port("e7", port=landing.ports["e4"])
    c.flatten()
    c.info.update(
        {
            "length": float(length),
            "arm_pitch": ARM_PITCH,
            "doping_width": DOPING_WIDTH,
            "vpi": vpi_v(length),
            "junction_capacitance": C_PER_LENGTH * length * 1e-3 / 2,
        }
    )
    return c
