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

Compact models: the optical ports absorb (zero S-matrix); the electrical side is
:func:`photocurrent` (R P + I_dark), :func:`frequency_response` and, for the pair,
:func:`balanced_terminal_currents` (output R (P1 - P2) into e2).
"""

from __future__ import annotations

import math
from typing import Annotated

import gdsfactory as gf
import jax.numpy as jnp
import sax

from components.heaters import enclosure
from components.modulators import contact_stack
from components.registry import Range, register, register_model
from components.waveguides import (
    WAVELENGTH,
    cell_defaults,
    concrete,
    layer_region,
    port_pitch_um,
)
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


# --- compact models ------------------------------------------------------------------
#
# Optics: the Ge absorbs what enters, so the optical S-matrix is zero (passive;
# reflection at the Si-Ge taper is below what the library quantifies). Electronics:
# pure functions of the optical power, in SI units (W in, A out).

RESPONSIVITY = value("photodetector.responsivity")  # A/W
DARK_CURRENT = value("photodetector.dark_current") * 1e-9  # A, at photodetector.length
REFERENCE_LENGTH = value("photodetector.length")  # um
BANDWIDTH_HZ = value("photodetector.bandwidth") * 1e9
CAPACITANCE = value("photodetector.capacitance") * 1e-15  # F, at photodetector.length
LOAD_RESISTANCE = value("photodetector.load_resistance")  # ohm


def dark_current(length: float = REFERENCE_LENGTH) -> float:
    """Dark current (A) of a detector with ``length`` um of Ge.

    photodetector.dark_current at photodetector.length, scaled with the Ge area
    (fixed width): bulk generation in the Ge dominates, so the device-independent
    figure is the current density (Michel, Liu & Kimerling, "High-performance
    Ge-on-Si photodetectors", Nat. Photon. 4:527, 2010).
    """
    return DARK_CURRENT * length / REFERENCE_LENGTH


def photocurrent(power_w: sax.FloatArrayLike, length: float = REFERENCE_LENGTH) -> jnp.ndarray:
    """DC photocurrent (A) at optical ``power_w`` (W) in the waveguide: R P + I_dark.

    Responsivity photodetector.responsivity (A/W at 1550 nm; waveguide Ge detectors
    absorb nearly all light over >= 10 um, so R is taken flat in length and over
    1.50-1.60 um). The current flows into the cathode terminal from outside.
    """
    return RESPONSIVITY * jnp.asarray(power_w, dtype=float) + dark_current(length)


def rc_bandwidth_hz(length: float = REFERENCE_LENGTH) -> float:
    """RC corner (Hz) of the junction on photodetector.load_resistance: 1 / (2 pi R C).

    C = photodetector.capacitance scaled with the Ge length (lateral junction).
    At the reference length it is ~210 GHz, far above photodetector.bandwidth:
    the detector is transit-time limited over the cell's whole length range.
    """
    c = CAPACITANCE * length / REFERENCE_LENGTH
    return 1.0 / (2.0 * math.pi * LOAD_RESISTANCE * c)


def frequency_response(f_hz: sax.FloatArrayLike, length: float = REFERENCE_LENGTH) -> jnp.ndarray:
    """Photocurrent response H(f) = 1 / ((1 + i f / f_t)(1 + i f / f_RC)), H(0) = 1.

    f_t is the transit-time pole chosen so that the response is -3 dB (|H|^2 = 1/2)
    at photodetector.bandwidth for the reference length; f_RC from
    :func:`rc_bandwidth_hz`. A single pole is the usual small-signal model of a
    p-i-n photodiode (Agrawal, Fiber-Optic Communication Systems, 4th ed., ch. 4).
    """
    f = jnp.asarray(f_hz, dtype=float)
    return 1.0 / ((1.0 + 1j * f / _TRANSIT_POLE_HZ) * (1.0 + 1j * f / rc_bandwidth_hz(length)))


def _transit_pole() -> float:
    # |H(B)|^2 = 1/2 with both poles: (1 + (B/f_t)^2)(1 + (B/f_rc)^2) = 2
    ratio = (BANDWIDTH_HZ / rc_bandwidth_hz()) ** 2
    return BANDWIDTH_HZ / math.sqrt(2.0 / (1.0 + ratio) - 1.0)


_TRANSIT_POLE_HZ = _transit_pole()


def balanced_terminal_currents(
    power1_w: sax.FloatArrayLike, power2_w: sax.FloatArrayLike, length: float = REFERENCE_LENGTH
) -> dict[str, jnp.ndarray]:
    """Currents (A) flowing INTO the pair's terminals e1, e2, e3 (SPICE sign convention).

    Each reverse-biased photodiode carries I = R P + I_d from its cathode to its
    anode inside the device, so I enters at the cathode terminal and leaves at the
    anode. PD1 (o1) is anode e1, cathode e2; PD2 (o2) is anode e2, cathode e3:

        i_e1 = -I1,   i_e2 = I1 - I2 = R (P1 - P2),   i_e3 = I2,

    (dark currents cancel in i_e2 for matched diodes); they sum to zero.
    """
    i1, i2 = photocurrent(power1_w, length), photocurrent(power2_w, length)
    return {"e1": -i1, "e2": i1 - i2, "e3": i2}


def balanced_photocurrent(
    power1_w: sax.FloatArrayLike, power2_w: sax.FloatArrayLike, length: float = REFERENCE_LENGTH
) -> jnp.ndarray:
    """Output current (A) of the balanced pair into its middle terminal e2: R (P1 - P2).

    Positive when PD1 (input o1) gets more light; a TIA on e2 sources this current.
    """
    return balanced_terminal_currents(power1_w, power2_w, length)["e2"]


def _absorbed(ports: tuple[str, ...], wl: sax.FloatArrayLike) -> sax.SDict:
    zero = jnp.zeros_like(jnp.asarray(wl, dtype=float), dtype=complex)
    return {(a, b): zero for a in ports for b in ports}


_PD = cell_defaults(ge_photodetector)
_BALANCED = cell_defaults(balanced_photodetector)


@register_model("ge_photodetector")
def ge_photodetector_model(
    *, length: float = _PD["length"], wl: sax.FloatArrayLike = WAVELENGTH
) -> sax.SDict:
    """Optical side of the Ge photodiode: light entering o1 is absorbed (S = 0).

    The electrical side is :func:`photocurrent` (R P + I_dark) with
    :func:`frequency_response`.

    Args:
        length: Ge length (um); sets dark current and capacitance, not the optics.
        wl: wavelength (um), scalar or array.
    """
    concrete("ge_photodetector", "length", length)
    return _absorbed(("o1",), wl)


@register_model("balanced_photodetector")
def balanced_photodetector_model(
    *, length: float = _BALANCED["length"], wl: sax.FloatArrayLike = WAVELENGTH
) -> sax.SDict:
    """Optical side of the balanced pair: both inputs absorbed, no coupling between them.

    The electrical side is :func:`balanced_terminal_currents`.

    Args:
        length: Ge length of each detector (um).
        wl: wavelength (um), scalar or array.
    """
    concrete("balanced_photodetector", "length", length)
    return _absorbed(("o1", "o2"), wl)
