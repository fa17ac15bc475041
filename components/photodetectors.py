"""Ge-on-Si waveguide photodetector and a balanced pair.

The detector is gdsfactory's ``ge_detector_straight_si_contacts``: a Ge stripe on a
wide full-thickness Si region with a lateral p-i-n junction in the Si underneath
and contacts on the Si only, none on the Ge, which keeps dark current low (Chen et
al., J. Lightwave Technol. 33:820, 2015). Light arrives on a strip waveguide,
widens to the Ge width and is absorbed evanescently along ``length``.

Here the cross-section is sized for the rule deck (implants stay on Si; VIAC rows
sit inside the P++/N++ bands, at least 1 um off the Ge) and the contacts are our
VIAC/M1/VIA1/M2 stacks, so the M2 tops are pad-ready ports.

``info`` (um unless stated): ``length`` (Ge length), ``ge_width``, ``ge_area``
(um^2), ``contact_spacing`` (between the two contact stacks).
"""

from __future__ import annotations

import math
from typing import Annotated

import gdsfactory as gf

from components.modulators import contact_stack, enclosure
from components.registry import Range, register
from components.waveguides import layer_region, port_pitch_um
from pdk.params import value
from pdk.rules import design_rules

_RULES = design_rules()
STRIP_WIDTH = value("strip.width")
GE_WIDTH = value("photodetector.ge_width")
CONTACT_OFF_GE = 1.0  # um between the Ge edge and a contact stack
CONTACT_WIDTH = 3.0  # um, each contact stack (M2 strip along the Ge)
CONTACT_SPACING = GE_WIDTH + 2 * CONTACT_OFF_GE  # between the inner edges of the stacks
# implants reach just past the contacts (VIAC enclosure), the Si just past the implants
DOPING_WIDTH = CONTACT_SPACING / 2 + CONTACT_WIDTH + enclosure("VIAC")
SI_MARGIN = 0.2  # um of Si beyond the outermost implant
TAPER_LENGTH = 20.0  # um, strip -> Ge-width input taper (half-angle 3.6 deg, adiabatic)
PAIR_PITCH = 14.0  # um between the two detectors of a balanced pair (Si 1.6 um apart)
# shortest Ge whose contact M2 (CONTACT_WIDTH wide) meets the M2 minimum area
MIN_LENGTH = 5.0

PdLength = Annotated[
    float,
    Range(
        MIN_LENGTH,
        100.0,
        "um",
        "M2 contact min area at 5 um; > 100 um adds capacitance, not responsivity",
    ),
]


def _measure_pd(c: gf.Component) -> dict[str, float]:
    ge = layer_region(c, "GE")
    box = ge.bbox()
    dbu = gf.kcl.dbu
    return {
        "ge_length_um": box.width() * dbu,
        "ge_width_um": box.height() * dbu,
        "ge_area_um2": ge.area() * dbu**2,
        "contact_pitch_um": port_pitch_um(c, ("e1", "e2")),
    }


