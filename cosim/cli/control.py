"""``opticloud control``: the control RTL co-simulated with the photonic plant."""

from __future__ import annotations

import json
import threading
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from cosim.cli.app import (
    EXIT_FAIL,
    app,
    atomic_path,
    console,
    err_console,
    fail_usage,
    print_json,
    write_json,
)

control_app = typer.Typer(
    help="Control logic in RTL (SPI, heater DACs, ring locking, ranging), co-simulated.",
    no_args_is_help=True,
)
app.add_typer(control_app, name="control")


class Simulator(StrEnum):
    icarus = "icarus"
    verilator = "verilator"


def _estimated_sim_s(scn, design) -> float:
    from cosim.control import host
    from cosim.control.scenario import RampAmbient

    t = host.acquisition_rounds(design, scn.n_rings) * design.round_us * 1e-6
    if "ramp" in scn.phases:
        t += scn.settle_us * 1e-6 + RampAmbient(scn.drift_k, scn.ramp_k_per_ms).duration_s
    if "step" in scn.phases:
        t += scn.step_us * 1e-6
    if "los" in scn.phases:
        t += (scn.los_off_us + scn.relock_us) * 1e-6
    return t


def _run_with_progress(scn, sim: str, build_root: Path, log: Path, progress_file: Path):
    """Run the co-simulation in a thread; show simulated time against the estimate."""
    from cosim.control.cosim_run import run_plant

    box: dict = {}

    def work() -> None:
        try:
            box["result"] = run_plant(scn, sim, build_root, log, progress_file)
        except BaseException as e:  # the runner exits on simulator failures
            box["error"] = e

    total = _estimated_sim_s(scn, scn.design())
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[sim_ms]}"))
    with Progress(*columns, TimeElapsedColumn(), console=err_console, transient=True) as bar:
        task = bar.add_task(f"co-simulating on {sim}", total=total, sim_ms="building")
        while thread.is_alive():
            thread.join(0.5)
            try:
                phase, t_s = progress_file.read_text().split()
                bar.update(
                    task,
                    completed=min(float(t_s), total),
                    sim_ms=f"{phase} {float(t_s) * 1e3:.1f} ms",
                )
            except (OSError, ValueError):
                pass
    if "error" in box:
        raise box["error"]
    return box["result"]


@control_app.command("lock")
def lock(
    rings: Annotated[int, typer.Option("--rings", help="number of microrings (1-16)")] = 4,
    drift_k: Annotated[
        float, typer.Option("--drift-k", help="ambient ramps from -drift to +drift, K")
    ] = 5.0,
    sim: Annotated[Simulator, typer.Option("--sim", help="HDL simulator")] = Simulator.icarus,
    json_out: Annotated[bool, typer.Option("--json", help="print the results as JSON")] = False,
    out: Annotated[Path, typer.Option("--out", help="output folder")] = Path("out/control"),
    seed: Annotated[int, typer.Option("--seed", help="seed of offsets, targets, noise")] = 1,
    ramp: Annotated[float, typer.Option("--ramp-k-per-ms", help="ambient ramp rate, K/ms")] = 0.1,
) -> None:
    """Lock a bank of microrings with the RTL lock FSM, through the photonic plant.

    Phases: acquisition from random resonance offsets, an ambient ramp from -drift to
    +drift, a target step on the middle ring (thermal crosstalk on its neighbours), and
    loss of light. Writes lock.png (heater codes, detunings, weight errors) and lock.json.
    """
    from cosim.control.scenario import Scenario, criteria_failures

    if not 1 <= rings <= 16:
        fail_usage(f"--rings = {rings}: must be 1..16 (the register map's ring blocks)")
    if drift_k < 0:
        fail_usage(f"--drift-k = {drift_k}: must be >= 0")
    if not 0 < ramp <= 10:
        fail_usage(f"--ramp-k-per-ms = {ramp}: must be in (0, 10]")
    try:
        scn = Scenario(n_rings=rings, seed=seed, drift_k=drift_k, ramp_k_per_ms=ramp)
        scn.design()
    except ValueError as e:
        fail_usage(str(e).replace("drift_k:", "--drift-k:"))
    out.mkdir(parents=True, exist_ok=True)
    log = out / f"sim-{sim.value}.log"
    progress_file = out / ".progress"
    start = time.time()
    try:
        result = _run_with_progress(scn, sim.value, Path("build/control"), log, progress_file)
    except (RuntimeError, SystemExit) as e:
        err_console.print(f"[bold red]co-simulation failed[/] ({e}); log: {log}")
        raise typer.Exit(EXIT_FAIL) from None
    finally:
        progress_file.unlink(missing_ok=True)

    from cosim.control.plots import plot_lock
    from cosim.control.trace import Trace

    tr = Trace.from_dict(result.pop("trace"))
    png = out / "lock.png"
    with atomic_path(png) as tmp:
        plot_lock(tr, tmp, f"{rings} rings on {sim.value}, seed {seed}")
    summary = result["summary"]
    failures = criteria_failures(summary, scn) + [
        f"golden-model mismatch: {m}" for m in result["scoreboard"]["mismatches"][:5]
    ]
    report = {
        "locked": summary["locked"],
        "iterations_to_lock": summary["iterations_to_lock"],
        "max_weight_error_lsb": summary["max_weight_error_lsb"],
        "max_weight_error_lsb_by_phase": summary["max_weight_error_lsb_by_phase"],
        "criteria_failures": failures,
        "checks": result["checks"],
        "scoreboard": result["scoreboard"],
        "sim": sim.value,
        "seed": seed,
        "scenario": result["scenario"],
        "design": result["design"],
        "wall_s": round(time.time() - start, 1),
        "plot": str(png),
        "log": str(log),
    }
    write_json(out / "lock.json", report)
    if json_out:
        print_json(report)
    else:
        _print_summary(report)
    if failures:
        raise typer.Exit(EXIT_FAIL)


def _print_summary(r: dict) -> None:
    from rich.table import Table

    table = Table(title=f"ring lock on {r['sim']} (seed {r['seed']})")
    for col in ("ring", "target", "locked", "rounds to lock"):
        table.add_column(col, justify="right")
    for i, (ok, it) in enumerate(zip(r["locked"], r["iterations_to_lock"], strict=True)):
        table.add_row(str(i), str(r["scenario"]["targets"][i]), "yes" if ok else "NO", str(it))
    console.print(table)
    errors = {
        k: (f"{v:.2f}" if v is not None else "-")
        for k, v in r["max_weight_error_lsb_by_phase"].items()
    }
    console.print(f"max |weight error| (LSB) by phase: {json.dumps(errors)}")
    sb = r["scoreboard"]
    console.print(
        f"golden FSM scoreboard: {sb['frames']} DAC writes, {len(sb['mismatches'])} mismatches"
    )
    for f in r["criteria_failures"]:
        console.print(f"[red]criterion failed:[/] {f}")
    console.print(f"plot: {r['plot']}  results: {Path(r['plot']).with_name('lock.json')}")
