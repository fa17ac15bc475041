"""Library sheet: every registered cell at its defaults, placed on one die.

Cells are placed in shelves (rows) sorted by height, each labelled with its name
on the TEXT layer (which carries no design rules), inside a FLOORPLAN outline.
"""

from __future__ import annotations

import gdsfactory as gf

from components.registry import CELLS

SPACING = 60.0  # um between cells: clears every metal/implant spacing rule with margin
LABEL_SIZE = 12.0  # um text height
DIE_MARGIN = 100.0  # um from the outermost cell to the die edge


@gf.cell
def library_sheet(
    max_row_width: float = 4000.0, names: tuple[str, ...] | None = None
) -> gf.Component:
    """One die holding every library cell (or ``names``), each labelled.

    Args:
        max_row_width: shelf width (um) before a new row starts.
        names: cells to place; default all registered cells.
    """
    names = tuple(sorted(CELLS)) if names is None else names
    built = [(n, CELLS[n]()) for n in names]
    built.sort(key=lambda nc: -nc[1].dbbox().height())
    sheet = gf.Component()
    x = y = row_height = 0.0
    for name, comp in built:
        box = comp.dbbox()
        w, h = box.width(), box.height() + LABEL_SIZE + 10.0
        if x > 0 and x + w > max_row_width:
            x, y, row_height = 0.0, y - row_height - SPACING, 0.0
        ref = sheet << comp
        ref.move((x - box.left, y - h + LABEL_SIZE + 10.0 - box.bottom))
        label = sheet << gf.components.text(name, size=LABEL_SIZE, layer="TEXT")
        label.move((x, y - LABEL_SIZE))
        sheet.add_ports(ref.ports, prefix=f"{name}_")
        x += w + SPACING
        row_height = max(row_height, h)
    box = sheet.dbbox()
    outline = gf.components.rectangle(
        size=(box.width() + 2 * DIE_MARGIN, box.height() + 2 * DIE_MARGIN), layer="FLOORPLAN"
    )
    die = sheet << outline
    die.move((box.left - DIE_MARGIN, box.bottom - DIE_MARGIN))
    sheet.info["cells"] = len(built)
    return sheet