@register(measure=_measure_pd)
@gf.cell
def ge_photodetector(length: PdLength = value("photodetector.length")) -> gf.Component:
    """Ge-on-Si waveguide photodiode, ``length`` um of Ge, contacted on the Si.

    A 20 um taper widens the strip input to the Ge width; the Ge stripe
    (``photodetector.ge_width`` wide) sits on a full-thickness Si region whose
    P side (+y) and N side (-y) carry P++/N++ bands contacted by VIAC/M1/VIA1/M2
    strips 1 um off the Ge. Reverse bias: e2 (cathode) positive.

    ::

                     e1 (anode, P++)
                  ___^_______________
        o1 ___/  |   M2 contact      |
           ___ ==|====== Ge =========|     <-- length -->
              \\  |___M2 contact______|
                     v
                     e2 (cathode, N++)

    ``info``: ``length``, ``ge_width``, ``ge_area`` (um^2), ``contact_spacing`` (um).
    """
    xs = gf.cross_section.pn_ge_detector_si_contacts(
        width_si=2 * (DOPING_WIDTH + SI_MARGIN),
        width_ge=GE_WIDTH,
        width_doping=DOPING_WIDTH,
    )
    pd = gf.components.ge_detector_straight_si_contacts(
        length=length,
        cross_section=xs,
        via_stack=contact_stack,
        via_stack_width=CONTACT_WIDTH,
        via_stack_spacing=CONTACT_SPACING,
        taper_width=GE_WIDTH,
        taper_length=TAPER_LENGTH,
        taper_cros_section=gf.get_cross_section("strip"),
    )
    c = gf.Component()
    ref = c << pd
    c.add_port("o1", port=ref.ports["o1"])
    # the stacks' M2 tops, facing away from the Ge (gdsfactory exposes only their east
    # ends); port widths are whole multiples of 2 nm so they stay symmetric on the grid
    port_width = 2 * math.floor(length * 500) / 1000
    for name, side, sign in (("e1", "top", +1), ("e2", "bot", -1)):
        end = ref.ports[side]
        c.add_port(
            name,
            center=(round(end.x - length / 2, 3), round(end.y + sign * CONTACT_WIDTH / 2, 3)),
            width=port_width,
            orientation=90 if sign > 0 else 270,
            layer="M2",
            port_type="electrical",
        )
    c.flatten()
    c.info.update(
        {
            "length": float(length),
            "ge_width": GE_WIDTH,
            "ge_area": float(length) * GE_WIDTH,
            "contact_spacing": CONTACT_SPACING,
        }
    )
    return c


def _measure_balanced(c: gf.Component) -> dict[str, float]:
    ge = list(layer_region(c, "GE").each())
    dbu = gf.kcl.dbu
    areas = sorted(p.area() * dbu**2 for p in ge)
    return {
        "ge_length_um": float(c.info["length"]),
        "ge_area_mismatch": (areas[-1] - areas[0]) / areas[-1] if areas else float("nan"),
        "detectors": float(len(ge)),
        "optical_port_pitch_um": port_pitch_um(c, ("o1", "o2")),
    }


@register(measure=_measure_balanced)
@gf.cell
def balanced_photodetector(length: PdLength = value("photodetector.length")) -> gf.Component:
    """Two identical Ge photodiodes in series for balanced detection.

    PD1 (input o1) sits ``PAIR_PITCH`` um above PD2 (input o2), both facing west.
    PD1's cathode and PD2's anode are joined by an M2 bridge: the middle node e2
    carries the difference photocurrent I1 - I2 to a TIA. e1 is PD1's anode (the
    negative bias, V-), e3 PD2's cathode (V+).

    ::

                      e1 (V-, PD1 anode)
                      ^
        o1 ===[ PD1  ]          e2 (out): PD1 cathode + PD2 anode
                [ M2 bridge ]--> e2
        o2 ===[ PD2  ]
                      v
                      e3 (V+, PD2 cathode)

    ``info``: ``length`` (um, each Ge), ``pitch`` (um between the detectors).
    """
    c = gf.Component()
    pd = ge_photodetector(length=length)
    pd1 = c << pd
    pd2 = c << pd
    pd2.dmove((0, -PAIR_PITCH))
    top, bot = pd1.ports["e2"], pd2.ports["e1"]
    x0 = layer_region(pd, "GE").bbox().left * gf.kcl.dbu  # the contacts span the Ge
    bridge = c << gf.components.rectangle(
        size=(length, top.y - bot.y), layer="M2", port_type="electrical"
    )
    bridge.dmove((x0, bot.y))
    c.add_port("o1", port=pd1.ports["o1"])
    c.add_port("o2", port=pd2.ports["o1"])
    c.add_port("e1", port=pd1.ports["e1"])
    c.add_port(
        "e2",
        center=(round(x0 + length, 3), round((top.y + bot.y) / 2, 3)),
        width=round(top.y - bot.y, 3),
        orientation=0,
        layer="M2",
        port_type="electrical",
    )
    c.add_port("e3", port=pd2.ports["e2"])
    c.flatten()
    c.info.update({"length": float(length), "pitch": PAIR_PITCH})
    return c
