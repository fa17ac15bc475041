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

Compact model (SAX, ``mzm_traveling_wave``): cos^2 transfer in the drive voltage
with that V_pi, a finite extinction from the arm imbalance that gives
``mzm.extinction_ratio``, and the peak loss of the doped arms, MMIs and strip path;
its electro-optic frequency response for the link is :func:`mzm_eo_response`.
"""

from __future__ import annotations

import math
from typing import Annotated

import gdsfactory as gf
import jax.numpy as jnp
import klayout.db as kdb
import numpy as np
import sax
from scipy.optimize import brentq, minimize_scalar

from components.couplers import mmi_1x2
from components.heaters import enclosure, rule_via
from components.pads import PAD_PITCH, PAD_SIZE, bond_pad
from components.registry import Range, register, register_model
from components.waveguides import (
    LOSS_DB_CM,
    T_REF,
    WAVELENGTH,
    cell_defaults,
    concrete,
    drawn_cell,
    layer_region,
    port_pitch_um,
    propagation,
)
from pdk.params import value
from pdk.rules import design_rules

_RULES = design_rules()
STRIP_WIDTH = value("strip.width")
VPI_L = value("mzm.vpi_l")  # V cm, single arm
VPI_TARGET = value("mzm.vpi_target")  # V
C_PER_LENGTH = value("mzm.capacitance_per_length")  # pF/mm
UM_PER_CM = 1e4


# --- contact stacks (shared by the active cells) -------------------------------------


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
        **mzm_optical_figures(float(c.info["length"])),
    }


def mzm_optical_figures(length: float) -> dict[str, float]:
    """V_pi, extinction and insertion loss read off the model's transfer at lambda0, and
    the EO bandwidth of :func:`mzm_eo_response`.

    The drive is swept from 0 to 3 x the nominal V_pi (that bound sizes the sweep
    only); V_pi is the first transmission minimum, refined by bounded minimisation.
    """

    def power(v):
        return jnp.abs(mzm_traveling_wave_model(length=length, voltage=v)[("o1", "o2")]) ** 2

    volts = np.linspace(0.0, 3.0 * vpi_v(length), 601)
    t = np.asarray(power(volts))
    i = next(k for k in range(1, t.size - 1) if t[k] <= t[k - 1] and t[k] < t[k + 1])
    dip = minimize_scalar(
        lambda v: float(power(v)), bounds=(volts[i - 1], volts[i + 1]), options={"xatol": 1e-10}
    )
    t_max = float(np.max(t))
    return {
        "vpi_model_v": round(float(dip.x), 9),  # the null is located to 1e-10 V
        "extinction_model_db": 10.0 * math.log10(t_max / float(dip.fun)),
        "insertion_loss_db": -10.0 * math.log10(t_max),
        "eo_bandwidth_ghz": mzm_eo_bandwidth_hz(length) * 1e-9,
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
    ``vpi`` (V), ``junction_capacitance`` (pF, series pair), ``doping_width`` (um),
    ``passive_length`` = undoped strip path of one arm from o1 to o2, MMIs included (um).
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
    # undoped strip path of one arm, port to port (MMIs counted port to port)
    passive = 0.0
    mmi_span = abs(mmi.ports["o2"].x - mmi.ports["o1"].x)
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
        passive += TAPER_LENGTH + sbend.info["length"] + bend.info["length"]
        passive += b.ports["o2"].y - y_port + mmi_span

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
            "passive_length": round(passive, 6),
        }
    )
    return c


# --- compact models ------------------------------------------------------------------
#
# Shared with the PN ring: the rib waveguide's index, and the depletion phase shifter.

RIB_N_EFF = value("rib.n_eff")
RIB_N_G = value("rib.n_g")
RIB_LOSS_DB_CM = value("rib.loss")  # dB/cm
DN_DT = value("strip.dn_eff_dT")  # 1/K, Si; the rib mode is as well confined as the strip's
PN_LOSS_DB_CM = value("mzm.pn_loss")  # dB/cm of doped rib
MMI_EXCESS_LOSS_DB = value("mmi.excess_loss")  # dB per MMI
EXTINCTION_RATIO_DB = value("mzm.extinction_ratio")
EO_BANDWIDTH_HZ = value("mzm.eo_bandwidth") * 1e9
C_UM_PER_S = 299_792_458.0 * 1e6  # speed of light (um/s)


def rib_n_eff(wl: sax.FloatArrayLike, temperature: sax.FloatArrayLike = T_REF) -> jnp.ndarray:
    """Effective index of the 500 nm rib TE0 mode at ``wl`` (um) and ``temperature`` (K).

    n_eff(lambda, T) = n_eff + (n_eff - n_g) / lambda0 (lambda - lambda0) + dn/dT (T - T0):
    first order in wavelength (the library gives the rib's n_eff and n_g, no curvature),
    so the group index is rib.n_g everywhere; thermo-optic coefficient of Si (strip.dn_eff_dT).
    """
    dwl = jnp.asarray(wl, dtype=float) - WAVELENGTH
    dt = jnp.asarray(temperature, dtype=float) - T_REF
    return RIB_N_EFF + (RIB_N_EFF - RIB_N_G) / WAVELENGTH * dwl + DN_DT * dt


def rib_propagation(
    length: float,
    wl: sax.FloatArrayLike,
    temperature: sax.FloatArrayLike = T_REF,
    loss_db_per_cm: sax.FloatArrayLike = RIB_LOSS_DB_CM,
) -> jnp.ndarray:
    """Rib field transmission over ``length`` um: exp(i 2 pi n_eff L / lambda) 10^(-loss L / 20)."""
    wl = jnp.asarray(wl, dtype=float)
    amplitude = 10.0 ** (-jnp.asarray(loss_db_per_cm) * 1e-4 * length / 20.0)
    return amplitude * jnp.exp(2j * jnp.pi * rib_n_eff(wl, temperature) * length / wl)


def arm_weights(extinction_ratio_db: float = EXTINCTION_RATIO_DB) -> tuple[float, float]:
    """Field weights (w1, w2) of the two MZM arms at the output, w1 + w2 = 1, w1 - w2 = eps.

    A mirror-symmetric MZM whose splitter and combiner share the power imbalance
    (1 + eps) / 2 : (1 - eps) / 2 passes (w1 e^{i phi1} + w2 e^{i phi2}): 1 in phase,
    eps in anti-phase, so ER = 1 / eps^2. eps = 10^(-ER / 20) lumps MMI imbalance and
    unequal arm loss into the one number the library gives, mzm.extinction_ratio.
    """
    eps = 10.0 ** (-extinction_ratio_db / 20.0)
    return (1.0 + eps) / 2.0, (1.0 - eps) / 2.0


def mzm_phase_difference(
    voltage: sax.FloatArrayLike, length: float, wl: sax.FloatArrayLike = WAVELENGTH
) -> jnp.ndarray:
    """Arm phase difference (rad) of the series push-pull MZM at drive ``voltage`` (V).

    The drive (signal minus ground) splits over the two series junctions, so one
    arm's reverse bias rises by V/2 while the other's falls by V/2; their phases
    differ by pi V L / (V_pi L) (module docstring). The plasma-dispersion index
    change scales as lambda^2 (Soref & Bennett, IEEE JQE 23:123, 1987), the phase
    2 pi dn L / lambda hence as lambda / lambda0 around the wavelength V_pi L is quoted at.
    """
    wl = jnp.asarray(wl, dtype=float)
    return jnp.pi * jnp.asarray(voltage) / vpi_v(length) * wl / WAVELENGTH


def mzm_insertion_loss_db(length: float = DEFAULT_LENGTH) -> float:
    """Peak insertion loss (dB) of the drawn MZM: doped arms, two MMIs, the undoped strip path."""
    passive = float(drawn_cell(mzm_traveling_wave, length=length).info["passive_length"])
    strip = LOSS_DB_CM * passive * 1e-4
    return PN_LOSS_DB_CM * length * 1e-4 + 2.0 * MMI_EXCESS_LOSS_DB + strip


_MZM = cell_defaults(mzm_traveling_wave)


@register_model("mzm_traveling_wave")
def mzm_traveling_wave_model(
    *,
    length: float = _MZM["length"],
    wl: sax.FloatArrayLike = WAVELENGTH,
    temperature: sax.FloatArrayLike = T_REF,
    voltage: sax.FloatArrayLike = 0.0,
    bias_voltage: sax.FloatArrayLike = 0.0,
) -> sax.SDict:
    """Series push-pull carrier-depletion MZM at drive ``voltage`` on top of ``bias_voltage``.

    S21 = g (w1 e^{-i dphi/2} + w2 e^{+i dphi/2}), so

        |S21|^2 = IL [cos^2(dphi / 2) + sin^2(dphi / 2) / ER],
        dphi = pi (V + V_bias) / V_pi (lambda / lambda0),   V_pi = V_pi L / length,

    with arm weights from mzm.extinction_ratio (:func:`arm_weights`), the phase
    difference of :func:`mzm_phase_difference` and the peak insertion loss IL of
    :func:`mzm_insertion_loss_db` (mzm.pn_loss over the electrode, mmi.excess_loss
    twice, strip.loss over the drawn undoped path). The common phase is the rib's
    over the electrode and the strip's over the drawn undoped path (temperature
    shifts only that). The DC bias of the common cathode (e7) keeps both junctions
    reverse biased and moves both arms alike: it drops out of the transfer.
    Electro-optic bandwidth: :func:`mzm_eo_response`.

    Args:
        length: electrode (doped arm) length (um), the cell's ``length``.
        wl: wavelength (um), scalar or array.
        temperature: chip temperature (K).
        voltage: drive voltage, signal minus ground (V); broadcasts with wl.
        bias_voltage: DC added to the drive through a bias tee (V); V_pi / 2 puts the
            modulator at quadrature.
    """
    name = "mzm_traveling_wave"
    length = concrete(name, "length", length)
    passive = float(drawn_cell(mzm_traveling_wave, length=length).info["passive_length"])
    w1, w2 = arm_weights()
    half = 0.5 * mzm_phase_difference(jnp.asarray(voltage) + jnp.asarray(bias_voltage), length, wl)
    # rib phase of the arms, strip phase of the rest; the loss is the lumped peak IL
    common = rib_propagation(length, wl, temperature, 0.0) * propagation(
        passive, wl, temperature, 0.0
    )
    il = 10.0 ** (-mzm_insertion_loss_db(length) / 20.0)
    s21 = il * common * (w1 * jnp.exp(-1j * half) + w2 * jnp.exp(1j * half))
    return sax.reciprocal({("o1", "o2"): s21})


def _loss_limited_3db() -> float:
    """alpha L (Np) at which |(1 - e^{-alpha L}) / (alpha L)| = 1 / sqrt(2)."""
    return brentq(lambda x: (1.0 - math.exp(-x)) / x - 1.0 / math.sqrt(2.0), 0.1, 5.0, xtol=1e-14)


# electrode (voltage) loss coefficient alpha = ALPHA_0 sqrt(f), Np/um/sqrt(Hz), such
# that the default electrode's EO response is -3 dB at mzm.eo_bandwidth
ALPHA_0 = _loss_limited_3db() / (DEFAULT_LENGTH * math.sqrt(EO_BANDWIDTH_HZ))


def mzm_eo_response(
    f_hz: sax.FloatArrayLike, length: float = DEFAULT_LENGTH, index_mismatch: float = 0.0
) -> jnp.ndarray:
    """Small-signal electro-optic response H(f) of the travelling-wave MZM, H(0) = 1.

    The optical phase integrates the travelling drive voltage along the electrode:

        H(f) = (1 - exp(-gamma L)) / (gamma L),
        gamma = alpha_0 sqrt(f) + i 2 pi f (n_rf - n_g) / c

    (microwave loss with skin-effect sqrt(f) growth, walk-off between microwave and
    optical group velocities; matched termination; e.g. Witzens, "High-speed
    silicon photonics modulators", Proc. IEEE 106:2158, 2018). alpha_0 is
    set so that the default electrode (mzm.vpi_l / mzm.vpi_target) is -3 dB
    (|H| = 1/sqrt(2), EO S21 in dB = 20 log10 |H|) at mzm.eo_bandwidth: the
    electrode then loses 6.4 dB at that frequency, the known velocity-matched rule.
    The loss-limited bandwidth falls as 1 / length^2; for short electrodes (a few
    100 um) the driver and the junction's RC, not modelled here, take over.

    Args:
        f_hz: modulation frequency (Hz), scalar or array.
        length: electrode length (um).
        index_mismatch: n_rf - n_g of the optical mode; 0 = velocity matched, the
            design assumption behind mzm.eo_bandwidth.

    Returns:
        Complex H(f), same shape as ``f_hz``.
    """
    f = jnp.abs(jnp.asarray(f_hz, dtype=float))
    z = ALPHA_0 * jnp.sqrt(f) * length + 2j * jnp.pi * f * index_mismatch * length / C_UM_PER_S
    small = jnp.abs(z) < 1e-6
    safe = jnp.where(small, 1.0, z)
    return jnp.where(small, 1.0 - z / 2.0, -jnp.expm1(-safe) / safe)


def mzm_eo_bandwidth_hz(length: float = DEFAULT_LENGTH, index_mismatch: float = 0.0) -> float:
    """-3 dB frequency (Hz) of :func:`mzm_eo_response` for an electrode ``length`` um long."""

    def excess(log_f: float) -> float:
        return float(jnp.abs(mzm_eo_response(10.0**log_f, length, index_mismatch))) - 2**-0.5

    # walk-off makes |H| ripple at high frequency: bracket the first crossing
    grid = np.linspace(6.0, 14.0, 801)
    above = np.abs(np.asarray(mzm_eo_response(10.0**grid, length, index_mismatch))) > 2**-0.5
    first = int(np.argmin(above))
    if above[first]:
        raise ValueError(f"mzm_eo_bandwidth_hz: no -3 dB point below 100 THz for length={length}")
    return 10.0 ** brentq(excess, grid[first - 1], grid[first], xtol=1e-13)
