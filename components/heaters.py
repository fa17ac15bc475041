"""Thermo-optic phase shifter: strip waveguide under a TiN heater, contacted to M2.

The process has two metals. The heater film (HEATER) is contacted by VIAC to M1,
and M1 by VIA1 to M2, the top metal that carries the pad-ready ports. gdsfactory's
default heater via stacks end on VIA2/M3, which this process does not have, so
the stack here is gdsfactory's ``via_stack`` configured with our layers and vias
sized from the rule deck (minimum width, densest legal pitch, enclosure rules).

Electrical model: the heater film is a sheet of ``heater.sheet_resistance``
ohm/sq. Its resistance is counted in squares from the *drawn* HEATER polygon,
R = R_s * integral dx / w(x) between the innermost contacts (quasi-1D current,
valid where the width varies slowly: line and tapers; the wide contact pads add
a few hundredths of a square). A pi shift takes ``heater.p_pi`` (mW), nearly
independent of length because the core temperature rise needed,
dT_pi = lambda / (2 L dn_eff/dT), falls as 1/L while the heat flow per length
rises as dT; hence V_pi = sqrt(P_pi R).

Optical model: the strip physics over the drawn optical length plus the heated
length's temperature rise dT = (P / P_pi) dT_pi, i.e. a phase pi P / P_pi at
lambda0. Thermal crosstalk: a neighbour at distance d picks up
c(d) = c10^(d / d10) of a heater's own phase (:func:`thermal_crosstalk`), mapped
for whole heater arrays by :func:`heater_phases` and inverted by :func:`heater_powers`.
"""

from __future__ import annotations

import itertools
import math
from functools import cache
from typing import Annotated

import gdsfactory as gf
import jax.numpy as jnp
import sax

from components.registry import Range, register, register_model
from components.waveguides import (
    LOSS_DB_CM,
    T_REF,
    cell_defaults,
    check_at_least,
    concrete,
    drawn_cell,
    layer_region,
    port_pitch_um,
    propagation,
)
from pdk.cross_sections import heater_metal, strip_heater_metal
from pdk.params import value
from pdk.rules import design_rules

_RULES = design_rules()
WAVELENGTH = value("constants.wavelength")
SHEET_RESISTANCE = value("heater.sheet_resistance")  # ohm/sq
P_PI = value("heater.p_pi")  # mW
DN_DT = value("strip.dn_eff_dT")  # 1/K
CONTACT_SIZE = value("heater.contact_size")
TAPER_LENGTH = value("heater.taper_length")
# waveguide runs past the contact by half the largest metal space, so two phase
# shifters abutted port to port keep their contacts legally apart
CONTACT_CLEARANCE = max(_RULES.min_space(m) for m in ("HEATER", "M1", "M2")) / 2


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


def heater_via_stack(size: float = CONTACT_SIZE) -> gf.Component:
    """Square HEATER -> VIAC -> M1 -> VIA1 -> M2 contact, ``size`` um, ports on M2."""
    return gf.components.via_stack(
        size=(size, size),
        layers=("HEATER", "M1", "M2"),
        vias=(rule_via("VIAC"), rule_via("VIA1"), None),
    )


