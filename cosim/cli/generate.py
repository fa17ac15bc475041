"""``opticloud generate``: one tenant's generative model, digital vs through its optical core."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cosim.cli.app import (
    app,
    atomic_path,
    console,
    err_console,
    fail_usage,
    print_json,
    write_json,
)

MODELS = ("gan", "vae", "diffusion")
MAX_SEED = 2**32
STAGES = {"programming": "programming tiles", "optical": "optical products"}


def scenario_settings(model: str, scenario: Path | None) -> dict[str, Any]:
    """Backend settings of the scenario's tenant that runs ``model`` (plus its ``node``)."""
    if scenario is not None and not scenario.is_file():
        fail_usage(f"--scenario = {scenario}: no such file")
    from cosim.e2e.scenario import ScenarioError, load_scenario
    from cosim.e2e.tenants import backend_settings
    from cosim.workloads.optical import KINDS

    try:
        sc = load_scenario(scenario)
        nodes = [node for node, m in sc.tenants if m == model]
        if not nodes:
            tenants = ", ".join(f"{node}: {m}" for node, m in sc.tenants) or "none"
            fail_usage(f"--model = {model!r}: no tenant of the scenario runs it ({tenants})")
        if sc.opu.kind not in KINDS:  # before the (minutes-long) waveform run
            fail_usage(
                f"--scenario: opu.kind = {sc.opu.kind!r} cannot hold a general weight tile "
                f"(circulant only); generative models need one of {', '.join(KINDS)}"
            )
        return backend_settings(sc, nodes[0]) | {"node": nodes[0]}
    except ScenarioError as e:
        fail_usage(f"--scenario {scenario or '(default)'}: {e}")


@app.command()
def generate(
    model: Annotated[str, typer.Option("--model", help="gan | vae | diffusion")],
    scenario: Annotated[
        Path | None, typer.Option("--scenario", help="scenario YAML (default: built-in)")
    ] = None,
    n: Annotated[int, typer.Option("-n", help="images (>= 2; >= 1000 for a stable FID)")] = 64,
    seed: Annotated[
        int | None,
        typer.Option("--seed", help="seed of latents and receiver noise (default: scenario's)"),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="output folder (default: out/generate-<time>)")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="print the metrics as JSON")] = False,
) -> None:
    """Generate digits with MODEL digitally and through its tenant's optical core; compare.

    The same seeded latents and labels go through the exact digital product and through
    the statistical model of the optical link (tiles programmed on the core with its
    non-idealities, two signed passes, receiver noise, DAC/ADC), settings from the
    scenario. Writes MODEL_grid.png (digital | optical | difference) and metrics.json:
    psnr_db, ssim (optical vs digital), fid_digital, fid_optical (vs held-out real
    digits, classifier features), accuracy_digital, accuracy_optical, hardware figures
    (images/s, energy per image, tiles, symbols), seed and config.
    """
    if model not in MODELS:
        fail_usage(f"--model = {model!r}: must be one of {', '.join(MODELS)}")
    if n < 2:
        fail_usage(f"-n = {n}: must be >= 2 (FID needs a covariance)")
    if seed is not None and not 0 <= seed < MAX_SEED:
        fail_usage(f"--seed = {seed}: must lie in [0, 2**32)")
    if out is not None and out.exists() and not out.is_dir():
        fail_usage(f"--out = {out}: exists and is not a folder")
    shown = err_console if json_out else console
    with shown.status("measuring the link noise: waveform co-simulation of the scenario ..."):
        settings = scenario_settings(model, scenario)
    node = settings.pop("node", None)

    from cosim.cli.demo import default_out_dir
    from cosim.workloads import generate as job

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=shown,
        transient=json_out,
    )
    tasks: dict[str, Any] = {}

    def report(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = progress.add_task(f"{model}: {STAGES[stage]}", total=total)
        progress.update(tasks[stage], completed=done, total=total)

    try:  # settings the scenario let through but the optical backend refuses
        job.make_backend(settings, seed if seed is not None else 0)
    except ValueError as e:
        fail_usage(f"scenario settings for {model}: {e}")
    with progress:
        result = job.generate(model, settings, n=n, seed=seed, progress=report)

    folder = out or default_out_dir(f"generate-{model}")
    files = {"grid": folder / f"{model}_grid.png", "metrics": folder / "metrics.json"}
    with atomic_path(files["grid"]) as tmp:
        job.plot_comparison(result, tmp)
    record = result.metrics | {
        "scenario": str(scenario) if scenario else "built-in default",
        "node": node,
        "files": {k: str(v) for k, v in files.items()},
    }
    write_json(files["metrics"], record)
    if json_out:
        print_json(record)
        return
    _print_table(record)


def _print_table(m: dict[str, Any]) -> None:
    c, hw = m["config"], m["hardware"]
    table = Table(
        title=f"{m['model']} on {c['kind']} {c['rows']}x{c['cols']} ({m['n']} images, "
        f"seed {m['seed']})"
    )
    table.add_column("figure")
    table.add_column("digital", justify="right")
    table.add_column("optical", justify="right")
    table.add_row(
        "classifier accuracy", f"{m['accuracy_digital']:.1%}", f"{m['accuracy_optical']:.1%}"
    )
    table.add_row("FID vs real digits", f"{m['fid_digital']:.3g}", f"{m['fid_optical']:.3g}")
    table.add_row("PSNR vs digital (dB)", "", f"{m['psnr_db']:.1f}")
    table.add_row("SSIM vs digital", "", f"{m['ssim']:.4f}")
    table.add_row("images/s (streaming)", "", f"{hw['images_per_s']:.4g}")
    table.add_row("images/s (with reprogramming)", "", f"{hw['images_per_s_with_programming']:.4g}")
    table.add_row("energy per image (J)", "", f"{hw['energy_per_image_j']:.3g}")
    table.add_row(
        "tiles / symbols per image", "", f"{hw['distinct_tiles']} / {hw['symbols_per_image']:.4g}"
    )
    console.print(table)
    files = m["files"]
    console.print(f"wrote [bold]{files['grid']}[/] and [bold]{files['metrics']}[/]")
