"""Microring resonators: add-drop ring with a TiN heater, and a PN depletion ring modulator.

A ring of circumference L has free spectral range FSR = lambda^2 / (n_g L)
(Bogaerts et al., "Silicon microring resonators", Laser Photon. Rev. 6:47, 2012,
eq. 6). The WDM weight bank needs FSR > N_channels x channel spacing, so every
channel finds its own resonance; the spec sheets check that on the *drawn* ring,
whose circumference is measured from the layout (polygon area / waveguide width).

Layout quantities a compact model needs sit in ``c.info`` (um unless stated):
``radius``, ``gap``, ``width``, ``circumference``, ``coupler_length`` (straight
coupling section per bus), and device-specific extras (heater squares and
resistance in ohm; doped arc length and fraction).
"""

from __future__ import annotations

import math
from functools import partial
from typing import Annotated

import gdsfactory as gf
import klayout.db as kdb
import numpy as np

from components.modulators import (
    C_PER_LENGTH,
    contact_stack,
    enclosure,
    rule_via,
)
from components.registry import Range, register
from components.waveguides import layer_region, min_separation_um, port_pitch_um
from pdk.cross_sections import heater_metal, strip
from pdk.params import value
from pdk.rules import design_rules

_RULES = design_rules()
WAVELENGTH = value("constants.wavelength")  # um
STRIP_WIDTH = value("strip.width")
STRIP_NG = value("strip.n_g")
RIB_NG = value("rib.n_g")
MIN_RADIUS = value("strip.min_bend_radius")
RIB_MIN_RADIUS = float(gf.get_cross_section("rib").radius_min)
CHANNEL_SPACING = value("awg.channel_spacing")  # nm, 100 GHz grid
HEATER_WIDTH = value("heater.width")
SHEET_RESISTANCE = value("heater.sheet_resistance")  # ohm/sq
P_PI = value("heater.p_pi")  # mW
WG_MIN_SPACE = _RULES.min_space("WG")
# the heater is open at the through-port coupler; its two ends sit one HEATER space apart
HEATER_GAP = _RULES.min_space("HEATER")
# M2 of the two heater contacts is pulled in so the M2 space holds across that gap
HEATER_M2_INSET = (_RULES.min_space("M2") - HEATER_GAP) / 2
HEATER_PAD_WIDTH = 4.5  # um; its M2 (inset 0.5 um) is 3.5 x >= 3 um, above the M2 min area
HEATER_PAD_MARGIN = 1.5  # um of contact below the heater's outer edge

Radius = Annotated[
    float,
    Range(MIN_RADIUS, 50.0, "um", ">= strip.min_bend_radius; FSR < 2 nm beyond 50 um"),
]
Gap = Annotated[
    float, Range(WG_MIN_SPACE, 1.0, "um", "WG min space; beyond 1 um the ring is uncoupled")
]
Width = Annotated[
    float, Range(0.4, 0.6, "um", "TE0 bend loss grows below 0.4 um at R = 5 um; TE1 above ~0.6 um")
]


def fsr_nm(circumference_um: float, n_g: float, wavelength_um: float = WAVELENGTH) -> float:
    """Free spectral range (nm) of a ring of ``circumference_um`` and group index ``n_g``."""
    return wavelength_um**2 / (n_g * circumference_um) * 1e3


def _ring_polygon(c: gf.Component) -> kdb.Region:
    """The closed ring: the one merged WG polygon with a hole."""
    rings = [p for p in layer_region(c, "WG").each() if p.holes() > 0]
    if len(rings) != 1:
        raise ValueError(f"{c.name}: expected one closed ring on WG, found {len(rings)}")
    return kdb.Region(rings[0])


def drawn_circumference_um(c: gf.Component) -> float:
    """Centre-line length of the drawn ring (um): polygon area / waveguide width.

    Exact for a band of constant width (an annulus of radius R has area 2 pi R w);
    chords of the drawn arc shorten it by ~(d theta)^2 / 24, < 1e-4 here.
    """
    return _ring_polygon(c).area() * gf.kcl.dbu**2 / c.info["width"]