def heater_squares(c: gf.Component) -> float:
    """Number of squares of the drawn heater between its innermost contacts.

    Integrates dx / w(x) along x over the merged HEATER region, from the east edge
    of the west VIAC array to the west edge of the east one. The region's height
    w(x) is linear between polygon vertices, so each interval is integrated exactly.
    """
    heater = layer_region(c, "HEATER")
    viac = layer_region(c, "VIAC")
    if heater.is_empty() or viac.is_empty():
        raise ValueError(f"{c.name}: no HEATER or VIAC shapes to measure")
    xc = heater.bbox().center().x
    west = [p.bbox().right for p in viac.each() if p.bbox().center().x < xc]
    east = [p.bbox().left for p in viac.each() if p.bbox().center().x > xc]
    if not west or not east:
        raise ValueError(f"{c.name}: heater needs contacts on both ends")
    x0, x1 = max(west), min(east)
    box = heater.bbox()

    def height(x: int, side: int) -> float:
        """Height of the region in the 1-dbu column just right (+1) or left (-1) of x."""
        col = gf.kdb.Box(x, box.bottom, x + side, box.top)
        return float((heater & gf.kdb.Region(col)).area())

    xs = sorted({x0, x1, *(pt.x for p in heater.each() for pt in p.each_point_hull())})
    xs = [x for x in xs if x0 <= x <= x1]
    squares = 0.0
    for a, b in itertools.pairwise(xs):
        wa, wb = height(a, +1), height(b, -1)
        if wa <= 0 or wb <= 0:
            raise ValueError(f"{c.name}: heater is interrupted between x={a} and {b} dbu")
        squares += (b - a) / wa if math.isclose(wa, wb) else (b - a) * math.log(wb / wa) / (wb - wa)
    return squares


def pi_shift(resistance_ohm: float, heater_length_um: float) -> dict[str, float]:
    """Drive for a pi phase shift: power (mW), voltage (V), current (mA), core dT (K)."""
    return {
        "p_pi_mw": P_PI,
        "v_pi_v": math.sqrt(P_PI * 1e-3 * resistance_ohm),
        "i_pi_ma": 1e3 * math.sqrt(P_PI * 1e-3 / resistance_ohm),
        "delta_t_pi_k": WAVELENGTH / (2.0 * heater_length_um * DN_DT),
    }


def _measure_heater(c: gf.Component) -> dict[str, float]:
    squares = heater_squares(c)
    r = squares * SHEET_RESISTANCE
    return {
        "heater_squares": squares,
        "heater_resistance_ohm": r,
        "heater_length_um": float(c.info["heater_length"]),
        "optical_length_um": port_pitch_um(c, ("o1", "o2")),
        "contact_pitch_um": port_pitch_um(c, ("e1", "e2")),
        **pi_shift(r, c.info["heater_length"]),
    }


HeaterLength = Annotated[
    float,
    Range(50.0, 1000.0, "um", "dT_pi < 85 K at 50 um; V_pi < 10 V up to 1 mm"),
]


@register(measure=_measure_heater)
@gf.cell
def thermo_optic_phase_shifter(
    length: HeaterLength = value("heater.length"),
    heater_width: Annotated[
        float,
        Range(_RULES.min_width("HEATER"), 6.0, "um", "HEATER min width to 6 um (< contact)"),
    ] = value("heater.width"),
) -> gf.Component:
    """Strip waveguide under a TiN heater ``length`` x ``heater_width`` (um).

    The heater widens over ``heater.taper_length`` into a HEATER/M1/M2 contact
    stack at each end; the waveguide runs on under the contacts so the optical
    ports sit at the cell edge. Electrical ports are the M2 contact tops, facing
    north, ready for a pad or an M2 route.

    ::

                 e1                                   e2
              ._____.                              ._____.
              | M2  |______________________________| M2  |
        o1 ===|=====|=========== WG ===============|=====|=== o2
              |_____|   <------- length ------->   |_____|

    ``info``: ``optical_length`` port-to-port length (um), ``heater_length`` (um),
    ``resistance`` from the drawn HEATER polygon (ohm), ``p_pi`` (mW), ``v_pi`` (V).
    (Not ``info["length"]``: SAX merges info over settings, and ``length`` is the
    heated length here.)
    """
    ps = gf.components.straight_heater_metal_simple(
        length=length,
        cross_section_heater=heater_metal(width=heater_width),
        cross_section_waveguide_heater=strip_heater_metal(heater_width=heater_width),
        via_stack=heater_via_stack(),
        port_orientation1=90,
        port_orientation2=90,
        heater_taper_length=TAPER_LENGTH,
    )
    c = gf.Component()
    ref = c << ps
    run_on = gf.components.straight(
        length=TAPER_LENGTH + CONTACT_SIZE + CONTACT_CLEARANCE, cross_section="strip"
    )
    west = c << run_on
    east = c << run_on
    west.connect("o2", ref.ports["o1"])
    east.connect("o1", ref.ports["o2"])
    c.add_port("o1", port=west.ports["o1"])
    c.add_port("o2", port=east.ports["o2"])
    c.add_port("e1", port=ref.ports["l_e2"])
    c.add_port("e2", port=ref.ports["r_e2"])
    c.flatten()
    resistance = heater_squares(c) * SHEET_RESISTANCE
    c.info.update(
        {
            "optical_length": port_pitch_um(c, ("o1", "o2")),
            "heater_length": float(length),
            "heater_width": float(heater_width),
            "resistance": resistance,
            "p_pi": P_PI,
            "v_pi": pi_shift(resistance, length)["v_pi_v"],
        }
    )
    return c


