"""``opticloud drc``: run the process rule deck on a GDS/OASIS file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cosim.cli.app import EXIT_FAIL, app, console, fail_usage, print_json, write_json


def report_paths(layout: Path, report_dir: Path | None = None) -> tuple[Path, Path]:
    """``chip.gds`` -> ``chip.lyrdb`` and ``chip.drc.json``, beside it or in ``report_dir``."""
    folder = report_dir if report_dir is not None else layout.parent
    return folder / f"{layout.stem}.lyrdb", folder / f"{layout.stem}.drc.json"


@app.command()
def drc(
    layout: Annotated[Path, typer.Argument(metavar="FILE", help="GDS or OASIS layout")],
    top: Annotated[
        str | None, typer.Option("--top", help="top cell (needed if the file has several)")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="print the counts as JSON")] = False,
    report_dir: Annotated[
        Path | None,
        typer.Option("--report-dir", help="write FILE.lyrdb and FILE.drc.json here"),
    ] = None,
) -> None:
    """Check a layout against the design rules; exit 1 if any rule is violated.

    Writes a KLayout marker database (open it in KLayout's Marker Browser) and a
    JSON summary next to the layout, or into --report-dir.
    """
    from pdk.drc import DrcInputError, run_drc

    try:
        report = run_drc(layout, top=top)
    except DrcInputError as e:
        fail_usage(str(e))
    lyrdb, summary = report_paths(layout, report_dir)
    lyrdb.parent.mkdir(parents=True, exist_ok=True)
    report.write_lyrdb(lyrdb)
    write_json(summary, report.to_dict())

    if json_out:
        print_json(report.to_dict())
    else:
        table = Table(
            title=f"DRC {layout.name} (top {report.top}): {report.violations} violation(s)",
            caption=f"markers: {lyrdb}",
        )
        table.add_column("rule", style="bold")
        table.add_column("check")
        table.add_column("count", justify="right")
        for rule, n in report.by_rule.items():
            count = f"[bold red]{n}[/]" if n else "[green]0[/]"
            table.add_row(rule, report.descriptions.get(rule, ""), count)
        console.print(table)
    if report.violations:
        raise typer.Exit(EXIT_FAIL)
