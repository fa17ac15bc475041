"""``opticloud run`` (the main job) and ``opticloud sweep``.

``opticloud run [--scenario FILE] [--out DIR] [--json]`` builds and checks the
scenario's OPU chip (GDS, DRC, the spec sheets of the cells it uses), synthesises the
control logic (Yosys; its cell count prices the controller), co-simulates the scenario
end to end (:mod:`cosim.e2e.pipeline`) and writes into DIR (default
``out/run-<time>/``): ``report.html`` (one self-contained page), ``metrics.json``,
``scenario.yaml``, ``control_synth.json``, ``opu_chip.gds`` and ``opu_chip.png``
(with its DRC report ``opu_chip.lyrdb``/``opu_chip_drc.json``). The folder appears
complete or not at all. Exit code 1 when the chip fails DRC or a spec; 2 for bad input
(nothing written).

``metrics.json`` keys (numbers finite):

==================  =============================================================
``enob``            pooled ENOB over all nodes' outputs, log2(R / (sqrt(12) sigma))
``nrmse``           rms(Y - W X) / R, pooled
``snr_db``          mean((W X)^2) / mean((Y - W X)^2) in dB, pooled
``enob_analytic``   closed-form noise-limited ENOB (shot, TIA, RIN, ASE, ADC, DAC)
``tops``            2 x rows x cols x symbol rate x OPUs / 1e12
``mw_per_tops``     {"opu", "tx", "network"}: mW/TOPS under each power boundary
``pj_per_mac``      the same three boundaries in pJ per multiply-accumulate
``total_mw``        the same three boundaries' electrical power (mW)
``nodes``           {node: {received_power_dbm, osnr_db, enob, nrmse, snr_db,
                    enob_analytic}}: per channel mean power (dBm) and OSNR (dB,
                    0.1 nm; null when no ASE reaches the port) at the OPU port,
                    the node's fidelity
``drc_violations``  DRC violations of the chip (null when the core kind has no die)
``spec_failures``   library cells of the chip that fail their spec sheet
``seed``            the scenario's seed
``scenario_digest`` hash of the full scenario (``scenario.yaml`` is its text)
``versions``        Python and tool versions
``n_symbols``       symbols per channel of the run
``tenants``         {node: {model, psnr_db, ssim, fid_digital, fid_optical,
                    accuracy_digital, accuracy_optical, images_per_s, effective_tops,
                    energy_per_image_j, images_per_s_with_programming}} (with
                    ``--generative``, the default; :mod:`cosim.e2e.generative`)
``quality_sweeps``  the first tenant's model against one parameter at a time
                    ({fibre_scale, laser_power_dbm, adc_bits, kind}: rows of the
                    value, network_km, received_power_dbm, sigma_fs, psnr_db, ssim,
                    accuracy_optical, fid_optical)
==================  =============================================================

``opticloud sweep [--scenario FILE] [--out DIR] [--quick]`` runs the sweeps of
:mod:`cosim.e2e.sweep` (ENOB against laser power, fibre length, symbol rate, core size,
DAC/ADC bits; the Pareto front of mW/TOPS against ENOB) with a progress bar and writes
``sweep.json``, ``sweep.csv``, ``sweep_enob.png``, ``pareto.png`` and ``sweep.html``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cosim.cli.app import (
    EXIT_FAIL,
    app,
    console,
    err_console,
    fail_usage,
    print_json,
    staged_dir,
    write_json,
)

CHIP_KINDS = ("mrr", "mzi", "awgr")  # the kinds circuits.opu_chip draws


def _scenario(path: Path | None):
    """The validated scenario, or a one-line usage error naming the field."""
    if path is not None and not path.is_file():
        fail_usage(f"--scenario = {path}: no such file")
    from cosim.e2e.power import check_scenario
    from cosim.e2e.scenario import ScenarioError, load_scenario

    try:
        sc = load_scenario(path)
        check_scenario(sc)
    except ScenarioError as e:
        fail_usage(f"--scenario {path or '(default)'}: {e}")
    return sc


def _target(out: Path | None, kind: str) -> Path:
    from cosim.cli.demo import default_out_dir

    target = out or default_out_dir(kind)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        fail_usage(f"--out = {target}: exists and is not an empty folder")
    return target


class Stages:
    """Stage-by-stage progress: a spinner with the current step, a tick and time when done."""

    def __init__(self, ui: Console) -> None:
        self.ui = ui
        self.times: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[Callable[[str], None]]:
        t0 = time.perf_counter()
        with self.ui.status(f"{name} ...") as status:
            yield lambda msg: status.update(f"{name}: {msg}")
        self.times[name] = time.perf_counter() - t0
        self.ui.print(f"[green]✓[/] {name} ({self.times[name]:.1f} s)")


def _synthesis(n_edge_nodes: int) -> dict[str, Any]:
    from cosim.e2e.power import YosysMissingError, control_synthesis

    try:
        return control_synthesis(n_edge_nodes)
    except YosysMissingError as e:
        err_console.print(f"[bold red]error:[/] {e}", highlight=False)
        raise typer.Exit(EXIT_FAIL) from None


def _build_chip(sc, folder: Path, ui: Console) -> dict[str, Any] | None:
    from cosim.cli.demo import build_opu_outputs, check_chip_specs

    if sc.opu.kind not in CHIP_KINDS:
        ui.print(f"[yellow]![/] no die layout for a {sc.opu.kind} OPU: chip step skipped")
        return None
    built = build_opu_outputs(folder, sc.opu.kind, sc.rows, sc.cols, ui=ui)
    specs = check_chip_specs(built["opu_cells"], ui=ui)
    return {
        "kind": sc.opu.kind,
        "rows": sc.rows,
        "cols": sc.cols,
        "png": built["opu_png"],
        "gds": built["opu_gds"],
        "drc_violations": built["opu_drc_violations"],
        "specs": specs,
    }


@app.command()
def run(
    scenario: Annotated[
        Path | None, typer.Option("--scenario", help="scenario YAML (default: built-in)")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="output folder (default: out/run-<time>)")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="print metrics.json on stdout")] = False,
    generative: Annotated[
        bool,
        typer.Option(
            "--generative/--no-generative",
            help="run every tenant's image generator on its OPU; sweep the first one's quality",
        ),
    ] = True,
    images: Annotated[int, typer.Option("--images", help="images per tenant (>= 2)")] = 64,
) -> None:
    """The main job: chip, co-simulation, report.html and metrics.json for a scenario."""
    if images < 2:
        fail_usage(f"--images = {images}: must be >= 2 (FID needs a covariance)")
    sc = _scenario(scenario)
    target = _target(out, "run")
    ui = err_console if json_out else console
    from cosim.e2e.pipeline import run_scenario
    from cosim.e2e.report import analyse, run_metrics, run_sections
    from cosim.report_page import tool_versions, write_report

    stages = Stages(ui)
    t0 = time.perf_counter()
    with stages.stage("control logic (Yosys)"):
        synthesis = _synthesis(len(sc.edge_nodes))
    with staged_dir(target) as folder:
        t_chip = time.perf_counter()
        chip = _build_chip(sc, folder, ui)
        stages.times["chip"] = time.perf_counter() - t_chip
        with stages.stage("co-simulation") as say:
            result = run_scenario(sc, say)
        with stages.stage("fidelity, noise budget and power") as say:
            analysis = analyse(sc, result, synthesis, say)
        extra = []
        tenant_figures: dict[str, Any] = {}
        if generative and sc.tenants:
            from cosim.e2e.generative import (
                generative_section,
                quality_sweeps,
                run_tenants,
                tenant_metrics,
            )

            with stages.stage("generative AI: every tenant on its OPU") as say:
                tenants = run_tenants(sc, result, n=images, progress=say)
            model = tenants[0].model
            with stages.stage(f"generative AI: {model} quality sweeps") as say:
                sweeps = quality_sweeps(sc, model, n=images, progress=say)
            extra.append(generative_section(tenants, sweeps, model))
            tenant_figures = {"tenants": tenant_metrics(tenants), "quality_sweeps": sweeps}
        with stages.stage("report"):
            versions = tool_versions()
            metrics = run_metrics(analysis, chip["drc_violations"] if chip else None, versions)
            metrics |= tenant_figures
            metrics["spec_failures"] = [c for c, ok in (chip or {}).get("specs", []) if not ok]
            meta = {
                "seed": sc.seed,
                "scenario digest": sc.digest(),
                "symbols per channel": result.n_symbols,
                "wall time (s)": round(time.perf_counter() - t0, 1),
                "stage times (s)": {k: round(v, 1) for k, v in stages.times.items()},
            }
            write_report(
                folder / "report.html",
                "opticloud run",
                run_sections(analysis, chip, versions, extra=extra),
                meta,
            )
            write_json(folder / "metrics.json", metrics)
            write_json(folder / "control_synth.json", synthesis)
            (folder / "scenario.yaml").write_text(sc.to_yaml())
    if json_out:
        print_json(metrics)
    else:
        _print_summary(metrics, target)
    if chip is not None and (chip["drc_violations"] or metrics["spec_failures"]):
        raise typer.Exit(EXIT_FAIL)


def _print_summary(m: dict[str, Any], target: Path) -> None:
    table = Table(title=f"results in {target}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_row("ENOB (simulated, pooled)", f"{m['enob']:.2f} bit")
    table.add_row("ENOB (analytic, noise only)", f"{m['enob_analytic']:.2f} bit")
    table.add_row("NRMSE", f"{m['nrmse']:.3g}")
    table.add_row("throughput", f"{m['tops']:.4g} TOPS")
    for b, text in (("opu", "(a) OPU only"), ("tx", "(b) + edge Tx"), ("network", "(c) + network")):
        table.add_row(
            f"mW/TOPS {text}", f"{m['mw_per_tops'][b]:.4g} ({m['pj_per_mac'][b]:.3g} pJ/MAC)"
        )
    table.add_row("chip DRC violations", str(m["drc_violations"]))
    console.print(table)
    console.print(f"open {target / 'report.html'}")


@app.command()
def sweep(
    scenario: Annotated[
        Path | None, typer.Option("--scenario", help="base scenario YAML (default: built-in)")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="output folder (default: out/sweep-<time>)")
    ] = None,
    quick: Annotated[bool, typer.Option("--quick", help="fewer points per axis")] = False,
) -> None:
    """ENOB vs laser power, fibre length, symbol rate, core size and DAC/ADC bits; the
    Pareto front of mW/TOPS vs ENOB and the best design point."""
    sc = _scenario(scenario)
    target = _target(out, "sweep")
    from cosim.e2e import sweep as sw

    plan = sw.SweepPlan.quick() if quick else sw.SweepPlan()
    console.print(
        f"every point: {sw.SWEEP_N_SYMBOLS} symbols per channel (shortened for speed), "
        f"seed {sc.seed}"
    )
    with Stages(console).stage("control logic (Yosys)"):
        synthesis = _synthesis(len(sc.edge_nodes))
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[step]}"),
    )
    with staged_dir(target) as folder:
        with Progress(*columns, console=console) as bar:
            task = bar.add_task("sweep", total=None, step="")

            def on_point(done: int, total: int, settings: dict) -> None:
                where = ", ".join(
                    f"{k}={v:g}" for k, v in settings.items() if v != sw.base_value(sc, k)
                )
                bar.update(
                    task, completed=done, total=total, description=f"sweep [{where or 'base'}]"
                )

            result = sw.run_sweep(
                sc,
                plan,
                synthesis=synthesis,
                on_point=on_point,
                progress=lambda msg: bar.update(task, step=msg),
            )
        files = sw.write_outputs(result, folder)
    record = sw.sweep_record(result)
    if "best" in record:
        console.print(f"best design point: {record['best']['label']}")
    for s in result.skipped:
        console.print(f"[yellow]skipped[/] {s['settings']}: {s['reason']}")
    console.print(f"results in {target}: " + ", ".join(p.name for p in files.values()))