def drawn_gap_um(c: gf.Component) -> float:
    """Smallest edge-to-edge distance between the drawn ring and any bus waveguide (um)."""
    ring = _ring_polygon(c)
    buses = layer_region(c, "WG") - ring
    return min_separation_um(ring, buses)


def _ring_measures(c: gf.Component, n_g: float, min_radius: float) -> dict[str, float]:
    # n_g is the library's value for the 500 nm core; other widths shift it by a few %
    circumference = drawn_circumference_um(c)
    fsr = fsr_nm(circumference, n_g)
    return {
        "circumference_um": circumference,
        "fsr_nm": fsr,
        "wdm_channels": math.floor(fsr / CHANNEL_SPACING),
        "radius_over_min": c.info["radius"] / min_radius,
        "gap_um": drawn_gap_um(c),
    }


# --- add-drop ring with heater -------------------------------------------------------


def heater_squares(c: gf.Component) -> float:
    """Squares of the drawn TiN heater between its contacts (quasi-1D: area / width^2).

    The heater is the HEATER band left after removing the contact pads (their M1);
    the dead-end stubs beyond the pads are separate pieces and carry no current, so
    only the largest piece counts.
    """
    heater = layer_region(c, "HEATER") - layer_region(c, "M1")
    pieces = sorted((p.area() for p in heater.each()), reverse=True)
    if not pieces:
        raise ValueError(f"{c.name}: no heater outside the contacts")
    width = c.info["heater_width"]
    return pieces[0] * gf.kcl.dbu**2 / width**2


def _measure_add_drop(c: gf.Component) -> dict[str, float]:
    squares = heater_squares(c)
    resistance = squares * SHEET_RESISTANCE
    # a full FSR of tuning is a 2 pi round-trip phase: twice the pi-shift power
    p_fsr = 2.0 * P_PI
    return {
        **_ring_measures(c, STRIP_NG, MIN_RADIUS),
        "heater_squares": squares,
        "heater_resistance_ohm": resistance,
        "tuning_power_fsr_mw": p_fsr,
        "tuning_voltage_fsr_v": math.sqrt(p_fsr * 1e-3 * resistance),
        "bus_pitch_um": port_pitch_um(c, ("o1", "o3")),
        "contact_pitch_um": port_pitch_um(c, ("e1", "e2")),
    }


def _heater_pad(radius: float, gap: float, width: float) -> tuple[tuple[float, float], float]:
    """Size (x, y) and centre height of the heater contact pads (um, bus at y = 0).

    The heater band (half-width h) is open at the bottom of the ring; each pad's
    inner edge is flush with a heater end. Pad height is chosen so the band's outer
    edge leaves the pad through its outer side and its inner edge through its top,
    half-way across: both crossings then meet the pad edge at an obtuse angle, which
    leaves no sliver or acute notch on HEATER/M1 at any radius in range.
    """
    h = HEATER_WIDTH / 2
    s = HEATER_PAD_WIDTH
    # the inner edge must cross the pad top inside the pad, and below it the outer edge
    # must still be inside the pad: s/2 < R - h and 3 s^2 / 4 < 4 R h
    if not (s / 2 < radius - h and 3 * s**2 / 4 < 4 * radius * h):
        raise ValueError(f"radius={radius} um is too small for {s} um heater contacts")
    yc = gap + width + radius  # ring centre
    y_top = round(yc - math.sqrt((radius - h) ** 2 - (s / 2) ** 2), 3)
    y_bot = round(yc - radius - h - HEATER_PAD_MARGIN, 3)
    return (s, round(y_top - y_bot, 3)), round((y_top + y_bot) / 2, 3)


