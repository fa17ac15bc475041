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

Compact models (SAX, registered under the cell names): each cell is reduced to a
:class:`RingCavity` read from the drawn layout (circumference, bus lengths, the
ring-bus gap integrated into an effective coupler length) plus the library's
guide, loss and coupler physics; the S-parameters are the closed-form add-drop
and all-pass responses (Bogaerts et al., Laser Photon. Rev. 6:47, 2012). Tuning
enters as an optical path offset: heater (:func:`heater_delta`), junction
(:func:`pn_delta`), temperature through dn_eff/dT. A weight bank programs against
``RingCavity.resonances / fsr / loaded_q / extinction_db / delta_for_resonance``,
:func:`heater_power_for_resonance` and :func:`resonance_shift_nm`; the spec sheets
read FSR, Q and extinction off the simulated spectrum (:func:`spectrum_figures`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cache, partial
from typing import Annotated

import gdsfactory as gf
import jax
import jax.numpy as jnp
import klayout.db as kdb
import numpy as np
import sax
from scipy.optimize import brentq, minimize_scalar

from components.couplers import coupling_coefficient
from components.heaters import enclosure, heater_phase, rule_via
from components.modulators import C_PER_LENGTH, PN_LOSS_DB_CM, RIB_LOSS_DB_CM, contact_stack
from components.registry import Range, register, register_model
from components.waveguides import (
    LOSS_DB_CM,
    T_REF,
    cell_defaults,
    check_at_least,
    concrete,
    drawn_cell,
    layer_region,
    min_separation_um,
    port_pitch_um,
    taper_index_offset,
)
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
        **_optical_figures(add_drop_cavity_of(c)),
    }


def _optical_figures(cavity: RingCavity) -> dict[str, float]:
    figures = spectrum_figures(cavity)
    return {k: figures[k] for k in ("fsr_spectrum_nm", "loaded_q", "extinction_db")}


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
    grid = 2 * gf.kcl.dbu  # port widths must be whole multiples of 2 dbu (kfactory)
    if abs(width / grid - round(width / grid)) > 1e-6:
        raise ValueError(
            f"ring_add_drop_heater: width={width!r} is invalid; allowed: multiples of {grid:g} um"
        )
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
        **_optical_figures(pn_cavity_of(c)),
    }


