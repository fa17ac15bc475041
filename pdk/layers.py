"""Layer map of the opticloud 220 nm SOI process.

Names follow gdsfactory's generic conventions so that gdsfactory's own cells
resolve their layer names against this map. The process has two metals: ``M1``
(heater contacts, local routing) and ``M2`` (top metal, pads); gdsfactory's
``MTOP``/``M3`` names are aliases of ``M2`` so no third metal ever appears.
"""

from __future__ import annotations

from pathlib import Path

import gdsfactory as gf
from gdsfactory.technology import LayerViews

Layer = tuple[int, int]

LAYER_VIEWS_YAML = Path(__file__).with_name("layer_views.yaml")


class LAYER(gf.LayerEnum):
    """GDS layer/datatype numbers, one entry per mask or marker."""

    layout = gf.constant(gf.kcl.layout)

    # silicon
    WG: Layer = (1, 0)  # 220 nm full-thickness core
    SLAB90: Layer = (3, 0)  # 90 nm rib slab (shallow-etch keep)
    # implants
    N: Layer = (20, 0)
    P: Layer = (21, 0)
    NP: Layer = (22, 0)  # N+
    PP: Layer = (23, 0)  # P+
    NPP: Layer = (24, 0)  # N++ (ohmic contact)
    PPP: Layer = (25, 0)  # P++ (ohmic contact)
    # germanium photodetector
    GE: Layer = (5, 0)
    # back end of line
    HEATER: Layer = (47, 0)  # TiN
    VIAC: Layer = (40, 0)  # contact: Si/TiN -> M1
    M1: Layer = (41, 0)
    VIA1: Layer = (44, 0)  # M1 -> M2
    M2: Layer = (45, 0)  # top metal
    MTOP: Layer = (45, 0)  # alias of M2 (gdsfactory name)
    M3: Layer = (45, 0)  # alias of M2 (gdsfactory name)
    PADOPEN: Layer = (46, 0)
    # floorplan and markers
    FLOORPLAN: Layer = (64, 0)
    DEVREC: Layer = (68, 0)
    TEXT: Layer = (66, 0)
    PORT: Layer = (1, 10)  # optical port marker
    PORTE: Layer = (1, 11)  # electrical port marker
    TE: Layer = (203, 0)  # vertical (fibre) port marker
    LABEL_SETTINGS: Layer = (202, 0)
    LABEL_INSTANCE: Layer = (206, 0)
    DRC_MARKER: Layer = (205, 0)
    WAFER: Layer = (999, 0)


def layer_views() -> LayerViews:
    """Colours and fills for every layer, read from ``layer_views.yaml``."""
    return LayerViews.from_yaml(LAYER_VIEWS_YAML)


def write_lyp(path: str | Path) -> Path:
    """Write the layer views as a KLayout ``.lyp`` so GDS files open in colour."""
    path = Path(path)
    layer_views().to_lyp(path)
    return path
