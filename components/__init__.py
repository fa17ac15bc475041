"""Parametric cells of the opticloud library, one module per device family.

Importing ``components`` registers every cell in :data:`components.registry.CELLS`
and in the active gdsfactory PDK, so ``gf.get_component("ring_add_drop")`` works.
Our names never shadow gdsfactory's: its routers and composite cells call
``straight``, ``bend_euler``, ``pad``... by name with their own signatures.
"""

from __future__ import annotations

import gdsfactory as gf

import pdk  # noqa: F401  (activates the PDK)
from components import (  # noqa: F401  (each module registers its cells)
    awg,
    couplers,
    grating_couplers,
    heaters,
    modulators,
    mzi,
    pads,
    photodetectors,
    rings,
    waveguides,
)
from components.registry import (
    CELLS,
    MODELS,
    Range,
    build,
    cell_parameters,
    get_cell,
    register,
    register_model,
)

_clash = sorted(set(CELLS) & set(gf.get_active_pdk().cells))
if _clash:
    raise RuntimeError(f"cell names shadow gdsfactory cells: {_clash}")
gf.get_active_pdk().register_cells(**CELLS)
gf.get_active_pdk().models.update(MODELS)

__all__ = [
    "CELLS",
    "MODELS",
    "Range",
    "build",
    "cell_parameters",
    "couplers",
    "get_cell",
    "heaters",
    "mzi",
    "pads",
    "register",
    "register_model",
    "waveguides",
]