@register(measure=_measure_add_drop)
@gf.cell
def ring_add_drop_heater(
    radius: Radius = value("ring.radius"),
    gap: Gap = value("ring.gap"),
    width: Width = STRIP_WIDTH,
) -> gf.Component:
    """Add-drop microring on strip with a TiN heater over the ring.

    Circular ring of centre-line ``radius`` and waveguide ``width``, ``gap`` (um,
    edge to edge) from two straight buses; a ``HEATER_GAP`` (1 um) straight sits in
    each coupler so the heater can be opened at the through coupler. The heater
    (``heater.width`` wide) follows the ring all round except that opening; its ends
    land on HEATER/M1/M2 contact stacks whose M2 tops are the electrical ports.
    Built with gdsfactory's ``ring_double_heater`` on circular bends.

    ::

          o3 (drop) ======================= o4 (add)
                         ___
                       /     \\    heater over the ring
                      |   R   |
                       \\_ _ _/
          o1 (in) ====[e1]=[e2]============ o2 (through)
                       |    |
                       v    v  e1, e2: M2 contact tops, facing south

    ``info``: ``radius``, ``gap``, ``width``, ``circumference`` = 2 pi R + 2 x 1 um,
    ``coupler_length`` (um), ``heater_width`` (um), ``heater_resistance`` (ohm).
    """
    pad_size, pad_y = _heater_pad(radius, gap, width)
    xs = strip(width=width)
    ring = gf.components.ring_double_heater(
        gap=gap,
        radius=radius,
        length_x=HEATER_GAP,
        length_y=0.0,
        bend="bend_circular",
        cross_section=xs,
        cross_section_waveguide_heater=gf.cross_section.strip_heater_metal(
            width=width, heater_width=HEATER_WIDTH, radius=radius
        ),
        cross_section_heater=heater_metal(),
        via_stack=partial(contact_stack, bottom="HEATER", m2_inset=HEATER_M2_INSET),
        via_stack_size=pad_size,
        via_stack_offset=(0.0, pad_y),
    )
    c = gf.Component()
    ref = c << ring
    for name in ("o1", "o2", "o3", "o4"):
        c.add_port(name, port=ref.ports[name])
    c.add_port("e1", port=ref.ports["l_e4"])
    c.add_port("e2", port=ref.ports["r_e4"])
    c.flatten()
    c.info.update(
        {
            "radius": float(radius),
            "gap": float(gap),
            "width": float(width),
            "coupler_length": HEATER_GAP,
            "circumference": 2 * math.pi * radius + 2 * HEATER_GAP,
            "n_g": STRIP_NG,
            "heater_width": HEATER_WIDTH,
        }
    )
    c.info["heater_resistance"] = heater_squares(c) * SHEET_RESISTANCE
    return c


# --- PN depletion ring modulator -----------------------------------------------------

DOPING_WIDTH = value("ring.pn_doping_width")  # N / P extent either side of the rib centre
NP_OFFSET = value("mzm.medium_doping_offset")
NPP_OFFSET = value("mzm.contact_doping_offset")
RIB_SLAB_HALF = value("rib.slab_width") / 2
CONTACT_WIDTH = 1.2  # um, M1 contact arc over the N++ / P++ band
VIAC_PITCH = 1.25  # um along the arc: unrotated 0.4 um squares stay >= 0.4 um apart
DOPING_CLEARANCE = 1.0  # um between the doped region and the bus core
LEAD_WIDTH = 4.0  # um, M2 lead; covers three VIA1 on the M1 arc with the VIA1 enclosure
VIA1_PITCH = 1.25  # um along the arc: unrotated 0.5 um squares stay >= 0.5 um apart
LEAD_LENGTH = 3.0  # um of M2 lead beyond the slab
TAPER_LENGTH = 10.0  # um, strip-to-rib slab taper on the bus
ARC_STEP_DEG = 1.0  # chord sagitta < 0.4 nm at R = 10 um


