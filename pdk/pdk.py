"""The gdsfactory ``Pdk`` object of the opticloud process."""

from __future__ import annotations

from functools import cache, partial

import gdsfactory as gf
from gdsfactory.get_factories import get_cells
from gdsfactory.pdk import Pdk

from pdk.cross_sections import cross_sections
from pdk.layer_stack import LAYER_STACK
from pdk.layers import LAYER, LAYER_VIEWS_YAML
from pdk.params import value

LAYER_CONNECTIVITY = [
    ("HEATER", "VIAC", "M1"),
    ("NPP", "VIAC", "M1"),
    ("PPP", "VIAC", "M1"),
    ("M1", "VIA1", "M2"),
]


class Constants(gf.pdk.GenericConstants):
    """Layout constants taken from the parameter library."""

    pad_pitch: float = value("pad.pitch")
    pad_size: tuple[float, float] = (value("pad.size"), value("pad.size"))
    wavelength: float = value("constants.wavelength")
    fiber_spacing: float = value("grating_coupler.fiber_pitch")


@cache
def get_pdk() -> Pdk:
    """Build the PDK: gdsfactory's generic cells as a base (so its composite cells
    resolve their sub-cells), our layers, cross-sections, stack and views.
    Our own cells are registered on top by ``components`` when it is imported."""
    cells = get_cells([gf.components])
    containers = get_cells([gf.containers])
    return Pdk(
        name="opticloud_soi220",
        version="0.1.0",
        cells={k: v for k, v in cells.items() if k not in containers},
        containers=containers,
        cross_sections=cross_sections(),
        layers=LAYER,
        layer_stack=LAYER_STACK,
        layer_views=LAYER_VIEWS_YAML,
        layer_transitions={LAYER.WG: "taper", LAYER.M2: "taper_electrical"},
        constants=Constants(),
        connectivity=LAYER_CONNECTIVITY,
        routing_strategies=dict(
            route_bundle=partial(gf.routing.route_bundle, cross_section="strip"),
            route_bundle_electrical=partial(
                gf.routing.route_bundle_electrical, cross_section="metal_routing"
            ),
        ),
    )


PDK = get_pdk()
