"""The network's per-node report (analytic budget + waveform SNR) and its plot."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from cosim.network.budget import network_budget
from cosim.network.simulate import simulate_network
from cosim.network.topology import NetworkConfig


def network_report(cfg: NetworkConfig, progress: Callable[[str], None] | None = None) -> dict:
    """Per node: route, loss, latency, dispersion, OSNR and SNR at the centre, per channel."""
    budgets = network_budget(cfg)
    sims = simulate_network(cfg, progress)
    nodes = []
    for nb in budgets:
        chans = []
        for j, ch in enumerate(nb.channels):
            sim = next(r for r in sims if r.channel == ch)
            chans.append(
                {
                    "channel": ch,
                    "frequency_thz": float(nb.nu[j] / 1e12),
                    "launch_power_dbm": sim.launch_power_dbm,
                    "received_power_dbm": sim.received_power_dbm,
                    "osnr_db": float(nb.osnr_db[j]),
                    "snr_db": sim.snr_db,
                    "q_factor": sim.q_factor,
                    "ber": sim.ber,
                    "latency_us": float(nb.latency_s[j] * 1e6),
                    "dispersion_ps_per_nm": float(nb.dispersion_ps_per_nm[j]),
                }
            )
        nodes.append(
            {
                "node": nb.node,
                "route": nb.route,
                "fibre_km": nb.fibre_km,
                "passive_loss_db": nb.passive_loss_db,
                "amplifier_gain_db": nb.amplifier_gain_db,
                "net_loss_db": nb.net_loss_db,
                "latency_us": float(np.mean(nb.latency_s) * 1e6),
                "osnr_db": float(np.min(nb.osnr_db)),
                "snr_db": float(min(c["snr_db"] for c in chans)),
                "channels": chans,
            }
        )
    return {
        "seed": cfg.seed,
        "centre": cfg.centre,
        "nodes": nodes,
        "config": cfg.model_dump(mode="json"),
    }


def plot_network(report: dict, path: Path) -> None:
    """Bars per node: net loss, latency, worst OSNR and worst SNR at the centre."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    nodes = report["nodes"]
    names = [n["node"] for n in nodes]
    panels = [
        ("passive_loss_db", "passive loss (dB)"),
        ("latency_us", "latency (us)"),
        ("osnr_db", "worst OSNR, 0.1 nm (dB)"),
        ("snr_db", "worst SNR of values (dB)"),
    ]
    fig, axes = plt.subplots(1, len(panels), figsize=(13, 3.2))
    for ax, (key, label) in zip(axes, panels, strict=True):
        ax.bar(names, [n[key] for n in nodes], color="C0")
        ax.set_title(label, fontsize=10)
        ax.tick_params(axis="x", rotation=30)
        ax.grid(alpha=0.3, axis="y")
    fig.suptitle(f"edge nodes -> {report['centre']}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
