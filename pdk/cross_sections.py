"""Cross-sections of the process: strip, rib, heater metal, metal routing, RF GSG.

Widths and radii come from the parameter library and the rule deck, so a change
of process is made in one place. Names match gdsfactory's so its cells and
routers pick ours up when the PDK is active.
"""

from __future__ import annotations

import gdsfactory as gf
from gdsfactory.cross_section import CrossSection, Section, cross_section, xsection

from pdk.params import value

ROUTING_RADIUS = 10.0  # um, routing bends; >= strip.min_bend_radius


@xsection
def strip(
    width: float = value("strip.width"),
    layer: str = "WG",
    radius: float = ROUTING_RADIUS,
    radius_min: float = value("strip.min_bend_radius"),
    **kwargs,
) -> CrossSection:
    """500 x 220 nm silicon strip waveguide (TE0, C-band).

    Args:
        width: core width (um).
        layer: core layer (gdsfactory cells pass it through).
        radius: default bend radius for routing (um).
        radius_min: smallest bend radius the PDK accepts (um).
    """
    return cross_section(width=width, layer=layer, radius=radius, radius_min=radius_min, **kwargs)


@xsection
def rib(
    width: float = value("strip.width"),
    slab_width: float = value("rib.slab_width"),
    radius: float = 20.0,
    radius_min: float = 10.0,
    **kwargs,
) -> CrossSection:
    """Rib waveguide: 220 nm core on a 90 nm slab ``slab_width`` wide (um)."""
    return cross_section(
        width=width,
        layer="WG",
        radius=radius,
        radius_min=radius_min,
        sections=(Section(width=slab_width, layer="SLAB90", name="slab"),),
        **kwargs,
    )


@xsection
def heater_metal(
    width: float = value("heater.width"),
    radius: float | None = None,
    **kwargs,
) -> CrossSection:
    """TiN heater line ``width`` um wide (electrical ports e1/e2)."""
    return cross_section(
        width=width,
        layer="HEATER",
        radius=radius or width,
        port_names=("e1", "e2"),
        port_types=("electrical", "electrical"),
        **kwargs,
    )


@xsection
def strip_heater_metal(
    width: float = value("strip.width"),
    heater_width: float = value("heater.width"),
    radius: float = ROUTING_RADIUS,
    **kwargs,
) -> CrossSection:
    """Strip waveguide with a TiN heater drawn above it (thermo-optic phase shifter)."""
    return cross_section(
        width=width,
        layer="WG",
        radius=radius,
        radius_min=value("strip.min_bend_radius"),
        sections=(
            Section(
                width=heater_width,
                layer="HEATER",
                name="heater",
                port_names=("e1", "e2"),
                port_types=("electrical", "electrical"),
            ),
        ),
        **kwargs,
    )


@xsection
def metal_routing(width: float = 10.0, layer: str = "M2", radius: float | None = None, **kwargs):
    """Metal routing wire on the top metal (or ``layer``), ``width`` um wide."""
    return cross_section(
        width=width,
        layer=layer,
        radius=radius or width,
        port_names=("e1", "e2"),
        port_types=("electrical", "electrical"),
        **kwargs,
    )


@xsection
def metal1(width: float = 5.0, radius: float | None = None, **kwargs) -> CrossSection:
    """First-metal wire (heater contacts, local routing)."""
    return metal_routing(width=width, layer="M1", radius=radius, **kwargs)


@xsection
def rf_gsg(
    signal_width: float = 10.0,
    ground_width: float = 30.0,
    gap: float = 6.0,
    radius: float | None = None,
) -> CrossSection:
    """Coplanar ground-signal-ground line on M2 for the MZM travelling-wave electrode.

    Args:
        signal_width: centre conductor width (um).
        ground_width: each ground conductor width (um).
        gap: signal-to-ground gap (um); ~50 ohm with these widths on oxide.
    """
    offset = signal_width / 2 + gap + ground_width / 2
    return CrossSection(
        sections=(
            Section(
                width=signal_width,
                layer="M2",
                name="_default",
                port_names=("e1", "e2"),
                port_types=("electrical", "electrical"),
            ),
            Section(width=ground_width, layer="M2", offset=+offset, name="gnd_top"),
            Section(width=ground_width, layer="M2", offset=-offset, name="gnd_bot"),
        ),
        radius=radius or 3 * (signal_width + 2 * gap + 2 * ground_width),
    )


def cross_sections() -> dict[str, object]:
    """gdsfactory's cross-sections with ours taking precedence by name."""
    xs = dict(gf.cross_section.cross_sections)
    ours = {
        "strip": strip,
        "xs_sc": strip,
        "rib": rib,
        "heater_metal": heater_metal,
        "strip_heater_metal": strip_heater_metal,
        "metal_routing": metal_routing,
        "metal1": metal1,
        "metal2": metal_routing,
        "metal3": metal_routing,
        "rf_gsg": rf_gsg,
    }
    xs.update(ours)
    return xs
