"""``opticloud core``: program a seeded random matrix on an optical core and report fidelity."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cosim.cli.app import app, atomic_path, console, fail_usage, print_json, write_json

DAC_BITS = (1, 24)  # accepted --dac-bits


def _nonidealities(ideal: bool, dac_bits: int | None, seed: int):
    from circuits.core import NonIdealities

    if ideal:
        if dac_bits is not None:
            fail_usage(f"--dac-bits {dac_bits} contradicts --ideal (no DAC quantisation)")
        return NonIdealities.ideal(seed=seed)
    return NonIdealities.all_on(dac_bits=12 if dac_bits is None else dac_bits, seed=seed)


def _check_size(kind: str, rows: int, cols: int, rows_given: bool) -> None:
    from circuits.cores import CoreSizeError, UnknownCoreError, core_kind

    try:
        spec = core_kind(kind)
    except UnknownCoreError as e:
        fail_usage(f"--kind: {e}")
    try:
        spec.check(rows, cols)
    except CoreSizeError as e:
        if e.field == "cols" or rows_given:
            option = "--size" if e.field == "cols" else "--rows"
            fail_usage(f"{option} {e.value}: {kind} takes {e.allowed}")
        fail_usage(f"--size {e.value} (rows = size): {kind} takes {e.allowed}; set --rows")


@app.command()
def core(
    kind: Annotated[str, typer.Option("--kind", help="mrr | mzi | clements | awgr")],
    size: Annotated[int, typer.Option("--size", help="N: inputs (columns); rows too by default")],
    rows: Annotated[int | None, typer.Option("--rows", help="M: outputs (default N)")] = None,
    ideal: Annotated[bool, typer.Option("--ideal", help="no non-idealities at all")] = False,
    seed: Annotated[int, typer.Option("--seed", help="seed of the target and of every draw")] = 0,
    dac_bits: Annotated[
        int | None, typer.Option("--dac-bits", help="heater/modulator DAC bits, 1..24 (default 12)")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="print the results as JSON")] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="output folder (default: out/core-<kind>-<time>)")
    ] = None,
) -> None:
    """Program a seeded random M x N matrix and report how well the core realises it.

    Non-idealities: all on, with calibration (NonIdealities.all_on), unless --ideal.
    Weights are uniform in [-1, 1] (awgr: a random kernel's circulant matrix; clements:
    any real matrix, through its SVD). ENOB = log2(2 / (sqrt(12) sigma)), capped at 30
    bits (`enob_cap` in the JSON) for results exact to float64. `fidelity` is set for
    unitary cores (clements: its U mesh), null otherwise. Writes core.json and
    heatmap.png (target, realised, error) into --out.
    """
    if seed < 0:
        fail_usage(f"--seed {seed}: must be >= 0")
    if dac_bits is not None and not DAC_BITS[0] <= dac_bits <= DAC_BITS[1]:
        fail_usage(f"--dac-bits {dac_bits}: must be in [{DAC_BITS[0]}, {DAC_BITS[1]}]")
    if out is not None and out.exists() and not out.is_dir():
        fail_usage(f"--out {out}: exists and is not a folder")
    m = size if rows is None else rows
    _check_size(kind, m, size, rows is not None)
    nonideal = _nonidealities(ideal, dac_bits, seed)

    from circuits.cores import assess, plot_realised_vs_target
    from cosim.cli.demo import default_out_dir

    what = f"programming a {m} x {size} {kind} core ({'ideal' if ideal else 'all non-idealities'})"
    with console.status(what + " ...") if not json_out else nullcontext():
        report = assess(kind, m, size, nonideal, seed)
    folder = out or default_out_dir(f"core-{kind}")
    files = {"json": folder / "core.json", "heatmap": folder / "heatmap.png"}
    fig = plot_realised_vs_target(report)
    with atomic_path(files["heatmap"]) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    data = report.to_dict() | {"files": {k: str(v) for k, v in files.items()}}
    write_json(files["json"], data)
    if json_out:
        print_json(data)
        return
    _print_table(data)


def _print_table(data: dict) -> None:
    from circuits.core import NonIdealities
    from circuits.cores import describe

    table = Table(title=f"{data['kind']} core {data['rows']} x {data['cols']}, seed {data['seed']}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    enob = data["enob"]
    table.add_row("relative Frobenius error", f"{data['rel_frobenius_error']:.3e}")
    cap = data["enob_cap"]
    table.add_row("ENOB (bits)", f">= {cap:g} (float64-exact)" if enob >= cap else f"{enob:.2f}")
    table.add_row("max |error|", f"{data['max_abs_error']:.3e}")
    if data["fidelity"] is not None:
        table.add_row("unitary fidelity F (U mesh)", f"{data['fidelity']:.9f}")
        table.add_row("F, loss-normalised", f"{data['fidelity_normalised']:.9f}")
    table.add_row("non-idealities", describe(NonIdealities(**data["nonidealities"])))
    console.print(table)
    console.print(f"wrote [bold]{data['files']['json']}[/] and [bold]{data['files']['heatmap']}[/]")
