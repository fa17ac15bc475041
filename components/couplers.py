"""Power splitters on strip: directional coupler, 1x2 MMI, 2x2 MMI.

The MMIs are first-order self-imaging designs (Soldano & Pennings, J. Lightwave
Technol. 13:615, 1995): for TE light the fundamental-mode beat length of a body of
width W is

    W_e  = W + lambda / (pi sqrt(n_r^2 - n_c^2))      (lateral penetration, TE)
    L_pi = 4 n_r W_e^2 / (3 lambda)

with n_r the 220 nm slab index and n_c the cladding index. A 1x2 fed at the centre
(symmetric interference) images twice at 3 L_pi / 8 with outputs at +-W_e/4; a
2x2 with ports at +-W_e/6 (paired interference) splits 50:50 at L_pi / 2. Port
positions follow the width; the length is a free parameter whose design value is
in ``info`` and whose ratio to it is checked by the spec sheet. Re-optimise with
EME/FDTD before tape-out: the formula is good to a few percent.

Compact models: the directional coupler by supermode coupled-mode theory with the
coupling in its drawn S-bends; the MMIs as ideal self-images with the PDK's excess
loss and imbalance. Port convention of every 2x2 here: o1 west-bottom, o2
west-top, o3 east-top, o4 east-bottom; "bar" is o1-o4 / o2-o3 and carries the
real amplitude, "cross" o1-o3 / o2-o4 carries i times it.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Annotated

import gdsfactory as gf
import jax.numpy as jnp
import klayout.db as kdb
import numpy as np
import sax

from components.registry import Range, register, register_model
from components.waveguides import (
    LOSS_DB_CM,
    MIN_RADIUS,
    STRIP_WIDTH,
    T_REF,
    WAVELENGTH,
    WG_MIN_SPACE,
    cell_defaults,
    check_at_least,
    drawn_cell,
    layer_region,
    leaf,
    min_separation_um,
    port_pitch_um,
    propagation,
)
from pdk.params import value

N_SLAB = value("strip.n_eff_slab")
N_CLAD = value("strip.n_cladding")
ACCESS_WIDTH = value("mmi.access_width")
ACCESS_TAPER_LENGTH = value("mmi.access_taper_length")
DC_GAP = value("directional_coupler.gap")


# --- directional coupler --------------------------------------------------------------


def _arms(c: gf.Component) -> tuple[kdb.Region, kdb.Region]:
    """The bottom and top arm of a drawn coupler."""
    wg = layer_region(c, "WG")
    arms = sorted(wg.each(), key=lambda poly: poly.bbox().center().y)
    if len(arms) != 2:
        raise ValueError(f"directional coupler must draw 2 separate arms, found {len(arms)}")
    return kdb.Region(arms[0]), kdb.Region(arms[1])


def _measure_dc(c: gf.Component) -> dict[str, float]:
    bot, top = _arms(c)
    s = directional_coupler_model(**c.settings.model_dump())
    return {
        "gap_um": min_separation_um(bot, top, search_um=1.5),  # > the 1 um max gap
        "coupling_length_um": float(c.info["coupling_length"]),
        "port_pitch_um": port_pitch_um(c, ("o1", "o2")),
        "output_pitch_um": port_pitch_um(c, ("o3", "o4")),
        "min_bend_radius_um": float(c.info["min_bend_radius"]),
        "effective_coupling_length_um": float(c.info["effective_coupling_length"]),
        "power_coupling": float(abs(s[("o1", "o3")]) ** 2),
    }


@register(measure=_measure_dc)
@gf.cell
def directional_coupler(
    gap: Annotated[
        float,
        Range(WG_MIN_SPACE, 1.0, "um", "WG min space; beyond 1 um the arms do not couple"),
    ] = DC_GAP,
    length: Annotated[
        float, Range(1.0, 200.0, "um", "straight coupling section", corners=(1.0, 50.0))
    ] = value("directional_coupler.length_3db"),
    port_pitch: Annotated[
        float, Range(2.0, 10.0, "um", "port waveguides >= 1.5 um apart stay uncoupled")
    ] = value("directional_coupler.port_pitch"),
    bend_length: Annotated[
        float, Range(8.0, 50.0, "um", "S-bend length; shorter bends violate the min radius")
    ] = value("directional_coupler.bend_length"),
) -> gf.Component:
    """Symmetric directional coupler: two strips ``gap`` um apart over ``length`` um.

    S-bends ``bend_length`` um long bring the arms from ``port_pitch`` um to the
    coupling section. The default length (directional_coupler.length_3db) makes the
    default coupler 3 dB at 1550 nm: half the full-transfer length at 200 nm gap
    minus what the S-bends couple (``info["effective_coupling_length"] - length``).

    ::

        o2 ____                          ____ o3
               \\________________________/        ^
                ________________________   gap    | port_pitch
        o1 ____/                        \\____ o4  v
               <->       length        <->
           bend_length

    ``info``: ``coupling_length`` (um), ``gap`` (um), ``min_bend_radius`` of the
    S-bends (um), ``path_length`` of one arm (um), ``effective_coupling_length``:
    the parallel length with the S-bends' coupling (:func:`integrate_coupling_length`, um).

    Raises:
        ValueError: the S-bends would be tighter than strip.min_bend_radius.
    """
    c = gf.Component()
    dc = gf.components.coupler(
        gap=gap,
        length=length,
        dy=port_pitch,
        dx=bend_length,
        cross_section="strip",
        allow_min_radius_violation=True,  # checked below against our own limit
    )
    if dc.info["min_bend_radius"] < MIN_RADIUS:
        raise ValueError(
            f"directional_coupler: port_pitch={port_pitch} um over bend_length={bend_length} um "
            f"gives S-bends of {dc.info['min_bend_radius']:.2f} um radius "
            f"< strip.min_bend_radius {MIN_RADIUS} um; lengthen bend_length"
        )
    leaf(dc, c)
    c.info["coupling_length"] = float(length)
    c.info["gap"] = float(gap)
    c.info["effective_coupling_length"] = integrate_coupling_length(c)
    return c


# --- MMIs -----------------------------------------------------------------------------


def mmi_effective_width(width: float) -> float:
    """Effective width W_e (um) of an MMI body ``width`` um wide, TE (Soldano & Pennings eq. 2)."""
    return width + WAVELENGTH / (math.pi * math.sqrt(N_SLAB**2 - N_CLAD**2))


def mmi_beat_length(width: float) -> float:
    """Beat length L_pi (um) of the two lowest modes of an MMI body ``width`` um wide."""
    return 4.0 * N_SLAB * mmi_effective_width(width) ** 2 / (3.0 * WAVELENGTH)


def _snap(x: float) -> float:
    """Round to the 1 nm grid."""
    return round(x, 3)


def _min_width(offset_fraction: float) -> float:
    """Smallest body width whose ports, at +-W_e * fraction, keep WG space between tapers."""
    w_e = (ACCESS_WIDTH + WG_MIN_SPACE) / (2.0 * offset_fraction)
    return math.ceil((w_e - (mmi_effective_width(0.0))) * 10) / 10


def _mmi(
    kind: str, width: float, length: float, offset_fraction: float, design_length: float
) -> gf.Component:
    offset = _snap(mmi_effective_width(width) * offset_fraction)
    gap_access = 2 * offset - ACCESS_WIDTH
    if gap_access < WG_MIN_SPACE - 1e-9:
        raise ValueError(
            f"{kind}: width_mmi={width} um puts the access tapers {gap_access:.3f} um apart "
            f"< WG min space {WG_MIN_SPACE} um"
        )
    factory = gf.components.mmi1x2 if kind == "mmi_1x2" else gf.components.mmi2x2
    c = gf.Component()
    leaf(
        factory(
            width=STRIP_WIDTH,
            width_taper=ACCESS_WIDTH,
            length_taper=ACCESS_TAPER_LENGTH,
            length_mmi=length,
            width_mmi=width,
            gap_mmi=gap_access,
            cross_section="strip",
        ),
        c,
    )
    c.info.update(
        {
            "width_mmi": float(width),
            "length_mmi": float(length),
            "effective_width": mmi_effective_width(width),
            "beat_length": mmi_beat_length(width),
            "design_length": design_length,
            "port_offset": offset,
        }
    )
    return c


def _measure_mmi(outputs: tuple[str, str]):
    def measure(c: gf.Component) -> dict[str, float]:
        pitch = port_pitch_um(c, outputs)
        return {
            "output_pitch_um": pitch,
            "access_gap_um": pitch - ACCESS_WIDTH,
            "length_ratio": c.info["length_mmi"] / c.info["design_length"],
        }

    return measure


MMI_1X2_MIN_WIDTH = _min_width(0.25)
MMI_2X2_MIN_WIDTH = _min_width(1.0 / 6.0)


@register(measure=_measure_mmi(("o2", "o3")))
@gf.cell
def mmi_1x2(
    width_mmi: Annotated[
        float,
        Range(MMI_1X2_MIN_WIDTH, 8.0, "um", "outputs at +-W_e/4 keep WG space between tapers"),
    ] = value("mmi.width_1x2"),
    length_mmi: Annotated[float, Range(2.0, 100.0, "um", "MMI body length")] = round(
        3.0 * mmi_beat_length(value("mmi.width_1x2")) / 8.0, 2
    ),
) -> gf.Component:
    """1x2 MMI splitter, symmetric interference: body ``width_mmi`` x ``length_mmi`` (um).

    Self-images at 3 L_pi / 8 (``info["design_length"]``, um); outputs at +-W_e/4.
    Access tapers 0.5 -> 1.0 um over 10 um on every port.

    ::

                 length_mmi
                ____________
               |            |__ o2
        o1 ___/             |__        ^ output pitch W_e/2
              \\             |__ o3    v
               |____________|

    ``info``: ``effective_width``, ``beat_length``, ``design_length``,
    ``port_offset`` (um).
    """
    return _mmi("mmi_1x2", width_mmi, length_mmi, 0.25, 3.0 * mmi_beat_length(width_mmi) / 8.0)


@register(measure=_measure_mmi(("o3", "o4")))
@gf.cell
def mmi_2x2(
    width_mmi: Annotated[
        float,
        Range(MMI_2X2_MIN_WIDTH, 8.0, "um", "ports at +-W_e/6 keep WG space between tapers"),
    ] = value("mmi.width_2x2"),
    length_mmi: Annotated[float, Range(5.0, 150.0, "um", "MMI body length")] = round(
        mmi_beat_length(value("mmi.width_2x2")) / 2.0, 2
    ),
) -> gf.Component:
    """2x2 MMI 3 dB coupler, paired interference: body ``width_mmi`` x ``length_mmi`` (um).

    50:50 at L_pi / 2 (``info["design_length"]``, um) with ports at +-W_e/6.
    Access tapers 0.5 -> 1.0 um over 10 um on every port.

    ::

                 length_mmi
                ____________
        o2 ___/|            |\\___ o3   ^
        o1 ___\\|            |/___ o4   v port pitch W_e/3
                ------------

    ``info``: ``effective_width``, ``beat_length``, ``design_length``,
    ``port_offset`` (um).
    """
    return _mmi("mmi_2x2", width_mmi, length_mmi, 1.0 / 6.0, mmi_beat_length(width_mmi) / 2.0)


# --- compact models ------------------------------------------------------------------

L_X_REF = value("directional_coupler.coupling_length_200nm")  # um, at DC_GAP and lambda0
GAP_DECAY = value("directional_coupler.gap_decay")  # um
COUPLING_DISPERSION = value("directional_coupler.coupling_dispersion")  # 1/um
MMI_EXCESS_LOSS_DB = value("mmi.excess_loss")
MMI_IMBALANCE_DB = value("mmi.imbalance")


def coupling_coefficient(gap: float, wl: sax.FloatArrayLike = WAVELENGTH) -> jnp.ndarray:
    """Supermode coupling coefficient kappa (1/um) of strips ``gap`` um apart at ``wl`` um.

    kappa = pi / (2 L_x) with L_x the full-transfer length (the even/odd supermode
    beat length / 2); L_x is directional_coupler.coupling_length_200nm at the
    reference gap and lambda0. The evanescent overlap makes kappa fall as
    exp(-(gap - gap_ref) / gap_decay) and grow with wavelength as
    exp(coupling_dispersion (lambda - lambda0)) (Chrostowski & Hochberg 2015, sec. 4.1).
    """
    wl = jnp.asarray(wl, dtype=float)
    return (
        math.pi
        / (2.0 * L_X_REF)
        * jnp.exp(-(gap - DC_GAP) / GAP_DECAY)
        * jnp.exp(COUPLING_DISPERSION * (wl - WAVELENGTH))
    )


def _side_chains(arm: kdb.Region, dbu: float) -> tuple[np.ndarray, np.ndarray]:
    """The two long sides of one drawn arm as (x, y) polylines in um, sorted by x.

    The arm is one polygon whose end faces are vertical at the cell edges; its
    hull splits at them into the lower and the upper side.
    """
    (poly,) = list(arm.each())
    pts = np.array([(q.x, q.y) for q in poly.each_point_hull()], float) * dbu
    face = np.isclose(pts[:, 0], pts[:, 0].min()) | np.isclose(pts[:, 0], pts[:, 0].max())
    n = len(pts)
    start = next(i for i in range(n) if face[i] and not face[(i + 1) % n])
    ring, on_face = np.roll(pts, -start, axis=0), np.roll(face, -start)
    turn = next(i for i in range(1, n) if on_face[i])
    back = next(i for i in range(turn, n) if on_face[i] and not on_face[(i + 1) % n])
    chains = sorted((ring[: turn + 1], ring[back:]), key=lambda ch: ch[:, 1].mean())
    lower, upper = (ch[np.argsort(ch[:, 0], kind="stable")] for ch in chains)
    return lower, upper


def integrate_coupling_length(c: gf.Component) -> float:
    """Equivalent parallel length (um) of a drawn coupler: int exp(-(g(x) - gap) / gap_decay) dx.

    g(x) is the vertical edge-to-edge gap between the top arm's lower side and the
    bottom arm's upper side. Both are the drawn polylines, so g is linear between
    their merged vertex abscissae and each piece integrates in closed form: the
    integral is exact for the drawn polygons. The straight section contributes its
    length, the S-bends what the evanescent coupling adds while the arms separate.
    The vertical gap stands for the normal one: exact where the arms are parallel,
    and the bends contribute only within ~1 um of the straight, where they nearly are.
    """
    bot, top = _arms(c)
    dbu = c.kcl.dbu
    _, bot_upper = _side_chains(bot, dbu)
    top_lower, _ = _side_chains(top, dbu)
    xs = np.union1d(bot_upper[:, 0], top_lower[:, 0])
    gaps = np.interp(xs, *top_lower.T) - np.interp(xs, *bot_upper.T)
    u = (gaps - float(c.info["gap"])) / GAP_DECAY
    du, dx = np.diff(u), np.diff(xs)
    flat = np.abs(du) < 1e-9
    # int over a piece where u is linear: dx (e^-u0 - e^-u1) / (u1 - u0)
    pieces = np.where(
        flat,
        dx * np.exp(-u[:-1]),
        dx * (np.exp(-u[:-1]) - np.exp(-u[1:])) / np.where(flat, 1.0, du),
    )
    return float(np.sum(pieces))


_DC = cell_defaults(directional_coupler)


@register_model("directional_coupler")
def directional_coupler_model(
    *,
    gap: float = _DC["gap"],
    length: float = _DC["length"],
    port_pitch: float = _DC["port_pitch"],
    bend_length: float = _DC["bend_length"],
    wl: sax.FloatArrayLike = WAVELENGTH,
    temperature: sax.FloatArrayLike = T_REF,
    loss_db_per_cm: sax.FloatArrayLike = LOSS_DB_CM,
    effective_coupling_length: sax.FloatArrayLike | None = None,
    path_length: sax.FloatArrayLike | None = None,
) -> sax.SDict:
    """Directional coupler by supermode coupled-mode theory, S-bend coupling included.

    Bar amplitude cos(kappa L_eff), cross i sin(kappa L_eff), with kappa(gap, wl) from
    :func:`coupling_coefficient` and L_eff = ``length`` + the S-bends' share, from
    the drawn arms (:func:`integrate_coupling_length`). Both arms carry the strip
    phase and loss of one arm's drawn path length (the supermodes' mean index is the
    isolated strip's to first order). Lossless (loss 0) it is unitary.

    Args:
        gap: edge-to-edge gap of the coupling section (um).
        length: straight coupling length (um).
        port_pitch: port-to-port pitch (um).
        bend_length: S-bend length (um).
        wl: wavelength (um), scalar or array.
        temperature: temperature (K); shifts the phase only (kappa's thermal change
            is second order).
        loss_db_per_cm: propagation loss (dB/cm).
        effective_coupling_length, path_length: the cell's ``info`` values (um) that a
            layout netlist supplies; None reads them from the cell drawn with the
            settings above (which then must be concrete numbers).
    """
    if effective_coupling_length is None or path_length is None:
        c = drawn_cell(
            directional_coupler,
            gap=gap,
            length=length,
            port_pitch=port_pitch,
            bend_length=bend_length,
        )
        effective_coupling_length = c.info["effective_coupling_length"]
        path_length = c.info["path_length"]
    theta = coupling_coefficient(gap, wl) * effective_coupling_length
    t = propagation(path_length, wl, temperature, loss_db_per_cm)
    bar, cross = t * jnp.cos(theta), 1j * t * jnp.sin(theta)
    return sax.reciprocal(
        {("o1", "o4"): bar, ("o2", "o3"): bar, ("o1", "o3"): cross, ("o2", "o4"): cross}
    )


@cache
def _imaging_tolerance(cell: str) -> tuple[float, float]:
    from components.specs import load_spec  # spec sheets sit above the cells

    limit = load_spec(cell).quantities["length_ratio"]
    return float(limit.min), float(limit.max)


def _check_self_imaging(cell, width_mmi: float, length_mmi: float) -> None:
    """Refuse an MMI whose body length is off its self-imaging length by more than its spec
    (checked where the geometry is concrete, i.e. not inside a jit trace)."""
    try:
        width_mmi, length_mmi = float(width_mmi), float(length_mmi)
    except Exception:  # traced: the layout netlist's geometry was checked when drawn
        return
    c = drawn_cell(cell, width_mmi=width_mmi, length_mmi=length_mmi)
    ratio = c.info["length_mmi"] / c.info["design_length"]
    lo, hi = _imaging_tolerance(cell.__name__)
    if not lo <= ratio <= hi:
        raise ValueError(
            f"{cell.__name__}: length_mmi={c.info['length_mmi']} um is {ratio:.3f} x the "
            f"self-imaging length {c.info['design_length']:.3f} um; the ideal-imaging model "
            f"holds for [{lo}, {hi}] x"
        )


def _split(excess_loss_db, imbalance_db) -> tuple[jnp.ndarray, jnp.ndarray]:
    """Amplitudes (a, b) with a^2 + b^2 = 10^(-excess/10) and a^2 / b^2 = 10^(imbalance/10)."""
    total = 10.0 ** (-jnp.asarray(excess_loss_db) / 10.0)
    ratio = 10.0 ** (jnp.asarray(imbalance_db) / 10.0)
    return jnp.sqrt(total * ratio / (1.0 + ratio)), jnp.sqrt(total / (1.0 + ratio))


_MMI_1X2 = cell_defaults(mmi_1x2)
_MMI_2X2 = cell_defaults(mmi_2x2)


@register_model("mmi_1x2")
def mmi_1x2_model(
    *,
    width_mmi: float = _MMI_1X2["width_mmi"],
    length_mmi: float = _MMI_1X2["length_mmi"],
    wl: sax.FloatArrayLike = WAVELENGTH,
    excess_loss_db: sax.FloatArrayLike = MMI_EXCESS_LOSS_DB,
    imbalance_db: sax.FloatArrayLike = MMI_IMBALANCE_DB,
) -> sax.SDict:
    """1x2 MMI: ideal symmetric-interference image, two in-phase outputs.

    |S_o2,o1|^2 + |S_o3,o1|^2 = 10^(-excess_loss_db / 10) and
    |S_o2,o1|^2 / |S_o3,o1|^2 = 10^(imbalance_db / 10). A lossless, reciprocal 3-port
    cannot be matched at all ports: the odd combination of o2 and o3 radiates in
    the body, so only the o1 column can be unit-norm.

    Args:
        width_mmi, length_mmi: body size (um); the ideal image holds within the spec
            sheet's length tolerance around 3 L_pi / 8, outside it this model refuses.
        wl: wavelength (um), scalar or array (self-imaging is broadband at this order).
        excess_loss_db: excess loss (dB), default mmi.excess_loss.
        imbalance_db: power ratio o2 / o3 (dB), default mmi.imbalance.
    """
    _check_self_imaging(mmi_1x2, width_mmi, length_mmi)
    check_at_least("mmi_1x2", "excess_loss_db", excess_loss_db, 0.0)
    a, b = _split(excess_loss_db, imbalance_db)
    one = jnp.ones_like(jnp.asarray(wl, dtype=float))
    return sax.reciprocal({("o1", "o2"): a * one + 0j, ("o1", "o3"): b * one + 0j})


@register_model("mmi_2x2")
def mmi_2x2_model(
    *,
    width_mmi: float = _MMI_2X2["width_mmi"],
    length_mmi: float = _MMI_2X2["length_mmi"],
    wl: sax.FloatArrayLike = WAVELENGTH,
    excess_loss_db: sax.FloatArrayLike = MMI_EXCESS_LOSS_DB,
    imbalance_db: sax.FloatArrayLike = MMI_IMBALANCE_DB,
) -> sax.SDict:
    """2x2 MMI 3 dB coupler: ideal paired-interference images, cross port at +90 deg.

    Bar (o1-o4, o2-o3) amplitude a, cross (o1-o3, o2-o4) i b with
    a^2 + b^2 = 10^(-excess_loss_db / 10) and a^2 / b^2 = 10^(imbalance_db / 10);
    lossless and balanced it is [[1, i], [i, 1]] / sqrt(2) (Soldano & Pennings 1995).

    Args:
        width_mmi, length_mmi: body size (um); the ideal image holds within the spec
            sheet's length tolerance around L_pi / 2, outside it this model refuses.
        wl: wavelength (um), scalar or array.
        excess_loss_db: excess loss (dB), default mmi.excess_loss.
        imbalance_db: power ratio bar / cross (dB), default mmi.imbalance.
    """
    _check_self_imaging(mmi_2x2, width_mmi, length_mmi)
    check_at_least("mmi_2x2", "excess_loss_db", excess_loss_db, 0.0)
    a, b = _split(excess_loss_db, imbalance_db)
    one = jnp.ones_like(jnp.asarray(wl, dtype=float))
    bar, cross = a * one + 0j, 1j * b * one
    return sax.reciprocal(
        {("o1", "o4"): bar, ("o2", "o3"): bar, ("o1", "o3"): cross, ("o2", "o4"): cross}
    )