def _arc_points(radius: float, start: float, stop: float) -> np.ndarray:
    """Points of a CCW arc (angles in rad) with steps of at most ``ARC_STEP_DEG``."""
    n = max(2, math.ceil(math.degrees(stop - start) / ARC_STEP_DEG) + 1)
    t = np.linspace(start, stop, n)
    return np.column_stack((radius * np.cos(t), radius * np.sin(t)))


def _doping_cross_section(width: float) -> gf.CrossSection:
    """gdsfactory's lateral PN cross-section without core and slab, plus M1 contact strips.

    gdsfactory draws P on the positive-offset side; extruded counter-clockwise
    round the ring that puts P inside and N outside. The M1 strips sit on the
    middle of the P++ and N++ bands.
    """
    pn = gf.cross_section.pn(
        width=width,
        width_doping=DOPING_WIDTH,
        width_slab=2 * DOPING_WIDTH,
        gap_medium_doping=NP_OFFSET,
        gap_high_doping=NPP_OFFSET,
    )
    keep = [
        s
        for s in pn.sections
        if gf.get_layer(s.layer) not in (gf.get_layer("WG"), gf.get_layer("SLAB90"))
    ]
    band = (NPP_OFFSET + DOPING_WIDTH) / 2
    metal = [
        gf.Section(width=CONTACT_WIDTH, offset=o, layer="M1", name=n)
        for o, n in ((band, "m1_p"), (-band, "m1_n"))
    ]
    main = keep[0].model_copy(update={"name": "_default"})
    return gf.CrossSection(sections=(main, *keep[1:], *metal))


def _measure_pn_ring(c: gf.Component) -> dict[str, float]:
    junction = float(c.info["junction_length"])
    return {
        **_ring_measures(c, RIB_NG, RIB_MIN_RADIUS),
        "doped_fraction": float(c.info["doped_fraction"]),
        "junction_length_um": junction,
        # pF/mm == fF/um
        "junction_capacitance_ff": C_PER_LENGTH * junction,
        "contact_pitch_um": port_pitch_um(c, ("e1", "e2")),
    }