# --- compact model -------------------------------------------------------------------

CROSSTALK_10UM = value("heater.crosstalk_10um")  # neighbour phase per unit own phase
CROSSTALK_DISTANCE = value("heater.crosstalk_distance")  # um, where CROSSTALK_10UM holds
# e-folding length (um) of the crosstalk, from the one quoted point
THERMAL_DECAY_LENGTH = CROSSTALK_DISTANCE / math.log(1.0 / CROSSTALK_10UM)


@cache
def _optical_length(length: float, heater_width: float) -> float:
    c = drawn_cell(thermo_optic_phase_shifter, length=length, heater_width=heater_width)
    return float(c.info["optical_length"])


def heater_phase(
    power: sax.FloatArrayLike, wl: sax.FloatArrayLike = WAVELENGTH, p_pi_mw: float = P_PI
) -> jnp.ndarray:
    """Phase (rad) a heater adds to its own waveguide at electrical ``power`` (mW), ``wl`` (um).

    dphi = pi (P / P_pi) (lambda0 / lambda): the heated core rises by
    dT = (P / P_pi) dT_pi with dT_pi = lambda0 / (2 L dn_eff/dT), and that dT shifts
    the phase by 2 pi dn_eff/dT dT L / lambda (dn_eff/dT taken wavelength-independent).
    """
    return jnp.pi * jnp.asarray(power) / p_pi_mw * WAVELENGTH / jnp.asarray(wl, dtype=float)


_SHIFTER = cell_defaults(thermo_optic_phase_shifter)


@register_model("thermo_optic_phase_shifter")
def thermo_optic_phase_shifter_model(
    *,
    length: float = _SHIFTER["length"],
    heater_width: float = _SHIFTER["heater_width"],
    wl: sax.FloatArrayLike = WAVELENGTH,
    temperature: sax.FloatArrayLike = T_REF,
    power: sax.FloatArrayLike = 0.0,
    p_pi_mw: sax.FloatArrayLike = P_PI,
    loss_db_per_cm: sax.FloatArrayLike = LOSS_DB_CM,
    optical_length: sax.FloatArrayLike | None = None,
) -> sax.SDict:
    """Thermo-optic phase shifter: the strip waveguide under it plus the heater's phase.

    S21 = propagation over the drawn optical length (port to port, contacts
    included) at ``temperature`` times exp(i :func:`heater_phase`). ``heater_width``
    changes the resistance, not P_pi: the heat spreads over the ~2 um oxide between
    heater and core, wider than the heater (Jacques et al., Opt. Express 27:10456, 2019);
    it is accepted so that a netlist's setting is never dropped silently.

    Args:
        length: heated length (um), the cell's ``length``.
        heater_width: heater width (um).
        wl: wavelength (um), scalar or array.
        temperature: ambient temperature of the waveguide (K).
        power: electrical heater power (mW), >= 0; scalar or array (broadcasts with wl).
        p_pi_mw: power for a pi shift at lambda0 (mW), default heater.p_pi.
        loss_db_per_cm: propagation loss (dB/cm); the heater adds none (2 um above the core).
        optical_length: drawn port-to-port length (um), the cell's ``info`` value that a
            layout netlist supplies; None reads it from the cell drawn with ``length``
            and ``heater_width`` (which then must be concrete numbers).
    """
    name = "thermo_optic_phase_shifter"
    if optical_length is None:
        optical_length = _optical_length(
            concrete(name, "length", length), concrete(name, "heater_width", heater_width)
        )
    check_at_least(name, "power", power, 0.0)
    t = propagation(optical_length, wl, temperature, loss_db_per_cm)
    return sax.reciprocal({("o1", "o2"): t * jnp.exp(1j * heater_phase(power, wl, p_pi_mw))})