@register(measure=_measure_pn_ring)
@gf.cell
def ring_pn_modulator(
    radius: Annotated[
        float,
        Range(RIB_MIN_RADIUS, 50.0, "um", ">= rib radius_min (slab leakage); FSR < 2 nm beyond"),
    ] = value("ring.radius"),
    gap: Gap = value("ring.pn_gap"),
) -> gf.Component:
    """All-pass depletion-mode ring modulator: rib ring with a lateral PN junction.

    A 500 nm rib ring of centre-line ``radius`` sits ``gap`` um (rib edge to edge)
    from a straight rib bus, both on one 90 nm slab; the default gap (ring.pn_gap)
    over-couples the ring so that its linewidth passes the symbol rate. The ring
    is doped with gdsfactory's lateral PN profile (P inside, N outside; N+/P+ from
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


# --- compact models ------------------------------------------------------------------
#
# A ring is reduced to a RingCavity: the drawn circumference, the guide's dispersion,
# the round-trip loss and one point coupler per bus. Each coupler is the directional
# coupler physics of the library (components.couplers.coupling_coefficient, from
# directional_coupler.*) over an effective interaction length integrated on the drawn
# ring-bus gap; see :func:`coupler_interaction_length`.

N_EFF = value("strip.n_eff")
N_EFF_C2 = value("strip.n_eff_c2")  # 1/um^2
RIB_N_EFF = value("rib.n_eff")
DN_DT = value("strip.dn_eff_dT")  # 1/K
PN_EFFICIENCY = value("ring.pn_efficiency") * 1e-6  # um/V (library: pm/V)
GAP_DECAY = value("directional_coupler.gap_decay")  # um
GAP_STEP = 0.005  # um, sampling of the drawn gap along the bus


def coupler_interaction_length(c: gf.Component, bus_port: str) -> float:
    """Effective interaction length (um) of the ring and the bus that ends at ``bus_port``.

    The field coupling of two guides decays with their edge gap g as
    exp(-g / directional_coupler.gap_decay); a ring-bus coupler therefore acts as
    a straight coupler at the nominal gap g0 of length

        L_eff = integral exp(-(g(x) - g0) / gap_decay) dx,

    with g(x) the drawn gap along the bus (vertical distance from the bus edge to
    the ring's outer edge, sampled every 5 nm across the ring). For a circle of
    outer radius R_o, g = g0 + x^2 / (2 R_o) gives L_eff = L_straight +
    sqrt(2 pi R_o gap_decay): the curved-coupler interaction length of coupled-mode
    theory (Little et al., J. Lightwave Technol. 15:998, 1997; Bogaerts et al.,
    "Silicon microring resonators", Laser Photon. Rev. 6:47, 2012).
    """
    dbu = gf.kcl.dbu
    ring = next(iter(_ring_polygon(c).each()))
    port = c.ports[bus_port]
    px, py = round(port.x / dbu), round(port.y / dbu)
    probe = kdb.Region(kdb.Box(px - 1, py - 1, px + 1, py + 1))
    buses = (layer_region(c, "WG") - kdb.Region(ring)).interacting(probe)
    if buses.count() != 1:
        raise ValueError(f"{c.name}: port {bus_port} is not on one bus waveguide")
    bus = buses.bbox()
    hull = np.array([(p.x, p.y) for p in ring.each_point_hull()], dtype=float) * dbu
    a, b = hull, np.roll(hull, -1, axis=0)
    keep = a[:, 0] != b[:, 0]
    a, b = a[keep], b[keep]
    box = ring.bbox()
    x = np.arange(box.left * dbu, box.right * dbu, GAP_STEP)[1:]
    lo, hi = np.minimum(a[:, 0], b[:, 0]), np.maximum(a[:, 0], b[:, 0])
    inside = (x[:, None] >= lo) & (x[:, None] <= hi)
    y = a[:, 1] + (x[:, None] - a[:, 0]) * (b[:, 1] - a[:, 1]) / (b[:, 0] - a[:, 0])
    below = bus.top <= box.bottom  # the bus runs under the ring
    if below:
        gap = np.where(inside, y, np.inf).min(axis=1) - bus.top * dbu
    else:
        gap = bus.bottom * dbu - np.where(inside, y, -np.inf).max(axis=1)
    weight = np.exp(-(gap - float(c.info["gap"])) / GAP_DECAY)
    return float(np.trapezoid(weight, x))


@dataclass(frozen=True)
class RingCavity:
    """What a ring's spectrum depends on; lengths in um, losses in dB/cm.

    The guide index is n(lambda, T) = n_eff + D (lambda - lambda0) + c2 (lambda -
    lambda0)^2 + dn/dT (T - T0), D = (n_eff - n_g) / lambda0. Tuning (heater,
    junction) enters as an optical path offset ``delta`` (um) added to n L, so the
    round-trip phase is 2 pi (n L + delta) / lambda and resonances satisfy
    n(lambda) L + delta = m lambda. Each bus meets the ring at a point coupler with
    self-coupling t = cos(theta) and cross-coupling i sin(theta), theta = kappa(gap,
    lambda) L_eff; couplers are listed through bus first, drop bus second.
    """

    circumference: float
    n_eff: float
    n_g: float
    c2: float
    loss_db_per_cm: float
    gap: float
    coupling_lengths: tuple[float, ...]
    bus_lengths: tuple[float, ...]
    bus_loss_db_per_cm: float

    @property
    def dispersion(self) -> float:
        """dn/dlambda at lambda0 (1/um)."""
        return (self.n_eff - self.n_g) / WAVELENGTH

    def index(self, wl: sax.FloatArrayLike, temperature: sax.FloatArrayLike = T_REF):
        """Guide effective index at ``wl`` (um), ``temperature`` (K)."""
        u = jnp.asarray(wl, dtype=float) - WAVELENGTH
        dt = jnp.asarray(temperature, dtype=float) - T_REF
        return self.n_eff + self.dispersion * u + self.c2 * u**2 + DN_DT * dt

    def group_index(self, wl: sax.FloatArrayLike):
        """n_g(lambda) = n - lambda dn/dlambda."""
        wl = jnp.asarray(wl, dtype=float)
        u = wl - WAVELENGTH
        return self.index(wl) - wl * (self.dispersion + 2.0 * self.c2 * u)

    @property
    def round_trip_amplitude(self) -> float:
        """a: field transmission of one round trip."""
        return 10.0 ** (-jnp.asarray(self.loss_db_per_cm) * 1e-4 * self.circumference / 20.0)

    def couplings(self, wl: sax.FloatArrayLike) -> list[tuple[jnp.ndarray, jnp.ndarray]]:
        """(t, k) of each coupler at ``wl``: t = cos(theta), k = sin(theta)."""
        kappa = coupling_coefficient(self.gap, wl)
        return [(jnp.cos(kappa * le), jnp.sin(kappa * le)) for le in self.coupling_lengths]

    def self_couplings(self, wl: sax.FloatArrayLike) -> tuple[jnp.ndarray, jnp.ndarray]:
        """(t1, t2); t2 = 1 for an all-pass ring."""
        (t1, _), *rest = self.couplings(wl)
        return t1, (rest[0][0] if rest else jnp.ones_like(t1))

    def half_trip(self, wl, temperature=T_REF, delta=0.0) -> jnp.ndarray:
        """Field along half the ring: sqrt(a) exp(i pi (n L + delta) / lambda)."""
        wl = jnp.asarray(wl, dtype=float)
        path = self.index(wl, temperature) * self.circumference + jnp.asarray(delta)
        return jnp.sqrt(self.round_trip_amplitude) * jnp.exp(1j * jnp.pi * path / wl)

    def responses(self, wl, temperature=T_REF, delta=0.0) -> dict[str, jnp.ndarray]:
        """Ring-only field responses (bus propagation excluded), after Bogaerts et al. 2012.

        ``through`` = (t1 - t2 x) / (1 - t1 t2 x), ``drop`` = -k1 k2 h / (1 - t1 t2 x),
        ``add_through`` = (t2 - t1 x) / (1 - t1 t2 x), with x = h^2 the round trip.
        """
        (t1, k1), *rest = self.couplings(wl)
        h = self.half_trip(wl, temperature, delta)
        x = h * h
        if not rest:
            return {"through": (t1 - x) / (1.0 - t1 * x)}
        t2, k2 = rest[0]
        den = 1.0 - t1 * t2 * x
        return {
            "through": (t1 - t2 * x) / den,
            "drop": -k1 * k2 * h / den,
            "add_through": (t2 - t1 * x) / den,
        }

    def bus(self, i: int, wl, temperature=T_REF) -> jnp.ndarray:
        """Field along half of bus ``i`` (port to coupler)."""
        wl = jnp.asarray(wl, dtype=float)
        half = self.bus_lengths[i] / 2.0
        amplitude = 10.0 ** (-self.bus_loss_db_per_cm * 1e-4 * half / 20.0)
        return amplitude * jnp.exp(2j * jnp.pi * self.index(wl, temperature) * half / wl)

    # --- quantities a weight bank programs against ---

    def resonance(self, order: int, temperature: float = T_REF, delta: float = 0.0) -> float:
        """Wavelength (um) of azimuthal ``order`` m: root of n(lambda) L + delta = m lambda."""
        length = self.circumference
        a = self.c2 * length
        b = self.dispersion * length - order
        c = (self.n_eff + DN_DT * (temperature - T_REF)) * length + delta - order * WAVELENGTH
        # the root near lambda0 in the cancellation-free form (b < 0: n_g L > m lambda0 ...)
        u = 2.0 * c / (-b + math.sqrt(b * b - 4.0 * a * c))
        return WAVELENGTH + u

    def order_near(self, wl: float, temperature: float = T_REF, delta: float = 0.0) -> int:
        """Azimuthal order whose resonance lies nearest ``wl`` (um)."""
        path = float(self.index(wl, temperature)) * self.circumference + delta
        return round(path / wl)

    def resonances(
        self, wl_min: float, wl_max: float, temperature: float = T_REF, delta: float = 0.0
    ) -> np.ndarray:
        """All resonance wavelengths (um) in [wl_min, wl_max], ascending."""
        hi = self.order_near(wl_min, temperature, delta) + 1
        lo = self.order_near(wl_max, temperature, delta) - 1
        res = [self.resonance(m, temperature, delta) for m in range(hi, lo - 1, -1)]
        return np.array([r for r in res if wl_min <= r <= wl_max])

    def fsr(self, wl: float) -> float:
        """Free spectral range (um) at ``wl``: lambda^2 / (n_g(lambda) L)."""
        return wl**2 / (float(self.group_index(wl)) * self.circumference)

    def loaded_q(self, wl: float) -> float:
        """Loaded Q = pi n_g L sqrt(t1 t2 a) / (lambda (1 - t1 t2 a)) (Bogaerts et al. 2012)."""
        t1, t2 = (float(t) for t in self.self_couplings(wl))
        r = t1 * t2 * float(self.round_trip_amplitude)
        n_g = float(self.group_index(wl))
        return math.pi * n_g * self.circumference * math.sqrt(r) / (wl * (1.0 - r))

    def extinction_db(self, wl: float) -> float:
        """Through-port extinction (dB): off-resonance maximum over on-resonance minimum."""
        t1, t2 = (float(t) for t in self.self_couplings(wl))
        a = float(self.round_trip_amplitude)
        r = t1 * t2 * a
        t_min = (t2 * a - t1) ** 2 / (1.0 - r) ** 2
        t_max = (t2 * a + t1) ** 2 / (1.0 + r) ** 2
        return 10.0 * math.log10(t_max / t_min)

    def delta_for_resonance(self, wl: float, temperature: float = T_REF) -> float:
        """Smallest path offset delta >= 0 (um) that puts a resonance at ``wl`` (um)."""
        path = float(self.index(wl, temperature)) * self.circumference
        return math.ceil(path / wl) * wl - path


def _bus_length(c: gf.Component, a: str, b: str) -> float:
    return abs(c.ports[b].x - c.ports[a].x)


def add_drop_cavity_of(c: gf.Component) -> RingCavity:
    """The RingCavity of a drawn ``ring_add_drop_heater``.

    Strip guide of the drawn width: n_eff shifted by the effective-index change from
    the 500 nm strip (components.waveguides.taper_index_offset), dispersion and n_g
    of the 500 nm strip (the library's data), strip.loss.
    """
    width = float(c.info["width"])
    return RingCavity(
        circumference=float(c.info["circumference"]),
        n_eff=N_EFF + taper_index_offset(width, width),
        n_g=STRIP_NG,
        c2=N_EFF_C2,
        loss_db_per_cm=LOSS_DB_CM,
        gap=float(c.info["gap"]),
        coupling_lengths=(coupler_interaction_length(c, "o1"), coupler_interaction_length(c, "o3")),
        bus_lengths=(_bus_length(c, "o1", "o2"), _bus_length(c, "o3", "o4")),
        bus_loss_db_per_cm=LOSS_DB_CM,
    )


def pn_cavity_of(c: gf.Component) -> RingCavity:
    """The RingCavity of a drawn ``ring_pn_modulator``: rib guide, doped-arc loss.

    Round-trip loss: mzm.pn_loss over the drawn junction length, rib.loss over the
    undoped rest, averaged over the circumference. The rib-rib coupler on the
    common slab is given the strip coupler's kappa (the library has no rib coupler
    data; the slab strengthens the coupling, so kappa is if anything underestimated).
    """
    length = float(c.info["circumference"])
    junction = float(c.info["junction_length"])
    loss = (PN_LOSS_DB_CM * junction + RIB_LOSS_DB_CM * (length - junction)) / length
    return RingCavity(
        circumference=length,
        n_eff=RIB_N_EFF,
        n_g=RIB_NG,
        c2=0.0,
        loss_db_per_cm=loss,
        gap=float(c.info["gap"]),
        coupling_lengths=(coupler_interaction_length(c, "o1"),),
        bus_lengths=(_bus_length(c, "o1", "o2"),),
        bus_loss_db_per_cm=RIB_LOSS_DB_CM,
    )


@cache
def add_drop_cavity(radius: float, gap: float, width: float) -> RingCavity:
    """RingCavity of ``ring_add_drop_heater(radius, gap, width)`` (built, then read)."""
    return add_drop_cavity_of(drawn_cell(ring_add_drop_heater, radius=radius, gap=gap, width=width))


@cache
def pn_cavity(radius: float, gap: float) -> RingCavity:
    """RingCavity of ``ring_pn_modulator(radius, gap)`` (built, then read)."""
    return pn_cavity_of(drawn_cell(ring_pn_modulator, radius=radius, gap=gap))


def heater_delta(power: sax.FloatArrayLike) -> jnp.ndarray:
    """Optical path offset (um) of the ring heater at electrical ``power`` (mW).

    The heater phase of the library's thermo-optic phase shifter,
    pi P / heater.p_pi at lambda0 (components.heaters.heater_phase), as a path
    offset: delta = P lambda0 / (2 P_pi). That P_pi holds for any heated length
    (the temperature rise per mW falls as 1 / length while the phase grows as
    length), so it needs no scaling by the heated fraction of the ring: the same
    power over 90 % of the ring heats it 1 / 0.9 times more. A full FSR takes
    2 P_pi (44 mW): 0.2 nm/mW at R = 10 um, inside the 0.1-0.25 nm/mW reported for
    TiN-heated rings without undercut (Jacques et al., Opt. Express 27:10456, 2019).
    """
    return heater_phase(power, WAVELENGTH) * WAVELENGTH / (2.0 * jnp.pi)


def heater_power_for_delta(delta: sax.FloatArrayLike) -> jnp.ndarray:
    """Heater power (mW) for a path offset ``delta`` (um): inverse of :func:`heater_delta`."""
    return jnp.asarray(delta) / heater_delta(1.0)


def pn_delta(voltage: sax.FloatArrayLike, cavity: RingCavity) -> jnp.ndarray:
    """Optical path offset (um) of the PN ring at reverse bias ``voltage`` (V).

    Depletion raises the index: the resonance red-shifts by ring.pn_efficiency
    (pm/V), d lambda = lambda0 delta / (n_g L), so delta = n_g L eta V / lambda0
    (linear in V: the library's small-signal figure). Forward bias (V < 0) is
    refused by the model; traced, it gives NaN instead.
    """
    v = jnp.asarray(voltage, dtype=float)
    delta = cavity.n_g * cavity.circumference * PN_EFFICIENCY * v / WAVELENGTH
    return jnp.where(v >= 0.0, delta, jnp.nan)


def heater_power_for_resonance(
    target_wl: float,
    radius: float = value("ring.radius"),
    gap: float = value("ring.gap"),
    width: float = STRIP_WIDTH,
    temperature: float = T_REF,
) -> float:
    """Least heater power (mW) putting a resonance of the add-drop ring at ``target_wl`` (um)."""
    cavity = add_drop_cavity(float(radius), float(gap), float(width))
    return float(heater_power_for_delta(cavity.delta_for_resonance(target_wl, temperature)))


def resonance_shift_nm(
    power: float,
    radius: float = value("ring.radius"),
    gap: float = value("ring.gap"),
    width: float = STRIP_WIDTH,
    wl: float = WAVELENGTH,
    temperature: float = T_REF,
) -> float:
    """Red shift (nm) of the add-drop ring's resonance nearest ``wl`` at heater ``power`` (mW)."""
    cavity = add_drop_cavity(float(radius), float(gap), float(width))
    order = cavity.order_near(wl, temperature)
    hot = cavity.resonance(order, temperature, float(heater_delta(power)))
    return (hot - cavity.resonance(order, temperature)) * 1e3


def _add_drop_sdict(cavity: RingCavity, wl, temperature, delta) -> sax.SDict:
    r = cavity.responses(wl, temperature, delta)
    b1, b2 = cavity.bus(0, wl, temperature), cavity.bus(1, wl, temperature)
    drop = b1 * b2 * r["drop"]
    return sax.reciprocal(
        {
            ("o1", "o2"): b1 * b1 * r["through"],
            ("o1", "o3"): drop,
            ("o2", "o4"): drop,
            ("o3", "o4"): b2 * b2 * r["add_through"],
        }
    )


_ADD_DROP = cell_defaults(ring_add_drop_heater)


@register_model("ring_add_drop_heater")
def ring_add_drop_heater_model(
    *,
    radius: float = _ADD_DROP["radius"],
    gap: float = _ADD_DROP["gap"],
    width: float = _ADD_DROP["width"],
    wl: sax.FloatArrayLike = WAVELENGTH,
    temperature: sax.FloatArrayLike = T_REF,
    power: sax.FloatArrayLike = 0.0,
    loss_db_per_cm: sax.FloatArrayLike = LOSS_DB_CM,
) -> sax.SDict:
    """Add-drop microring with heater: all four ports, from the drawn ring.

    Port map (counter-clockwise mode from o1 and o4, clockwise from o2 and o3):
    o1 -> o2 through, o1 -> o3 drop, o4 -> o3 through of the add bus, o4 -> o2 add;
    o1 -> o4 and o2 -> o3 are zero, no reflections; reciprocal. With x = a
    exp(i phi) the round trip and h = sqrt(a) exp(i phi / 2):

        S21 = (t1 - t2 x) / (1 - t1 t2 x),  S31 = S42 = -k1 k2 h / (1 - t1 t2 x),
        S43 = (t2 - t1 x) / (1 - t1 t2 x)

    (Bogaerts et al., Laser Photon. Rev. 6:47, 2012), each times the bus
    propagation port to coupler to port. phi = 2 pi (n(lambda, T) L + delta) / lambda
    with L the drawn circumference, a from strip.loss, n the dispersive strip index
    (strip.n_eff, n_g, n_eff_c2, dn_eff_dT), delta the heater's path offset
    (:func:`heater_delta`); t, k from the drawn couplers (:class:`RingCavity`).
    Bend radiation loss is neglected (< 0.01 dB/90 deg at R >= 5 um, strip.min_bend_radius).

    Args:
        radius: ring radius (um).
        gap: ring-bus gap, edge to edge (um).
        width: ring and bus waveguide width (um).
        wl: wavelength (um), scalar or array.
        temperature: chip temperature (K); shifts the resonance by lambda dn/dT dT / n_g.
        power: heater power (mW), >= 0; broadcasts with wl.
        loss_db_per_cm: propagation loss of ring and buses (dB/cm), default strip.loss.
    """
    name = "ring_add_drop_heater"
    cavity = add_drop_cavity(
        concrete(name, "radius", radius),
        concrete(name, "gap", gap),
        concrete(name, "width", width),
    )
    check_at_least(name, "power", power, 0.0)
    check_at_least(name, "loss_db_per_cm", loss_db_per_cm, 0.0)
    cavity = replace(cavity, loss_db_per_cm=loss_db_per_cm, bus_loss_db_per_cm=loss_db_per_cm)
    return _add_drop_sdict(cavity, wl, temperature, heater_delta(power))


_PN = cell_defaults(ring_pn_modulator)


@register_model("ring_pn_modulator")
def ring_pn_modulator_model(
    *,
    radius: float = _PN["radius"],
    gap: float = _PN["gap"],
    wl: sax.FloatArrayLike = WAVELENGTH,
    temperature: sax.FloatArrayLike = T_REF,
    voltage: sax.FloatArrayLike = 0.0,
) -> sax.SDict:
    """All-pass depletion ring modulator: S21 = (t - x) / (1 - t x) times the bus.

    The all-pass ring of Bogaerts et al. (2012) on the drawn rib ring (:func:`pn_cavity_of`:
    rib index rib.n_eff/n_g, loss mzm.pn_loss on the doped arc and rib.loss on the
    rest) with the junction's path offset :func:`pn_delta` (ring.pn_efficiency).

    Args:
        radius: ring radius (um).
        gap: ring-bus gap, edge to edge (um).
        wl: wavelength (um), scalar or array.
        temperature: chip temperature (K).
        voltage: reverse bias, cathode e2 minus anode e1 (V), >= 0: forward bias
            injects carriers, a different (slow, lossy) regime this model does not cover.
    """
    name = "ring_pn_modulator"
    cavity = pn_cavity(concrete(name, "radius", radius), concrete(name, "gap", gap))
    try:
        forward = bool(np.any(np.asarray(voltage) < 0.0))
    except Exception:  # traced: pn_delta turns forward bias into NaN
        forward = False
    if forward:
        raise ValueError(
            f"{name}: voltage={voltage!r} is forward bias; allowed: reverse bias >= 0 V"
        )
    r = cavity.responses(wl, temperature, pn_delta(voltage, cavity))
    b = cavity.bus(0, wl, temperature)
    return sax.reciprocal({("o1", "o2"): b * b * r["through"]})


# --- optical figures of merit from the simulated spectrum ---------------------------


def spectrum_figures(
    cavity: RingCavity, wl: float = WAVELENGTH, temperature: float = T_REF, delta: float = 0.0
) -> dict[str, float]:
    """FSR (nm), loaded Q and through-port extinction (dB) read off the simulated spectrum.

    The through spectrum (ring only) is sampled over +-1.5 FSR around ``wl`` at an
    eighth of a linewidth (closed forms size the window only); its dips are refined
    by bounded minimisation. FSR: spacing of the two dips around ``wl``; extinction:
    highest over lowest transmission between them; Q: resonance / FWHM, the FWHM
    where 1 - T falls to half its peak (1 - T is exactly proportional to the drop
    port's Lorentzian 1 / (1 - 2 r cos phi + r^2) for t^2 + k^2 = 1).
    """

    through = jax.jit(lambda x: jnp.abs(cavity.responses(x, temperature, delta)["through"]) ** 2)

    def power(x: float) -> float:
        return float(through(x))

    fsr0 = cavity.fsr(wl)
    step = wl / cavity.loaded_q(wl) / 8.0
    grid = np.arange(wl - 1.5 * fsr0, wl + 1.5 * fsr0, step)
    t = np.asarray(through(grid))
    idx = [i for i in range(1, grid.size - 1) if t[i] < t[i - 1] and t[i] <= t[i + 1]]
    dips = [
        minimize_scalar(power, bounds=(grid[i - 1], grid[i + 1]), options={"xatol": 1e-12}).x
        for i in idx
    ]
    lo = max(d for d in dips if d <= wl)
    hi = min(d for d in dips if d > wl)
    main = lo if wl - lo <= hi - wl else hi
    between = (grid > lo) & (grid < hi)
    j = int(np.argmax(np.where(between, t, -np.inf)))
    peak = minimize_scalar(
        lambda x: -power(x), bounds=(grid[j - 1], grid[j + 1]), options={"xatol": 1e-12}
    )
    t_min, t_max = power(main), -peak.fun
    half = 0.5 * (1.0 + t_min)
    width = hi - lo
    left = brentq(lambda x: power(x) - half, main - width / 2, main, xtol=1e-15)
    right = brentq(lambda x: power(x) - half, main, main + width / 2, xtol=1e-15)
    return {
        "resonance_um": main,
        "fsr_spectrum_nm": width * 1e3,
        "loaded_q": main / (right - left),
        "extinction_db": 10.0 * math.log10(t_max / t_min),
    }