@register(measure=_measure_pn_ring)
@gf.cell
def ring_pn_modulator(
    radius: Annotated[
        float,
        Range(RIB_MIN_RADIUS, 50.0, "um", ">= rib radius_min (slab leakage); FSR < 2 nm beyond"),
    ] = value("ring.radius"),
    gap: Gap = value("ring.gap"),
) -> gf.Component:
    """All-pass depletion-mode ring modulator: rib ring with a lateral PN junction.

    A 500 nm rib ring of centre-line ``radius`` sits ``gap`` um (rib edge to edge)
    from a straight rib bus, both on one 90 nm slab. The ring is doped with
    gdsfactory's lateral PN profile (P inside, N outside; N+/P+ from
    ``mzm.medium_doping_offset``, N++/P++ from ``mzm.contact_doping_offset`` to
    ``ring.pn_doping_width``) along all of its circumference except the sector
    facing the bus, which stays undoped so no implant comes within 1 um of the bus.
    M1 arcs with VIAC rows contact the P++ and N++ bands; VIA1 rows lift the
    anode (P, inside) to an M2 lead out west and the cathode (N, outside) to an
    M2 lead out north (reverse bias: e2 positive). The bus turns from rib to
    strip over 10 um slab tapers, so o1/o2 are strip ports.

    ::

                         e2 (cathode, N outside)
                         ^
                     ____|____
                   /  N  |  N  \\
                  |   /-----\\   |
        e1 <------+--|-- P   |  |
        (anode,   |   \\-----/   |
        P inside)  \\_  undoped _/
        o1 ================================ o2

    ``info``: ``radius``, ``gap``, ``width``, ``circumference`` = 2 pi R (um),
    ``coupler_length`` (0: point coupler), ``doped_fraction``, ``junction_length`` (um).
    """
    w = STRIP_WIDTH
    c = gf.Component()
    # undoped half-angle: the outer corner of the doping stays DOPING_CLEARANCE above the bus
    reach = (radius + gap + w / 2 - DOPING_CLEARANCE) / (radius + DOPING_WIDTH)
    half = math.acos(min(1.0, reach))
    start, stop = -math.pi / 2 + half, 3 * math.pi / 2 - half

    c << gf.components.ring(radius=radius, width=w, angle_resolution=ARC_STEP_DEG, layer="WG")
    doped = gf.Path(_arc_points(radius, start, stop)).extrude(_doping_cross_section(w))
    c << doped

    # VIAC rows on the P++ (inside) and N++ (outside) bands, under the M1 arcs
    via = rule_via("VIAC")
    band = (NPP_OFFSET + DOPING_WIDTH) / 2
    r_in, r_out = radius - band, radius + band
    for r in (r_in, r_out):
        margin = (via.xsize + enclosure("VIAC")) / r  # rad: keep the squares off the ends
        n = math.floor(r * (stop - start - 2 * margin) / VIAC_PITCH) + 1
        for t in np.linspace(start + margin, stop - margin, n):
            ref = c << via
            ref.center = (round(r * math.cos(t), 3), round(r * math.sin(t), 3))

    # VIA1 rows on the M1 arcs lift the contacts to M2 leads: anode at 180 deg out
    # west, cathode at 90 deg out north (M2 crosses the other arc and the ring freely)
    outer = round(radius + DOPING_WIDTH + 0.5, 3)  # slab edge
    via1 = rule_via("VIA1")
    lead_xs = gf.get_cross_section("metal_routing", width=LEAD_WIDTH)
    for r, angle in ((r_in, math.pi), (r_out, math.pi / 2)):
        for k in (-1, 0, 1):
            ref = c << via1
            t = angle + k * VIA1_PITCH / r
            ref.center = (round(r * math.cos(t), 3), round(r * math.sin(t), 3))
    lead_w = c << gf.components.straight(
        length=outer + LEAD_LENGTH - r_in + LEAD_WIDTH / 2, cross_section=lead_xs
    )
    lead_w.dmove((-(outer + LEAD_LENGTH), 0))
    lead_n = c << gf.components.straight(
        length=outer + LEAD_LENGTH - r_out + LEAD_WIDTH / 2, cross_section=lead_xs
    )
    lead_n.drotate(90)
    lead_n.dmove((0, round(r_out - LEAD_WIDTH / 2, 3)))

    # bus and slab: one slab under ring and bus, tapered to strip at both ends
    y_bus = -(radius + gap + w)
    slab_bottom = y_bus - RIB_SLAB_HALF
    slab = c << gf.components.rectangle(size=(2 * outer, outer - slab_bottom), layer="SLAB90")
    slab.dmove((-outer, slab_bottom))
    half_len = outer + TAPER_LENGTH
    bus = c << gf.components.straight(length=2 * half_len, cross_section=strip(width=w))
    bus.dmove((-half_len, y_bus))
    taper = gf.components.taper_strip_to_ridge(
        length=TAPER_LENGTH,
        width1=w,
        width2=w,
        w_slab1=w,
        w_slab2=2 * RIB_SLAB_HALF,
        cross_section=strip(width=w),  # an object: the PDK's strip factory fixes the layer
    )
    west = c << taper  # narrow (strip) end outward
    west.dmove((-outer - TAPER_LENGTH, y_bus))
    east = c << taper
    east.dmirror_x()
    east.dmove((outer + TAPER_LENGTH, y_bus))

    c.add_port("o1", port=bus.ports["o1"])
    c.add_port("o2", port=bus.ports["o2"])
    c.add_port("e1", port=lead_w.ports["e1"])
    c.add_port("e2", port=lead_n.ports["e2"])
    c.flatten()
    c.info.update(
        {
            "radius": float(radius),
            "gap": float(gap),
            "width": w,
            "coupler_length": 0.0,
            "circumference": 2 * math.pi * radius,
            "n_g": RIB_NG,
            "doped_fraction": (stop - start) / (2 * math.pi),
            "junction_length": radius * (stop - start),
        }
    )
    return c
