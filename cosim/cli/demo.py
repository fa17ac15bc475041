"""``opticloud demo``: the design-kit job, and the chip builders the main job reuses.

``opticloud demo`` writes the library sheet GDS (every cell on one die), its PNG
preview, the DRC report and the spec report, and the default OPU chip
(``circuits.opu_chip``: a 4 x 4 microring weight bank with its fibre array and pads)
with its PNG preview and DRC report. ``make demo`` runs the main job, ``opticloud run``
(:mod:`cosim.cli.run`), which builds and checks the scenario's chip with
:func:`build_opu_outputs` and :func:`check_chip_specs` and then co-simulates it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cosim.cli.app import EXIT_FAIL, app, console, fail_usage, staged_dir


def default_out_dir(kind: str) -> Path:
    """A new timestamped folder under ``out/``."""
    return Path("out") / f"{kind}-{datetime.now():%Y%m%d-%H%M%S}"


def build_library_outputs(folder: Path) -> dict:
    """Write sheet GDS, PNG, .lyp, DRC (.lyrdb/.json) and spec JSON into ``folder``."""
    import components
    from circuits.library_sheet import library_sheet
    from components.specs import verify_cell
    from cosim.cli.app import write_json
    from cosim.render import render_png
    from pdk.drc import run_drc
    from pdk.layers import write_lyp

    with console.status("building the library sheet ..."):
        sheet = library_sheet()
        gds = folder / "library_sheet.gds"
        sheet.write_gds(gds)
        write_lyp(folder / "opticloud.lyp")
    console.print(f"[green]✓[/] library sheet: {sheet.info['cells']} cells")
    with console.status("rendering PNG ..."):
        png = render_png(gds, folder / "library_sheet.png")
    console.print("[green]✓[/] PNG preview")
    with console.status("running DRC ..."):
        drc = run_drc(gds)
        drc.write_lyrdb(folder / "library_sheet.lyrdb")
        drc.write_json(folder / "drc.json")
    console.print(
        f"[{'green' if drc.violations == 0 else 'red'}]✓[/] DRC: {drc.violations} violations"
    )
    results = []
    with console.status("checking spec sheets ..."):
        for name in sorted(components.CELLS):
            results.append(verify_cell(name))
    specs = {"passed": all(r.passed for r in results), "cells": [r.to_dict() for r in results]}
    write_json(folder / "specs.json", specs)
    failed = [r.cell for r in results if not r.passed]
    ok = len(results) - len(failed)
    colour = "green" if not failed else "red"
    console.print(f"[{colour}]✓[/] specs: {ok}/{len(results)} cells pass")
    return {
        "gds": gds,
        "png": png,
        "lyp": folder / "opticloud.lyp",
        "drc": folder / "library_sheet.lyrdb",
        "drc_json": folder / "drc.json",
        "specs_json": folder / "specs.json",
        "drc_violations": drc.violations,
        "spec_failures": failed,
    }


def build_opu_outputs(
    folder: Path, kind: str = "mrr", rows: int = 4, cols: int = 4, ui: Console = console
) -> dict:
    """Write a ``kind`` ``rows`` x ``cols`` OPU chip's GDS, PNG and DRC report (.lyrdb/.json)
    into ``folder``; ``opu_cells`` lists the library cells the chip instantiates."""
    import components
    from circuits.opu_chip import opu_chip
    from cosim.render import render_png
    from pdk.drc import run_drc

    with ui.status("building and routing the OPU chip ..."):
        chip = opu_chip(kind, rows, cols)
        gds = folder / "opu_chip.gds"
        chip.write_gds(gds)
    info = chip.info
    cells = sorted({chip.kcl[i].function_name for i in chip.called_cells()} & set(components.CELLS))
    ui.print(
        f"[green]✓[/] OPU chip: {info['kind']} {info['rows']}x{info['cols']}, "
        f"{info['pads']} pads, {info['gratings']} grating couplers, "
        f"{info['die_width_um'] / 1e3:.2f} x {info['die_height_um'] / 1e3:.2f} mm"
    )
    with ui.status("rendering the OPU chip ..."):
        png = render_png(gds, folder / "opu_chip.png")
    with ui.status("running DRC on the OPU chip ..."):
        drc = run_drc(gds)
        drc.write_lyrdb(folder / "opu_chip.lyrdb")
        drc.write_json(folder / "opu_chip_drc.json")
    ui.print(
        f"[{'green' if drc.violations == 0 else 'red'}]✓[/] OPU chip DRC: "
        f"{drc.violations} violations"
    )
    return {
        "opu_gds": gds,
        "opu_png": png,
        "opu_drc": folder / "opu_chip.lyrdb",
        "opu_drc_json": folder / "opu_chip_drc.json",
        "opu_drc_violations": drc.violations,
        "opu_cells": cells,
    }


def check_chip_specs(cells: list[str], ui: Console = console) -> list[tuple[str, bool]]:
    """Check the spec sheet of every library cell in ``cells``: [(cell, passed), ...]."""
    from components.specs import verify_cell

    with ui.status("checking the spec sheets of the chip's cells ..."):
        results = [(name, verify_cell(name).passed) for name in cells]
    failed = [name for name, ok in results if not ok]
    colour = "green" if not failed else "red"
    ui.print(f"[{colour}]✓[/] specs: {len(results) - len(failed)}/{len(results)} chip cells pass")
    return results


@app.command()
def demo(
    out: Annotated[
        Path | None, typer.Option("--out", help="output folder (default: out/demo-<time>)")
    ] = None,
) -> None:
    """Build the design kit's library sheet and the default OPU chip, with their checks."""
    target = out or default_out_dir("demo")
    if target.exists() and any(target.iterdir()):
        fail_usage(f"--out {target} exists and is not empty")
    with staged_dir(target) as staging:
        result = build_library_outputs(staging)
        result.update(build_opu_outputs(staging))
    table = Table(title=f"results in {target}")
    table.add_column("what")
    table.add_column("file")
    keys = ("gds", "png", "lyp", "drc", "drc_json", "specs_json")
    for key in (*keys, "opu_gds", "opu_png", "opu_drc", "opu_drc_json"):
        table.add_row(key, str(target / Path(result[key]).name))
    console.print(table)
    if result["drc_violations"] or result["spec_failures"] or result["opu_drc_violations"]:
        raise typer.Exit(EXIT_FAIL)
