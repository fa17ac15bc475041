"""Library sheet: every registered cell at its defaults, placed on one die.

Cells are placed in shelves (rows) sorted by height, each under its name on the
TEXT layer (which carries no design rules), inside a FLOORPLAN outline.
"""

from __future__ import annotations

import gdsfactory as gf

from components.registry import CELLS

SPACING = 60.0  # um between cells: clears every metal/implant spacing rule with margin
LABEL_SIZE = 10.0  # um text height
LABEL_GAP = 8.0  # um between a label and its cell
DIE_MARGIN = 100.0  # um from the outermost cell to the die edge


@gf.cell
def library_sheet(
    max_row_width: float | None = None, names: tuple[str, ...] | None = None
) -> gf.Component:
    """One die holding every library cell (or ``names``), each labelled.

    Args:
        max_row_width: shelf width (um) before a new row starts; default makes
            the die roughly square.
        names: cells to place; default all registered cells.
    """
    names = tuple(sorted(CELLS)) if names is None else names
    slots = []
    for name in names:
        comp = CELLS[name]()
        label = gf.components.text(name, size=LABEL_SIZE, layer="TEXT")
        box, lbox = comp.dbbox(), label.dbbox()
        width = max(box.width(), lbox.width())
        height = box.height() + LABEL_GAP + lbox.height()
        slots.append((name, comp, label, width, height))
    slots.sort(key=lambda s: -s[4])
    if max_row_width is None:
        area = sum((s[3] + SPACING) * (s[4] + SPACING) for s in slots)
        max_row_width = max(max(s[3] for s in slots), 1.3 * area**0.5)

    sheet = gf.Component()
    x = y = row_height = 0.0
    for name, comp, label, width, height in slots:
        if x > 0 and x + width > max_row_width:
            x, y, row_height = 0.0, y - row_height - SPACING, 0.0
        lref = sheet << label
        lref.move((x - label.dbbox().left, y - label.dbbox().top))
        ref = sheet << comp
        box = comp.dbbox()
        ref.move((x - box.left, lref.dbbox().bottom - LABEL_GAP - box.top))
        sheet.add_ports(ref.ports, prefix=f"{name}_")
        x += width + SPACING
        row_height = max(row_height, height)

    box = sheet.dbbox()
    outline = gf.components.rectangle(
        size=(box.width() + 2 * DIE_MARGIN, box.height() + 2 * DIE_MARGIN), layer="FLOORPLAN"
    )
    die = sheet << outline
    die.move((box.left - DIE_MARGIN, box.bottom - DIE_MARGIN))
    sheet.info["cells"] = len(slots)
    return sheet
