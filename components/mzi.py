"""2x2 Mach-Zehnder interferometer with thermo-optic heaters: tunable coupler / weight.

Two 3 dB couplers (2x2 MMIs or directional couplers) joined by two arms, a
thermo-optic phase shifter on the top arm (or on both, for push-pull or an
external phase). Balanced (``delta_length = 0``) it is the tunable coupler of an
MZI mesh or an MZI weight element: the cross-port power is cos^2(dphi / 2) for
ideal splitters. Unbalanced, it is a filter with FSR = lambda^2 / (n_g dL).

The layout is gdsfactory's ``mzi`` built from this library's cells (Euler bends,
straights, phase shifter, coupler), pulled up one level so the netlist lists our
cells and a circuit model composes their compact models: the registered model is
the SAX circuit of the cell's own netlist (:func:`mzi_circuit`). For meshes,
:func:`mzi_ideal_transfer` and :func:`heater_powers_for_theta` map the convention
T(theta, phi) = DC50 P(theta) DC50 P(phi) onto ports and heater powers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial
from typing import Annotated, Any, Literal

import gdsfactory as gf
import jax.numpy as jnp
import numpy as np
import sax
from scipy.optimize import minimize_scalar

from components.couplers import (
    MMI_EXCESS_LOSS_DB,
    MMI_IMBALANCE_DB,
    directional_coupler,
    mmi_2x2,
)
from components.heaters import (
    P_PI,
    SHEET_RESISTANCE,
    HeaterLength,
    heater_squares,
    pi_shift,
    thermo_optic_phase_shifter,
)
from components.registry import MODELS, Range, register, register_model
from components.waveguides import (
    LOSS_DB_CM,
    MIN_RADIUS,
    MIN_STRIP_LENGTH,
    ROUTING_RADIUS,
    T_REF,
    WAVELENGTH,
    cell_defaults,
    concrete,
    drawn_cell,
    euler_bend,
    optical_netlist,
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
    if length is not None and abs(length - ps.info["optical_length"]) > _TOL:
        raise ValueError(
            f"arm straight of {length} um cannot hold a {ps.info['optical_length']} um shifter"
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
    two-port instances, summing each one's drawn path length (``info["optical_length"]``
    of a phase shifter, ``info["length"]`` of the others), until it reaches the
    four-port combiner.
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
            info = here.cell.info
            total += float(info["optical_length"] if "optical_length" in info else info["length"])
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
        **mzi_optical_figures(c),
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


# --- compact model ----------------------------------------------------------------------
# Port roles in the mesh convention T(theta, phi) = DC50 P(theta) DC50 P(phi), index 0 = upper.
MZI_PORTS = {"upper_in": "o2", "lower_in": "o1", "upper_out": "o3", "lower_out": "o4"}


@dataclass(frozen=True)
class MziCircuit:
    """The SAX circuit of one drawn MZI and the instance names its heater powers go to."""

    circuit: Callable[..., sax.SDict]
    netlist: dict[str, Any]
    top_heater: str
    bottom_heater: str | None


_MZI = cell_defaults(mzi_2x2_heater)


@cache
def _mzi_circuit(settings: tuple[tuple[str, Any], ...]) -> MziCircuit:
    c = drawn_cell(mzi_2x2_heater, **dict(settings))
    netlist = optical_netlist(c)
    heaters = sorted(
        (
            name
            for name, inst in netlist["instances"].items()
            if inst["component"] == "thermo_optic_phase_shifter"
        ),
        key=lambda name: -netlist["placements"][name]["y"],
    )
    circuit, _ = sax.circuit(netlist, models=MODELS)
    bottom = heaters[1] if len(heaters) > 1 else None
    return MziCircuit(circuit, netlist, heaters[0], bottom)


def mzi_circuit(**settings: Any) -> MziCircuit:
    """SAX circuit of the ``mzi_2x2_heater`` cell drawn with ``settings`` (cached).

    Built from the layout's own netlist: the cell pulls its sub-cells up one level,
    so the netlist is flat and lists only cells with compact models (no recursion).
    Call ``.circuit(wl=..., temperature=..., <heater instance>={"power": mW}, ...)``;
    global settings (wl, temperature, loss_db_per_cm, excess_loss_db, ...) reach
    every instance whose model takes them.
    """
    merged = {**_MZI, **settings}
    key = tuple(
        (k, v if isinstance(v, str) else concrete("mzi_2x2_heater", k, v))
        for k, v in sorted(merged.items())
    )
    return _mzi_circuit(key)


@register_model("mzi_2x2_heater")
def mzi_2x2_heater_model(
    *,
    splitter: str = _MZI["splitter"],
    delta_length: float = _MZI["delta_length"],
    heater_length: float = _MZI["heater_length"],
    heater_on_both_arms: bool = _MZI["heater_on_both_arms"],
    bend_radius: float = _MZI["bend_radius"],
    vertical_length: float = _MZI["vertical_length"],
    wl: sax.FloatArrayLike = WAVELENGTH,
    temperature: sax.FloatArrayLike = T_REF,
    power_top: sax.FloatArrayLike = 0.0,
    power_bottom: sax.FloatArrayLike = 0.0,
    p_pi_mw: sax.FloatArrayLike = P_PI,
    loss_db_per_cm: sax.FloatArrayLike = LOSS_DB_CM,
    excess_loss_db: sax.FloatArrayLike = MMI_EXCESS_LOSS_DB,
    imbalance_db: sax.FloatArrayLike = MMI_IMBALANCE_DB,
) -> sax.SDict:
    """2x2 MZI: the SAX circuit of its own layout netlist with every sub-cell's model.

    Ports: o2 upper input, o1 lower input, o3 upper output, o4 lower output
    (:data:`MZI_PORTS`). With ideal splitters and lossless arms
    [[S(o3,o2), S(o3,o1)], [S(o4,o2), S(o4,o1)]] = exp(i psi) DC50 P(theta) DC50
    (:func:`mzi_ideal_transfer` with phi = 0), theta the upper-minus-lower arm phase:
    theta = pi (P_top - P_bottom) / P_pi at lambda0 for balanced arms
    (:func:`heater_powers_for_theta`), psi the lower arm's phase. theta = 0 is the
    cross state (o1 -> o3), theta = pi the bar state (o1 -> o4).

    Thermal crosstalk between the two arms (>= 30 um apart by the spec sheet) is at
    most c10^3 = 5e-4 of the heater's phase (2e-7 at the default 62 um) and is left
    to :func:`components.heaters.heater_phases`, which maps every heater of a core
    (both arms included) to phases in one place.

    Args:
        splitter, delta_length, heater_length, heater_on_both_arms, bend_radius,
            vertical_length: the cell's settings (select the drawn layout).
        wl: wavelength (um), scalar or array.
        temperature: chip temperature (K).
        power_top: top-arm heater power (mW), scalar or array.
        power_bottom: bottom-arm heater power (mW); needs ``heater_on_both_arms``.
        p_pi_mw: heater power for pi (mW).
        loss_db_per_cm: waveguide propagation loss (dB/cm).
        excess_loss_db, imbalance_db: the 2x2 MMIs' (dB); unused with splitter="dc".
    """
    mc = mzi_circuit(
        splitter=splitter,
        delta_length=delta_length,
        heater_length=heater_length,
        heater_on_both_arms=heater_on_both_arms,
        bend_radius=bend_radius,
        vertical_length=vertical_length,
    )
    heaters = {mc.top_heater: {"power": power_top}}
    if mc.bottom_heater is not None:
        heaters[mc.bottom_heater] = {"power": power_bottom}
    else:
        try:
            driven = bool(np.any(np.asarray(power_bottom) != 0))
        except Exception:  # traced
            driven = False
        if driven:
            raise ValueError(
                f"mzi_2x2_heater: power_bottom={power_bottom!r} but the cell has no bottom "
                "heater; allowed: 0, or heater_on_both_arms=True"
            )
    return mc.circuit(
        wl=wl,
        temperature=temperature,
        p_pi_mw=p_pi_mw,
        loss_db_per_cm=loss_db_per_cm,
        excess_loss_db=excess_loss_db,
        imbalance_db=imbalance_db,
        **heaters,
    )


DC50 = jnp.array([[1.0, 1j], [1j, 1.0]]) / jnp.sqrt(2.0)


def mzi_ideal_transfer(theta: sax.FloatArrayLike, phi: sax.FloatArrayLike = 0.0) -> jnp.ndarray:
    """Mesh convention T(theta, phi) = DC50 P(theta) DC50 P(phi), P(x) = diag(exp(i x), 1).

    Index 0 is the upper waveguide (o2 in, o3 out of this MZI), 1 the lower (o1, o4).
    ``theta``: internal (upper-arm) phase, ``phi``: external phase on the upper input (rad).
    """

    def p(x: sax.FloatArrayLike) -> jnp.ndarray:
        return jnp.diag(jnp.array([jnp.exp(1j * x), 1.0 + 0j]))

    return DC50 @ p(theta) @ DC50 @ p(phi)


def heater_powers_for_theta(
    theta: sax.FloatArrayLike,
    heater_on_both_arms: bool = False,
    wl: sax.FloatArrayLike = WAVELENGTH,
    p_pi_mw: float = P_PI,
) -> tuple[jnp.ndarray, jnp.ndarray]:
    """(power_top, power_bottom) in mW that set the arm phase difference ``theta`` (rad).

    Heaters only heat: with one heater theta is wrapped to [0, 2 pi) and
    P_top = P_pi theta / pi (lambda / lambda0); with two, theta is wrapped to
    (-pi, pi] and the negative part goes to the bottom heater (at most P_pi each).
    Balanced arms assumed; an unbalanced MZI adds 2 pi n_eff delta_length / lambda.
    """
    scale = p_pi_mw / jnp.pi * jnp.asarray(wl, dtype=float) / WAVELENGTH
    if not heater_on_both_arms:
        return jnp.mod(theta, 2 * jnp.pi) * scale, jnp.zeros_like(jnp.asarray(theta, float))
    wrapped = jnp.pi - jnp.mod(jnp.pi - jnp.asarray(theta, float), 2 * jnp.pi)
    return jnp.maximum(wrapped, 0.0) * scale, jnp.maximum(-wrapped, 0.0) * scale


def mzi_optical_figures(c: gf.Component, wl: float = WAVELENGTH) -> dict[str, float]:
    """Extinction ratio and insertion loss (dB) of a drawn MZI, from its model, at ``wl`` um.

    The top heater sweeps 0 to 2 P_pi (one full period) with light in o1; each output's
    minimum is refined by a bounded scalar minimisation. Extinction: the worse output's
    max / min. Insertion loss: the best transmission to either output.
    """
    settings = c.settings.model_dump()
    powers = np.linspace(0.0, 2.0 * P_PI, 721)
    sweep = mzi_2x2_heater_model(**settings, wl=wl, power_top=powers)
    ratios, peaks = [], []
    for out in ("o3", "o4"):
        trans = np.abs(np.asarray(sweep[("o1", out)])) ** 2
        k = int(np.argmin(trans))
        lo, hi = powers[max(k - 1, 0)], powers[min(k + 1, powers.size - 1)]

        def power_out(p: float, out: str = out) -> float:
            s = mzi_2x2_heater_model(**settings, wl=wl, power_top=p)
            return float(np.abs(s[("o1", out)]) ** 2)

        floor = minimize_scalar(
            power_out, bounds=(lo, hi), method="bounded", options={"xatol": 1e-9}
        )
        ratios.append(trans.max() / max(floor.fun, 1e-30))
        peaks.append(trans.max())
    return {
        "extinction_ratio_db": float(10.0 * np.log10(min(ratios))),
        "insertion_loss_db": float(-10.0 * np.log10(max(peaks))),
    }
