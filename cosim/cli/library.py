"""Library commands: ``cells``, ``gds``, ``verify``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cosim.cli.app import (
    EXIT_FAIL,
    app,
    atomic_path,
    console,
    fail_usage,
    parse_assignments,
    print_json,
    write_json,
)


def _library():
    import components

    return components


@app.command()
def cells(
    json_out: Annotated[bool, typer.Option("--json", help="machine-readable list")] = False,
) -> None:
    """List the library's cells with their parameters, defaults and allowed ranges."""
    lib = _library()
    rows = []
    for name in sorted(lib.CELLS):
        params = [
            {
                "name": p.name,
                "default": p.default,
                "unit": p.unit,
                "min": p.range.min if p.range else None,
                "max": p.range.max if p.range else None,
            }
            for p in lib.cell_parameters(name)
        ]
        doc = (lib.get_cell(name).__doc__ or "").strip().splitlines()
        rows.append({"name": name, "description": doc[0] if doc else "", "parameters": params})
    if json_out:
        print_json(rows)
        return
    table = Table(title=f"opticloud cells ({len(rows)})")
    table.add_column("cell", style="bold")
    table.add_column("parameters (default [min, max] unit)")
    table.add_column("description")
    for row in rows:
        ps = ", ".join(
            f"{p['name']}={p['default']}"
            + (f" [{p['min']:g}, {p['max']:g}] {p['unit']}" if p["min"] is not None else "")
            for p in row["parameters"]
        )
        table.add_row(row["name"], ps, row["description"])
    console.print(table)


@app.command()
def gds(
    cell: Annotated[str, typer.Argument(help="cell name (see `opticloud cells`)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="GDS file to write")],
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="parameter as key=value (repeatable)")
    ] = None,
    png: Annotated[Path | None, typer.Option("--png", help="also render a PNG preview")] = None,
) -> None:
    """Write one cell as GDS (and optionally a PNG preview)."""
    from components.registry import CellParameterError, coerce_settings, get_cell

    settings = parse_assignments(set_)
    try:
        factory = get_cell(cell)
        typed = coerce_settings(cell, settings)
    except CellParameterError as e:
        fail_usage(str(e))
    try:
        component = factory(**typed)
    except ValueError as e:  # geometric conflicts the cell itself detects
        fail_usage(f"{cell}: {e}")
    with atomic_path(output) as tmp:
        component.write_gds(tmp.with_suffix(".gds") if tmp.suffix != ".gds" else tmp)
    if png is not None:
        from cosim.render import render_png

        with atomic_path(png) as tmp:
            render_png(output, tmp)
    console.print(f"wrote [bold]{output}[/]" + (f" and [bold]{png}[/]" if png else ""))


@app.command()
def verify(
    cells_: Annotated[
        list[str] | None, typer.Argument(metavar="[CELL]...", help="cells (default: all)")
    ] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="parameter key=value for a single cell")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="print JSON results")] = False,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="write JSON here")] = None,
) -> None:
    """Check cells against their spec sheets; exit 1 if any quantity fails."""
    from components.registry import CELLS, CellParameterError
    from components.specs import verify_cell

    _library()
    names = cells_ or sorted(CELLS)
    for n in names:
        if n not in CELLS:
            fail_usage(f"unknown cell {n!r}; one of {', '.join(sorted(CELLS))}")
    settings = parse_assignments(set_)
    if settings and len(names) != 1:
        fail_usage("--set needs exactly one CELL")
    results = []
    for n in names:
        try:
            results.append(verify_cell(n, settings))
        except CellParameterError as e:
            fail_usage(str(e))
    data = {"passed": all(r.passed for r in results), "cells": [r.to_dict() for r in results]}
    if output:
        write_json(output, data)
    if json_out:
        print_json(data)
    else:
        table = Table(title="spec check")
        for col in ("cell", "quantity", "value", "min", "max", "unit", "result"):
            table.add_column(col)
        for r in results:
            for q in r.quantities:
                table.add_row(
                    r.cell,
                    q.name,
                    f"{q.value:.4g}",
                    "" if q.min is None else f"{q.min:g}",
                    "" if q.max is None else f"{q.max:g}",
                    q.unit,
                    "[green]pass[/]" if q.passed else "[bold red]FAIL[/]",
                )
        console.print(table)
    if not data["passed"]:
        raise typer.Exit(EXIT_FAIL)
