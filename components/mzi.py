"""2x2 Mach-Zehnder interferometer with thermo-optic heaters: tunable coupler / weight.

Two 3 dB couplers (2x2 MMIs or directional couplers) joined by two arms, a
thermo-optic phase shifter on the top arm (or on both, for push-pull or an
external phase). Balanced (``delta_length = 0``) it is the tunable coupler of an
MZI mesh or an MZI weight element: the cross-port power is cos^2(dphi / 2) for
ideal splitters. Unbalanced, it is a filter with FSR = lambda^2 / (n_g dL).

The layout is gdsfactory's ``mzi`` built from this library's cells (Euler bends,
straights, phase shifter, coupler), pulled up one level so the netlist lists our
cells and a circuit model composes their compact models.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Literal

import gdsfactory as gf

from components.couplers import directional_coupler, mmi_2x2
from components.heaters import (
    SHEET_RESISTANCE,
    HeaterLength,
    heater_squares,
    pi_shift,
    thermo_optic_phase_shifter,
)
from components.registry import Range, register
from components.waveguides import (
    MIN_RADIUS,
    MIN_STRIP_LENGTH,
    ROUTING_RADIUS,
    euler_bend,
    port_pitch_um,
    waveguide_straight,
)
from pdk.params import value

SPLITTERS = {"mmi": mmi_2x2, "dc": directional_coupler}
_TOL = 1e-3  # um: ports closer than this are connected


# gdsfactory's mzi hands every arm part a cross_section; ours are strip-only cells
# and the mzi below is always called with cross_section="strip".
def _bend(radius: float, cross_section: str = "strip") -> gf.Component:
    return euler_bend(radius=radius)


def _straight(length: float, cross_section: str = "strip") -> gf.Component:
    return waveguide_straight(length=length)


def _shifter(
    heater_length: float, length: float | None = None, cross_section: str = "strip"
) -> gf.Component:
    """The phase shifter; ``length`` (its optical length, as gdsfactory's mzi passes it
    to the second arm) must match what the heater length gives."""
    ps = thermo_optic_phase_shifter(length=heater_length)
    if length is not None and abs(length - ps.info["length"]) > _TOL:
        raise ValueError(
            f"arm straight of {length} um cannot hold a {ps.info['length']} um shifter"
        )
    return ps


def _other_port(inst: gf.ComponentReference, name: str) -> gf.Port:
    (port,) = [p for p in inst.ports if p.port_type == "optical" and p.name != name]
    return port


def _at(inst: gf.ComponentReference, x: float, y: float) -> gf.Port | None:
    for p in inst.ports:
        if p.port_type == "optical" and abs(p.x - x) < _TOL and abs(p.y - y) < _TOL:
            return p
    return None


def arm_lengths(c: gf.Component) -> tuple[float, float]:
    """Optical path lengths (um) of the top and bottom arms, traced through the layout.

    Starts at the splitter's east ports and follows port-to-port connections of
    two-port instances, summing each one's ``info["length"]`` (the drawn path
    length), until it reaches the four-port combiner.
    """
    insts = list(c.insts)
    west = c.ports["o1"]
    splitter = next(i for i in insts if _at(i, west.x, west.y) is not None)
    starts = sorted(
        (p for p in splitter.ports if p.port_type == "optical" and p.x > west.x + _TOL),
        key=lambda p: -p.y,
    )
    lengths = []
    for port in starts:
        total, x, y, here = 0.0, port.x, port.y, splitter
        while True:
            nxt = [(i, q) for i in insts if i is not here and (q := _at(i, x, y)) is not None]
            if len(nxt) != 1:
                raise ValueError(f"{c.name}: arm broken or branched at ({x:.3f}, {y:.3f}) um")
            here, entry = nxt[0]
            optical = [p for p in here.ports if p.port_type == "optical"]
            if len(optical) != 2:  # the combiner
                break
            total += float(here.cell.info["length"])
            out = _other_port(here, entry.name)
            x, y = out.x, out.y
        lengths.append(total)
    return lengths[0], lengths[1]


def _heaters(c: gf.Component) -> list[gf.ComponentReference]:
    return [i for i in c.insts if i.cell.function_name == "thermo_optic_phase_shifter"]


def arm_separation(c: gf.Component) -> float:
    """Centre-to-centre distance (um) of the two horizontal arms (heater or straight)."""
    arms = [
        i.dbbox().center().y
        for i in c.insts
        if i.cell.function_name in ("thermo_optic_phase_shifter", "waveguide_straight")
        and i.dbbox().width() > i.dbbox().height()
    ]
    return max(arms) - min(arms)


def _measure_mzi(c: gf.Component) -> dict[str, float]:
    top, bot = arm_lengths(c)
    heaters = _heaters(c)
    shifter = heaters[0].cell
    r = heater_squares(shifter) * SHEET_RESISTANCE
    drive = pi_shift(r, shifter.info["heater_length"])
    return {
        "arm_length_top_um": top,
        "arm_length_bottom_um": bot,
        "arm_length_imbalance_um": bot - top,
        "input_pitch_um": port_pitch_um(c, ("o1", "o2")),
        "output_pitch_um": port_pitch_um(c, ("o3", "o4")),
        "heaters": float(len(heaters)),
        "heater_resistance_ohm": r,
        "p_pi_mw": drive["p_pi_mw"],
        "v_pi_v": drive["v_pi_v"],
        "arm_separation_um": arm_separation(c),
        "min_bend_radius_um": min(
            float(i.cell.info["min_bend_radius"])
            for i in c.insts
            if "min_bend_radius" in i.cell.info
        ),
    }


@register(measure=_measure_mzi)
@gf.cell
def mzi_2x2_heater(
    splitter: Literal["mmi", "dc"] = "mmi",
    delta_length: Annotated[
        float,
        Range(0.0, 500.0, "um", "bottom arm longer by this; 0 = balanced", corners=(0.0, 100.0)),
    ] = 0.0,
    heater_length: HeaterLength = value("heater.length"),
    heater_on_both_arms: bool = False,
    bend_radius: Annotated[
        float,
        Range(MIN_RADIUS, 50.0, "um", "Euler bend min radius >= strip.min_bend_radius"),
    ] = ROUTING_RADIUS,
    vertical_length: Annotated[
        float,
        Range(MIN_STRIP_LENGTH, 200.0, "um", "vertical straight per arm; spaces the arms"),
    ] = 2.0,
) -> gf.Component:
    """2x2 MZI: ``splitter`` couplers, heater on the top arm (or both), arms of Euler bends.

    ::

                    e1 ___________________ e2
                  ____|__ phase shifter __|____
                 |                             |          top arm
        o2 __  __|                             |__  __ o3
             ><     3 dB splitter    combiner     ><
        o1 __  __                               __  __ o4
                 |____________________________|           bottom arm
                        (e3, e4 if both arms)      (+ delta_length)

    Ports o1/o2 west (bottom/top), o3/o4 east (top/bottom); e1/e2 the top heater's
    M2 contacts (north), e3/e4 the bottom heater's (south).

    Args:
        splitter: "mmi" (2x2 MMI, broadband) or "dc" (directional coupler).
        delta_length: extra length of the bottom arm (um).
        heater_length: heated length of each phase shifter (um).
        heater_on_both_arms: put a phase shifter on the bottom arm too.
        bend_radius: minimum radius of curvature of the arm bends (um).
        vertical_length: vertical straight in each arm (um); sets the arm spacing.

    ``info``: ``arm_length_top``/``arm_length_bottom`` (um), ``delta_length`` (um),
    ``heater_resistance`` (ohm), ``p_pi`` (mW), ``arm_separation`` (um).
    """
    if splitter not in SPLITTERS:
        raise ValueError(f"mzi_2x2_heater: splitter={splitter!r}; allowed: {sorted(SPLITTERS)}")
    coupler = SPLITTERS[splitter]()
    shifter = partial(_shifter, heater_length=heater_length)
    m = gf.components.mzi(
        delta_length=delta_length,
        length_y=vertical_length,
        length_x=None,
        bend=partial(_bend, radius=bend_radius),
        straight=_straight,
        straight_x_top=shifter,
        straight_x_bot=shifter if heater_on_both_arms else _straight,
        splitter=coupler,
        combiner=coupler,
        port_e1_splitter="o3",
        port_e0_splitter="o4",
        port_e1_combiner="o3",
        port_e0_combiner="o4",
        cross_section="strip",
        mirror_bot=True,
        auto_rename_ports=False,
    )
    c = gf.Component()
    ref = c << m
    west = sorted(ref.ports.filter(orientation=180, port_type="optical"), key=lambda p: p.y)
    east = sorted(ref.ports.filter(orientation=0, port_type="optical"), key=lambda p: -p.y)
    for name, port in zip(("o1", "o2", "o3", "o4"), (*west, *east), strict=True):
        c.add_port(name, port=port)
    for arm, names in (("top", ("e1", "e2")), ("bot", ("e3", "e4"))):
        pads = sorted(
            (p for p in ref.ports if p.port_type == "electrical" and p.name.startswith(arm)),
            key=lambda p: p.x,
        )
        for name, port in zip(names, pads, strict=False):
            c.add_port(name, port=port)
    ref.flatten(1)  # our cells become direct children: the netlist lists them

    top, bot = arm_lengths(c)
    ps = shifter()
    c.info.update(
        {
            "splitter": splitter,
            "arm_length_top": top,
            "arm_length_bottom": bot,
            "delta_length": float(delta_length),
            "heater_length": float(heater_length),
            "heater_resistance": float(ps.info["resistance"]),
            "p_pi": float(ps.info["p_pi"]),
            "heaters": 2 if heater_on_both_arms else 1,
            "arm_separation": arm_separation(c),
        }
    )
    return c
