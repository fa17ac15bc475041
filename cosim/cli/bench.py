"""``opticloud bench``: speed measured as side-by-side ratios in one process.

A command group; each subcommand benchmarks one model against a reference
implementation of the same computation (``bench link`` here, more to come).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from cosim.cli.app import app, console, fail_usage, print_json

bench_app = typer.Typer(
    help="Speed of the models against reference implementations (ratios, same process).",
    no_args_is_help=True,
)
app.add_typer(bench_app, name="bench")


@bench_app.command("link")
def bench_link(
    json_out: Annotated[bool, typer.Option("--json", help="print the results as JSON")] = False,
    channels: Annotated[int, typer.Option(help="WDM channels")] = 16,
    samples: Annotated[int, typer.Option(help="samples per channel")] = 1 << 16,
    repeats: Annotated[int, typer.Option(help="timed repetitions (median)")] = 5,
) -> None:
    """Samples/s through Tx -> 50 km -> EDFA -> Rx: JAX vs a plain NumPy chain."""
    from cosim.link.bench import run_benchmark
    from cosim.link.config import GridConfig

    sps = GridConfig().samples_per_symbol
    if channels < 1:
        fail_usage(f"--channels = {channels}: must be >= 1")
    if samples < 16 * sps or samples % sps:
        fail_usage(f"--samples = {samples}: must be a multiple of {sps} and >= {16 * sps}")
    if repeats < 1:
        fail_usage(f"--repeats = {repeats}: must be >= 1")
    if json_out:
        print_json(run_benchmark(channels, samples, repeats))
        return
    with console.status("timing JAX and NumPy link chains ..."):
        r = run_benchmark(channels, samples, repeats)
    table = Table(title=f"{r['chain']}: {channels} ch x {samples} samples")
    for col in ("implementation", "median s", "samples/s"):
        table.add_column(col, justify="right")
    table.add_row("JAX (jit)", f"{r['jax']['seconds']:.4f}", f"{r['jax']['samples_per_s']:.3g}")
    table.add_row("NumPy", f"{r['numpy']['seconds']:.4f}", f"{r['numpy']['samples_per_s']:.3g}")
    console.print(table)
    console.print(
        f"speedup [bold]{r['speedup']:.2f}x[/] (backend {r['backend']}, "
        f"noise-free agreement {r['noise_free_max_value_difference']:.1e})"
    )
