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
"""

from __future__ import annotations

import math
from typing import Annotated

import gdsfactory as gf
import klayout.db as kdb

from components.registry import Range, register
from components.waveguides import (
    MIN_RADIUS,
    STRIP_WIDTH,
    WAVELENGTH,
    WG_MIN_SPACE,
    layer_region,
    leaf,
    min_separation_um,
    port_pitch_um,
)
from pdk.params import value

N_SLAB = value("strip.n_eff_slab")
N_CLAD = value("strip.n_cladding")
ACCESS_WIDTH = value("mmi.access_width")
ACCESS_TAPER_LENGTH = value("mmi.access_taper_length")
DC_GAP = value("directional_coupler.gap")


# --- directional coupler --------------------------------------------------------------


def _measure_dc(c: gf.Component) -> dict[str, float]:
    wg = layer_region(c, "WG")
    arms = sorted(wg.each(), key=lambda poly: poly.bbox().center().y)
    if len(arms) != 2:
        raise ValueError(f"directional coupler must draw 2 separate arms, found {len(arms)}")
    bot, top = (kdb.Region(poly) for poly in arms)
    return {
        "gap_um": min_separation_um(bot, top, search_um=1.5),  # > the 1 um max gap
        "coupling_length_um": float(c.info["coupling_length"]),
        "port_pitch_um": port_pitch_um(c, ("o1", "o2")),
        "output_pitch_um": port_pitch_um(c, ("o3", "o4")),
        "min_bend_radius_um": float(c.info["min_bend_radius"]),
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
    ] = value("directional_coupler.coupling_length_200nm") / 2,
    port_pitch: Annotated[
        float, Range(2.0, 10.0, "um", "port waveguides >= 1.5 um apart stay uncoupled")
    ] = value("directional_coupler.port_pitch"),
    bend_length: Annotated[
        float, Range(8.0, 50.0, "um", "S-bend length; shorter bends violate the min radius")
    ] = value("directional_coupler.bend_length"),
) -> gf.Component:
    """Symmetric directional coupler: two strips ``gap`` um apart over ``length`` um.

    S-bends ``bend_length`` um long bring the arms from ``port_pitch`` um to the
    coupling section. Default length is half the full-transfer length at 200 nm
    gap (a 3 dB coupler, neglecting the coupling in the S-bends).

    ::

        o2 ____                          ____ o3
               \\________________________/        ^
                ________________________   gap    | port_pitch
        o1 ____/                        \\____ o4  v
               <->       length        <->
           bend_length

    ``info``: ``coupling_length`` (um), ``gap`` (um), ``min_bend_radius`` of the
    S-bends (um), ``path_length`` of one arm (um).

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
