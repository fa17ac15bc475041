"""``opticloud bench``: speed measured as side-by-side ratios in one process.

A command group; each subcommand benchmarks one model against a reference
implementation of the same computation (``bench link``, ``bench circuits``).
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


def _parse_sizes(spec: str, option: str) -> tuple[int, ...]:
    """``"4,8,16"`` -> (4, 8, 16); empty -> (); anything else is a usage error."""
    sizes = []
    for item in (s.strip() for s in spec.split(",")):
        if not item:
            continue
        try:
            n = int(item)
        except ValueError:
            fail_usage(f"{option} {spec!r}: {item!r} is not an integer")
        if not 2 <= n <= 64:
            fail_usage(f"{option} {spec!r}: N = {n} must be in [2, 64]")
        sizes.append(n)
    return tuple(dict.fromkeys(sizes))


def _fmt_s(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v * 1e3:.3g} ms" if v < 1 else f"{v:.3g} s"


@bench_app.command("circuits")
def bench_circuits(
    json_out: Annotated[bool, typer.Option("--json", help="print the results as JSON")] = False,
    sizes: Annotated[
        str, typer.Option("--sizes", help="N of the SAX vs structured runs")
    ] = "4,8,16",
    structured_only_sizes: Annotated[
        str, typer.Option("--structured-only-sizes", help="N of the structured-only runs")
    ] = "32,64",
    kinds: Annotated[
        str | None,
        typer.Option("--kinds", help="comma list of core kinds (default: mrr,clements)"),
    ] = None,
    repeats: Annotated[int, typer.Option(help="timed calls per evaluator (median)")] = 5,
    seed: Annotated[int, typer.Option(help="seed of the settings and die draw")] = 0,
) -> None:
    """Per-call and compile time: SAX KLU circuit of the layout vs the structured evaluator.

    Each N x N core, every non-ideality on, same random settings for both; max_abs_diff is
    their largest field difference. Target (issue 3): >= 100x per call at N = 16, structured
    compile < 1 s. Run in a fresh process: compile times depend on JAX's in-process caches.
    SAX circuits compiled whole (jit) take minutes to tens of minutes at N = 16; the MZI
    bank's and AWGR convolver's need > 24 GB of memory there, so they run only when
    named in --kinds (e.g. --kinds mzi,awgr --sizes 4,8 --structured-only-sizes 16).
    """
    from circuits.bench import benchmark_kinds, default_kinds, plan, run_benchmark

    sax_sizes = _parse_sizes(sizes, "--sizes")
    only_sizes = _parse_sizes(structured_only_sizes, "--structured-only-sizes")
    available = benchmark_kinds()
    chosen = default_kinds() if kinds is None else tuple(k.strip() for k in kinds.split(",") if k)
    for k in chosen:
        if k not in available:
            fail_usage(f"--kinds: {k!r} has no benchmark; available: {', '.join(available)}")
    if not chosen:
        fail_usage("--kinds: no kind given")
    if repeats < 1:
        fail_usage(f"--repeats {repeats}: must be >= 1")
    if seed < 0:
        fail_usage(f"--seed {seed}: must be >= 0")
    runs, _ = plan(chosen, sax_sizes, only_sizes)
    if not runs:
        fail_usage("nothing to run: no size fits the chosen kinds (see each kind's sizes)")

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from cosim.cli.app import err_console

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err_console if json_out else console,
    ) as bar:
        task = bar.add_task("benchmark", total=len(runs))

        def progress(kind: str, n: int, with_sax: bool, rec: dict | None) -> None:
            if rec is None:
                what = "SAX + structured" if with_sax else "structured"
                bar.update(task, description=f"{kind} N={n}: {what}")
                return
            bar.advance(task)
            line = f"{kind} N={n}: structured {_fmt_s(rec['structured_call_s'])}/call"
            if rec["speedup"] is not None:
                line += f", SAX {_fmt_s(rec['sax_call_s'])}/call, {rec['speedup']:.0f}x"
            bar.console.print(line, highlight=False)

        result = run_benchmark(chosen, sax_sizes, only_sizes, repeats, seed, progress)
        bar.update(task, description="done")
    if json_out:
        print_json(result)
        return
    table = Table(title=f"SAX (KLU) vs structured evaluator, {result['config']['backend']}")
    for col in (
        "kind",
        "N",
        "SAX mode",
        "SAX call",
        "struct. call",
        "speedup",
        "SAX compile",
        "struct. compile",
        "max |diff|",
    ):
        table.add_column(col, justify="right")
    for kind, recs in result["results"].items():
        for n, r in recs.items():
            table.add_row(
                kind,
                n,
                r["sax_mode"] if r["sax_call_s"] is not None else "-",
                _fmt_s(r["sax_call_s"]),
                _fmt_s(r["structured_call_s"]),
                "-" if r["speedup"] is None else f"{r['speedup']:.0f}x",
                _fmt_s(r["sax_compile_s"]),
                _fmt_s(r["structured_compile_s"]),
                "-" if r["max_abs_diff"] is None else f"{r['max_abs_diff']:.1e}",
            )
    console.print(table)
    console.print(
        "SAX mode jit: circuit compiled whole (fast calls); eager: op by op (slower calls, "
        "speedup not comparable)"
    )
    for s in result["skipped"]:
        console.print(f"skipped {s['kind']} N={s['n']}: {s['reason']}")
    for kind, recs in result["results"].items():
        r = recs.get("16")
        if r and r["speedup"] is not None:
            fast = "met" if r["speedup"] >= 100 else "NOT met"
            quick = "met" if r["structured_compile_s"] < 1 else "NOT met"
            console.print(
                f"{kind} N=16 target: >= 100x per call {fast} ({r['speedup']:.0f}x), "
                f"compile < 1 s {quick} ({r['structured_compile_s']:.2f} s)"
            )
