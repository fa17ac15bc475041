"""Vertical layer stack of the 220 nm SOI process (thicknesses in um)."""

from __future__ import annotations

from gdsfactory.technology import LayerLevel, LayerStack, LogicalLayer

from pdk.layers import LAYER

nm = 1e-3

THICKNESS = {
    "box": 2.0,
    "core": 220 * nm,
    "slab": 90 * nm,
    "ge": 500 * nm,
    "heater": 120 * nm,
    "m1": 600 * nm,
    "m2": 2.0,
    "clad": 3.0,
}
Z_HEATER = 2.0  # TiN sits 2 um above the core: far enough to add no loss
Z_M1 = Z_HEATER + THICKNESS["heater"] + 0.4
Z_M2 = Z_M1 + THICKNESS["m1"] + 0.8


def get_layer_stack() -> LayerStack:
    """Layer levels with thickness, z and material for 3D views and simulation set-up."""

    def level(layer, thickness, zmin, material, info=None, **kw) -> LayerLevel:
        return LayerLevel(
            layer=LogicalLayer(layer=layer),
            thickness=thickness,
            zmin=zmin,
            material=material,
            info=info or {},
            **kw,
        )

    return LayerStack(
        layers=dict(
            box=level(LAYER.WAFER, THICKNESS["box"], -THICKNESS["box"], "sio2"),
            core=level(
                LAYER.WG, THICKNESS["core"], 0.0, "si", {"mesh_order": 2}, sidewall_angle=10
            ),
            slab90=level(LAYER.SLAB90, THICKNESS["slab"], 0.0, "si", {"mesh_order": 3}),
            ge=level(LAYER.GE, THICKNESS["ge"], THICKNESS["core"], "ge", {"mesh_order": 1}),
            heater=level(LAYER.HEATER, THICKNESS["heater"], Z_HEATER, "TiN"),
            # contacts land on doped Si (core top) or on the heater: drawn from the core up
            via_contact=level(LAYER.VIAC, Z_M1 - THICKNESS["core"], THICKNESS["core"], "Aluminum"),
            metal1=level(LAYER.M1, THICKNESS["m1"], Z_M1, "Aluminum"),
            via1=level(
                LAYER.VIA1, Z_M2 - Z_M1 - THICKNESS["m1"], Z_M1 + THICKNESS["m1"], "Aluminum"
            ),
            metal2=level(LAYER.M2, THICKNESS["m2"], Z_M2, "Aluminum"),
        )
    )


LAYER_STACK = get_layer_stack()