# --- thermal crosstalk between heaters --------------------------------------------------


def thermal_crosstalk(distance_um: sax.FloatArrayLike) -> jnp.ndarray:
    """Phase a waveguide ``distance_um`` from a heater picks up, per unit of the heater's own phase.

    c(d) = c10^(d / d10) = exp(-d / L_th), L_th = d10 / ln(1 / c10) = 3.96 um, from
    heater.crosstalk_10um at heater.crosstalk_distance. Exponential because the
    oxide stack between the isothermal Si substrate and the nearly adiabatic top
    is a thermal slab whose lowest lateral mode decays as exp(-pi d / (2 H)):
    H ~ 5 um (2 um BOX + 3 um cladding) gives 3.2 um, close to L_th. Valid for
    parallel heaters of similar length; without deep trenches.
    """
    return jnp.exp(-jnp.abs(jnp.asarray(distance_um, dtype=float)) / THERMAL_DECAY_LENGTH)


def thermal_crosstalk_matrix(positions_um: sax.FloatArrayLike) -> jnp.ndarray:
    """C[i, j]: phase on heater i's waveguide per unit own phase of heater j (C[i, i] = 1).

    ``positions_um``: shape (N,) lateral offsets or (N, 2) centre points (um) of
    N parallel heaters.
    """
    pos = jnp.asarray(positions_um, dtype=float)
    pos = pos[:, None] if pos.ndim == 1 else pos
    distance = jnp.sqrt(jnp.sum((pos[:, None, :] - pos[None, :, :]) ** 2, axis=-1))
    return thermal_crosstalk(distance)


def heater_phases(
    powers_mw: sax.FloatArrayLike,
    positions_um: sax.FloatArrayLike,
    wl: sax.FloatArrayLike = WAVELENGTH,
    p_pi_mw: float = P_PI,
) -> jnp.ndarray:
    """Phase (rad) on each of N heated waveguides, crosstalk included.

    phi_i = sum_j C[i, j] pi P_j / P_pi (lambda0 / lambda). ``powers_mw``: shape (..., N)
    (batches broadcast); ``positions_um`` as in :func:`thermal_crosstalk_matrix`.
    """
    own = heater_phase(jnp.asarray(powers_mw, dtype=float), wl, p_pi_mw)
    return own @ thermal_crosstalk_matrix(positions_um).T


def heater_powers(
    phases: sax.FloatArrayLike,
    positions_um: sax.FloatArrayLike,
    wl: sax.FloatArrayLike = WAVELENGTH,
    p_pi_mw: float = P_PI,
) -> jnp.ndarray:
    """Heater powers (mW) that give the target ``phases`` (rad) with crosstalk: inverse of
    :func:`heater_phases`. A negative entry means that target cannot be reached from
    these phases: add 2 pi to it (a heater only heats) and solve again.
    """
    c = thermal_crosstalk_matrix(positions_um)
    own = jnp.linalg.solve(c, jnp.asarray(phases, dtype=float).T).T
    return own * p_pi_mw / jnp.pi * jnp.asarray(wl, dtype=float) / WAVELENGTH
