"""Render a GDS file to PNG with KLayout's layout view and our layer colours."""

from __future__ import annotations

import tempfile
from pathlib import Path

import klayout.lay as lay

from pdk.layers import write_lyp


def render_png(gds: str | Path, png: str | Path, width: int = 1600, height: int = 1200) -> Path:
    """Draw the top cell of ``gds`` into ``png`` (pixels ``width`` x ``height``)."""
    view = lay.LayoutView()
    view.set_config("background-color", "#ffffff")
    view.set_config("grid-visible", "false")
    view.set_config("text-visible", "false")
    view.load_layout(str(gds), True)
    with tempfile.TemporaryDirectory() as tmp:
        view.load_layer_props(str(write_lyp(Path(tmp) / "opticloud.lyp")))
    view.max_hier()
    view.zoom_fit()
    view.save_image(str(png), width, height)
    return Path(png)
