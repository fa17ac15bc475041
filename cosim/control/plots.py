"""Plot of a plant-in-the-loop run: heater codes, ring detunings and weight errors."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from cosim.control.golden_lock import TRACK
from cosim.control.trace import Trace

PHASE_COLOURS = {
    "lock": "#dddddd",
    "ramp": "#fde9c9",
    "step": "#d8ecf7",
    "dark": "#9e9e9e",
    "relock": "#e6dcf2",
}


def plot_lock(tr: Trace, path: str | Path, title: str = "") -> Path:
    """Three panels over time: heater DAC code, resonance detuning (pm), weight error
    (LSB, tracking rings only, +-1 LSB band), with the ambient offset on a twin axis."""
    a = tr.arrays()
    t_ms = a["t"] * 1e3
    fig, axes = plt.subplots(3, 1, figsize=(10, 9), sharex=True, constrained_layout=True)
    spans = dict(tr.phases)
    if "laser_off_t" in tr.events:
        spans["dark"] = [tr.events["laser_off_t"], tr.events["laser_on_t"]]
    for name, (t0, t1) in spans.items():
        colour = PHASE_COLOURS.get(name)
        if colour:
            for ax in axes:
                ax.axvspan(t0 * 1e3, t1 * 1e3, color=colour, lw=0, zorder=0)
            axes[0].annotate(
                name,
                (t0 * 1e3, 1.0),
                xycoords=("data", "axes fraction"),
                fontsize=8,
                xytext=(2, -10),
                textcoords="offset points",
            )
    for i in range(tr.n_rings):
        sel = a["ring"] == i
        axes[0].plot(t_ms[sel], a["code"][sel], lw=0.8, label=f"ring {i}")
        axes[1].plot(t_ms[sel], a["detuning_pm"][sel], lw=0.8)
        trk = sel & (a["mode"] == TRACK)
        axes[2].plot(t_ms[trk], a["error_lsb"][trk], ".", ms=1.2)
    axes[0].set_ylabel("heater DAC code")
    axes[0].legend(loc="lower right", fontsize=8, ncol=min(tr.n_rings, 8))
    axes[1].set_ylabel("resonance - laser (pm)")
    axes[1].set_ylim(-400, 400)
    axes[2].axhline(1, color="k", lw=0.6, ls="--")
    axes[2].axhline(-1, color="k", lw=0.6, ls="--")
    axes[2].set_ylim(-3, 3)
    axes[2].set_ylabel("weight error (LSB)")
    axes[2].set_xlabel("time (ms)")
    twin = axes[1].twinx()
    order = np.argsort(t_ms)
    twin.plot(t_ms[order], a["ambient_k"][order], color="k", lw=1.0, ls=":")
    twin.set_ylabel("ambient offset (K), dotted")
    if title:
        fig.suptitle(title)
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
