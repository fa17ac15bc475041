"""``opticloud link`` and ``opticloud network``: the fibre link and the metro network."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cosim.cli.app import app, atomic_path, console, fail_usage, print_json, write_json

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="YAML configuration (default: built-in scenario)")
]
JsonOption = Annotated[bool, typer.Option("--json", help="print the results as JSON")]


def _fmt(v: float | None, spec: str = ".2f") -> str:
    return "-" if v is None else format(v, spec)


@app.command()
def link(
    config: ConfigOption = None,
    json_out: JsonOption = False,
    out: Annotated[Path, typer.Option("--out", help="folder for the plots and link.json")] = Path(
        "out/link"
    ),
) -> None:
    """Simulate one WDM link: eye, spectrum, power budget/OSNR, Q/BER/SNR per channel."""
    from cosim.link.config import ConfigError, load_link_config

    try:
        cfg = load_link_config(config)
    except ConfigError as e:
        fail_usage(str(e))

    from cosim.link import plots
    from cosim.link.report import link_report

    with console.status("simulating the link ...") if not json_out else nullcontext():
        rep = link_report(cfg)
    grid = cfg.grid.grid()
    files = {
        "eye_diagram": out / "eye.png",
        "spectrum": out / "spectrum.png",
        "power_budget": out / "budget.png",
        "quality": out / "quality.png",
        "json": out / "link.json",
    }
    with atomic_path(files["eye_diagram"]) as tmp:
        plots.eye_diagram(rep.result.waveform, grid, cfg.receiver.adc.sampling_phase, tmp)
    with atomic_path(files["spectrum"]) as tmp:
        plots.received_spectrum(rep.result.rx_field, grid, cfg.channels.spacing_ghz * 1e9, tmp)
    with atomic_path(files["power_budget"]) as tmp:
        plots.power_budget(rep.budget, tmp)
    with atomic_path(files["quality"]) as tmp:
        plots.quality(rep.channels, tmp)
    data = rep.to_dict() | {"files": {k: str(v) for k, v in files.items()}}
    write_json(files["json"], data)
    if json_out:
        print_json(data)
        return
    table = Table(title=f"link: {len(rep.channels)} channels, seed {cfg.seed}")
    for col in ("ch", "THz", "Rx dBm", "OSNR dB", "SNR dB", "Q", "BER", "latency us"):
        table.add_column(col, justify="right")
    for c in rep.channels:
        table.add_row(
            str(c["channel"]),
            f"{c['frequency_thz']:.3f}",
            _fmt(c["received_power_dbm"]),
            _fmt(c["osnr_db"], ".1f"),
            _fmt(c["snr_db"], ".1f"),
            _fmt(c["q_factor"]),
            f"{c['ber']:.2e}",
            f"{c['latency_us']:.3f}",
        )
    console.print(table)
    console.print(f"wrote [bold]{out}[/] (eye, spectrum, budget, quality PNGs and link.json)")


@app.command()
def network(
    config: ConfigOption = None,
    json_out: JsonOption = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="also write network.json and network.png here")
    ] = None,
) -> None:
    """The metro network: per-node loss, latency, OSNR and SNR at the computing centre."""
    from cosim.link.config import ConfigError
    from cosim.network.topology import load_network_config

    try:
        cfg = load_network_config(config)
    except ConfigError as e:
        fail_usage(str(e))

    from cosim.network.report import network_report, plot_network

    if json_out:
        rep = network_report(cfg)
    else:
        with console.status("simulating the network ...") as status:
            rep = network_report(cfg, lambda n: status.update(f"simulating the network: {n} ..."))
    if out is not None:
        write_json(out / "network.json", rep)
        with atomic_path(out / "network.png") as tmp:
            plot_network(rep, tmp)
    if json_out:
        print_json(rep)
        return
    table = Table(title=f"network -> {rep['centre']} (seed {rep['seed']})")
    for col in ("node", "via", "km", "loss dB", "net dB", "latency us", "OSNR dB", "SNR dB"):
        table.add_column(col, justify="right")
    for n in rep["nodes"]:
        table.add_row(
            n["node"],
            ">".join(n["route"][1:-1]) or "-",
            f"{n['fibre_km']:g}",
            f"{n['passive_loss_db']:.1f}",
            f"{n['net_loss_db']:.1f}",
            f"{n['latency_us']:.2f}",
            f"{n['osnr_db']:.1f}",
            f"{n['snr_db']:.1f}",
        )
    console.print(table)
    if out is not None:
        console.print(f"wrote [bold]{out}[/] (network.json, network.png)")
