"""``opticloud sim``: a cell's S-parameters as Touchstone and a plot."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from cosim.cli.app import app, atomic_path, console, fail_usage, parse_assignments

WL_RANGE_UM = (1.26, 1.675)  # O- to U-band: where the compact models' dispersion holds


def parse_wavelengths(spec: str) -> np.ndarray:
    """``"1.5:1.6:201"`` -> 201 wavelengths in um; a clear usage error otherwise."""
    parts = spec.split(":")
    if len(parts) != 3:
        fail_usage(f"--wl expects START:STOP:POINTS in um, got {spec!r}")
    try:
        start, stop = float(parts[0]), float(parts[1])
        points = float(parts[2])
    except ValueError:
        fail_usage(f"--wl expects numbers START:STOP:POINTS, got {spec!r}")
    if not (math.isfinite(start) and math.isfinite(stop)) or not start < stop:
        fail_usage(f"--wl START must be below STOP, got {spec!r}")
    if start < WL_RANGE_UM[0] or stop > WL_RANGE_UM[1]:
        fail_usage(f"--wl {spec!r} outside [{WL_RANGE_UM[0]}, {WL_RANGE_UM[1]}] um")
    if points != int(points) or not 2 <= points <= 100_000:
        fail_usage(f"--wl POINTS must be an integer in [2, 100000], got {parts[2]!r}")
    return np.linspace(start, stop, int(points))


def write_touchstone(result, path: Path) -> Path:
    """Write ``result`` (components.simulate.SParameters) as a Touchstone file."""
    import skrf

    order = np.argsort(result.frequency_hz)
    net = skrf.Network(
        frequency=skrf.Frequency.from_f(result.frequency_hz[order], unit="hz"),
        s=result.s[order],
        name=result.cell,
    )
    net.comments = (
        f"opticloud {result.cell}: optical S-parameters, frequency = c / wavelength\n"
        f"ports: {' '.join(result.ports)}\nsettings: {result.settings}"
    )
    with atomic_path(path) as tmp:
        tmp.write_text(net.write_touchstone(return_string=True, form="ri"))
    return path


def plot_s_parameters(result, path: Path) -> Path:
    """|S_ij|^2 in dB vs wavelength for every nonzero transmission."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    power = np.abs(result.s) ** 2
    curves: list[tuple[np.ndarray, list[str]]] = []  # reciprocal/symmetric paths drawn once
    for j, p_in in enumerate(result.ports):
        for i, p_out in enumerate(result.ports):
            if i == j or power[:, i, j].max() < 1e-6:
                continue
            same = next((c for c in curves if np.allclose(c[0], power[:, i, j], atol=1e-9)), None)
            if same is None:
                curves.append((power[:, i, j], [f"{p_in}→{p_out}"]))
            else:
                same[1].append(f"{p_in}→{p_out}")
    for values, labels in curves:
        db = 10 * np.log10(np.maximum(values, 1e-12))
        ax.plot(result.wl_um * 1e3, db, label=", ".join(labels))
    ax.set_xlabel("wavelength (nm)")
    ax.set_ylabel("|S|² (dB)")
    ax.set_title(f"{result.cell}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
    return path


@app.command()
def sim(
    cell: Annotated[str, typer.Argument(help="cell name (see `opticloud cells`)")],
    wl: Annotated[str, typer.Option("--wl", help="START:STOP:POINTS in um")] = "1.5:1.6:501",
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="cell parameter or model input key=value (power=10, ...)"),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="output folder")] = Path("out/sim"),
) -> None:
    """S-parameters of CELL from its compact model -> Touchstone (.sNp) and PNG plot."""
    import components  # noqa: F401  (registers cells and models)
    from components.registry import CellParameterError
    from components.simulate import s_parameters

    wavelengths = parse_wavelengths(wl)
    try:
        result = s_parameters(cell, wavelengths, parse_assignments(set_))
    except CellParameterError as e:
        fail_usage(str(e))
    n = len(result.ports)
    ts = write_touchstone(result, out / f"{cell}.s{n}p")
    png = plot_s_parameters(result, out / f"{cell}.png")
    console.print(f"wrote [bold]{ts}[/] ({n} ports: {' '.join(result.ports)}) and [bold]{png}[/]")
