"""Bond/probe pads and pad arrays on the top metal with a passivation opening.

::

            e2
       +---------+
       | PADOPEN |
    e1 |  (M2)   | e3      pad: square, side ``size`` um
       |         |
       +---------+
            e4
"""

from __future__ import annotations

from typing import Annotated

import gdsfactory as gf

from components.registry import Range, register
from pdk.params import value
from pdk.rules import design_rules

_RULES = design_rules()
PAD_SIZE = value("pad.size")
PAD_PITCH = value("pad.pitch")
# passivation opening sits inside the metal by the enclosure rule
OPENING_INSET = next(r.min for r in _RULES.enclosures if r.name == "PADOPEN.ENC.M2")

SizeUm = Annotated[float, Range(40.0, 200.0, "um", "probe tip / wire-bond ball needs >= 40 um")]


def _measure_pad(c: gf.Component) -> dict[str, float]:
    return {"pad_size_um": float(c.info["size_um"]), "opening_um": float(c.info["opening_um"])}


@register(measure=_measure_pad)
@gf.cell
def bond_pad(size: SizeUm = PAD_SIZE) -> gf.Component:
    """Square pad of side ``size`` (um) on M2 with a passivation opening.

    Ports: e1 (west), e2 (north), e3 (east), e4 (south), plus ``pad`` (centre).
    """
    opening = size - 2 * OPENING_INSET
    c = gf.Component()
    ref = c << gf.components.pad(
        size=(size, size),
        layer="M2",
        bbox_layers=("PADOPEN",),
        bbox_offsets=(-OPENING_INSET,),
    )
    c.add_ports(ref.ports)
    c.info["size_um"] = size
    c.info["opening_um"] = opening
    return c


def _measure_pad_array(c: gf.Component) -> dict[str, float]:
    return {"pad_pitch_um": float(c.info["pitch_um"]), "pads": float(c.info["pads"])}


@register(measure=_measure_pad_array)
@gf.cell
def bond_pad_array(
    columns: Annotated[int, Range(1, 64, "1", corners=(1, 16))] = 8,
    rows: Annotated[int, Range(1, 8, "1", corners=(1, 2))] = 1,
    pitch: Annotated[
        float, Range(60.0, 500.0, "um", "at least pad size + M2 spacing", corners=(90.0, 300.0))
    ] = PAD_PITCH,
    size: Annotated[
        float, Range(40.0, 200.0, "um", "at most pitch - M2 spacing", corners=(40.0, 90.0))
    ] = PAD_SIZE,
) -> gf.Component:
    """``rows`` x ``columns`` pads at ``pitch`` (um). Ports ``e{row}{col}`` face south."""
    if pitch < size + _RULES.min_space("M2"):
        raise ValueError(f"pitch={pitch} um leaves less than the M2 spacing between pads of {size}")
    c = gf.Component()
    p = bond_pad(size=size)
    for r in range(rows):
        for col in range(columns):
            ref = c << p
            ref.move((col * pitch, -r * pitch))
            c.add_port(f"e{r + 1}{col + 1}", port=ref.ports["e4"])
    c.info["pitch_um"] = pitch
    c.info["pads"] = rows * columns
    return c
